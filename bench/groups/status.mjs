// What the Kubernetes speaker writes back, against the real kube-apiserver harness:
//   status.bgp_1k.seconds         a first plan announcing 1,000 Services over BGP (one peer) →
//                                 seconds until all 1,000 ServiceBGPStatus objects and 1,000
//                                 nodeAssigned Events are written (the speaker's restart cost)
//   status.bgp_1k.api_calls       API requests for that first plan (list + create + status + event)
//   status.bgp_1k.resync_calls    API calls made by the next plan with the same content (target 0)
//   status.bgp_1k.clear_seconds   graceful stop: seconds to delete the 1,000 statuses
// The plan comes from the standalone loader (same decision code as the speaker); announcing
// itself is not part of the measurement.
import { tsImport } from 'tsx/esm/api';

const load = (path) => tsImport(path, import.meta.url);
const N = 1000;
const NS = 'metallb-system';

function clusterYaml() {
  const docs = [
    `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pub, namespace: ${NS}}
spec: {addresses: [198.18.0.0/20]}`,
    `apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: r1, namespace: ${NS}}
spec: {myASN: 64512, peerASN: 64512, peerAddress: 127.0.0.1}`,
    `apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: pub, namespace: ${NS}}
spec: {ipAddressPools: [pub]}`,
  ];
  for (let i = 0; i < N; i++)
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: svc${i}, namespace: default}
spec: {type: LoadBalancer, ports: [{port: 80}]}`);
  return docs.join('\n---\n');
}

export async function run({ record, log }) {
  const kube = await load('../../__test__/helpers/kube.ts');
  const { loadCluster } = await load('../../src/standalone/cluster.ts');
  const { planNode } = await load('../../src/speaker/node-plan.ts');
  const { KubernetesReports } = await load('../../src/speaker/kubernetes-reports.ts');

  const loaded = loadCluster([{ file: 'bench.yaml', text: clusterYaml() }], { nodeName: 'node1' });
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const v = loaded.view;
  const plan = planNode(
    'node1',
    {
      config: v.config,
      services: v.services.flatMap((s) => (s.announce ? [s.announce] : [])),
      nodes: v.nodes,
      liveMembers: null,
    },
    { interfaces: [] },
    { ignoreExcludeLB: false },
  );

  const env = await kube.startKubeEnv();
  try {
    await kube.ensureNamespace(env, NS);
    // Count the API requests the reports make (resync must make none).
    let calls = 0;
    const origin = env.kc.applySecurityAuthentication.bind(env.kc);
    env.kc.applySecurityAuthentication = (ctx) => {
      calls++;
      return origin(ctx);
    };
    const warnings = [];
    const reports = new KubernetesReports(env.kc, {
      namespace: NS,
      nodeName: 'node1',
      owner: null,
      warn: (m, f) => warnings.push(`${m} ${f?.err ?? ''}`),
    });
    const start = process.hrtime.bigint();
    reports.onPlan(plan);
    await reports.flush();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const list = await env.custom.listNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace: NS,
      plural: 'servicebgpstatuses',
    });
    const events = await env.core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'reason=nodeAssigned',
    });
    if (list.items.length !== N || events.items.length !== N || warnings.length)
      throw new Error(
        `expected ${N} statuses and events, got ${list.items.length} and ${events.items.length}; ${warnings.slice(0, 3).join('; ')}`,
      );
    const firstCalls = calls - 2; // minus this check's two lists
    log(
      `${N} ServiceBGPStatus + ${N} nodeAssigned events in ${seconds.toFixed(2)} s, ${firstCalls} API calls`,
    );
    record('status.bgp_1k.seconds', seconds, 's');
    record('status.bgp_1k.api_calls', firstCalls, 'calls');

    calls = 0;
    reports.onPlan(plan);
    await reports.flush();
    record('status.bgp_1k.resync_calls', calls, 'calls');

    const clearAt = process.hrtime.bigint();
    await reports.stop();
    const clearS = Number(process.hrtime.bigint() - clearAt) / 1e9;
    log(`graceful stop deleted them in ${clearS.toFixed(2)} s`);
    record('status.bgp_1k.clear_seconds', clearS, 's');
  } finally {
    await env.stop();
  }
}
