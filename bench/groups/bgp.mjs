// BGP benchmarks: the UPDATE encoder alone, then ferrolb advertising 1,000,000 prefixes to GoBGP and
// to BIRD on loopback, BIRD itself advertising the same set to the same BIRD receiver (the yardstick),
// and 200 concurrent sessions to one BIRD for the speaker's memory per session. Daemons are real; all traffic is on
// 127.0.0.0/8; everything started here is stopped here.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BgpSpeaker, bgpEncodeUpdates } from '../../index.js';
import { startDaemon } from '../../__test__/helpers/bgp-daemons.ts';
import { freePort } from '../../__test__/helpers/ports.ts';
import { waitFor } from '../../__test__/helpers/wait.ts';

const N = Number(process.env.FERROLB_BENCH_PREFIXES ?? 1_000_000);
const BASE = 0x0a000000; // 10.0.0.0: the /32s are 10.0.0.0, 10.0.0.1, ...

function packedV4(n) {
  const buf = Buffer.allocUnsafe(n * 5);
  for (let i = 0; i < n; i++) {
    buf.writeUInt32BE((BASE + i) >>> 0, i * 5);
    buf[i * 5 + 4] = 32;
  }
  return buf;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

export async function run({ record, log }) {
  // Memory first, while the process holds nothing else that a later GC could give back.
  record('bgp.sessions_200.kib_per_session', await sessions200(log), 'KiB');

  const routes = packedV4(N);

  // 1. Encoder: JS Buffer in → wire bytes out, the handover across napi included.
  const ctx = { localAsn: 64513, peerAsn: 64512, nextHopV4: '192.0.2.1' };
  const group = { attributes: { communities: ['65000:1'] }, packedV4: routes };
  bgpEncodeUpdates(group, ctx); // warm-up
  const times = [];
  let result;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    result = bgpEncodeUpdates(group, ctx);
    times.push(seconds(t0));
  }
  if (result.prefixes !== N) throw new Error(`encoder packed ${result.prefixes} of ${N} prefixes`);
  record('bgp.encode_1m.prefixes_per_s', N / median(times), 'prefixes/s');
  record('bgp.encode_1m.bytes', result.bytes.length, 'bytes');
  record('bgp.encode_1m.messages', result.messages, 'messages');

  // 2. ferrolb → GoBGP and ferrolb → BIRD.
  const toGobgp = await ferrolbTo('gobgp', routes, log);
  record('bgp.advertise_1m_to_gobgp.seconds', toGobgp, 's');
  const ours = await ferrolbTo('bird', routes, log);
  record('bgp.advertise_1m_to_bird.seconds', ours, 's');

  // 3. BIRD as the sender of the same set to the same receivers: the yardstick, and a check of how
  //    much of the GoBGP figure is GoBGP's own receive path.
  const theirs = await birdTo('bird', log);
  record('bgp.bird_advertise_1m_to_bird.seconds', theirs, 's');
  record('bgp.advertise_1m_to_bird.speedup_vs_bird', theirs / ours, 'x');
  const birdToGobgp = await birdTo('gobgp', log);
  record('bgp.bird_advertise_1m_to_gobgp.seconds', birdToGobgp, 's');
  record('bgp.advertise_1m_to_gobgp.speedup_vs_bird', birdToGobgp / toGobgp, 'x');
}

async function receiver(kind, neighbor) {
  const port = await freePort();
  const d = await startDaemon(kind, {
    asn: 64512,
    routerId: '10.255.0.1',
    listenAddresses: ['127.0.0.1'],
    port,
    neighbors: [{ address: neighbor, asn: 64513, multihop: true, families: ['ipv4'] }],
  });
  return { d, port };
}

async function ferrolbTo(kind, routes, log) {
  const { d, port } = await receiver(kind, '127.0.0.2');
  const speaker = new BgpSpeaker({ routerId: '10.255.0.2' });
  try {
    speaker.setPeers([
      {
        name: kind,
        address: '127.0.0.1',
        port,
        sourceAddress: '127.0.0.2',
        localAsn: 64513,
        peerAsn: 64512,
        ipv6: false,
        ebgpMultihop: true,
        connectRetrySecs: 1,
        // GoBGP silently drops routes whose next hop is a loopback address; any routable one will do.
        nextHopV4: '192.0.2.1',
      },
    ]);
    await waitFor(`session to ${kind}`, () => speaker.peerStatus()[0]?.state === 'Established', {
      timeoutMs: 30_000,
    });
    const t0 = process.hrtime.bigint();
    speaker.setRoutes([{ attributes: {}, packedV4: routes }]);
    await waitFor(`${kind} holding ${N} prefixes`, async () => (await d.ribCount('ipv4')) >= N, {
      timeoutMs: 600_000,
      intervalMs: 100,
    });
    const s = seconds(t0);
    log(`ferrolb → ${kind}: ${N} prefixes in ${s.toFixed(2)} s`);
    return s;
  } finally {
    await speaker.close();
    await d.stop();
  }
}

