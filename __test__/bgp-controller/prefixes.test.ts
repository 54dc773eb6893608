import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { EXCLUDE_LB_LABEL } from '../../src/layer2/announce-inputs.js';
import { peersForNode, prefixesFor, shouldAnnounceBgp, type ServiceRoute } from '../../src/bgp/prefixes.js';
import { decideBgp, findConflicts, groupRoutes } from '../../src/bgp/route-groups.js';
import { bgpad, ep, large, node, nodeMap, peer, sel, std, svc } from '../layer2/fixtures.js';

const A = node('node-a', { rack: 'r1' });
const B = node('node-b', { rack: 'r2' });

describe('prefixesFor', () => {
  const cases: {
    name: string;
    ips: string[];
    ads: Parameters<typeof prefixesFor>[2];
    labels?: Record<string, string>;
    want: Partial<ServiceRoute>[];
  }[] = [
    {
      name: 'defaults: host routes, no attributes',
      ips: ['203.0.113.10', '2001:db8::5'],
      ads: [bgpad('d')],
      want: [
        {
          prefix: '203.0.113.10/32',
          family: 'IPv4',
          localPref: null,
          communities: [],
          largeCommunities: [],
          peers: [],
        },
        {
          prefix: '2001:db8::5/128',
          family: 'IPv6',
          localPref: null,
          communities: [],
          largeCommunities: [],
          peers: [],
        },
      ],
    },
    {
      name: 'aggregation masks the IP per family',
      ips: ['203.0.113.77', '2001:db8:1:2::5'],
      ads: [bgpad('agg', { aggregationLength: 24, aggregationLengthV6: 64 })],
      want: [{ prefix: '203.0.113.0/24' }, { prefix: '2001:db8:1:2::/64' }],
    },
    {
      name: 'aggregation to /0 and odd lengths',
      ips: ['203.0.113.77'],
      ads: [bgpad('zero', { aggregationLength: 0 }), bgpad('odd', { aggregationLength: 27 })],
      want: [{ prefix: '0.0.0.0/0' }, { prefix: '203.0.113.64/27' }],
    },
    {
      name: 'localPref, communities sorted numerically (well-known by value), large communities, peers',
      ips: ['203.0.113.10'],
      ads: [
        bgpad('attrs', {
          localPref: 150,
          communities: [
            std(65535, 65281),
            std(64512, 100),
            std(7, 9),
            large(4200000001, 7, 8),
            large(1, 2, 3),
          ],
          peers: ['tor-b', 'tor-a'],
        }),
      ],
      want: [
        {
          prefix: '203.0.113.10/32',
          localPref: 150,
          communities: ['7:9', '64512:100', '65535:65281'],
          largeCommunities: ['1:2:3', '4200000001:7:8'],
          peers: ['tor-a', 'tor-b'],
          advertisement: 'metallb-system/attrs',
        },
      ],
    },
    {
      name: 'one route per (IP, advertisement), IP order first',
      ips: ['203.0.113.10', '203.0.113.11'],
      ads: [bgpad('host'), bgpad('agg', { aggregationLength: 24, localPref: 50 })],
      want: [
        { prefix: '203.0.113.10/32' },
        { prefix: '203.0.113.0/24', localPref: 50 },
        { prefix: '203.0.113.11/32' },
        { prefix: '203.0.113.0/24', localPref: 50 },
      ],
    },
    {
      name: 'advertisements not selecting the node, of other pools, or not matching the service are skipped',
      ips: ['203.0.113.10'],
      labels: { app: 'web' },
      ads: [
        bgpad('other-rack', { nodeSelectors: [sel({ rack: 'r2' })] }),
        bgpad('other-pool', { pools: ['other'] }),
        bgpad('db', { serviceSelectors: [sel({ app: 'db' })] }),
        bgpad('mine', { nodeSelectors: [sel({ rack: 'r1' })], serviceSelectors: [sel({ app: 'web' })] }),
      ],
      want: [{ prefix: '203.0.113.10/32', advertisement: 'metallb-system/mine' }],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = prefixesFor(A, svc(c.ips, { labels: c.labels ?? {} }), c.ads);
      assert.equal(got.length, c.want.length);
      c.want.forEach((w, i) => {
        for (const [k, v] of Object.entries(w))
          assert.deepEqual(got[i]?.[k as keyof ServiceRoute], v, `${i}.${k}`);
      });
    });
  }
});

