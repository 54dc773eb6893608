import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { L2Advertisement } from '../../src/config/model.js';
import {
  electionHash,
  goIPString,
  l2InterfaceRequest,
  preferenceScore,
  rankL2Candidates,
  shouldAnnounceL2,
  type L2ElectionContext,
} from '../../src/layer2/election.js';
import { EXCLUDE_LB_LABEL, type NodeInfo } from '../../src/layer2/announce-inputs.js';
import { ep, ip, l2ad, node, nodeMap, sel, svc } from './fixtures.js';

// Test vector computed independently in a shell, not by the code under test:
//   for n in node-a node-b node-c; do printf '%s#%s' $n 192.168.1.240 | sha256sum; done
//   node-a 0905ce28…  node-b c5db6995…  node-c a6530f9d…   → order a, c, b
//   for n in node-a node-b node-c; do printf '%s#%s' $n 2001:db8::10 | sha256sum; done
//   node-a 5525059d…  node-b 21d5668f…  node-c d30d3eb7…   → order b, a, c
const SHA = {
  'node-a#192.168.1.240': '0905ce28e61d7edba0d1a1e81637d349ef0299ecc2fb9fc9c8347049ba3a9c82',
  'node-b#192.168.1.240': 'c5db69956edf2871b03fcd4fea381f3374cd4082ef0a18aac7f889b3f88265d6',
  'node-c#192.168.1.240': 'a6530f9db1eb6e43a6ee4c1e37064e767a245ba829d2651c16d53e8ccba47e74',
  'node-a#2001:db8::10': '5525059d790ad6c9458aabead6068769eb0cbb13962eae2500ff38eb462569c2',
  'node-b#2001:db8::10': '21d5668f18c03bbe00f394da685dde376e0293fd36d5320ac575f592bd70c06b',
  'node-c#2001:db8::10': 'd30d3eb7a24270e021589e4071ea239bc2d6472ec4bf8f4e965bc63696567392',
};

const V4 = '192.168.1.240';
const V6 = '2001:db8::10';
const A = node('node-a', { zone: 'z1' });
const B = node('node-b', { zone: 'z2', edge: 'true' });
const C = node('node-c', { zone: 'z1', edge: 'true' });
const everyNodeServes = [ep('node-a'), ep('node-b'), ep('node-c')];

function ctx(over: Partial<L2ElectionContext> & { nodesList?: NodeInfo[] } = {}): L2ElectionContext {
  const nodes = nodeMap(...(over.nodesList ?? [A, B, C]));
  return {
    nodes,
    liveMembers: over.liveMembers === undefined ? new Set(nodes.keys()) : over.liveMembers,
    advertisements: over.advertisements ?? [l2ad('all')],
    ignoreExcludeLB: over.ignoreExcludeLB ?? false,
  };
}

describe('election hash', () => {
  test('matches the independently computed sha256 vectors', () => {
    for (const [input, hex] of Object.entries(SHA)) {
      const [name, ipText] = input.split('#') as [string, string];
      assert.equal(electionHash(name, ipText).toString('hex'), hex, input);
    }
  });

  test('hashes the IP the way Go prints it', () => {
    assert.equal(goIPString(ip('192.168.1.240')), '192.168.1.240');
    assert.equal(goIPString(ip('2001:0DB8:0:0::10')), '2001:db8::10');
    assert.equal(goIPString(ip('::ffff:192.0.2.7')), '192.0.2.7');
  });
});

