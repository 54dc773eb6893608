// Allocation benchmarks.
//   alloc.10k.ms                 10,000 Services through the pure allocator, 3 pools (/16 IPv4,
//                                /112 IPv6, and a dual-stack pool), mixed families and sharing.
//   alloc.apiserver_1k.seconds   1,000 LoadBalancer Services created at once against the real
//                                kube-apiserver harness → seconds until the last one has an IP.
import { tsImport } from 'tsx/esm/api';

const load = (path) => tsImport(path, import.meta.url);

function pool(ipMod, name, addresses) {
  const blocks = addresses.map((a) => {
    const r = ipMod.parseAddressRange(a);
    if (!r.ok) throw new Error(r.reason);
    return { text: a, family: r.value.range.family, range: r.value.range, cidrs: r.value.cidrs };
  });
  return {
    name,
    namespace: 'metallb-system',
    labels: {},
    addresses: blocks,
    ipv4: blocks.filter((b) => b.family === 'IPv4'),
    ipv6: blocks.filter((b) => b.family === 'IPv6'),
    cidrs: blocks.flatMap((b) => b.cidrs),
    autoAssign: true,
    avoidBuggyIPs: name === 'v4',
    serviceAllocation: null,
    l2Advertisements: [],
    bgpAdvertisements: [],
  };
}

function service(i) {
  const kind = i % 10;
  const families =
    kind < 6
      ? { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }
      : kind < 8
        ? { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] }
        : { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] };
  return {
    namespace: `ns${i % 50}`,
    name: `svc${i}`,
    uid: null,
    labels: {},
    type: 'LoadBalancer',
    loadBalancerClass: null,
    externalTrafficPolicy: 'Cluster',
    ...families,
    clusterIPs: [],
    ports: [{ name: 'p', protocol: 'TCP', port: 1000 + (i % 7) }],
    selector: { app: `a${i}` },
    requestedIPs: [],
    requestedPool: null,
    // Every 20th service shares with others of its group of 7 (distinct ports).
    sharingKey: i % 20 === 0 ? `share${Math.floor(i / 140)}` : null,
    ingressIPs: [],
    allocatedFromPool: null,
  };
}

async function pureAllocator({ record, log }) {
  const ipMod = await load('../../src/config/ip.ts');
  const { Allocator } = await load('../../src/allocator/allocator.ts');
  const pools = [
    pool(ipMod, 'v4', ['10.0.0.0/16']),
    pool(ipMod, 'v6', ['fd00::/112']),
    pool(ipMod, 'dual', ['10.1.0.0/16', 'fd01::/112']),
  ];
  const services = Array.from({ length: 10_000 }, (_, i) => service(i));
  // Warm-up on a throwaway allocator so JIT compilation is not measured.
  const warm = new Allocator(pools);
  for (const s of services.slice(0, 2000)) warm.assign(s);

  const runs = [];
  let failed = 0;
  for (let r = 0; r < 5; r++) {
    const alloc = new Allocator(pools);
    const start = process.hrtime.bigint();
    for (const s of services) if (alloc.assign(s).kind !== 'assigned') failed++;
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  if (failed) throw new Error(`${failed} allocations failed`);
  runs.sort((a, b) => a - b);
  const median = runs[2];
  log(`runs (ms): ${runs.map((x) => x.toFixed(1)).join(' ')}`);
  record('alloc.10k.ms', median, 'ms');
  record('alloc.10k.per_service_us', (median * 1000) / services.length, 'µs');
}

async function apiserver1k({ record, log }) {
  const kube = await load('../../__test__/helpers/kube.ts');
  const { runController } = await load('../../src/controller/run.ts');
  const env = await kube.startKubeEnv();
  let ctl;
  try {
    await kube.ensureNamespace(env, kube.METALLB_NS);
    await kube.createPool(env, 'bench', { addresses: ['10.128.0.0/16'] });
    const quiet = { info() {}, warn() {}, error() {} };
    ctl = await runController({
      kubeconfig: env.kubeconfig,
      identity: 'bench',
      retryPeriodMs: 200,
      log: quiet,
    });
    await kube.waitFor('leadership', async () => (ctl.elector.isLeader ? true : undefined));
    const n = 1000;
    const callsBefore = ctl.controller.apiCallCount();
    const start = process.hrtime.bigint();
    // "At once": 1,000 creations in flight with bounded client concurrency.
    let next = 0;
    const creator = async () => {
      while (next < n) await kube.createService(env, `bench-${next++}`);
    };
    await Promise.all(Array.from({ length: 50 }, creator));
    const createdS = Number(process.hrtime.bigint() - start) / 1e9;
    await kube.waitFor(
      'all 1,000 services to have an IP',
      async () => {
        const list = await env.core.listNamespacedService({ namespace: 'default' });
        const done = list.items.filter((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0).length;
        return done === n ? true : undefined;
      },
      300_000,
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const calls = ctl.controller.apiCallCount() - callsBefore;
    log(
      `created in ${createdS.toFixed(2)} s; all allocated after ${seconds.toFixed(2)} s; ${calls} controller API writes (status, annotations, events, pool status)`,
    );
    record('alloc.apiserver_1k.seconds', seconds, 's');
    record('alloc.apiserver_1k.api_calls', calls, 'calls');
    record('alloc.apiserver_1k.create_seconds', createdS, 's');

    // Restart: a fresh controller must take back all 1,000 addresses without rewriting them.
    await ctl.shutdown();
    const restartAt = process.hrtime.bigint();
    ctl = await runController({
      kubeconfig: env.kubeconfig,
      identity: 'bench-2',
      retryPeriodMs: 200,
      log: quiet,
    });
    await kube.waitFor('leadership after restart', async () => (ctl.elector.isLeader ? true : undefined));
    await kube.waitFor('restore', async () =>
      ctl.controller.poolStats()[0]?.inUse === BigInt(n) ? true : undefined,
    );
    await ctl.controller.idle();
    const restartS = Number(process.hrtime.bigint() - restartAt) / 1e9;
    const rewrites = ctl.controller.apiCallCount();
    log(
      `restart: caches synced, lease taken, 1,000 services restored in ${restartS.toFixed(2)} s; ${rewrites} API writes`,
    );
    record('alloc.apiserver_1k.restart_seconds', restartS, 's');
    record('alloc.apiserver_1k.restart_api_calls', rewrites, 'calls');
  } finally {
    await ctl?.shutdown();
    await env.stop();
  }
}

export async function run(ctx) {
  await pureAllocator(ctx);
  await apiserver1k(ctx);
}
