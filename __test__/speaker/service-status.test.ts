// The pure halves of the speaker's reports: which ServiceL2Status / ServiceBGPStatus objects a
// node publishes for a plan, which (service, protocol) announcements started (nodeAssigned
// Events), and which pod is the speaker's own (owner references).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { V1Pod } from '@kubernetes/client-node';

import type { BgpServiceOutcome } from '../../src/bgp/route-groups.js';
import type { ServiceRoute } from '../../src/bgp/prefixes.js';
import type { Peer } from '../../src/config/model.js';
import type { L2ServiceOutcome } from '../../src/layer2/decide.js';
import { ownerReferenceTo, pickOwnPod } from '../../src/k8s/owner-pod.js';
import {
  announcedByNode,
  announceTransitions,
  nodeAssignedMessage,
} from '../../src/speaker/node-assigned.js';
import type { NodePlan } from '../../src/speaker/node-plan.js';
import {
  bgpStatusName,
  desiredBgpStatuses,
  desiredL2Statuses,
  l2StatusName,
} from '../../src/speaker/service-status.js';
import { peer } from '../layer2/fixtures.js';

const route = (prefix: string, peers: string[] = []): ServiceRoute => ({
  prefix,
  family: 'IPv4',
  localPref: null,
  communities: [],
  largeCommunities: [],
  peers,
  advertisement: 'metallb-system/ad',
});

const bgpOut = (routes: ServiceRoute[]): BgpServiceOutcome =>
  routes.length
    ? { decision: { announce: true }, routes }
    : { decision: { announce: false, reason: 'notOwner' }, routes: [] };

const l2Out = (ips: string[]): L2ServiceOutcome =>
  ips.length
    ? { decision: { announce: true, owner: 'n1' }, ips, missingInterfaces: [] }
    : {
        decision: { announce: false, reason: 'notOwner', detail: 'lostElection', owner: 'n2' },
        ips: [],
        missingInterfaces: [],
      };

function plan(o: {
  l2?: Record<string, string[]>;
  announcements?: { ip: string; interfaces: string[] }[];
  peers?: Peer[];
  bgp?: Record<string, ServiceRoute[]>;
}): NodePlan {
  return {
    layer2: {
      announcements: o.announcements ?? [],
      services: new Map(Object.entries(o.l2 ?? {}).map(([k, ips]) => [k, l2Out(ips)])),
    },
    bgp: {
      peers: o.peers ?? [],
      routeGroups: [],
      services: new Map(Object.entries(o.bgp ?? {}).map(([k, r]) => [k, bgpOut(r)])),
      conflicts: [],
      bfdProfiles: new Map(),
    },
  };
}

describe('ServiceBGPStatus desired set', () => {
  const a = peer('a');
  const b = peer('b');
  const unnumbered = peer('c-unnumbered', { peerAddress: null, interface: 'eth1' });
  const cases: {
    name: string;
    plan: NodePlan;
    want: Record<string, string[]>;
  }[] = [
    {
      name: 'no filter: every peer of the node, sorted',
      plan: plan({ peers: [b, a], bgp: { 'default/web': [route('198.51.100.1/32')] } }),
      want: { 'default/web': ['a', 'b'] },
    },
    {
      name: 'peer filter: only the named peers the node has',
      plan: plan({ peers: [a, b], bgp: { 'default/web': [route('198.51.100.1/32', ['b', 'elsewhere'])] } }),
      want: { 'default/web': ['b'] },
    },
    {
      name: 'a filter naming no peer of the node: not announced, no object',
      plan: plan({ peers: [a], bgp: { 'default/web': [route('198.51.100.1/32', ['elsewhere'])] } }),
      want: {},
    },
    {
      name: 'two advertisements: union of their peers',
      plan: plan({
        peers: [a, b],
        bgp: { 'default/web': [route('198.51.100.1/32', ['a']), route('198.51.100.0/28', ['b'])] },
      }),
      want: { 'default/web': ['a', 'b'] },
    },
    {
      name: 'node without peers: nothing is announced over BGP',
      plan: plan({ peers: [], bgp: { 'default/web': [route('198.51.100.1/32')] } }),
      want: {},
    },
    {
      name: 'a peer the native speaker refuses carries nothing',
      plan: plan({ peers: [a, unnumbered], bgp: { 'default/web': [route('198.51.100.1/32')] } }),
      want: { 'default/web': ['a'] },
    },
    {
      name: 'not announcing (notOwner): no object',
      plan: plan({ peers: [a], bgp: { 'default/web': [], 'x/api': [route('198.51.100.2/32')] } }),
      want: { 'x/api': ['a'] },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const want = new Map(
        Object.entries(c.want).map(([key, peers]) => {
          const [ns = '', name = ''] = key.split('/');
          return [
            bgpStatusName('n1', ns, name),
            { node: 'n1', serviceName: name, serviceNamespace: ns, peers },
          ] as const;
        }),
      );
      assert.deepEqual(desiredBgpStatuses('n1', c.plan), want);
    });

  it('names are per kind, node and service, prefixed like MetalLB generateName', () => {
    const n = bgpStatusName('n1', 'default', 'web');
    assert.match(n, /^bgp-[0-9a-f]{16}$/);
    assert.match(l2StatusName('n1', 'default', 'web'), /^l2-[0-9a-f]{16}$/);
    assert.notEqual(bgpStatusName('n2', 'default', 'web'), n);
    assert.notEqual(bgpStatusName('n1', 'default', 'web2'), n);
    assert.notEqual(bgpStatusName('n1', 'default2', 'web'), n);
  });
});

