// Table-driven tests of the allocation rules. Each case builds pools, feeds services in order
// (a service may appear twice: later entries are updates) and states the expected outcome of
// every step: the addresses and pool, a failure reason fragment, or "ignored".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allocateAll, Allocator, restoreOrder, type Allocation } from '../../src/allocator/allocator.js';
import type { Labels, Pool, ServiceInput } from '../../src/config/model.js';
import { pool, sel, svc, text } from './fixtures.js';

type Expect = { ips: string[]; pool: string } | { fail: string } | { ignored: true };

interface Case {
  name: string;
  pools: Pool[];
  steps: [ServiceInput, Expect][];
  lbClass?: string;
  namespaces?: Record<string, Labels>;
}

const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));

function check(got: Allocation, want: Expect, label: string) {
  if ('ips' in want) {
    assert.equal(got.kind, 'assigned', `${label}: ${show(got)}`);
    if (got.kind !== 'assigned') return;
    assert.deepEqual(text(got.ips), want.ips, label);
    assert.equal(got.pool, want.pool, label);
  } else if ('fail' in want) {
    assert.equal(got.kind, 'failed', `${label}: ${show(got)}`);
    if (got.kind === 'failed') assert.match(got.reason, new RegExp(want.fail), label);
  } else assert.equal(got.kind, 'ignored', label);
}

function run(c: Case) {
  const alloc = new Allocator(c.pools, {
    lbClass: c.lbClass ?? null,
    namespaceLabels: (ns) => c.namespaces?.[ns],
  });
  c.steps.forEach(([s, want], i) => check(alloc.assign(s), want, `step ${i} (${s.namespace}/${s.name})`));
  return alloc;
}

const v4 = pool('v4', ['10.0.0.0/30']);
const dual = pool('dual', ['10.1.0.0/24', 'fd00:1::/120']);
const v6only = pool('v6', ['fd00:6::/120']);

