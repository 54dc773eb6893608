// Pool scoping for services (MetalLB's serviceAllocation semantics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidatePools, poolAcceptsService } from '../../src/config/scope.js';
import { okConfig, pool } from './helpers.js';

const c = okConfig([
  pool('open', ['10.0.0.0/24']),
  pool('manual', ['10.0.1.0/24'], { autoAssign: false }),
  pool('team-a', ['10.0.2.0/24'], { serviceAllocation: { priority: 20, namespaces: ['team-a'] } }),
  pool('premium-ns', ['10.0.3.0/24'], {
    serviceAllocation: { priority: 10, namespaceSelectors: [{ matchLabels: { tier: 'premium' } }] },
  }),
  pool('public-svc', ['10.0.4.0/24'], {
    serviceAllocation: { serviceSelectors: [{ matchLabels: { exposure: 'public' } }] },
  }),
  pool('everyone', ['10.0.5.0/24'], { serviceAllocation: { priority: 5 } }),
  pool('a-public', ['10.0.6.0/24'], {
    serviceAllocation: {
      priority: 1,
      namespaces: ['team-a'],
      serviceSelectors: [{ matchLabels: { exposure: 'public' } }],
    },
  }),
]);
const byName = (n: string) => c.pools.find((p) => p.name === n)!;

test('poolAcceptsService', () => {
  const cases: [string, string, Record<string, string>, Record<string, string>, boolean][] = [
    ['open', 'x', {}, {}, true],
    ['team-a', 'team-a', {}, {}, true],
    ['team-a', 'team-b', {}, {}, false],
    ['premium-ns', 'team-b', {}, { tier: 'premium' }, true],
    ['premium-ns', 'team-b', {}, { tier: 'basic' }, false],
    ['public-svc', 'any', { exposure: 'public' }, {}, true],
    ['public-svc', 'any', { exposure: 'internal' }, {}, false],
    ['everyone', 'any', {}, {}, true],
    ['a-public', 'team-a', { exposure: 'public' }, {}, true],
    ['a-public', 'team-a', {}, {}, false],
    ['a-public', 'team-b', { exposure: 'public' }, {}, false],
  ];
  for (const [p, ns, labels, nsLabels, want] of cases)
    assert.equal(
      poolAcceptsService(byName(p), { namespace: ns, labels }, nsLabels),
      want,
      `${p} ${ns} ${JSON.stringify(labels)}`,
    );
});

test('candidatePools: scoped by priority (unset last), then unscoped autoAssign pools', () => {
  const names = (ns: string, labels: Record<string, string>, nsLabels: Record<string, string>) =>
    candidatePools(c.pools, { namespace: ns, labels }, nsLabels).map((p) => p.name);
  assert.deepEqual(names('team-a', { exposure: 'public' }, { tier: 'premium' }), [
    'a-public',
    'everyone',
    'premium-ns',
    'team-a',
    'public-svc',
    'open',
  ]);
  assert.deepEqual(names('other', {}, {}), ['everyone', 'open']);
});
