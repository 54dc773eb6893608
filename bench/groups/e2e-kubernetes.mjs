// Layer 2 failover with Kubernetes, all real (see __test__/kubernetes-lab/lab.ts): kube-apiserver
// + etcd, `ferrolb controller`, three `ferrolb speaker` processes in node namespaces, a client.
//   l2.k8s_failover_kill.p50_ms / .max_ms  SIGKILL of the owning speaker → the client's neighbour
//                                          entry points at the new owner (10 repetitions)
//   l2.k8s_failover_term.p50_ms            same with SIGTERM (graceful leave), 5 repetitions
// Same measurement as the `e2e` group's standalone figures; here the speakers also watch the
// apiserver, and the owner restarts like a pod after every kill. Compiled CLI, plain node.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { register } from 'tsx/esm/api';
import { percentile } from '../lib/stats.mjs';

const KILLS = Number(process.env.E2E_BENCH_KILLS ?? 10);
const TERMS = Number(process.env.E2E_BENCH_TERMS ?? 5);

export async function run({ record, log }) {
  register();
  const root = fileURLToPath(new URL('../..', import.meta.url));
  log('compiling the CLI (tsc -p tsconfig.build.json)');
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.build.json failed');
  process.env.FERROLB_LAB_BUILT = '1';
  const { KubernetesLab } = await import('../../__test__/kubernetes-lab/lab.ts');
  const { createMetalLB, setEndpoints } = await import('../../__test__/kubernetes-lab/objects.ts');
  const { createService, waitForIngress } = await import('../../__test__/helpers/kube.ts');
  const { electionOrder } = await import('../../__test__/standalone/lab.ts');
  const { kernelResolve, neigh } = await import('../../__test__/helpers/l2-tools.ts');
  const { waitFor, sleep } = await import('../../__test__/helpers/wait.ts');
  const nodes = ['node1', 'node2', 'node3'];
  const idx = (n) => nodes.indexOf(n) + 1;

  const lab = await KubernetesLab.create(3);
  try {
    const env = lab.env;
    await createMetalLB(env, 'IPAddressPool', 'ipaddresspools', 'lan', { addresses: ['10.77.0.200/32'] });
    await createMetalLB(env, 'L2Advertisement', 'l2advertisements', 'lan', { ipAddressPools: ['lan'] });
    for (const i of [1, 2, 3]) lab.startSpeaker(i);
    await createService(env, 'web');
    await setEndpoints(env, 'web', [{ node: 'node1', ip: '10.244.1.5' }]);
    const [ip] = await waitForIngress(env, 'web');
    const [owner, next] = electionOrder(nodes, ip);
    const entry = async () => (await neigh(lab.net.lab, lab.net.clientNs, 'eth0', ip))?.lladdr;
    const settleOnOwner = async () => {
      await waitFor(
        `${owner} owning ${ip}`,
        async () => {
          await kernelResolve(lab.net.lab, lab.net.clientNs, ip);
          return (await entry()) === lab.net.macs.get(owner);
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      await sleep(1500); // membership fully converged before the next stop
    };
    const measure = async (signal) => {
      await settleOnOwner();
      const t0 = performance.now();
      const stopped = lab.net.signal(idx(owner), signal);
      await waitFor('new owner', async () => (await entry()) === lab.net.macs.get(next), {
        timeoutMs: 20_000,
        intervalMs: 5,
      });
      const ms = performance.now() - t0;
      await stopped;
      lab.startSpeaker(idx(owner));
      return ms;
    };
    const kills = [];
    for (let k = 0; k < KILLS; k++) {
      kills.push(await measure('SIGKILL'));
      log(`SIGKILL #${k + 1}: ${kills.at(-1).toFixed(0)} ms`);
    }
    if (kills.length) {
      record('l2.k8s_failover_kill.p50_ms', percentile(kills, 50), 'ms');
      record('l2.k8s_failover_kill.max_ms', Math.max(...kills), 'ms');
    }
    const terms = [];
    for (let k = 0; k < TERMS; k++) {
      terms.push(await measure('SIGTERM'));
      log(`SIGTERM #${k + 1}: ${terms.at(-1).toFixed(1)} ms`);
    }
    if (terms.length) record('l2.k8s_failover_term.p50_ms', percentile(terms, 50), 'ms');
  } finally {
    await lab.destroy();
  }
}