describe('rankL2Candidates', () => {
  const cases: {
    name: string;
    service: Parameters<typeof rankL2Candidates>[0];
    ctx: L2ElectionContext;
    want: string[];
  }[] = [
    {
      name: 'IPv4: hash order a, c, b',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx(),
      want: ['node-a', 'node-c', 'node-b'],
    },
    {
      name: 'IPv6: hash order b, a, c',
      service: svc([V6], { endpoints: everyNodeServes }),
      ctx: ctx(),
      want: ['node-b', 'node-a', 'node-c'],
    },
    {
      name: 'dual stack elects on the first ingress IP only',
      service: svc([V6, V4], { endpoints: everyNodeServes }),
      ctx: ctx(),
      want: ['node-b', 'node-a', 'node-c'],
    },
    {
      name: 'only live members are candidates',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ liveMembers: new Set(['node-b', 'node-c']) }),
      want: ['node-c', 'node-b'],
    },
    {
      name: 'membership disabled: every known node is a candidate',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ liveMembers: null }),
      want: ['node-a', 'node-c', 'node-b'],
    },
    {
      name: 'a live member without a Node object is not a candidate',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ nodesList: [B, C], liveMembers: new Set(['node-a', 'node-b', 'node-c']) }),
      want: ['node-c', 'node-b'],
    },
    {
      name: 'NetworkUnavailable nodes are skipped',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ nodesList: [node('node-a', {}, true), B, C] }),
      want: ['node-c', 'node-b'],
    },
    {
      name: 'exclude-from-external-load-balancers (any value) removes the node',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ nodesList: [node('node-a', { [EXCLUDE_LB_LABEL]: '' }), B, C] }),
      want: ['node-c', 'node-b'],
    },
    {
      name: '--ignore-exclude-lb keeps the labelled node',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ nodesList: [node('node-a', { [EXCLUDE_LB_LABEL]: 'true' }), B, C], ignoreExcludeLB: true }),
      want: ['node-a', 'node-c', 'node-b'],
    },
    {
      name: 'nodeSelectors restrict candidates',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ advertisements: [l2ad('edge', { nodeSelectors: [sel({ edge: 'true' })] })] }),
      want: ['node-c', 'node-b'],
    },
    {
      name: 'candidates are the union over the applicable advertisements',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({
        advertisements: [
          l2ad('one', { nodeSelectors: [sel({ 'kubernetes.io/hostname': 'node-b' })] }),
          l2ad('two', { nodeSelectors: [sel({ 'kubernetes.io/hostname': 'node-a' })] }),
        ],
      }),
      want: ['node-a', 'node-b'],
    },
    {
      name: 'advertisements of other pools do not apply',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ advertisements: [l2ad('other', { pools: ['other'] })] }),
      want: [],
    },
    {
      name: 'advertisements whose serviceSelectors do not match do not apply',
      service: svc([V4], { endpoints: everyNodeServes, labels: { app: 'web' } }),
      ctx: ctx({
        advertisements: [
          l2ad('db-only', { serviceSelectors: [sel({ app: 'db' })] }),
          l2ad('web', { serviceSelectors: [sel({ app: 'web' })], nodeSelectors: [sel({ zone: 'z2' })] }),
        ],
      }),
      want: ['node-b'],
    },
    {
      name: 'externalTrafficPolicy Local: only nodes with a serving endpoint',
      service: svc([V4], {
        externalTrafficPolicy: 'Local',
        endpoints: [ep('node-b'), ep('node-a', { ready: false, serving: false })],
      }),
      ctx: ctx(),
      want: ['node-b'],
    },
    {
      name: 'Local: a terminating endpoint that is still serving counts (EndpointCanServe)',
      service: svc([V4], {
        externalTrafficPolicy: 'Local',
        endpoints: [ep('node-b', { ready: false, serving: true, terminating: true })],
      }),
      ctx: ctx(),
      want: ['node-b'],
    },
    {
      name: 'Local: an endpoint with ready unset counts as ready',
      service: svc([V4], {
        externalTrafficPolicy: 'Local',
        endpoints: [ep('node-c', { ready: null, serving: null })],
      }),
      ctx: ctx(),
      want: ['node-c'],
    },
    {
      name: 'Local: endpoints without a nodeName place nothing',
      service: svc([V4], { externalTrafficPolicy: 'Local', endpoints: [ep(null)] }),
      ctx: ctx(),
      want: [],
    },
    {
      name: 'Cluster: endpoint locality does not matter',
      service: svc([V4], { endpoints: [ep('node-b')] }),
      ctx: ctx(),
      want: ['node-a', 'node-c', 'node-b'],
    },
    {
      name: 'no endpoint can serve: nobody announces',
      service: svc([V4], { endpoints: [ep('node-a', { ready: false, serving: false })] }),
      ctx: ctx(),
      want: [],
    },
    {
      name: 'preferred weights first, hash breaks ties',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({
        advertisements: [
          l2ad('pref', { preferredNodeSelectors: [{ weight: 50, preference: sel({ edge: 'true' }) }] }),
        ],
      }),
      want: ['node-c', 'node-b', 'node-a'],
    },
    {
      name: 'weights add up within and across advertisements',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({
        advertisements: [
          l2ad('p1', {
            preferredNodeSelectors: [
              { weight: 60, preference: sel({ zone: 'z2' }) },
              { weight: 10, preference: sel({ edge: 'true' }) },
            ],
          }),
          l2ad('p2', { preferredNodeSelectors: [{ weight: 65, preference: sel({ zone: 'z1' }) }] }),
        ],
      }),
      // b: 60+10 = 70, c: 10+65 = 75, a: 65
      want: ['node-c', 'node-b', 'node-a'],
    },
    {
      name: "an advertisement's preferences only score nodes it selects",
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({
        advertisements: [
          l2ad('a-only', {
            nodeSelectors: [sel({ 'kubernetes.io/hostname': 'node-a' })],
            preferredNodeSelectors: [{ weight: 100, preference: sel({ edge: 'true' }) }],
          }),
          l2ad('rest', { nodeSelectors: [sel({ edge: 'true' })] }),
        ],
      }),
      want: ['node-a', 'node-c', 'node-b'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(
        rankL2Candidates(c.service, c.ctx).map((r) => r.node),
        c.want,
      );
    });
  }
});