const cases: Case[] = [
  {
    name: 'lowest free address of the only pool, in order',
    pools: [v4],
    steps: [
      [svc('a'), { ips: ['10.0.0.0'], pool: 'v4' }],
      [svc('b'), { ips: ['10.0.0.1'], pool: 'v4' }],
      [svc('c'), { ips: ['10.0.0.2'], pool: 'v4' }],
      [svc('d'), { ips: ['10.0.0.3'], pool: 'v4' }],
      [svc('e'), { fail: 'no free IPv4 address' }],
    ],
  },
  {
    name: 'blocks are used in the order written, ranges included',
    pools: [pool('p', ['10.9.0.5-10.9.0.6', '10.2.0.0/31'])],
    steps: [
      [svc('a'), { ips: ['10.9.0.5'], pool: 'p' }],
      [svc('b'), { ips: ['10.9.0.6'], pool: 'p' }],
      [svc('c'), { ips: ['10.2.0.0'], pool: 'p' }],
    ],
  },
  {
    name: 'an existing assignment is kept when the service is seen again',
    pools: [v4],
    steps: [
      [svc('a'), { ips: ['10.0.0.0'], pool: 'v4' }],
      [svc('b'), { ips: ['10.0.0.1'], pool: 'v4' }],
      [svc('a', { tcp: [443] }), { ips: ['10.0.0.0'], pool: 'v4' }],
    ],
  },
  {
    name: 'spec.loadBalancerIP / metallb.io/loadBalancerIPs are honoured, even from a non-autoAssign pool',
    pools: [v4, pool('manual', ['192.168.5.0/24'], { autoAssign: false })],
    steps: [
      [svc('a', { requestedIPs: ['10.0.0.2'] }), { ips: ['10.0.0.2'], pool: 'v4' }],
      [svc('b'), { ips: ['10.0.0.0'], pool: 'v4' }],
      [svc('c', { requestedIPs: ['192.168.5.77'] }), { ips: ['192.168.5.77'], pool: 'manual' }],
    ],
  },
  {
    name: 'requested IP outside every pool fails without touching others',
    pools: [v4],
    steps: [
      [svc('a'), { ips: ['10.0.0.0'], pool: 'v4' }],
      [
        svc('bad', { requestedIPs: ['172.16.0.1'] }),
        { fail: '172\\.16\\.0\\.1 is not in any IPAddressPool' },
      ],
      [svc('b'), { ips: ['10.0.0.1'], pool: 'v4' }],
      [svc('a'), { ips: ['10.0.0.0'], pool: 'v4' }],
    ],
  },
  {
    name: 'requested IP already held by a service that does not share',
    pools: [v4],
    steps: [
      [svc('a'), { ips: ['10.0.0.0'], pool: 'v4' }],
      [
        svc('b', { requestedIPs: ['10.0.0.0'] }),
        { fail: 'in use by default/a, which does not allow sharing' },
      ],
    ],
  },
  {
    name: 'changing the requested IP moves the service and frees the old address',
    pools: [v4],
    steps: [
      [svc('a', { requestedIPs: ['10.0.0.1'] }), { ips: ['10.0.0.1'], pool: 'v4' }],
      [svc('a', { requestedIPs: ['10.0.0.3'] }), { ips: ['10.0.0.3'], pool: 'v4' }],
      [svc('b', { requestedIPs: ['10.0.0.1'] }), { ips: ['10.0.0.1'], pool: 'v4' }],
    ],
  },
  {
    name: 'metallb.io/address-pool picks the pool, autoAssign false included; unknown pool fails',
    pools: [v4, pool('manual', ['192.168.5.0/24'], { autoAssign: false })],
    steps: [
      [svc('a', { requestedPool: 'manual' }), { ips: ['192.168.5.0'], pool: 'manual' }],
      [svc('b', { requestedPool: 'nope' }), { fail: 'IPAddressPool nope .*does not exist' }],
      [
        svc('c', { requestedPool: 'manual', requestedIPs: ['10.0.0.1'] }),
        { fail: 'belongs to IPAddressPool v4, not to manual' },
      ],
    ],
  },
  {
    name: 'autoAssign false pools are never used automatically',
    pools: [pool('a-manual', ['10.5.0.0/24'], { autoAssign: false }), pool('b-auto', ['10.6.0.0/24'])],
    steps: [[svc('a'), { ips: ['10.6.0.0'], pool: 'b-auto' }]],
  },
  {
    name: 'no autoAssign pool at all',
    pools: [pool('m', ['10.5.0.0/24'], { autoAssign: false })],
    steps: [[svc('a'), { fail: 'no IPAddressPool with autoAssign serves this service' }]],
  },
  {
    name: 'serviceAllocation pools by priority (unset last), then open pools by name',
    pools: [
      pool('a-open', ['10.0.1.0/24']),
      pool('prio-unset', ['10.0.2.0/24'], { serviceAllocation: {} }),
      pool('prio-20', ['10.0.3.0/31'], { serviceAllocation: { priority: 20 } }),
      pool('prio-10', ['10.0.4.0/32'], { serviceAllocation: { priority: 10 } }),
    ],
    steps: [
      [svc('a'), { ips: ['10.0.4.0'], pool: 'prio-10' }],
      [svc('b'), { ips: ['10.0.3.0'], pool: 'prio-20' }],
      [svc('c'), { ips: ['10.0.3.1'], pool: 'prio-20' }],
      [svc('d'), { ips: ['10.0.2.0'], pool: 'prio-unset' }],
    ],
  },
  {
    name: 'namespaces and namespaceSelectors scope a pool',
    pools: [
      pool('team-a', ['10.7.0.0/24'], { serviceAllocation: { namespaces: ['team-a'] } }),
      pool('prod', ['10.8.0.0/24'], { serviceAllocation: { namespaceSelectors: [sel({ env: 'prod' })] } }),
      pool('zz-shared', ['10.9.0.0/24']),
    ],
    namespaces: { shop: { env: 'prod' }, lab: { env: 'dev' } },
    steps: [
      [svc('team-a/x'), { ips: ['10.7.0.0'], pool: 'team-a' }],
      [svc('shop/x'), { ips: ['10.8.0.0'], pool: 'prod' }],
      [svc('lab/x'), { ips: ['10.9.0.0'], pool: 'zz-shared' }],
      [svc('lab/y', { requestedPool: 'team-a' }), { fail: 'does not serve namespace lab' }],
      [
        svc('lab/z', { requestedIPs: ['10.8.0.9'] }),
        { fail: 'IPAddressPool prod does not serve namespace lab' },
      ],
    ],
  },
  {
    name: 'serviceSelectors scope a pool',
    pools: [
      pool('gold', ['10.7.0.0/24'], { serviceAllocation: { serviceSelectors: [sel({ tier: 'gold' })] } }),
      pool('other', ['10.9.0.0/24']),
    ],
    steps: [
      [svc('g', { labels: { tier: 'gold' } }), { ips: ['10.7.0.0'], pool: 'gold' }],
      [svc('s', { labels: { tier: 'silver' } }), { ips: ['10.9.0.0'], pool: 'other' }],
    ],
  },
  {
    name: 'avoidBuggyIPs skips .0 and .255 and refuses them when requested',
    pools: [pool('b', ['10.0.0.254-10.0.1.1'], { avoidBuggyIPs: true })],
    steps: [
      [svc('a'), { ips: ['10.0.0.254'], pool: 'b' }],
      [svc('b'), { ips: ['10.0.1.1'], pool: 'b' }],
      [svc('c'), { fail: 'no free IPv4 address' }],
      [svc('d', { requestedIPs: ['10.0.0.255'] }), { fail: 'avoidBuggyIPs' }],
    ],
  },
  {
    name: 'SingleStack uses ipFamilies[0]',
    pools: [dual],
    steps: [
      [svc('a', { ipFamilies: ['IPv6'] }), { ips: ['fd00:1::'], pool: 'dual' }],
      [
        svc('b', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }),
        { ips: ['10.1.0.0'], pool: 'dual' },
      ],
    ],
  },
  {
    name: 'RequireDualStack takes both families from one pool, primary first',
    pools: [v4, v6only, dual],
    steps: [
      [
        svc('a', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }),
        { ips: ['fd00:1::', '10.1.0.0'], pool: 'dual' },
      ],
      [
        svc('b', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }),
        { ips: ['10.1.0.1', 'fd00:1::1'], pool: 'dual' },
      ],
    ],
  },
  {
    name: 'RequireDualStack without a dual pool fails',
    pools: [v4, v6only],
    steps: [
      [
        svc('a', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }),
        { fail: 'has no IPv6 addresses' },
      ],
    ],
  },
  {
    name: 'PreferDualStack prefers a dual pool, else falls back to the primary family',
    pools: [pool('a-v4', ['10.0.0.0/24']), pool('b-dual', ['10.1.0.0/32', 'fd00:1::/127'])],
    steps: [
      [
        svc('a', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }),
        { ips: ['10.1.0.0', 'fd00:1::'], pool: 'b-dual' },
      ],
      [
        svc('b', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }),
        { ips: ['10.0.0.0'], pool: 'a-v4' },
      ],
      [
        svc('c', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] }),
        { ips: ['10.0.0.1'], pool: 'a-v4' },
      ],
    ],
  },
  {
    name: 'requested addresses must match the families',
    pools: [dual],
    steps: [
      [svc('a', { requestedIPs: ['fd00:1::5'] }), { fail: 'requested IPv6 address does not match' }],
      [
        svc('b', {
          ipFamilyPolicy: 'RequireDualStack',
          ipFamilies: ['IPv4', 'IPv6'],
          requestedIPs: ['10.1.0.9'],
        }),
        { fail: 'RequireDualStack needs' },
      ],
      [
        svc('c', {
          ipFamilyPolicy: 'RequireDualStack',
          ipFamilies: ['IPv6', 'IPv4'],
          requestedIPs: ['10.1.0.9', 'fd00:1::9'],
        }),
        { ips: ['fd00:1::9', '10.1.0.9'], pool: 'dual' },
      ],
      [
        svc('d', { requestedIPs: ['10.1.0.7', '10.1.0.8'] }),
        { fail: 'more than one requested address of the same IP family' },
      ],
    ],
  },
  {
    name: 'requested addresses in two pools fail',
    pools: [pool('x', ['10.0.0.0/24']), pool('y', ['fd00::/120'])],
    steps: [
      [
        svc('a', {
          ipFamilyPolicy: 'RequireDualStack',
          ipFamilies: ['IPv4', 'IPv6'],
          requestedIPs: ['10.0.0.1', 'fd00::1'],
        }),
        { fail: 'different IPAddressPools \\(x, y\\)' },
      ],
    ],
  },
  {
    name: 'allow-shared-ip: same key and distinct ports share the lowest address',
    pools: [v4],
    steps: [
      [svc('dns-tcp', { sharingKey: 'dns', tcp: [53] }), { ips: ['10.0.0.0'], pool: 'v4' }],
      [
        svc('dns-udp', { sharingKey: 'dns', ports: [{ name: '', protocol: 'UDP', port: 53 }] }),
        { ips: ['10.0.0.0'], pool: 'v4' },
      ],
      [svc('web', {}), { ips: ['10.0.0.1'], pool: 'v4' }],
      // Same key but TCP/53 is taken: it gets its own address.
      [svc('dns-tcp2', { sharingKey: 'dns', tcp: [53] }), { ips: ['10.0.0.2'], pool: 'v4' }],
    ],
  },
  {
    name: 'allow-shared-ip refusals: different key, port clash, traffic policy',
    pools: [v4],
    steps: [
      [
        svc('a', { sharingKey: 'k', tcp: [80], requestedIPs: ['10.0.0.1'] }),
        { ips: ['10.0.0.1'], pool: 'v4' },
      ],
      [
        svc('b', { sharingKey: 'other', tcp: [81], requestedIPs: ['10.0.0.1'] }),
        { fail: 'different sharing key' },
      ],
      [svc('c', { sharingKey: 'k', tcp: [80], requestedIPs: ['10.0.0.1'] }), { fail: 'already uses TCP/80' }],
      [
        svc('d', { sharingKey: 'k', tcp: [82], externalTrafficPolicy: 'Local', requestedIPs: ['10.0.0.1'] }),
        { fail: 'externalTrafficPolicy is Cluster' },
      ],
      [
        svc('e', { sharingKey: 'k', tcp: [83], requestedIPs: ['10.0.0.1'] }),
        { ips: ['10.0.0.1'], pool: 'v4' },
      ],
    ],
  },
  {
    name: 'Local services share only with the same pod selector',
    pools: [v4],
    steps: [
      [
        svc('a', { sharingKey: 'k', tcp: [80], externalTrafficPolicy: 'Local', selector: { app: 'x' } }),
        { ips: ['10.0.0.0'], pool: 'v4' },
      ],
      [
        svc('b', { sharingKey: 'k', tcp: [81], externalTrafficPolicy: 'Local', selector: { app: 'x' } }),
        { ips: ['10.0.0.0'], pool: 'v4' },
      ],
      [
        svc('c', {
          sharingKey: 'k',
          tcp: [82],
          externalTrafficPolicy: 'Local',
          selector: { app: 'y' },
          requestedIPs: ['10.0.0.0'],
        }),
        { fail: 'same pod selector' },
      ],
    ],
  },
  {
    name: 'a port change that clashes with a sharing partner moves the service',
    pools: [v4],
    steps: [
      [svc('a', { sharingKey: 'k', tcp: [80] }), { ips: ['10.0.0.0'], pool: 'v4' }],
      [svc('b', { sharingKey: 'k', tcp: [81] }), { ips: ['10.0.0.0'], pool: 'v4' }],
      [svc('b', { sharingKey: 'k', tcp: [80] }), { ips: ['10.0.0.1'], pool: 'v4' }],
    ],
  },
  {
    name: 'loadBalancerClass: without --lb-class only class-less services',
    pools: [v4],
    steps: [
      [svc('a', { loadBalancerClass: 'other.io/lb' }), { ignored: true }],
      [svc('b'), { ips: ['10.0.0.0'], pool: 'v4' }],
    ],
  },
  {
    name: 'loadBalancerClass: with --lb-class only that class',
    pools: [v4],
    lbClass: 'ferrolb.io/lb',
    steps: [
      [svc('a'), { ignored: true }],
      [svc('b', { loadBalancerClass: 'ferrolb.io/lb' }), { ips: ['10.0.0.0'], pool: 'v4' }],
    ],
  },
  {
    name: 'type change away from LoadBalancer releases the address',
    pools: [pool('one', ['10.0.0.1/32'])],
    steps: [
      [svc('a'), { ips: ['10.0.0.1'], pool: 'one' }],
      [svc('b'), { fail: 'no free' }],
      [svc('a', { type: 'ClusterIP' }), { ignored: true }],
      [svc('b'), { ips: ['10.0.0.1'], pool: 'one' }],
    ],
  },
  {
    name: 'previous status addresses are taken back after a restart; invalid ones are replaced',
    pools: [v4],
    steps: [
      [svc('a', { ingressIPs: ['10.0.0.3'] }), { ips: ['10.0.0.3'], pool: 'v4' }],
      [svc('b', { ingressIPs: ['172.16.0.1'] }), { ips: ['10.0.0.0'], pool: 'v4' }],
      [svc('c', { ingressIPs: ['10.0.0.3'] }), { ips: ['10.0.0.1'], pool: 'v4' }],
    ],
  },
  {
    name: 'changing the pool annotation moves the service',
    pools: [pool('x', ['10.0.0.0/24']), pool('y', ['10.1.0.0/24'])],
    steps: [
      [svc('a', { requestedPool: 'x' }), { ips: ['10.0.0.0'], pool: 'x' }],
      [svc('a', { requestedPool: 'y', ingressIPs: ['10.0.0.0'] }), { ips: ['10.1.0.0'], pool: 'y' }],
    ],
  },
];