async function birdTo(kind, log) {
  const dir = mkdtempSync(join(tmpdir(), 'flb-bench-'));
  const file = join(dir, 'static.conf');
  const lines = new Array(N);
  for (let i = 0; i < N; i++) {
    const a = (BASE + i) >>> 0;
    lines[i] = `route ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/32 blackhole;`;
  }
  writeFileSync(file, lines.join('\n') + '\n');
  const { d: rx, port } = await receiver(kind, '127.0.0.3');
  const tx = await startDaemon('bird', {
    asn: 64513,
    routerId: '10.255.0.3',
    listenAddresses: ['127.0.0.3'],
    port: await freePort(),
    neighbors: [
      { address: '127.0.0.1', port, asn: 64512, passive: false, multihop: true, families: ['ipv4'] },
    ],
    staticRoutesV4: { file, disabled: true },
    exportNextHop: '192.0.2.1',
  });
  try {
    await waitFor(`BIRD → ${kind} session`, () => rx.established('127.0.0.3'), { timeoutMs: 60_000 });
    const t0 = process.hrtime.bigint();
    await tx.cli('enable', 'static4');
    await waitFor(`${kind} receiver holding ${N} prefixes`, async () => (await rx.ribCount('ipv4')) >= N, {
      timeoutMs: 600_000,
      intervalMs: 100,
    });
    const s = seconds(t0);
    log(`BIRD → ${kind}: ${N} prefixes in ${s.toFixed(2)} s`);
    return s;
  } finally {
    await tx.stop();
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function gc() {
  setFlagsFromString('--expose-gc');
  runInNewContext('gc')();
}

/** Memory per session as a slope: native memory with 50 sessions up, then with 200, divided by the 150
 *  added (starting at 50 lets V8 shrink its young generation first, which would otherwise hide the
 *  growth). Native memory is RSS minus the V8 heap, so a heap that grows or shrinks around a GC does not
 *  count; the difference cancels the runtime's fixed cost and most allocator noise. */
async function sessions200(log) {
  const port = await freePort();
  const d = await startDaemon('bird', {
    asn: 64512,
    routerId: '10.255.0.1',
    listenAddresses: ['127.0.0.1'],
    port,
    neighbors: [],
    dynamicRange: { prefix: '127.0.1.0/24', asn: 64513, multihop: true },
  });
  const speaker = new BgpSpeaker({ routerId: '10.255.0.2' });
  const peers = Array.from({ length: 200 }, (_, i) => ({
    name: `p${i}`,
    address: '127.0.0.1',
    port,
    sourceAddress: `127.0.1.${i + 1}`,
    localAsn: 64513,
    peerAsn: 64512,
    ipv6: false,
    ebgpMultihop: true,
    nextHopV4: '192.0.2.1',
    connectRetrySecs: 1,
    connectRetryMaxSecs: 4,
  }));
  const up = () => speaker.peerStatus().filter((p) => p.state === 'Established').length;
  const rssWith = async (n) => {
    speaker.setPeers(peers.slice(0, n));
    await waitFor(`${n} sessions Established`, () => up() === n, { timeoutMs: 120_000, intervalMs: 500 });
    // Let a few keepalive rounds and route updates settle before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    if (up() !== n) throw new Error(`only ${up()} of ${n} sessions stayed Established`);
    gc();
    gc();
    const m = process.memoryUsage();
    return m.rss - m.heapTotal;
  };
  try {
    speaker.setRoutes([{ attributes: { communities: ['65000:1'] }, packedV4: packedV4(100) }]);
    const at50 = await rssWith(50);
    const at200 = await rssWith(200);
    const kib = (at200 - at50) / 1024 / 150;
    const mib = (b) => (b / 2 ** 20).toFixed(1);
    log(`RSS less V8 heap: ${mib(at50)} MiB with 50 sessions, ${mib(at200)} MiB with 200`);
    return kib;
  } finally {
    await speaker.close();
    await d.stop();
  }
}
