// Kubernetes variant of the speaker end to end, against a real kube-apiserver + etcd and the real
// allocation controller: a LoadBalancer Service gets an IP from the controller, and two speakers
// (node1, node2; Kubernetes source + main loop + both Protocol controllers) hand the right
// desired state to their native ports. The native objects are recording fakes here: their wire
// behaviour is proven by the standalone e2e and the l2/bgp suites.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type {
  BgpPeerConfig,
  BgpRouteGroup,
  L2Announcement,
  L2AnnouncementGroup,
} from '../../src/native/addon.js';
import { ungroup } from '../../src/layer2/announcement-groups.js';
import { runController, type RunningController } from '../../src/controller/run.js';
import { BgpController } from '../../src/speaker/bgp-controller.js';
import { KubernetesSource } from '../../src/speaker/kubernetes-source.js';
import { Layer2Controller } from '../../src/speaker/layer2-controller.js';
import { Speaker } from '../../src/speaker/speaker.js';
import { KubernetesReports } from '../../src/speaker/kubernetes-reports.js';
import { assumedInterfaces } from '../../src/cli/standalone-command.js';
import {
  createService,
  ensureNamespace,
  METALLB_NS,
  startKubeEnv,
  waitFor,
  waitForIngress,
  type KubeEnv,
} from '../helpers/kube.js';
import { electionOrder } from '../standalone/lab.js';
import { createMetalLB, createNode, setEndpoints } from '../kubernetes-lab/objects.js';

const quiet = { info() {}, warn() {}, error() {} };

class Recorder {
  l2: L2Announcement[] = [];
  peers: BgpPeerConfig[] = [];
  routes: BgpRouteGroup[] = [];
  peerCalls = 0;
  l2Port = {
    setAnnouncementGroups: (g: L2AnnouncementGroup[]) => void (this.l2 = ungroup(g)),
    close: () => {},
  };
  bgpPort = {
    setPeers: (p: BgpPeerConfig[]) => {
      this.peers = p;
      this.peerCalls++;
    },
    setRoutes: (r: BgpRouteGroup[]) => void (this.routes = r),
    close: () => Promise.resolve(),
  };
}

interface TestSpeaker {
  name: string;
  rec: Recorder;
  speaker: Speaker;
  source: KubernetesSource;
  reports: KubernetesReports;
}

function makeSpeaker(env: KubeEnv, name: string): TestSpeaker {
  const rec = new Recorder();
  const reports = new KubernetesReports(env.kc, {
    namespace: METALLB_NS,
    nodeName: name,
    owner: null,
    warn: () => quiet.warn(),
  });
  const speaker = new Speaker({
    nodeName: name,
    ignoreExcludeLB: false,
    log: quiet,
    protocols: [new Layer2Controller(rec.l2Port), new BgpController(rec.bgpPort)],
    onPlan: (plan) => reports.onPlan(plan),
  });
  speaker.update({ interfaces: assumedInterfaces('eth0') });
  const source = new KubernetesSource(env.kc, {
    namespace: METALLB_NS,
    lbClass: null,
    membership: false,
    log: quiet,
    onChange: (s) => speaker.update(s),
  });
  return { name, rec, speaker, source, reports };
}

async function l2Statuses(env: KubeEnv) {
  const list = (await env.custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural: 'servicel2statuses',
  })) as { items: { status?: Record<string, unknown> }[] };
  return list.items.map((i) => i.status ?? {});
}

