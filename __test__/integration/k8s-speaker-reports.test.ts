// What the Kubernetes speaker reports back to the cluster, against a real kube-apiserver + etcd
// and the real allocation controller: ServiceBGPStatus / ServiceL2Status objects (peers, labels,
// owner reference to the speaker's Pod), `nodeAssigned` Events exactly once per transition, and
// the ConfigurationState `speaker-NODE`. Two speakers (node1, node2) run the Kubernetes source,
// the main loop and both Protocol controllers over recording fakes of the native ports (their
// wire behaviour is proven by the standalone e2e and the l2/bgp suites). No kubelet or
// controller-manager runs: the Pods are plain API objects and garbage collection is not shown.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { setHeaderOptions, type CoreV1Event, type V1OwnerReference } from '@kubernetes/client-node';

import { assumedInterfaces } from '../../src/cli/standalone-command.js';
import { runController, type RunningController } from '../../src/controller/run.js';
import { findOwnPod } from '../../src/k8s/owner-pod.js';
import { BgpController } from '../../src/speaker/bgp-controller.js';
import { KubernetesReports } from '../../src/speaker/kubernetes-reports.js';
import { KubernetesSource } from '../../src/speaker/kubernetes-source.js';
import { Layer2Controller } from '../../src/speaker/layer2-controller.js';
import { DEFAULT_SPEAKER_POD_SELECTOR } from '../../src/speaker/run-kubernetes.js';
import { Speaker } from '../../src/speaker/speaker.js';
import {
  createService,
  ensureNamespace,
  eventsFor,
  killAndWait,
  METALLB_NS,
  repoRoot,
  startKubeEnv,
  waitFor,
  waitForIngress,
  type KubeEnv,
} from '../helpers/kube.js';
import { freePortBelow } from '../helpers/ports.js';
import { createMetalLB, createNode, setEndpoints, SPEAKER_LABELS } from '../kubernetes-lab/objects.js';

const quiet = { info() {}, warn() {}, error() {} };
const MERGE = setHeaderOptions('Content-Type', 'application/merge-patch+json');

interface TestSpeaker {
  name: string;
  speaker: Speaker;
  source: KubernetesSource;
  reports: KubernetesReports;
  owner: V1OwnerReference | null;
  warnings: string[];
}

