// BGP benchmarks: the UPDATE encoder alone, then ferrolb advertising 1,000,000 prefixes to GoBGP and
// to BIRD on loopback, BIRD itself advertising the same set to the same BIRD receiver (the yardstick),
// and 200 concurrent sessions to one BIRD for the speaker's memory per session. Daemons are real;
// that traffic is on 127.0.0.0/8. Last, BFD failure detection against BIRD over a veth link into a
// network namespace (bench/lib/bfd-detect.mjs). Everything started here is stopped here.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BgpSpeaker, bgpEncodeUpdates } from '../../index.js';
import { startDaemon } from '../../__test__/helpers/bgp-daemons.ts';
import { freePort } from '../../__test__/helpers/ports.ts';
import { waitFor } from '../../__test__/helpers/wait.ts';
import { bfdDetectMs } from '../lib/bfd-detect.mjs';
import { percentile } from '../lib/stats.mjs';

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
  record('bgp.encode_1m.prefixes_per_s', N / percentile(times, 50), 'prefixes/s');
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

  // 4. BFD: a frozen BIRD → our BGP session closed (300 ms × 3; hold time 90 s).
  record('bgp.bfd_detect.ms', await bfdDetectMs(log), 'ms');
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
    await waitFor(`BIRD → ${kind} session`, () => rx.established('127.0.0.3'), { timeoutMs: 120_000 });
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

/** Memory per session: the anonymous RSS of a fresh process holding 200 sessions minus that of an
 *  identical process holding none, over 200. Separate processes keep GC timing and allocator
 *  history of the rest of this benchmark out of the number. */
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
  const child = fileURLToPath(new URL('../lib/bgp-sessions-child.mjs', import.meta.url));
  const anonKiB = (count) => {
    const out = execFileSync(process.execPath, [child, String(count), String(port)], { encoding: 'utf8' });
    return Number(out.trim().split('\n').pop());
  };
  try {
    const idle = anonKiB(0);
    const loaded = anonKiB(200);
    log(
      `anonymous RSS: ${(idle / 1024).toFixed(1)} MiB with no session, ${(loaded / 1024).toFixed(1)} MiB with 200`,
    );
    return (loaded - idle) / 200;
  } finally {
    await d.stop();
  }
}