describe('shouldAnnounceBgp (MetalLB reason strings)', () => {
  const ctx = { advertisements: [bgpad('all')], ignoreExcludeLB: false };
  const cases: {
    name: string;
    node: Parameters<typeof shouldAnnounceBgp>[0];
    service: ReturnType<typeof svc>;
    ctx?: typeof ctx;
    want: string;
  }[] = [
    {
      name: 'healthy endpoint anywhere, Cluster',
      node: A,
      service: svc(['203.0.113.1'], { endpoints: [ep('node-b')] }),
      want: '',
    },
    {
      name: 'Local with a local endpoint',
      node: A,
      service: svc(['203.0.113.1'], { externalTrafficPolicy: 'Local', endpoints: [ep('node-a')] }),
      want: '',
    },
    {
      name: 'Local without a local endpoint',
      node: A,
      service: svc(['203.0.113.1'], { externalTrafficPolicy: 'Local', endpoints: [ep('node-b')] }),
      want: 'noLocalEndpoints',
    },
    {
      name: 'Local: a serving terminating local endpoint still counts',
      node: A,
      service: svc(['203.0.113.1'], {
        externalTrafficPolicy: 'Local',
        endpoints: [ep('node-a', { ready: false, serving: true, terminating: true })],
      }),
      want: '',
    },
    { name: 'no endpoints', node: A, service: svc(['203.0.113.1'], { endpoints: [] }), want: 'noEndpoints' },
    {
      name: 'network unavailable',
      node: node('node-a', {}, true),
      service: svc(['203.0.113.1']),
      want: 'nodeNetworkUnavailable',
    },
    {
      name: 'excluded by label',
      node: node('node-a', { [EXCLUDE_LB_LABEL]: 'true' }),
      service: svc(['203.0.113.1']),
      want: 'nodeLabeledExcludeBalancers',
    },
    {
      name: 'excluded but --ignore-exclude-lb',
      node: node('node-a', { [EXCLUDE_LB_LABEL]: 'true' }),
      service: svc(['203.0.113.1']),
      ctx: { advertisements: [bgpad('all')], ignoreExcludeLB: true },
      want: '',
    },
    {
      name: 'no advertisement selects the node',
      node: A,
      service: svc(['203.0.113.1']),
      ctx: {
        advertisements: [bgpad('r2', { nodeSelectors: [sel({ rack: 'r2' })] })],
        ignoreExcludeLB: false,
      },
      want: 'notOwner',
    },
    { name: 'unknown node', node: undefined, service: svc(['203.0.113.1']), want: 'notOwner' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = shouldAnnounceBgp(c.node, c.service, c.ctx ?? ctx);
      assert.equal(d.announce ? '' : d.reason, c.want);
    });
  }
});

describe('route groups', () => {
  const r = (prefix: string, over: Partial<ServiceRoute> = {}): ServiceRoute => ({
    prefix,
    family: prefix.includes(':') ? 'IPv6' : 'IPv4',
    localPref: null,
    communities: [],
    largeCommunities: [],
    peers: [],
    advertisement: 'ns/ad',
    ...over,
  });

  test('same attributes and peers → one group; duplicates collapse; prefixes sorted', () => {
    const groups = groupRoutes([
      r('203.0.113.2/32'),
      r('2001:db8::1/128'),
      r('203.0.113.1/32'),
      r('203.0.113.1/32'),
      r('198.51.100.0/24', { localPref: 200, communities: ['65000:1'] }),
      r('198.51.100.0/24', { localPref: 200, communities: ['65000:1'], peers: ['tor-a'] }),
      r('192.0.2.1/32', { largeCommunities: ['1:2:3'] }),
    ]);
    assert.deepEqual(groups, [
      { attributes: {}, prefixes: ['2001:db8::1/128', '203.0.113.1/32', '203.0.113.2/32'] },
      { attributes: { largeCommunities: ['1:2:3'] }, prefixes: ['192.0.2.1/32'] },
      { attributes: { localPref: 200, communities: ['65000:1'] }, prefixes: ['198.51.100.0/24'] },
      {
        attributes: { localPref: 200, communities: ['65000:1'] },
        peers: ['tor-a'],
        prefixes: ['198.51.100.0/24'],
      },
    ]);
  });

  test('conflicts: one prefix to one peer with two attribute sets', () => {
    const routes = [
      r('203.0.113.0/24', { advertisement: 'ns/a', localPref: 100 }),
      r('203.0.113.0/24', { advertisement: 'ns/b', localPref: 200, peers: ['tor-b'] }),
      r('203.0.113.0/24', { advertisement: 'ns/c', localPref: 100 }),
    ];
    assert.deepEqual(findConflicts(routes, ['tor-a', 'tor-b']), [
      { prefix: '203.0.113.0/24', advertisements: ['ns/a', 'ns/b', 'ns/c'] },
    ]);
    assert.deepEqual(findConflicts(routes, ['tor-a']), []);
  });
});