describe('ServiceL2Status desired set', () => {
  it('interfaces are the union over the service IPs, sorted; non-owners publish nothing', () => {
    const p = plan({
      l2: { 'default/web': ['192.0.2.10', '2001:db8::10'], 'default/other': [] },
      announcements: [
        { ip: '192.0.2.10', interfaces: ['eth1', 'eth0'] },
        { ip: '2001:db8::10', interfaces: ['bond0'] },
        { ip: '192.0.2.99', interfaces: ['eth9'] },
      ],
    });
    assert.deepEqual(
      desiredL2Statuses('n1', p),
      new Map([
        [
          l2StatusName('n1', 'default', 'web'),
          {
            node: 'n1',
            serviceName: 'web',
            serviceNamespace: 'default',
            interfaces: [{ name: 'bond0' }, { name: 'eth0' }, { name: 'eth1' }],
          },
        ],
      ]),
    );
  });
});

describe('nodeAssigned transitions', () => {
  const a = peer('a');
  const both = plan({
    peers: [a],
    l2: { 'default/web': ['192.0.2.10'] },
    bgp: { 'default/api': [route('198.51.100.1/32')], 'default/web': [route('198.51.100.2/32')] },
  });
  const l2Only = plan({ l2: { 'default/web': ['192.0.2.10'] } });
  const nothing = plan({ l2: { 'default/web': [] } });
  const fmt = (list: { service: string; protocol: string }[]) =>
    list.map((x) => `${x.protocol} ${x.service}`).sort();
  const cases: { name: string; before: NodePlan; after: NodePlan; started: string[]; stopped: string[] }[] = [
    {
      name: 'first plan: everything announced starts',
      before: nothing,
      after: both,
      started: ['bgp default/api', 'bgp default/web', 'layer2 default/web'],
      stopped: [],
    },
    { name: 'a resync with no change: nothing', before: both, after: both, started: [], stopped: [] },
    {
      name: 'BGP withdrawn, layer 2 stays',
      before: both,
      after: l2Only,
      started: [],
      stopped: ['bgp default/api', 'bgp default/web'],
    },
    {
      name: 'lost the election',
      before: l2Only,
      after: nothing,
      started: [],
      stopped: ['layer2 default/web'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const t = announceTransitions(announcedByNode(c.before), announcedByNode(c.after));
      assert.deepEqual(fmt(t.started), c.started);
      assert.deepEqual(fmt(t.stopped), c.stopped);
    });

  it("message is MetalLB's", () => {
    assert.equal(nodeAssignedMessage('n1', 'layer2'), 'announcing from node "n1" with protocol "layer2"');
    assert.equal(nodeAssignedMessage('n2', 'bgp'), 'announcing from node "n2" with protocol "bgp"');
  });
});

describe("the speaker's own pod", () => {
  const pod = (name: string, node: string, deleting = false): V1Pod => ({
    metadata: {
      name,
      uid: `uid-${name}`,
      ...(deleting ? { deletionTimestamp: new Date(0) } : {}),
    },
    spec: { nodeName: node, containers: [] },
  });
  const cases: { name: string; pods: V1Pod[]; hostname: string; want: string | RegExp }[] = [
    {
      name: 'the one pod on the node',
      pods: [pod('s-1', 'n1'), pod('s-2', 'n2')],
      hostname: 'n1',
      want: 's-1',
    },
    {
      name: 'rolling update: the one not terminating',
      pods: [pod('old', 'n1', true), pod('new', 'n1')],
      hostname: 'n1',
      want: 'new',
    },
    {
      name: 'named like the host (no host network)',
      pods: [pod('a', 'n1'), pod('b', 'n1')],
      hostname: 'b',
      want: 'b',
    },
    {
      name: 'two live pods: ambiguous, none',
      pods: [pod('a', 'n1'), pod('b', 'n1')],
      hostname: 'n1',
      want: /2 pods/,
    },
    { name: 'no pod on this node', pods: [pod('a', 'n2')], hostname: 'n1', want: /no pod on node n1/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = pickOwnPod(c.pods, 'n1', c.hostname);
      if (typeof c.want === 'string')
        assert.equal(typeof got === 'string' ? got : got.metadata?.name, c.want);
      else assert.match(typeof got === 'string' ? got : `picked ${got.metadata?.name}`, c.want);
    });

  it('owner reference: apiVersion v1, kind Pod, name and uid; none without a uid', () => {
    assert.deepEqual(ownerReferenceTo(pod('s-1', 'n1')), {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 's-1',
      uid: 'uid-s-1',
    });
    assert.equal(ownerReferenceTo({ metadata: { name: 'x' } }), null);
  });
});
