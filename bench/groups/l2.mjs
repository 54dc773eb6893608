// L2 announcer benchmarks, in two network namespaces joined by a veth pair:
//   l2.garp_burst_10k.ms   (median of 5 bursts, also .min_ms/.max_ms) setAnnouncementGroups(10,000
//                          IPv4 VIPs on eth0), the call the speaker makes → the client has
//                          captured the whole first gratuitous round
//                          (20,000 frames: request + reply form). The client is a capture point:
//                          its kernel does not process ARP (`arp off`). A veth delivers each frame
//                          in the sender's context, so a receiving kernel's ARP work would
//                          otherwise be charged to the announcer, which no separate host does.
//   l2.garp_burst_10k_kernel_peer.ms   the same with the client's kernel processing every
//                          gratuitous frame on the announcer's CPU (the veth worst case).
//   l2.arp_reply.p50_us / p99_us   ARP request → reply latency seen by the client while it
//                          sends 50,000 requests/s for random targets (90 % owned of 10,000)
// plus frames/s of the burst, unanswered requests for owned IPs, replies for IPs not owned and
// the announcer's CPU use. The announcer and the client run pinned to CPUs 0 and 1. Needs root.
// Builds the client (native/examples/l2_arp_client.rs).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { median } from '../lib/stats.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const VIPS = 10_000;
const BASE = [198, 18, 0, 0]; // RFC 2544 benchmarking range, only inside the lab
const RATE = Number(process.env.L2_BENCH_RATE ?? 50_000);
const FLOOD_MS = Number(process.env.L2_BENCH_MS ?? 5_000);
const BURSTS = Number(process.env.L2_BENCH_BURSTS ?? 5);

const vip = (i) => `${BASE[0]}.${BASE[1] + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

export async function run({ record, log }) {
  register();
  const { NetnsLab } = await import('../../__test__/helpers/netns.ts');
  const { AnnouncerProcess } = await import('../../__test__/helpers/l2-announcer-process.ts');

  log('building the benchmark client (cargo build --release --example l2_arp_client)');
  const build = spawnSync(
    'cargo',
    ['build', '--release', '--example', 'l2_arp_client', '--manifest-path', 'native/Cargo.toml'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (build.status !== 0) throw new Error('building l2_arp_client failed');
  const client = join(root, 'target', 'release', 'examples', 'l2_arp_client');

  const lab = await NetnsLab.create('bench');
  let ann;
  try {
    const annNs = await lab.addNamespace('ann');
    const cliNs = await lab.addNamespace('cli');
    await lab.veth(
      { ns: annNs, ifname: 'eth0', addrs: ['198.19.255.1/16'] },
      { ns: cliNs, ifname: 'eth0', addrs: ['198.19.255.2/16'] },
    );
    // The announcer and the client each get a CPU of their own (when there are two), as two hosts
    // would: left to the scheduler, they sometimes share one and the burst is timed at half speed.
    const pinned = cpus().length >= 2 && process.env.L2_BENCH_PIN !== '0';
    const pin = (cpu) => (pinned ? ['taskset', '-c', String(cpu)] : []);
    log(pinned ? 'announcer on CPU 0, client on CPU 1 (L2_BENCH_PIN=0: no pinning)' : 'no CPU pinning');
    ann = await AnnouncerProcess.start(lab, annNs, { garpCount: 1 }, pin(0));

    // 1. One gratuitous round for 10,000 IPs, timed from the call to the last frame captured;
    // the median of several bursts. One more IP stays announced throughout, so the interface's
    // sockets are open before the first burst and stay open between them.
    const expect = VIPS * 2;
    const ips = Array.from({ length: VIPS }, (_, i) => vip(i));
    const keep = '198.18.200.1';
    const set = (list) => ann.callTimed('setAnnouncementGroups', [{ ips: list, interfaces: ['eth0'] }]);
    await set([keep]);
    const burst = async () => {
      const garp = runClient(
        lab,
        cliNs,
        [...pin(1), client],
        ['garp', 'eth0', String(expect), '10000'],
        true,
      );
      await garp.ready;
      const { startUs, endUs } = await set([keep, ...ips]);
      const seen = JSON.parse(await garp.done);
      if (seen.frames !== expect) log(`warning: client saw ${seen.frames} of ${expect} gratuitous frames`);
      await set([keep]);
      return {
        ms: (seen.lastUs - startUs) / 1000,
        callMs: (endUs - startUs) / 1000,
        fps: seen.frames / Math.max(1e-6, (seen.lastUs - seen.firstUs) / 1e6),
      };
    };
    const series = async (name, n) => {
      const runs = [];
      for (let i = 0; i < n; i++) runs.push(await burst());
      const ms = runs.map((r) => r.ms);
      record(`${name}.ms`, median(ms), 'ms');
      record(`${name}.min_ms`, Math.min(...ms), 'ms');
      record(`${name}.max_ms`, Math.max(...ms), 'ms');
      record(`${name}.frames_per_s`, median(runs.map((r) => r.fps)), 'frames/s');
      log(
        `${name}: ${n} bursts of ${expect} frames, ms ${ms.map((x) => x.toFixed(1)).join(' ')}; ` +
          `the call took ${median(runs.map((r) => r.callMs)).toFixed(2)} ms (median); load average ${loadavg()[0].toFixed(1)}`,
      );
    };
    await lab.exec(cliNs, 'ip', ['link', 'set', 'eth0', 'arp', 'off']);
    await series('l2.garp_burst_10k', BURSTS);
    await lab.exec(cliNs, 'ip', ['link', 'set', 'eth0', 'arp', 'on']);
    await series('l2.garp_burst_10k_kernel_peer', Math.max(1, Math.ceil(BURSTS / 2)));
    await ann.callTimed('setAnnouncementGroups', [{ ips, interfaces: ['eth0'] }]);

    // 2. Responder under a flood of requests.
    const cpu0 = cpuTicks(ann.pid);
    const t0 = Date.now();
    const flood = runClient(
      lab,
      cliNs,
      [...pin(1), client],
      ['flood', 'eth0', String(RATE), String(FLOOD_MS), vip(0), String(VIPS)],
      false,
    );
    const res = JSON.parse(await flood.done);
    const cpuPct = (((cpuTicks(ann.pid) - cpu0) * 10) / (Date.now() - t0)) * 100;
    log(`flood: ${JSON.stringify(res)}`);
    record('l2.arp_reply.p50_us', res.p50Us, 'µs');
    record('l2.arp_reply.p99_us', res.p99Us, 'µs');
    record('l2.arp_reply.max_us', res.maxUs, 'µs');
    record('l2.arp_reply.rate', res.rate, 'requests/s');
    record('l2.arp_reply.unanswered_owned', res.unansweredOwned, 'requests');
    record('l2.arp_reply.replies_not_owned', res.repliesForNotOwned, 'replies');
    record('l2.arp_reply.announcer_cpu_pct', cpuPct, '% of one core');
  } finally {
    await ann?.stop();
    await lab.destroy();
  }
}

/** Runs the client in `ns`; `ready` resolves when it listens (garp mode), `done` with its JSON. */
function runClient(lab, ns, [cmd, ...prefix], args, waitReady) {
  const child = lab.spawn(ns, cmd, [...prefix, ...args]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  const ready = new Promise((resolve) => {
    if (!waitReady) return resolve();
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('ready')) resolve();
    });
  });
  if (!waitReady) child.stderr.on('data', (d) => (err += d));
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`l2_arp_client ${args[0]} exited ${code}: ${err.trim()}`));
    });
  });
  return { ready, done };
}

/** utime + stime of `pid`, in clock ticks (1/100 s). */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
