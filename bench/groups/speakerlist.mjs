// speakerlist failure detection with default settings, real processes on loopback: the time from
// SIGKILL of a member to every other member reporting it failed (the membership part of L2
// failover), and from SIGTERM to every other member reporting the leave.
//   speakerlist.detect_kill.p50_ms / .max_ms   (10 kills, 3 observers each): the host answers,
//       so the fallback TCP probe is refused and the short suspicion applies
//   speakerlist.detect_stop.p50_ms / .max_ms   (5 SIGSTOPs): a frozen member, like a hung or
//       powered-off host: nothing is refused, the full suspicion timeout applies
//   speakerlist.detect_term.p50_ms / .max_ms   (5 leaves)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { percentile } from '../lib/stats.mjs';

const FIXTURE = fileURLToPath(
  new URL('../../__test__/integration/fixtures/speakerlist-member.ts', import.meta.url),
);
const SECRET = randomBytes(32).toString('base64');
const NAMES = ['b-1', 'b-2', 'b-3', 'b-4'];
const hostOf = (n) => `127.0.0.${40 + NAMES.indexOf(n)}`;

function start(name, seeds) {
  const args = JSON.stringify({ name, host: hostOf(name), secret: SECRET, seeds });
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const m = { name, proc, lines: [], waiters: [], port: 0 };
  createInterface({ input: proc.stdout }).on('line', (t) => {
    let l;
    try {
      l = JSON.parse(t);
    } catch {
      return;
    }
    m.lines.push(l);
    m.waiters = m.waiters.filter((w) => (w.pred(l) ? (w.resolve(l), false) : true));
  });
  return m;
}

function wait(m, pred, from = 0, timeoutMs = 15000) {
  const seen = m.lines.slice(from).find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${m.name}: timeout`)), timeoutMs);
    m.waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
  });
}

const full = (l) => l.ev === 'change' && JSON.stringify(l.live) === JSON.stringify(NAMES);

export async function run({ record, log }) {
  const members = new Map();
  const seedOf = () => {
    const s = members.get('b-1');
    return [{ host: hostOf('b-1'), port: s.port }];
  };
  const launch = async (name) => {
    const m = start(name, members.has('b-1') ? seedOf() : []);
    m.port = (await wait(m, (l) => l.ev === 'ready')).port;
    members.set(name, m);
    return m;
  };
  try {
    await launch('b-1');
    await Promise.all(NAMES.slice(1).map(launch));
    await Promise.all([...members.values()].map((m) => wait(m, full)));

    const kill = [];
    const term = [];
    const stop = [];
    for (let round = 0; round < 20; round++) {
      const graceful = round >= 10 && round < 15;
      const frozen = round >= 15;
      const victim = members.get(NAMES[1 + (round % 3)]);
      const others = [...members.values()].filter((m) => m !== victim);
      const marks = others.map((m) => m.lines.length);
      const t0 = Date.now();
      victim.proc.kill(graceful ? 'SIGTERM' : frozen ? 'SIGSTOP' : 'SIGKILL');
      const ev = graceful ? 'memberLeft' : 'memberFailed';
      const seen = await Promise.all(
        others.map((m, i) => wait(m, (l) => l.ev === ev && l.name === victim.name, marks[i])),
      );
      (graceful ? term : frozen ? stop : kill).push(...seen.map((l) => l.wall - t0));
      if (frozen) victim.proc.kill('SIGKILL');
      const after = others.map((m) => m.lines.length);
      const back = await launch(victim.name);
      await Promise.all([wait(back, full), ...others.map((m, i) => wait(m, full, after[i]))]);
    }
    log(`kill: ${kill.join(' ')}`);
    log(`term: ${term.join(' ')}`);
    log(`stop: ${stop.join(' ')}`);
    record('speakerlist.detect_kill.p50_ms', percentile(kill, 50), 'ms');
    record('speakerlist.detect_kill.max_ms', Math.max(...kill), 'ms');
    record('speakerlist.detect_stop.p50_ms', percentile(stop, 50), 'ms');
    record('speakerlist.detect_stop.max_ms', Math.max(...stop), 'ms');
    record('speakerlist.detect_term.p50_ms', percentile(term, 50), 'ms');
    record('speakerlist.detect_term.max_ms', Math.max(...term), 'ms');
  } finally {
    for (const m of members.values()) if (m.proc.exitCode === null) m.proc.kill('SIGKILL');
  }
}