describe('decideBgp', () => {
  const config = {
    peers: [
      peer('tor-a', { nodeSelectors: [sel({ rack: 'r1' })] }),
      peer('tor-b'),
      peer('tor-c', { nodeSelectors: [sel({ rack: 'r9' })] }),
    ],
    bgpAdvertisements: [
      bgpad('host', { communities: [std(64500, 1)] }),
      bgpad('agg', { aggregationLength: 24, localPref: 120, peers: ['tor-a'] }),
    ],
  };
  const nodes = nodeMap(A, B);
  const services = [
    svc(['203.0.113.10'], { name: 'web', endpoints: [ep('node-b')] }),
    svc(['203.0.113.11'], { name: 'local', externalTrafficPolicy: 'Local', endpoints: [ep('node-b')] }),
    svc(['203.0.113.12'], { name: 'down', endpoints: [] }),
  ];

  test('peers by node selector', () => {
    assert.deepEqual(
      peersForNode(config.peers, A).map((p) => p.name),
      ['tor-a', 'tor-b'],
    );
    assert.deepEqual(
      peersForNode(config.peers, B).map((p) => p.name),
      ['tor-b'],
    );
  });

  test('node-a: Cluster service only, grouped for the native speaker', () => {
    const plan = decideBgp('node-a', services, config, nodes, { ignoreExcludeLB: false });
    assert.deepEqual(
      plan.peers.map((p) => p.name),
      ['tor-a', 'tor-b'],
    );
    assert.deepEqual(plan.routeGroups, [
      { attributes: { communities: ['64500:1'] }, prefixes: ['203.0.113.10/32'] },
      { attributes: { localPref: 120 }, peers: ['tor-a'], prefixes: ['203.0.113.0/24'] },
    ]);
    assert.deepEqual(plan.services.get('default/local')?.decision, {
      announce: false,
      reason: 'noLocalEndpoints',
    });
    assert.deepEqual(plan.services.get('default/down')?.decision, { announce: false, reason: 'noEndpoints' });
    assert.deepEqual(plan.conflicts, []);
  });

  test('node-b: both services (it hosts the Local endpoint), ECMP with node-a', () => {
    const plan = decideBgp('node-b', services, config, nodes, { ignoreExcludeLB: false });
    assert.deepEqual(plan.routeGroups[0], {
      attributes: { communities: ['64500:1'] },
      prefixes: ['203.0.113.10/32', '203.0.113.11/32'],
    });
  });

  test('a node with no peers sends no route groups; an unknown node announces nothing', () => {
    const lonely = { ...config, peers: [peer('tor-c', { nodeSelectors: [sel({ rack: 'r9' })] })] };
    assert.deepEqual(
      decideBgp('node-a', services, lonely, nodes, { ignoreExcludeLB: false }).routeGroups,
      [],
    );
    const ghost = decideBgp('node-z', services, config, nodes, { ignoreExcludeLB: false });
    assert.deepEqual(ghost.peers, []);
    assert.deepEqual(ghost.services.get('default/web')?.decision, { announce: false, reason: 'notOwner' });
  });
});