describe('shouldAnnounceL2', () => {
  const cases: {
    name: string;
    me: string;
    service: Parameters<typeof shouldAnnounceL2>[1];
    ctx: L2ElectionContext;
    want: ReturnType<typeof shouldAnnounceL2>;
  }[] = [
    {
      name: 'the first in order announces',
      me: 'node-a',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx(),
      want: { announce: true, owner: 'node-a' },
    },
    {
      name: 'the others are notOwner and know the owner',
      me: 'node-c',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx(),
      want: { announce: false, reason: 'notOwner', detail: 'lostElection', owner: 'node-a' },
    },
    {
      name: 'when the owner leaves the membership the next one takes over',
      me: 'node-c',
      service: svc([V4], { endpoints: everyNodeServes }),
      ctx: ctx({ liveMembers: new Set(['node-b', 'node-c']) }),
      want: { announce: true, owner: 'node-c' },
    },
    {
      name: 'no serving endpoint',
      me: 'node-a',
      service: svc([V4], { endpoints: [] }),
      ctx: ctx(),
      want: { announce: false, reason: 'notOwner', detail: 'noEndpoints', owner: null },
    },
    {
      name: 'no IPs',
      me: 'node-a',
      service: svc([]),
      ctx: ctx(),
      want: { announce: false, reason: 'notOwner', detail: 'noIPs', owner: null },
    },
    {
      name: 'IP outside every pool',
      me: 'node-a',
      service: svc([V4], { pool: null }),
      ctx: ctx(),
      want: { announce: false, reason: 'notOwner', detail: 'noPool', owner: null },
    },
    {
      name: 'my node is not selected by any advertisement of the pool',
      me: 'node-a',
      service: svc([V4]),
      ctx: ctx({ advertisements: [l2ad('edge', { nodeSelectors: [sel({ edge: 'true' })] })] }),
      want: { announce: false, reason: 'notOwner', detail: 'nodeNotSelected', owner: null },
    },
    {
      name: 'my node is selected, but not by an advertisement matching the service',
      me: 'node-a',
      service: svc([V4], { labels: { app: 'web' } }),
      ctx: ctx({ advertisements: [l2ad('db', { serviceSelectors: [sel({ app: 'db' })] })] }),
      want: {
        announce: false,
        reason: 'noMatchingAdvertisement',
        detail: 'noMatchingAdvertisement',
        owner: null,
      },
    },
    {
      name: 'Local with endpoints only on a non-member: nobody is eligible',
      me: 'node-a',
      service: svc([V4], { externalTrafficPolicy: 'Local', endpoints: [ep('node-z')] }),
      ctx: ctx(),
      want: { announce: false, reason: 'notOwner', detail: 'noEligibleNodes', owner: null },
    },
  ];
  for (const c of cases)
    test(c.name, () => assert.deepEqual(shouldAnnounceL2(c.me, c.service, c.ctx), c.want));

  test("agrees with MetalLB's own layer2 controller test expectations", () => {
    // MetalLB's speaker/layer2_controller_test.go expects, for speakers iris1 and iris2 with
    // endpoints on both: 10.20.30.1 is announced by iris2, 10.20.30.2 by iris1.
    // (sha256sum: iris1#10.20.30.1 e42ad61a…, iris2#10.20.30.1 af6cb4e7…,
    //             iris1#10.20.30.2 610c5b6d…, iris2#10.20.30.2 6429fb4c…)
    const iris = ctx({ nodesList: [node('iris1'), node('iris2')] });
    const both = [ep('iris1'), ep('iris2')];
    const local = { externalTrafficPolicy: 'Local' as const, endpoints: both };
    assert.equal(rankL2Candidates(svc(['10.20.30.1'], local), iris)[0]?.node, 'iris2');
    assert.equal(rankL2Candidates(svc(['10.20.30.2'], local), iris)[0]?.node, 'iris1');
  });

  test('every node agrees on one owner, whatever node asks and whatever the input order', () => {
    const nodes = Array.from({ length: 12 }, (_, i) => node(`worker-${i}`, { rack: String(i % 3) }));
    for (let k = 0; k < 50; k++) {
      const service = svc([`10.0.${k}.1`], { endpoints: nodes.map((n) => ep(n.name)) });
      const forward = ctx({ nodesList: nodes });
      const backward = ctx({ nodesList: [...nodes].reverse() });
      const owners = nodes
        .filter((n) => shouldAnnounceL2(n.name, service, forward).announce)
        .map((n) => n.name);
      const owners2 = nodes
        .filter((n) => shouldAnnounceL2(n.name, service, backward).announce)
        .map((n) => n.name);
      assert.equal(owners.length, 1);
      assert.deepEqual(owners2, owners);
    }
  });
});

describe('preferenceScore and interface requests', () => {
  const ads: L2Advertisement[] = [
    l2ad('eth', { interfaces: ['eth1', 'eth0'], nodeSelectors: [sel({ zone: 'z1' })] }),
    l2ad('bond', { interfaces: ['bond0'] }),
  ];
  test('score is 0 with no preferences', () => assert.equal(preferenceScore(A, ads), 0));
  test('union of the interfaces of the advertisements selecting the node', () => {
    assert.deepEqual(l2InterfaceRequest(A, svc([V4]), ads), { all: false, names: ['bond0', 'eth0', 'eth1'] });
    assert.deepEqual(l2InterfaceRequest(B, svc([V4]), ads), { all: false, names: ['bond0'] });
  });
  test('an advertisement without interfaces means all of them', () => {
    assert.deepEqual(l2InterfaceRequest(B, svc([V4]), [...ads, l2ad('any')]), { all: true });
  });
});