async function startSpeaker(env: KubeEnv, name: string, podName: string | null): Promise<TestSpeaker> {
  const own = await findOwnPod(env.core, {
    namespace: METALLB_NS,
    podName,
    nodeName: name,
    labelSelector: DEFAULT_SPEAKER_POD_SELECTOR,
    hostname: name,
  });
  const warnings: string[] = [];
  let source: KubernetesSource | null = null;
  const reports = new KubernetesReports(env.kc, {
    namespace: METALLB_NS,
    nodeName: name,
    owner: own.owner,
    serviceUid: (key) => source?.serviceUid(key),
    warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f ?? {})}`),
  });
  const nop = { setAnnouncementGroups() {}, setPeers() {}, setRoutes() {}, close: () => Promise.resolve() };
  const speaker = new Speaker({
    nodeName: name,
    ignoreExcludeLB: false,
    log: quiet,
    protocols: [new Layer2Controller(nop), new BgpController(nop)],
    onPlan: (plan) => reports.onPlan(plan),
  });
  speaker.update({ interfaces: assumedInterfaces('eth0') });
  source = new KubernetesSource(env.kc, {
    namespace: METALLB_NS,
    lbClass: null,
    membership: false,
    log: quiet,
    onChange: (s) => speaker.update(s),
    onConfigVerdict: (errors) => reports.onConfigVerdict(errors),
  });
  await source.start();
  return { name, speaker, source, reports, owner: own.owner, warnings };
}

/** A speaker Pod object as the DaemonSet would make it (nothing runs it). */
async function createSpeakerPod(env: KubeEnv, name: string, node: string) {
  return env.core.createNamespacedPod({
    namespace: METALLB_NS,
    body: {
      metadata: { name, labels: SPEAKER_LABELS },
      spec: { nodeName: node, containers: [{ name: 'speaker', image: 'ferrolb' }] },
    },
  });
}

interface StatusObject {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: V1OwnerReference[] };
  status?: Record<string, unknown>;
}

async function statuses(env: KubeEnv, plural: string): Promise<StatusObject[]> {
  const list = (await env.custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural,
  })) as { items: StatusObject[] };
  return list.items
    .filter((o) => o.status?.node)
    .sort((a, b) => (a.status!.node! < b.status!.node! ? -1 : 1));
}

const nodeAssigned = async (env: KubeEnv, svc: string): Promise<CoreV1Event[]> =>
  (await eventsFor(env, 'default', svc)).filter((e) => e.reason === 'nodeAssigned');
const messages = (events: CoreV1Event[]) => events.map((e) => e.message ?? '').sort();

async function configurationState(env: KubeEnv, name: string) {
  return (await env.custom.getNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural: 'configurationstates',
    name,
  })) as {
    metadata: { labels?: Record<string, string>; ownerReferences?: V1OwnerReference[] };
    status?: { result?: string; errorSummary?: string };
  };
}

describe(
  'kubernetes speaker reports: statuses, owner references, events, configuration state',
  { timeout: 300_000 },
  () => {
    let env: KubeEnv;
    let ctl: RunningController;
    const speakers: TestSpeaker[] = [];
    const podUid: Record<string, string> = {};
    const byName = (n: string) => speakers.find((s) => s.name === n) as TestSpeaker;

    /** Waits until every speaker recomputed after a change and wrote what followed from it. */
    async function settle(before: number[]) {
      await waitFor('speakers recomputed', async () =>
        speakers.every((s, i) => s.speaker.recomputations > (before[i] ?? 0)) ? true : undefined,
      );
      for (const s of speakers) await s.reports.flush();
    }
    const counts = () => speakers.map((s) => s.speaker.recomputations);

    before(async () => {
      env = await startKubeEnv();
      await ensureNamespace(env, METALLB_NS);
      ctl = await runController({
        kubeconfig: env.kubeconfig,
        identity: 'reports-controller',
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
      // r1 peers with every node, r2 only with rack a (node1).
      await createMetalLB(env, 'BGPPeer', 'bgppeers', 'r1', {
        myASN: 64512,
        peerASN: 64512,
        peerAddress: '10.0.0.1',
      });
      await createMetalLB(env, 'BGPPeer', 'bgppeers', 'r2', {
        myASN: 64512,
        peerASN: 65001,
        peerAddress: '10.0.0.2',
        nodeSelectors: [{ matchLabels: { rack: 'a' } }],
      });
      await createMetalLB(env, 'BGPAdvertisement', 'bgpadvertisements', 'pub', { ipAddressPools: ['pub'] });
      await createNode(env, 'node1', [], { rack: 'a' });
      await createNode(env, 'node2', [], { rack: 'b' });
      // node1's speaker is named by the downward API; node2's is found by label on its node.
      for (const [pod, node] of [
        ['ferrolb-speaker-abcde', 'node1'],
        ['ferrolb-speaker-fghij', 'node2'],
        ['ferrolb-speaker-other', 'node9'],
      ] as const)
        podUid[node] = (await createSpeakerPod(env, pod, node)).metadata?.uid ?? '';
      speakers.push(await startSpeaker(env, 'node1', 'ferrolb-speaker-abcde'));
      speakers.push(await startSpeaker(env, 'node2', null));
    });

    after(async () => {
      for (const s of speakers) {
        await s.source.stop();
        await s.speaker.stop();
        await s.reports.stop();
      }
      await ctl?.shutdown();
      await env?.stop();
    });

    it("finds the speaker's own Pod by name or by label on its node; none elsewhere", async () => {
      assert.deepEqual(byName('node1').owner, {
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'ferrolb-speaker-abcde',
        uid: podUid.node1,
      });
      assert.deepEqual(byName('node2').owner, {
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'ferrolb-speaker-fghij',
        uid: podUid.node2,
      });
      const query = { namespace: METALLB_NS, labelSelector: DEFAULT_SPEAKER_POD_SELECTOR, hostname: 'x' };
      const none = await findOwnPod(env.core, { ...query, podName: null, nodeName: 'node3' });
      assert.deepEqual(none, { owner: null, reason: 'no pod on node node3 matches the selector' });
      const missing = await findOwnPod(env.core, { ...query, podName: 'gone', nodeName: 'node1' });
      assert.deepEqual(missing, { owner: null, reason: `pod ${METALLB_NS}/gone not found` });
    });

    it('ConfigurationState speaker-NODE: Valid, labelled, owned by the pod', async () => {
      for (const s of speakers) {
        // The object is created first and its status written next: wait for the verdict.
        const state = await waitFor(`speaker-${s.name} with a verdict`, async () => {
          const st = await configurationState(env, `speaker-${s.name}`).catch(() => undefined);
          return st?.status?.result !== undefined ? st : undefined;
        });
        assert.equal(state.status?.result, 'Valid');
        assert.equal(state.status?.errorSummary, '');
        assert.deepEqual(state.metadata.labels, {
          'metallb.io/component-type': 'speaker',
          'metallb.io/node-name': s.name,
        });
        assert.deepEqual(state.metadata.ownerReferences, [s.owner]);
      }
    });

    it('BGP: one ServiceBGPStatus per announcing node with its peers, labels and owner', async () => {
      await createService(env, 'api', { annotations: { 'metallb.io/address-pool': 'pub' } });
      await setEndpoints(env, 'api', [{ node: 'node1', ip: '10.244.0.6' }]);
      await waitForIngress(env, 'api');
      const list = await waitFor('two ServiceBGPStatuses', async () => {
        const l = await statuses(env, 'servicebgpstatuses');
        return l.length === 2 ? l : undefined;
      });
      assert.deepEqual(
        list.map((o) => o.status),
        [
          { node: 'node1', serviceName: 'api', serviceNamespace: 'default', peers: ['r1', 'r2'] },
          { node: 'node2', serviceName: 'api', serviceNamespace: 'default', peers: ['r1'] },
        ],
      );
      for (const o of list) {
        const node = o.status?.node as string;
        assert.match(o.metadata.name, /^bgp-[0-9a-f]{16}$/);
        assert.deepEqual(o.metadata.labels, {
          'metallb.io/node': node,
          'metallb.io/service-name': 'api',
          'metallb.io/service-namespace': 'default',
        });
        assert.deepEqual(o.metadata.ownerReferences, [byName(node).owner]);
        assert.equal(o.metadata.ownerReferences?.[0]?.uid, podUid[node]);
      }
    });

    it('nodeAssigned: one Event per node and protocol, on the Service (uid), not repeated on resync', async () => {
      const svc = await env.core.readNamespacedService({ name: 'api', namespace: 'default' });
      const events = await waitFor('two nodeAssigned events', async () => {
        const e = await nodeAssigned(env, 'api');
        return e.length >= 2 ? e : undefined;
      });
      assert.deepEqual(messages(events), [
        'announcing from node "node1" with protocol "bgp"',
        'announcing from node "node2" with protocol "bgp"',
      ]);
      for (const e of events) {
        assert.equal(e.type, 'Normal');
        assert.equal(e.source?.component, 'metallb-speaker');
        assert.equal(e.involvedObject.kind, 'Service');
        assert.equal(e.involvedObject.uid, svc.metadata?.uid);
      }
      // A change that recomputes every plan without changing who announces: no new event.
      const before = counts();
      await env.core.patchNamespacedService(
        { name: 'api', namespace: 'default', body: { metadata: { labels: { touched: 'yes' } } } },
        MERGE,
      );
      await settle(before);
      assert.equal((await nodeAssigned(env, 'api')).length, 2);
    });

    it('withdrawal deletes that node’s status; announcing again is a new transition with one new event', async () => {
      const label = (value: string | null) =>
        env.core.patchNode(
          {
            name: 'node2',
            body: {
              metadata: { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': value } },
            },
          },
          MERGE,
        );
      await label('');
      await waitFor('only node1 left', async () => {
        const l = await statuses(env, 'servicebgpstatuses');
        return l.length === 1 && l[0]?.status?.node === 'node1' ? true : undefined;
      });
      assert.equal((await nodeAssigned(env, 'api')).length, 2, 'withdrawing sends no nodeAssigned');
      await label(null);
      await waitFor('node2 back', async () =>
        (await statuses(env, 'servicebgpstatuses')).length === 2 ? true : undefined,
      );
      for (const s of speakers) await s.reports.flush();
      assert.deepEqual(messages(await nodeAssigned(env, 'api')), [
        'announcing from node "node1" with protocol "bgp"',
        'announcing from node "node2" with protocol "bgp"',
        'announcing from node "node2" with protocol "bgp"',
      ]);
    });

    it('layer 2: the elected node publishes an owned ServiceL2Status and one nodeAssigned "layer2" event', async () => {
      await createService(env, 'web');
      await setEndpoints(env, 'web', [{ node: 'node2', ip: '10.244.0.5' }]);
      await waitForIngress(env, 'web');
      const [status] = await waitFor('a ServiceL2Status', async () => {
        const l = await statuses(env, 'servicel2statuses');
        return l.length === 1 ? l : undefined;
      });
      const owner = status?.status?.node as string;
      assert.match(status?.metadata.name ?? '', /^l2-[0-9a-f]{16}$/);
      assert.deepEqual(status?.metadata.ownerReferences, [byName(owner).owner]);
      const events = await waitFor('nodeAssigned on web', async () => {
        const e = await nodeAssigned(env, 'web');
        return e.length ? e : undefined;
      });
      for (const s of speakers) await s.reports.flush();
      assert.deepEqual(messages(await nodeAssigned(env, 'web')), [
        `announcing from node "${owner}" with protocol "layer2"`,
      ]);
      assert.equal(events[0]?.reportingInstance, owner);
    });

    it('a bad BGPPeer makes speaker-NODE Invalid naming object and field; the last good config keeps running', async () => {
      await createMetalLB(env, 'BGPPeer', 'bgppeers', 'bad', {
        myASN: 64512,
        peerASN: 64513,
        peerAddress: '10.0.0.3',
        holdTime: '90s',
        keepaliveTime: '120s',
      });
      for (const s of speakers) {
        const state = await waitFor(`speaker-${s.name} Invalid`, async () => {
          const o = await configurationState(env, `speaker-${s.name}`);
          return o.status?.result === 'Invalid' ? o.status : undefined;
        });
        assert.match(state.errorSummary ?? '', /BGPPeer\/metallb-system\/bad/);
        assert.match(state.errorSummary ?? '', /spec\.keepaliveTime/);
      }
      // Still announcing with the previous configuration: the statuses stay.
      assert.equal((await statuses(env, 'servicebgpstatuses')).length, 2);
      await env.custom.deleteNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta2',
        namespace: METALLB_NS,
        plural: 'bgppeers',
        name: 'bad',
      });
      for (const s of speakers)
        await waitFor(`speaker-${s.name} Valid again`, async () =>
          (await configurationState(env, `speaker-${s.name}`)).status?.result === 'Valid' ? true : undefined,
        );
    });

    it('a restarted speaker adopts its objects (new pod as owner) and a graceful stop deletes them', async () => {
      const old = byName('node2');
      await old.source.stop();
      await old.speaker.stop();
      await old.reports.flush();
      // The DaemonSet replaced the pod: delete the old Pod object, create the new one.
      await env.core.deleteNamespacedPod({ namespace: METALLB_NS, name: 'ferrolb-speaker-fghij' });
      const fresh = await createSpeakerPod(env, 'ferrolb-speaker-klmno', 'node2');
      const restarted = await startSpeaker(env, 'node2', 'ferrolb-speaker-klmno');
      speakers.splice(speakers.indexOf(old), 1, restarted);
      const newUid = fresh.metadata?.uid;
      await waitFor('node2 objects owned by the new pod', async () => {
        const objects = [
          ...(await statuses(env, 'servicebgpstatuses')),
          ...(await statuses(env, 'servicel2statuses')),
        ].filter((o) => o.status?.node === 'node2');
        const state = await configurationState(env, 'speaker-node2');
        return objects.length > 0 &&
          objects.every((o) => o.metadata.ownerReferences?.[0]?.uid === newUid) &&
          state.metadata.ownerReferences?.[0]?.uid === newUid
          ? true
          : undefined;
      });
      // Graceful stop: node2's statuses go, node1's stay.
      await restarted.source.stop();
      await restarted.speaker.stop();
      await restarted.reports.stop();
      speakers.splice(speakers.indexOf(restarted), 1);
      const left = [
        ...(await statuses(env, 'servicebgpstatuses')),
        ...(await statuses(env, 'servicel2statuses')),
      ];
      assert.ok(left.length > 0);
      assert.deepEqual(
        left.filter((o) => o.status?.node === 'node2'),
        [],
      );
      assert.deepEqual(restarted.warnings, []);
    });

    it('deleting the Services removes every status object', async () => {
      await env.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
      await env.core.deleteNamespacedService({ name: 'api', namespace: 'default' });
      await waitFor('no status objects left', async () =>
        (await statuses(env, 'servicebgpstatuses')).length +
          (await statuses(env, 'servicel2statuses')).length ===
        0
          ? true
          : undefined,
      );
      for (const s of speakers) assert.deepEqual(s.warnings, [], s.name);
    });

    it('`ferrolb speaker` as a process: METALLB_POD_NAME owns its objects; SIGTERM removes its statuses', async () => {
      // Only this process speaks for node1 from now on (the same object names would collide).
      for (const s of speakers.splice(0)) {
        await s.source.stop();
        await s.speaker.stop();
        await s.reports.stop();
      }
      // A BGP-only setup whose one peer is a closed loopback port: the process connects to nothing
      // else and sends no ARP/NDP (no layer 2 Service; the assumed interface does not exist).
      for (const name of ['r1', 'r2'])
        await env.custom.deleteNamespacedCustomObject({
          group: 'metallb.io',
          version: 'v1beta2',
          namespace: METALLB_NS,
          plural: 'bgppeers',
          name,
        });
      const port = await freePortBelow(16384);
      await createMetalLB(env, 'BGPPeer', 'bgppeers', 'lo', {
        myASN: 64512,
        peerASN: 64512,
        peerAddress: '127.0.0.1',
        peerPort: port,
      });
      await createService(env, 'solo', { annotations: { 'metallb.io/address-pool': 'pub' } });
      await setEndpoints(env, 'solo', [{ node: 'node1', ip: '10.244.0.7' }]);
      await waitForIngress(env, 'solo');

      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(repoRoot, 'src', 'cli', 'main.ts'),
          'speaker',
          '--node-name',
          'node1',
          '--kubeconfig',
          env.kubeconfig,
          '--assume-interfaces',
          'ferrolbnone0',
          '--router-id',
          '127.0.0.1',
          '--port',
          '0',
        ],
        {
          cwd: repoRoot,
          env: { ...process.env, METALLB_POD_NAME: 'ferrolb-speaker-abcde', METALLB_NAMESPACE: METALLB_NS },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let logs = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (logs += d));
      try {
        const [status] = await waitFor(
          'the process publishes ServiceBGPStatus',
          async () => {
            const l = await statuses(env, 'servicebgpstatuses');
            return l.length === 1 ? l : undefined;
          },
          30_000,
        );
        assert.deepEqual(status?.status, {
          node: 'node1',
          serviceName: 'solo',
          serviceNamespace: 'default',
          peers: ['lo'],
        });
        assert.equal(status?.metadata.ownerReferences?.[0]?.uid, podUid.node1);
        assert.match(logs, /status objects owned by the speaker pod/);
        await waitFor('nodeAssigned on solo', async () => {
          const e = await nodeAssigned(env, 'solo');
          return e.length === 1 && e[0]?.message === 'announcing from node "node1" with protocol "bgp"'
            ? true
            : undefined;
        });
        const state = await waitFor('speaker-node1 with a verdict', async () => {
          const st = await configurationState(env, 'speaker-node1').catch(() => undefined);
          return st?.status?.result !== undefined ? st : undefined;
        });
        assert.equal(state.status?.result, 'Valid');
        assert.equal(state.metadata.ownerReferences?.[0]?.uid, podUid.node1);
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        child.kill('SIGTERM');
        assert.equal(await exited, 0, logs);
        assert.deepEqual(await statuses(env, 'servicebgpstatuses'), []);
      } finally {
        await killAndWait(child);
      }
    });
  },
);
