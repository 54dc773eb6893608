// End-to-end speaker benchmarks on a one-host lab (network namespaces): three `ferrolb standalone`
// speakers with speakerlist, BIRD as the router, a client (see __test__/standalone/lab.ts).
//   l2.failover_kill.p50_ms / .max_ms  SIGKILL of the owner → the client's neighbour entry points
//                                      at the new owner (10 repetitions, default settings)
//   l2.failover_term.p50_ms            same with SIGTERM (graceful leave), 5 repetitions
//   speaker.10k_services.announce_s    10,000 LoadBalancer Services (BGP) in the files → BIRD holds
//                                      all 10,000 prefixes from all three nodes
//   speaker.10k_services.rss_mb        RSS of one speaker at rest with those 10,000 Services
//   speaker.10k_services.cpu_rest_pct  its CPU use at rest (% of one core over 5 s)
// The speakers run the compiled CLI (dist/, built here with `tsc -p tsconfig.build.json`) with
// plain node, as deployed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { register } from 'tsx/esm/api';
import { percentile } from '../lib/stats.mjs';

const KILLS = Number(process.env.E2E_BENCH_KILLS ?? 10);
const TERMS = Number(process.env.E2E_BENCH_TERMS ?? 5);
const SERVICES = Number(process.env.E2E_BENCH_SERVICES ?? 10_000);
const REST_MS = Number(process.env.E2E_BENCH_REST_MS ?? 10_000);

function bigConfig(base, n) {
  const nodes = [1, 2, 3]
    .map(
      (i) =>
        `---\napiVersion: v1\nkind: Node\nmetadata: {name: node${i}, labels: {kubernetes.io/hostname: node${i}}}\n`,
    )
    .join('');
  const svcs = [];
  for (let i = 0; i < n; i++)
    svcs.push(
      `---\napiVersion: v1\nkind: Service\nmetadata: {name: s${i}, namespace: default}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n`,
    );
  return `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: big, namespace: metallb-system}
spec: {addresses: [10.128.0.0/16]}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: router, namespace: metallb-system}
spec: {myASN: ${base.ASN}, peerASN: ${base.ASN}, peerAddress: ${base.ROUTER_IP}}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: big, namespace: metallb-system}
spec: {ipAddressPools: [big]}
${nodes}${svcs.join('')}`;
}

function procStat(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMb: rssKb / 1024, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

export async function run({ record, log }) {
  register();
  const root = fileURLToPath(new URL('../..', import.meta.url));
  log('compiling the CLI (tsc -p tsconfig.build.json)');
  const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('tsc -p tsconfig.build.json failed');
  process.env.FERROLB_LAB_BUILT = '1';
  const labMod = await import('../../__test__/standalone/lab.ts');
  const { StandaloneLab, electionOrder } = labMod;
  const { config, L2_IP } = await import('../../__test__/standalone/e2e-config.ts');
  const { kernelResolve, neigh } = await import('../../__test__/helpers/l2-tools.ts');
  const { waitFor, sleep } = await import('../../__test__/helpers/wait.ts');
  const nodes = ['node1', 'node2', 'node3'];
  const order = electionOrder(nodes, L2_IP);
  const idx = (n) => nodes.indexOf(n) + 1;

  // --- failover ---------------------------------------------------------------------------
  if (KILLS > 0) await failover();
  await tenThousand();

  async function failover() {
    const lab = await StandaloneLab.create(3, config({ community: '64512:10', localPref: 150 }));
    try {
      for (const i of [1, 2, 3]) lab.start(i);
      const entry = async () => (await neigh(lab.lab, lab.clientNs, 'eth0', L2_IP))?.lladdr;
      const settleOn = async (owner) => {
        await waitFor(
          `${owner} owning ${L2_IP}`,
          async () => {
            await kernelResolve(lab.lab, lab.clientNs, L2_IP);
            return (await entry()) === lab.macs.get(owner);
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        await sleep(1500); // membership fully converged before the next kill
      };
      const measure = async (signal) => {
        await settleOn(order[0]);
        const t0 = performance.now();
        const stopped = lab.signal(idx(order[0]), signal);
        await waitFor('new owner', async () => (await entry()) === lab.macs.get(order[1]), {
          timeoutMs: 20_000,
          intervalMs: 5,
        });
        const ms = performance.now() - t0;
        await stopped;
        lab.start(idx(order[0]));
        return ms;
      };
      const kills = [];
      for (let k = 0; k < KILLS; k++) {
        kills.push(await measure('SIGKILL'));
        log(`SIGKILL #${k + 1}: ${kills.at(-1).toFixed(0)} ms`);
      }
      record('l2.failover_kill.p50_ms', percentile(kills, 50), 'ms');
      record('l2.failover_kill.max_ms', Math.max(...kills), 'ms');
      const terms = [];
      for (let k = 0; k < TERMS; k++) {
        terms.push(await measure('SIGTERM'));
        log(`SIGTERM #${k + 1}: ${terms.at(-1).toFixed(1)} ms`);
      }
      record('l2.failover_term.p50_ms', percentile(terms, 50), 'ms');
    } finally {
      for (const i of [1, 2, 3]) await lab.signal(i, 'SIGTERM').catch(() => {});
      await lab.destroy();
    }
  }

  // --- 10k services -----------------------------------------------------------------------
  async function tenThousand() {
    const lab = await StandaloneLab.create(3, bigConfig(labMod, SERVICES));
    try {
      const t0 = performance.now();
      for (const i of [1, 2, 3]) lab.start(i);
      await waitFor(
        `${SERVICES} prefixes from 3 nodes at BIRD`,
        async () => {
          const out = await lab.birdc('show', 'route', 'count');
          const m = /(\d+) of (\d+) routes for (\d+) networks/.exec(out);
          // + the LAN's direct route
          return m && Number(m[2]) >= 3 * SERVICES && Number(m[3]) >= SERVICES + 1;
        },
        { timeoutMs: 600_000, intervalMs: 500 },
      );
      const s = (performance.now() - t0) / 1000;
      log(`all ${SERVICES} prefixes from 3 nodes at BIRD after ${s.toFixed(1)} s`);
      record('speaker.10k_services.announce_s', s, 's');
      // At rest: give V8 time to finish the GCs after the start-up parse (its memory reducer
      // returns the parse's peak to the OS only after the process has been idle a while).
      await sleep(REST_MS);
      const pid = lab.pid(1);
      const a = procStat(pid);
      await sleep(5000);
      const b = procStat(pid);
      const hz = 100; // USER_HZ on Linux
      record('speaker.10k_services.rss_mb', b.rssMb, 'MB');
      record('speaker.10k_services.cpu_rest_pct', ((b.cpuTicks - a.cpuTicks) / hz / 5) * 100, '%');
    } finally {
      for (const i of [1, 2, 3]) await lab.signal(i, 'SIGTERM').catch(() => {});
      await lab.destroy();
    }
  }
}
