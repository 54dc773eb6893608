import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseCIDR } from '../../src/config/ip.js';
import type { Pool } from '../../src/config/model.js';
import {
  anyEndpointCanServe,
  endpointsFromSlices,
  hasHealthyEndpoint,
  nodeInfoFromObject,
  readyNodeNames,
} from '../../src/layer2/announce-inputs.js';
import { decideLayer2 } from '../../src/layer2/decide.js';
import type { HostInterface } from '../../src/layer2/interfaces.js';
import { poolForIPs } from '../../src/layer2/pool-of-ips.js';
import { ep, ip, l2ad, node, nodeMap, sel, svc } from './fixtures.js';

const link = (name: string): HostInterface => ({
  name,
  up: true,
  loopback: false,
  broadcast: true,
  noArp: false,
  master: null,
  mac: '02:00:00:00:00:01',
});

describe('decideLayer2', () => {
  const nodes = nodeMap(node('node-a'), node('node-b'), node('node-c'));
  const all = [ep('node-a'), ep('node-b'), ep('node-c')];
  const services = [
    // first IP 192.168.1.240: owner node-a (see election.test.ts vectors)
    svc(['192.168.1.240', '2001:db8::10'], { name: 'dual', endpoints: all }),
    // shares the IP with "dual" (allow-shared-ip): same owner
    svc(['192.168.1.240'], { name: 'shared', endpoints: all, labels: { tier: 'front' } }),
    // first IP 2001:db8::10: owner node-b
    svc(['2001:db8::10'], { name: 'v6', endpoints: all }),
    svc(['192.168.1.241'], { name: 'dead', endpoints: [] }),
  ];
  const ctx = {
    nodes,
    liveMembers: new Set(['node-a', 'node-b', 'node-c']),
    advertisements: [
      l2ad('all-ifs'),
      l2ad('front', { serviceSelectors: [sel({ tier: 'front' })], interfaces: ['eth1', 'vlan9'] }),
    ],
    ignoreExcludeLB: false,
  };
  const host = { interfaces: [link('eth0'), link('eth1'), link('docker0')] };

  test('node-a owns the services electing on 192.168.1.240, on the union of interfaces', () => {
    const plan = decideLayer2('node-a', services, ctx, host);
    assert.deepEqual(plan.announcements, [
      { ip: '192.168.1.240', interfaces: ['eth0', 'eth1'] },
      { ip: '2001:db8::10', interfaces: ['eth0', 'eth1'] },
    ]);
    assert.deepEqual(plan.services.get('default/dual')?.ips, ['192.168.1.240', '2001:db8::10']);
    // "shared" matches both advertisements: one of them lists no interfaces → all
    assert.deepEqual(plan.services.get('default/shared')?.missingInterfaces, []);
    assert.equal(plan.services.get('default/v6')?.decision.announce, false);
    assert.deepEqual(plan.services.get('default/dead')?.decision, {
      announce: false,
      reason: 'notOwner',
      detail: 'noEndpoints',
      owner: null,
    });
  });

  test('node-b owns only the IPv6-first service', () => {
    const plan = decideLayer2('node-b', services, ctx, host);
    assert.deepEqual(plan.announcements, [{ ip: '2001:db8::10', interfaces: ['eth0', 'eth1'] }]);
  });

  test('exactly one node announces each IP set; every owner is a member', () => {
    const owners = new Map<string, string[]>();
    for (const n of nodes.keys())
      for (const a of decideLayer2(n, services, ctx, host).announcements)
        owners.set(`${n}:${a.ip}`, a.interfaces);
    assert.deepEqual([...owners.keys()].sort(), [
      'node-a:192.168.1.240',
      'node-a:2001:db8::10',
      'node-b:2001:db8::10',
    ]);
  });

  test('explicit interfaces only: missing ones are reported, none present → nothing announced', () => {
    const only = { ...ctx, advertisements: [l2ad('front', { interfaces: ['vlan9'] })] };
    const plan = decideLayer2('node-a', [services[0]!], only, host);
    assert.deepEqual(plan.announcements, []);
    assert.deepEqual(plan.services.get('default/dual')?.missingInterfaces, ['vlan9']);
    assert.deepEqual(plan.services.get('default/dual')?.ips, []);
  });
});

describe('inputs from API objects', () => {
  test('nodeInfoFromObject reads NetworkUnavailable', () => {
    assert.deepEqual(
      nodeInfoFromObject({
        metadata: { name: 'n1', labels: { a: 'b' } },
        status: {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'NetworkUnavailable', status: 'True' },
          ],
        },
      }),
      { name: 'n1', labels: { a: 'b' }, networkUnavailable: true, ready: true },
    );
    assert.equal(
      nodeInfoFromObject({
        metadata: { name: 'n2' },
        status: { conditions: [{ type: 'NetworkUnavailable', status: 'False' }] },
      }).networkUnavailable,
      false,
    );
  });

  test('readyNodeNames: the fallback live set when membership is disabled', () => {
    const n = (name: string, status: string) =>
      nodeInfoFromObject({ metadata: { name }, status: { conditions: [{ type: 'Ready', status }] } });
    assert.deepEqual([...readyNodeNames([n('a', 'True'), n('b', 'False'), n('c', 'Unknown')])], ['a']);
  });

  test('endpointsFromSlices keeps unset conditions as null', () => {
    const eps = endpointsFromSlices([
      { endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'n1', conditions: {} }] },
      {
        endpoints: [
          { addresses: ['10.0.0.2'], conditions: { ready: false, serving: true, terminating: true } },
        ],
      },
    ]);
    assert.deepEqual(eps, [
      { nodeName: 'n1', addresses: ['10.0.0.1'], ready: null, serving: null, terminating: null },
      { nodeName: null, addresses: ['10.0.0.2'], ready: false, serving: true, terminating: true },
    ]);
    assert.equal(anyEndpointCanServe(eps), true);
  });

  test('hasHealthyEndpoint: an address unready on any port is unready', () => {
    const eps = [
      ep('n1', { addresses: ['10.0.0.1'] }),
      ep('n1', { addresses: ['10.0.0.1'], ready: false, serving: false }),
    ];
    assert.equal(hasHealthyEndpoint(eps, null), false);
    assert.equal(hasHealthyEndpoint([...eps, ep('n2', { addresses: ['10.0.0.2'] })], null), true);
    assert.equal(hasHealthyEndpoint([...eps, ep('n2', { addresses: ['10.0.0.2'] })], 'n1'), false);
  });

  test('poolForIPs finds the pool holding every IP', () => {
    const pool = (name: string, cidrs: string[]): Pool =>
      ({
        name,
        cidrs: cidrs.map((c) => {
          const r = parseCIDR(c);
          if (!r.ok) throw new Error(c);
          return r.value;
        }),
      }) as unknown as Pool;
    const pools = [pool('v4', ['192.168.1.0/24']), pool('dual', ['10.0.0.0/24', '2001:db8::/64'])];
    assert.equal(poolForIPs(pools, [ip('192.168.1.7')]), 'v4');
    assert.equal(poolForIPs(pools, [ip('10.0.0.3'), ip('2001:db8::3')]), 'dual');
    assert.equal(poolForIPs(pools, [ip('10.0.0.3'), ip('192.168.1.7')]), null);
    assert.equal(poolForIPs(pools, []), null);
  });
});