describe('allocator rules', () => {
  for (const c of cases) it(c.name, () => void run(c));
});

describe('allocator state', () => {
  it('release returns the address, and the next service gets the lowest free one', () => {
    const alloc = run({
      name: '',
      pools: [v4],
      steps: [
        [svc('a'), { ips: ['10.0.0.0'], pool: 'v4' }],
        [svc('b'), { ips: ['10.0.0.1'], pool: 'v4' }],
      ],
    });
    assert.equal(alloc.release('default/a'), true);
    assert.equal(alloc.release('default/a'), false);
    check(alloc.assign(svc('c')), { ips: ['10.0.0.0'], pool: 'v4' }, 'c');
  });

  it('a shared address is freed only when its last holder goes', () => {
    const alloc = new Allocator([pool('one', ['10.0.0.1/32'])]);
    check(alloc.assign(svc('a', { sharingKey: 'k', tcp: [1] })), { ips: ['10.0.0.1'], pool: 'one' }, 'a');
    check(alloc.assign(svc('b', { sharingKey: 'k', tcp: [2] })), { ips: ['10.0.0.1'], pool: 'one' }, 'b');
    alloc.release('default/a');
    check(alloc.assign(svc('c')), { fail: 'no free IPv4 address' }, 'c');
    alloc.release('default/b');
    check(alloc.assign(svc('c')), { ips: ['10.0.0.1'], pool: 'one' }, 'c');
  });

  it('pool deletion reports the displaced services, which move to the remaining pool', () => {
    const x = pool('x', ['10.0.0.0/24'], { serviceAllocation: { priority: 1 } });
    const y = pool('y', ['10.1.0.0/24']);
    const alloc = new Allocator([x, y]);
    check(alloc.assign(svc('a')), { ips: ['10.0.0.0'], pool: 'x' }, 'a');
    check(alloc.assign(svc('b', { requestedPool: 'y' })), { ips: ['10.1.0.0'], pool: 'y' }, 'b');
    assert.deepEqual(alloc.setPools([y]), ['default/a']);
    assert.equal(alloc.holding('default/a'), undefined);
    check(alloc.assign(svc('a', { ingressIPs: ['10.0.0.0'] })), { ips: ['10.1.0.1'], pool: 'y' }, 'a again');
    check(alloc.assign(svc('b', { requestedPool: 'y' })), { ips: ['10.1.0.0'], pool: 'y' }, 'b kept');
  });

  it('a renamed pool keeps the addresses and reports the new pool name', () => {
    const alloc = new Allocator([pool('old', ['10.0.0.0/24'])]);
    check(alloc.assign(svc('a')), { ips: ['10.0.0.0'], pool: 'old' }, 'a');
    assert.deepEqual(alloc.setPools([pool('new', ['10.0.0.0/24'])]), []);
    check(alloc.assign(svc('a')), { ips: ['10.0.0.0'], pool: 'new' }, 'a');
  });

  it('a new higher-priority pool does not move existing services', () => {
    const alloc = new Allocator([pool('y', ['10.1.0.0/24'])]);
    check(alloc.assign(svc('a')), { ips: ['10.1.0.0'], pool: 'y' }, 'a');
    alloc.setPools([
      pool('x', ['10.0.0.0/24'], { serviceAllocation: { priority: 1 } }),
      pool('y', ['10.1.0.0/24']),
    ]);
    check(alloc.assign(svc('a')), { ips: ['10.1.0.0'], pool: 'y' }, 'a kept');
    check(alloc.assign(svc('b')), { ips: ['10.0.0.0'], pool: 'x' }, 'b');
  });

  it('turning on avoidBuggyIPs moves a service off a .0 address', () => {
    const alloc = new Allocator([pool('p', ['10.0.0.0/24'])]);
    check(alloc.assign(svc('a')), { ips: ['10.0.0.0'], pool: 'p' }, 'a');
    alloc.setPools([pool('p', ['10.0.0.0/24'], { avoidBuggyIPs: true })]);
    check(alloc.assign(svc('a')), { ips: ['10.0.0.1'], pool: 'p' }, 'a moved');
  });

  it('a namespace losing its label loses the scoped pool on the next assignment', () => {
    const labels: Record<string, Labels> = { shop: { env: 'prod' } };
    const alloc = new Allocator(
      [
        pool('prod', ['10.8.0.0/24'], { serviceAllocation: { namespaceSelectors: [sel({ env: 'prod' })] } }),
        pool('z', ['10.9.0.0/24']),
      ],
      { namespaceLabels: (ns) => labels[ns] },
    );
    check(alloc.assign(svc('shop/a')), { ips: ['10.8.0.0'], pool: 'prod' }, 'a');
    labels.shop = { env: 'dev' };
    check(alloc.assign(svc('shop/a')), { ips: ['10.9.0.0'], pool: 'z' }, 'a moved');
  });

  it('pool counters count per family and exclude avoided addresses', () => {
    const alloc = new Allocator([
      pool('p', ['10.0.0.0/24', '10.0.1.0-10.0.1.9', 'fd00::/120'], { avoidBuggyIPs: true }),
    ]);
    assert.deepEqual(alloc.poolCounters('p'), {
      assignedIPv4: 0n,
      assignedIPv6: 0n,
      availableIPv4: 254n + 9n,
      availableIPv6: 256n,
    });
    alloc.assign(svc('a', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }));
    alloc.assign(svc('b', { sharingKey: 'k', tcp: [1], requestedIPs: ['10.0.0.7'] }));
    alloc.assign(svc('c', { sharingKey: 'k', tcp: [2], requestedIPs: ['10.0.0.7'] }));
    assert.deepEqual(alloc.poolCounters('p'), {
      assignedIPv4: 2n,
      assignedIPv6: 1n,
      availableIPv4: 261n,
      availableIPv6: 255n,
    });
    assert.equal(alloc.poolCounters('missing'), undefined);
  });

  it('restoreOrder puts services that already have addresses first', () => {
    const order = restoreOrder([
      svc('c'),
      svc('b', { ingressIPs: ['10.0.0.1'] }),
      svc('a'),
      svc('d', { ingressIPs: ['10.0.0.0'] }),
    ]);
    assert.deepEqual(
      order.map((s) => s.name),
      ['b', 'd', 'a', 'c'],
    );
  });

  it('is deterministic: the same inputs give the same addresses', () => {
    const services = Array.from({ length: 50 }, (_, i) =>
      svc(`s${i}`, {
        sharingKey: i % 5 === 0 ? 'k' : null,
        tcp: [i],
        ipFamilyPolicy: i % 3 === 0 ? 'RequireDualStack' : null,
        ipFamilies: ['IPv4', 'IPv6'],
      }),
    );
    const runOnce = () => {
      const a = new Allocator([dual, v4]);
      return services.map((s) => {
        const r = a.assign(s);
        return r.kind === 'assigned' ? text(r.ips).join(',') : r.kind;
      });
    };
    assert.deepEqual(runOnce(), runOnce());
  });

  it('allocateAll answers in input order, letting services with addresses keep them', () => {
    const plan = allocateAll(
      [v4],
      [svc('a'), svc('b', { ingressIPs: ['10.0.0.0'] }), svc('c', { requestedIPs: ['10.9.9.9'] })],
    );
    assert.deepEqual(
      plan.map((p) => [
        p.name,
        p.allocation.kind === 'assigned' ? text(p.allocation.ips) : p.allocation.kind,
      ]),
      [
        ['a', ['10.0.0.1']],
        ['b', ['10.0.0.0']],
        ['c', 'failed'],
      ],
    );
  });

  it('pools written as many small blocks fill in order and reuse a freed early block first', () => {
    const blocks = Array.from({ length: 300 }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.1/32`);
    const alloc = new Allocator([pool('many', blocks)]);
    for (let i = 0; i < 300; i++) {
      const r = alloc.assign(svc(`s${i}`));
      assert.equal(r.kind, 'assigned');
      if (r.kind === 'assigned') assert.deepEqual(text(r.ips), [blocks[i]?.replace('/32', '')]);
    }
    check(alloc.assign(svc('full')), { fail: 'no free IPv4 address' }, 'full');
    alloc.release('default/s7');
    check(alloc.assign(svc('again')), { ips: ['10.0.7.1'], pool: 'many' }, 'again');
  });
});
