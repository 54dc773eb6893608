// Arbitrary values in every field of every kind: buildConfig and parseService always return
// errors or a config, never throw, and every error names an object and a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildConfig, parseDocuments, parseService, toRawObject } from '../../src/config/index.js';

const KINDS: [string, string, string[]][] = [
  ['metallb.io/v1beta1', 'IPAddressPool', ['addresses', 'autoAssign', 'avoidBuggyIPs', 'serviceAllocation']],
  [
    'metallb.io/v1beta1',
    'L2Advertisement',
    [
      'ipAddressPools',
      'ipAddressPoolSelectors',
      'nodeSelectors',
      'interfaces',
      'serviceSelectors',
      'preferredNodeSelectors',
    ],
  ],
  [
    'metallb.io/v1beta1',
    'BGPAdvertisement',
    [
      'aggregationLength',
      'aggregationLengthV6',
      'localPref',
      'communities',
      'ipAddressPools',
      'peers',
      'nodeSelectors',
    ],
  ],
  [
    'metallb.io/v1beta2',
    'BGPPeer',
    [
      'myASN',
      'peerASN',
      'dynamicASN',
      'peerAddress',
      'holdTime',
      'keepaliveTime',
      'connectTime',
      'passwordSecret',
      'nodeSelectors',
      'bfdProfile',
    ],
  ],
  ['metallb.io/v1beta1', 'BGPPeer', ['myASN', 'peerASN', 'peerAddress', 'holdTime', 'nodeSelectors']],
  ['metallb.io/v1beta1', 'BFDProfile', ['receiveInterval', 'detectMultiplier', 'echoMode', 'minimumTtl']],
  ['metallb.io/v1beta1', 'Community', ['communities']],
  ['v1', 'Secret', ['type', 'data']],
  ['v1', 'ConfigMap', ['data']],
];

/** Values that look almost right: real-looking strings and numbers mixed with junk. */
const plausible = fc.oneof(
  fc.constantFrom(
    '10.0.0.0/24',
    '10.0.0.1-10.0.0.9',
    'fc00::/120',
    '90s',
    '1m',
    '64512:1',
    'large:1:2:3',
    'a',
    '',
    'In',
    'Exists',
    'internal',
    'kubernetes.io/basic-auth',
  ),
  fc.integer({ min: -5, max: 70000 }),
  fc.constantFrom(0, 1, 32, 128, 4294967296, 1e300, Number.NaN, -0, 0.5),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    plausible,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        'matchLabels',
        'matchExpressions',
        'key',
        'operator',
        'values',
        'name',
        'value',
        'config',
        'password',
        'weight',
        'preference',
        'namespaces',
        'priority',
      ),
      tie('v'),
      { maxKeys: 3 },
    ),
  ),
})).v;

const objectArb = fc
  .tuple(
    fc.constantFrom(...KINDS),
    fc.constantFrom('a', 'b'),
    fc.array(fc.tuple(fc.nat(20), value), { maxLength: 4 }),
  )
  .map(([[apiVersion, kind, fields], name, picks]) => {
    const spec: Record<string, unknown> = {};
    for (const [i, v] of picks) spec[fields[i % fields.length]!] = v;
    const base = { apiVersion, kind, metadata: { name, namespace: 'metallb-system' } };
    return kind === 'Secret' || kind === 'ConfigMap' ? { ...base, ...spec } : { ...base, spec };
  });

test('property: buildConfig never throws on arbitrary field values', () => {
  fc.assert(
    fc.property(fc.array(objectArb, { maxLength: 6 }), (values) => {
      const objects = values.map((v, i) => toRawObject(v, { file: 'fuzz', doc: i }).object!).filter(Boolean);
      const r = buildConfig(objects);
      if (!r.ok) for (const e of r.errors) assert.ok(e.object.length > 0 && e.reason.length > 0);
      return true;
    }),
    { numRuns: 1500 },
  );
});

test('property: parseService never throws', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom('spec', 'metadata', 'status', 'kind'), value, { maxKeys: 4 }),
      (raw) => {
        const r = parseService({ kind: 'Service', metadata: { name: 'x' }, ...raw });
        return r.service !== null || r.errors.length > 0;
      },
    ),
    { numRuns: 1500 },
  );
});

test('property: parseDocuments never throws on arbitrary text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const r = parseDocuments(text, 'fuzz');
      return Array.isArray(r.objects) && Array.isArray(r.errors);
    }),
    { numRuns: 2000 },
  );
});
