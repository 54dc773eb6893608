// The speaker main loop and its protocol controllers, with fake native ports that record the
// desired state handed to them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';

import { loadCluster } from '../../src/standalone/cluster.js';
import { BgpController } from '../../src/speaker/bgp-controller.js';
import { Layer2Controller } from '../../src/speaker/layer2-controller.js';
import { peerConfig } from '../../src/speaker/bgp-peer-config.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { desiredL2Statuses, l2StatusName } from '../../src/speaker/service-status.js';
import type {
  BgpPeerConfig,
  BgpRouteGroup,
  L2Announcement,
  L2AnnouncementGroup,
} from '../../src/native/addon.js';
import { ungroup } from '../../src/layer2/announcement-groups.js';
import { assumedInterfaces } from '../../src/cli/standalone-command.js';
import { peer } from '../layer2/fixtures.js';
import { parseIP, type IPAddress } from '../../src/config/ip.js';

const NS = 'metallb-system';

class FakeL2 {
  calls: L2Announcement[][] = [];
  closed = false;
  fail: string | null = null;
  setAnnouncementGroups(groups: L2AnnouncementGroup[]) {
    if (this.fail) throw new Error(this.fail);
    this.calls.push(ungroup(groups));
  }
  close() {
    this.closed = true;
  }
}