describe('kubernetes e2e: controller allocates, speakers announce', { timeout: 300_000 }, () => {
  let env: KubeEnv;
  let ctl: RunningController;
  const speakers: TestSpeaker[] = [];

  before(async () => {
    env = await startKubeEnv();
    await ensureNamespace(env, METALLB_NS);
    ctl = await runController({
      kubeconfig: env.kubeconfig,
      identity: 'e2e-controller',
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 200,
      log: quiet,
    });
    await createMetalLB(env, 'IPAddressPool', 'ipaddresspools', 'lan', {
      addresses: ['192.168.77.10-192.168.77.20'],
    });
    await createMetalLB(env, 'L2Advertisement', 'l2advertisements', 'lan', { ipAddressPools: ['lan'] });
    await createMetalLB(env, 'IPAddressPool', 'ipaddresspools', 'pub', {
      addresses: ['198.51.100.0/28'],
      autoAssign: false,
    });
    await createMetalLB(env, 'BGPPeer', 'bgppeers', 'router', {
      myASN: 64512,
      peerASN: 64512,
      peerAddress: '10.0.0.1',
    });
    await createMetalLB(env, 'BGPAdvertisement', 'bgpadvertisements', 'pub', {
      ipAddressPools: ['pub'],
      communities: ['64512:10'],
      localPref: 150,
    });
    await createNode(env, 'node1', []);
    await createNode(env, 'node2', []);
    for (const n of ['node1', 'node2']) {
      const s = makeSpeaker(env, n);
      await s.source.start();
      speakers.push(s);
    }
  });

  after(async () => {
    for (const s of speakers) {
      await s.source.stop();
      await s.speaker.stop();
    }
    await ctl?.shutdown();
    await env?.stop();
  });

  it('layer 2: the controller assigns an IP and exactly the elected speaker announces it', async () => {
    await createService(env, 'web');
    await setEndpoints(env, 'web', [{ node: 'node2', ip: '10.244.0.5' }]);
    const [ip] = await waitForIngress(env, 'web');
    assert.equal(ip, '192.168.77.10');
    const owner = electionOrder(['node1', 'node2'], ip as string)[0];
    await waitFor('the owner announcing', async () =>
      speakers.find((s) => s.name === owner)?.rec.l2.some((a) => a.ip === ip) ? true : undefined,
    );
    for (const s of speakers)
      assert.deepEqual(
        s.rec.l2.filter((a) => a.ip === ip),
        s.name === owner ? [{ ip, interfaces: ['eth0'] }] : [],
        s.name,
      );
    // The owner publishes a ServiceL2Status for it, and only the owner.
    assert.deepEqual(
      await waitFor('ServiceL2Status', async () => {
        const l = await l2Statuses(env);
        return l.length === 1 && l[0]?.node ? l : undefined;
      }),
      [{ node: owner, serviceName: 'web', serviceNamespace: 'default', interfaces: [{ name: 'eth0' }] }],
    );
  });

  it('externalTrafficPolicy Local moves the announcement to the node with the endpoint', async () => {
    await env.core.patchNamespacedService(
      {
        name: 'web',
        namespace: 'default',
        body: [{ op: 'add', path: '/spec/externalTrafficPolicy', value: 'Local' }],
      },
      // JSON patch
      (await import('@kubernetes/client-node')).setHeaderOptions(
        'Content-Type',
        'application/json-patch+json',
      ),
    );
    await waitFor('node2 announcing and node1 not', async () => {
      const [n1, n2] = speakers;
      const has = (s: TestSpeaker | undefined) => !!s?.rec.l2.some((a) => a.ip === '192.168.77.10');
      return !has(n1) && has(n2) ? true : undefined;
    });
    await waitFor('ServiceL2Status names node2', async () => {
      const l = await l2Statuses(env);
      return l.length === 1 && l[0]?.node === 'node2' ? true : undefined;
    });
  });

  it('bgp: every eligible node announces the service with the configured attributes', async () => {
    await createService(env, 'api', { annotations: { 'metallb.io/address-pool': 'pub' } });
    await setEndpoints(env, 'api', [{ node: 'node1', ip: '10.244.0.6' }]);
    const [ip] = await waitForIngress(env, 'api');
    for (const s of speakers) {
      await waitFor(`${s.name} routes`, async () =>
        s.rec.routes.some((g) => g.prefixes?.includes(`${ip}/32`)) ? true : undefined,
      );
      assert.deepEqual(
        s.rec.peers.map((p) => [p.name, p.address, p.localAsn, p.peerAsn]),
        [['router', '10.0.0.1', 64512, 64512]],
      );
      assert.deepEqual(s.rec.routes, [
        { attributes: { localPref: 150, communities: ['64512:10'] }, prefixes: [`${ip}/32`] },
      ]);
    }
  });

  it('the exclude-from-external-load-balancers label withdraws that node only; peers untouched', async () => {
    const [n1, n2] = speakers as [TestSpeaker, TestSpeaker];
    const peerCalls = n1.rec.peerCalls;
    await env.core.patchNode(
      {
        name: 'node1',
        body: { metadata: { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } },
      },
      (await import('@kubernetes/client-node')).setHeaderOptions(
        'Content-Type',
        'application/merge-patch+json',
      ),
    );
    await waitFor('node1 withdrawn', async () => (n1.rec.routes.length === 0 ? true : undefined));
    assert.equal(n2.rec.routes.length, 1);
    assert.equal(n1.rec.peerCalls, peerCalls, 'the BGP session was not touched');
  });

  it('deleting the Services withdraws everything', async () => {
    await env.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    await env.core.deleteNamespacedService({ name: 'api', namespace: 'default' });
    for (const s of speakers)
      await waitFor(`${s.name} withdrawn`, async () =>
        s.rec.l2.length === 0 && s.rec.routes.length === 0 ? true : undefined,
      );
    await waitFor('no ServiceL2Status left', async () =>
      (await l2Statuses(env)).length === 0 ? true : undefined,
    );
  });
});