class FakeBgp {
  peers: BgpPeerConfig[][] = [];
  routes: BgpRouteGroup[][] = [];
  closed = false;
  setPeers(p: BgpPeerConfig[]) {
    this.peers.push(p);
  }
  setRoutes(r: BgpRouteGroup[]) {
    this.routes.push(r);
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
}

const yaml = (localPref: number) => `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: ${NS}}
spec: {addresses: [10.0.0.10-10.0.0.20]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lan, namespace: ${NS}}
spec: {ipAddressPools: [lan]}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pub, namespace: ${NS}}
spec: {addresses: [198.51.100.0/28]}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: r1, namespace: ${NS}}
spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.0.0.1, password: pw}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: far, namespace: ${NS}}
spec: {myASN: 64512, peerASN: 65000, peerAddress: 10.9.0.1, nodeSelectors: [{matchLabels: {rack: b}}]}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: pub, namespace: ${NS}}
spec: {ipAddressPools: [pub], localPref: ${localPref}}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: far-only, namespace: ${NS}}
spec: {ipAddressPools: [pub], peers: [far], communities: ["1:1"], aggregationLength: 28}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default, annotations: {metallb.io/address-pool: pub}}
spec: {type: LoadBalancer, ports: [{port: 443}]}
`;

function view(localPref = 100) {
  const r = loadCluster([{ file: 't.yaml', text: yaml(localPref) }], { nodeName: 'n1' });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.view;
}

function setup() {
  const l2 = new FakeL2();
  const bgp = new FakeBgp();
  const warnings: string[] = [];
  let sp: Speaker | null = null;
  const problem = (p: { protocol: 'layer2' | 'bgp'; message: string }) => sp?.problem(p);
  sp = new Speaker({
    nodeName: 'n1',
    ignoreExcludeLB: false,
    log: { info: () => {}, warn: (m) => warnings.push(m) },
    protocols: [new Layer2Controller(l2, problem), new BgpController(bgp, problem)],
  });
  return { l2, bgp, sp, warnings };
}

function feed(sp: Speaker, v: ReturnType<typeof view>) {
  sp.update({
    config: v.config,
    services: v.services.flatMap((s) => (s.announce ? [s.announce] : [])),
    nodes: v.nodes,
    liveMembers: new Set(v.nodes.keys()),
    interfaces: assumedInterfaces('eth0'),
  });
}

describe('speaker main loop', () => {
  it('coalesces a burst of updates into one recompute and hands whole desired state over', async () => {
    const { l2, bgp, sp } = setup();
    const v = view();
    feed(sp, v);
    sp.update({ interfaces: assumedInterfaces('eth0') });
    sp.update({ liveMembers: new Set(['n1']) });
    await tick();
    assert.equal(sp.recomputations, 1);
    assert.deepEqual(l2.calls, [[{ ip: '10.0.0.10', interfaces: ['eth0'] }]]);
    // Only r1 selects n1 (far wants rack=b); its password is passed on.
    assert.deepEqual(
      bgp.peers.at(-1)?.map((p) => [p.name, p.address, p.peerAsn, p.password]),
      [['r1', '10.0.0.1', 64512, 'pw']],
    );
    // The far-only group has no session from here: it is not handed over (an empty filter means all).
    assert.deepEqual(bgp.routes.at(-1), [{ attributes: { localPref: 100 }, prefixes: ['198.51.100.0/32'] }]);
    assert.deepEqual(sp.plan && [...sp.plan.bgp.services.keys()], ['default/web', 'default/api']);
  });

  it('an attribute change reaches setRoutes only; peers are not touched', async () => {
    const { bgp, sp } = setup();
    feed(sp, view(100));
    await tick();
    feed(sp, view(300));
    await tick();
    assert.equal(bgp.peers.length, 1, 'setPeers called once');
    assert.deepEqual(
      bgp.routes.map((r) => r[0]?.attributes.localPref),
      [100, 300],
    );
  });

  it('nothing changed → the native objects are not called again', async () => {
    const { l2, bgp, sp } = setup();
    feed(sp, view());
    await tick();
    feed(sp, view());
    await tick();
    assert.equal(sp.recomputations, 2);
    assert.deepEqual([l2.calls.length, bgp.peers.length, bgp.routes.length], [1, 1, 1]);
  });

  it('losing the election withdraws the L2 address; shouldAnnounce says why', async () => {
    const { l2, sp } = setup();
    const v = view();
    feed(sp, v);
    await tick();
    const l2c = new Layer2Controller(new FakeL2());
    l2c.apply(sp.plan!);
    assert.deepEqual(l2c.shouldAnnounce('default/web'), { announce: true });
    // n1 is no longer live (speakerlist says only n2, and n2 is a Node): nobody local announces.
    const nodes = new Map(v.nodes);
    nodes.set('n2', { name: 'n2', labels: {}, networkUnavailable: false, ready: true });
    sp.update({ nodes, liveMembers: new Set(['n2']) });
    await tick();
    assert.deepEqual(l2.calls.at(-1), []);
    l2c.apply(sp.plan!);
    assert.deepEqual(l2c.shouldAnnounce('default/web'), { announce: false, reason: 'notOwner' });
  });

  it('a native error is reported once and retried on the next recompute', async () => {
    const { l2, sp, warnings } = setup();
    l2.fail = 'interface eth0 does not exist';
    feed(sp, view());
    await tick();
    sp.update({ interfaces: assumedInterfaces('eth0') });
    await tick();
    assert.deepEqual(warnings, ['interface eth0 does not exist']);
    l2.fail = null;
    sp.update({ interfaces: assumedInterfaces('eth0') });
    await tick();
    assert.equal(l2.calls.length, 1);
  });

  it('ServiceL2Status: one per service this node announces over layer 2, named deterministically', async () => {
    const { sp } = setup();
    feed(sp, view());
    await tick();
    const name = l2StatusName('n1', 'default', 'web');
    assert.match(name, /^l2-[0-9a-f]{16}$/);
    assert.deepEqual(
      [...desiredL2Statuses('n1', sp.plan!)],
      [
        [
          name,
          { node: 'n1', serviceName: 'web', serviceNamespace: 'default', interfaces: [{ name: 'eth0' }] },
        ],
      ],
    );
    assert.notEqual(l2StatusName('n2', 'default', 'web'), name);
  });

  it('stop() closes every protocol and ignores later updates', async () => {
    const { l2, bgp, sp } = setup();
    feed(sp, view());
    await tick();
    await sp.stop();
    assert.ok(l2.closed && bgp.closed);
    feed(sp, view(500));
    await tick();
    assert.equal(sp.recomputations, 1);
  });
});

describe('BGPPeer → native peer config', () => {
  const ip = (t: string) => parseIP(t) as IPAddress;
  const cases: [string, Parameters<typeof peerConfig>[0], ReturnType<typeof peerConfig>][] = [
    [
      'timers, router id, source, password, GR, multihop',
      peer('p', {
        holdTimeSeconds: 9,
        keepaliveTimeSeconds: 3,
        routerID: ip('10.1.1.1'),
        sourceAddress: ip('192.0.2.10'),
        password: 'x',
        enableGracefulRestart: true,
        ebgpMultiHop: true,
        peerPort: 1179,
      }),
      {
        ok: true,
        config: {
          name: 'p',
          address: '192.0.2.1',
          port: 1179,
          localAsn: 64500,
          peerAsn: 64501,
          holdTimeSecs: 9,
          keepaliveSecs: 3,
          ebgpMultihop: true,
          gracefulRestart: true,
          ipv4: true,
          ipv6: true,
          routerId: '10.1.1.1',
          sourceAddress: '192.0.2.10',
          password: 'x',
        },
      },
    ],
    [
      'disableMP on an IPv6 peer carries IPv6 only; localASN replaces myASN',
      peer('v6', { peerAddress: ip('2001:db8::1'), disableMP: true, localASN: 65010 }),
      {
        ok: true,
        config: {
          name: 'v6',
          address: '2001:db8::1',
          port: 179,
          localAsn: 65010,
          peerAsn: 64501,
          holdTimeSecs: 90,
          keepaliveSecs: 30,
          ebgpMultihop: false,
          gracefulRestart: false,
          ipv4: false,
          ipv6: true,
        },
      },
    ],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.deepEqual(peerConfig(input), expected));

  it('dynamicASN internal peers with our own ASN', () => {
    const r = peerConfig(peer('d', { peerASN: null, dynamicASN: 'internal' }));
    assert.ok(r.ok && r.config.peerAsn === 64500);
  });

  it('unsupported peers are refused with the object and field named', () => {
    const r1 = peerConfig(peer('u', { peerAddress: null, interface: 'eth0' }));
    assert.deepEqual(r1, {
      ok: false,
      reason: 'BGPPeer/metallb-system/u: spec.interface: unnumbered peering is not supported yet',
    });
    const r2 = peerConfig(peer('e', { peerASN: null, dynamicASN: 'external' }));
    assert.ok(!r2.ok && r2.reason.includes('spec.dynamicASN'));
  });
});

describe('BFD profiles through the speaker loop', () => {
  const bfdYaml = (echo: boolean) => `${yaml(100).replace(
    'spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.0.0.1, password: pw}',
    'spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.0.0.1, password: pw, bfdProfile: fast}',
  )}---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: {name: fast, namespace: ${NS}}
spec: {receiveInterval: 100, transmitInterval: 200, detectMultiplier: 4, echoMode: ${echo}}
`;

  it("the peer's profile reaches setPeers as bfd options; echo mode is reported, BFD still runs", async () => {
    for (const echo of [false, true]) {
      const { bgp, sp, warnings } = setup();
      const r = loadCluster([{ file: 't.yaml', text: bfdYaml(echo) }], { nodeName: 'n1' });
      if (!r.ok) throw new Error(r.errors.join('\n'));
      feed(sp, r.view);
      await tick();
      const r1 = bgp.peers.at(-1)?.find((p) => p.name === 'r1');
      assert.deepEqual(r1?.bfd, {
        receiveIntervalMs: 100,
        transmitIntervalMs: 200,
        detectMultiplier: 4,
        passive: false,
      });
      const echoWarnings = warnings.filter((w) => w.includes('spec.echoMode'));
      assert.equal(echoWarnings.length, echo ? 1 : 0, warnings.join('\n'));
    }
  });
});
