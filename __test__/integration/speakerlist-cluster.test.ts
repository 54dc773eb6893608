// Real speakerlist members in separate processes on loopback addresses (127.0.0.x, ports picked
// by the kernel): they form a cluster, report a SIGKILLed member failed, see a SIGTERMed one
// leave at once, and refuse a member with the wrong key. Every child is killed in `after`.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DEFAULT_SWIM_OPTIONS } from '../../src/speakerlist/swim.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/speakerlist-member.ts', import.meta.url));
const SECRET = randomBytes(32).toString('base64');
// Structural bound for 4 members with the default options (see simulation.test.ts), plus a
// generous allowance for process scheduling on a loaded 2-core CI machine.
const o = DEFAULT_SWIM_OPTIONS;
const KILL_BOUND_MS = 2 * 3 * o.probeIntervalMs + o.suspicionTimeoutMs + 1000;
const LEAVE_BOUND_MS = 500;

interface Line {
  ev: string;
  name?: string;
  live?: string[];
  port?: number;
  wall: number;
  stats?: { droppedAuth: number; packetsReceived: number };
}

class Member {
  readonly lines: Line[] = [];
  private waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  port = 0;
  constructor(
    readonly name: string,
    readonly host: string,
    readonly proc: ChildProcessWithoutNullStreams,
  ) {
    createInterface({ input: proc.stdout }).on('line', (text) => {
      let l: Line;
      try {
        l = JSON.parse(text) as Line;
      } catch {
        return;
      }
      this.lines.push(l);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(l)) return true;
        w.resolve(l);
        return false;
      });
    });
    proc.stderr.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
  }

  /** The first line (already seen or future) matching `pred`, seen after index `from`. */
  wait(what: string, pred: (l: Line) => boolean, timeoutMs = 15_000, from = 0): Promise<Line> {
    const seen = this.lines.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  }

  lastLive(): string[] {
    return [...this.lines].reverse().find((l) => l.ev === 'change')?.live ?? [this.name];
  }

  async stats(): Promise<Line> {
    const from = this.lines.length;
    this.proc.stdin.write('stats\n');
    return this.wait('stats', (l) => l.ev === 'stats', 5000, from);
  }
}

const children = new Set<ChildProcessWithoutNullStreams>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function startMember(name: string, host: string, seeds: Member[], secret = SECRET): Promise<Member> {
  const args = JSON.stringify({
    name,
    host,
    secret,
    seeds: seeds.map((s) => ({ host: s.host, port: s.port })),
  });
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const m = new Member(name, host, proc);
  m.port = (await m.wait('ready', (l) => l.ev === 'ready')).port ?? 0;
  return m;
}

const sameSet = (want: string[]) => (l: Line) =>
  l.ev === 'change' && JSON.stringify(l.live) === JSON.stringify([...want].sort());

const median = (l: number[]) => [...l].sort((a, b) => a - b)[l.length >> 1] as number;

describe('speakerlist across processes on loopback', { timeout: 180_000 }, () => {
  const members = new Map<string, Member>();
  const names = ['node-1', 'node-2', 'node-3', 'node-4'];
  const hostOf = (n: string) => `127.0.0.${10 + names.indexOf(n)}`;

  test('four members form one cluster through a seed', async () => {
    const seed = await startMember('node-1', hostOf('node-1'), []);
    members.set('node-1', seed);
    const rest = await Promise.all(names.slice(1).map((n) => startMember(n, hostOf(n), [seed])));
    rest.forEach((m) => members.set(m.name, m));
    await Promise.all([...members.values()].map((m) => m.wait('full membership', sameSet(names))));
  });

  test('SIGKILL: the others report the member failed within the bound (5 kills)', async () => {
    const delays: number[] = [];
    for (let round = 0; round < 5; round++) {
      const victimName = names[1 + (round % 3)] as string;
      const victim = members.get(victimName) as Member;
      const others = [...members.values()].filter((m) => m !== victim);
      const marks = others.map((m) => m.lines.length);
      const killedAt = Date.now();
      victim.proc.kill('SIGKILL');
      const seen = await Promise.all(
        others.map((m, i) =>
          m.wait(
            `${victimName} failed`,
            (l) => l.ev === 'memberFailed' && l.name === victimName,
            10_000,
            marks[i],
          ),
        ),
      );
      for (const l of seen) delays.push(l.wall - killedAt);
      // Bring it back under the same name (a newer incarnation) for the next round.
      const marksAfter = others.map((m) => m.lines.length);
      const back = await startMember(victimName, hostOf(victimName), [members.get('node-1') as Member]);
      members.set(victimName, back);
      await Promise.all([
        back.wait('full membership', sameSet(names)),
        ...others.map((m, i) => m.wait(`${victimName} back`, sameSet(names), 15_000, marksAfter[i])),
      ]);
      await new Promise((r) => setTimeout(r, 300));
      for (const m of members.values())
        assert.deepEqual(m.lastLive(), names, `${m.name} sees everyone again`);
    }
    const max = Math.max(...delays);
    console.log(
      `# SIGKILL → memberFailed on every other member: p50 ${median(delays)} ms, max ${max} ms (n=${delays.length})`,
    );
    assert.ok(max <= KILL_BOUND_MS, `slowest ${max} ms > ${KILL_BOUND_MS} ms`);
  });

  test('SIGSTOP (a frozen member, nothing refused) is found within the full bound; after SIGCONT it refutes and is back', async () => {
    const frozen = members.get('node-3') as Member;
    const others = [...members.values()].filter((m) => m !== frozen);
    const marks = others.map((m) => m.lines.length);
    const stoppedAt = Date.now();
    frozen.proc.kill('SIGSTOP');
    try {
      const seen = await Promise.all(
        others.map((m, i) =>
          m.wait('node-3 failed', (l) => l.ev === 'memberFailed' && l.name === 'node-3', 10_000, marks[i]),
        ),
      );
      const delays = seen.map((l) => l.wall - stoppedAt);
      console.log(`# SIGSTOP → memberFailed: p50 ${median(delays)} ms, max ${Math.max(...delays)} ms`);
      assert.ok(Math.max(...delays) <= KILL_BOUND_MS, `slowest ${Math.max(...delays)} ms`);
    } finally {
      frozen.proc.kill('SIGCONT');
    }
    const after = others.map((m) => m.lines.length);
    await Promise.all(others.map((m, i) => m.wait('node-3 back', sameSet(names), 15_000, after[i])));
  });

  test('SIGTERM: a graceful leave is seen almost at once, never as a failure', async () => {
    const leaver = members.get('node-4') as Member;
    const others = [...members.values()].filter((m) => m !== leaver);
    const marks = others.map((m) => m.lines.length);
    const termAt = Date.now();
    leaver.proc.kill('SIGTERM');
    const seen = await Promise.all(
      others.map((m, i) =>
        m.wait('node-4 left', (l) => l.ev === 'memberLeft' && l.name === 'node-4', 5000, marks[i]),
      ),
    );
    const delays = seen.map((l) => l.wall - termAt);
    console.log(`# SIGTERM → memberLeft: p50 ${median(delays)} ms, max ${Math.max(...delays)} ms`);
    assert.ok(Math.max(...delays) <= LEAVE_BOUND_MS, `slowest ${Math.max(...delays)} ms`);
    await leaver.wait('stopped', (l) => l.ev === 'stopped', 5000);
    await new Promise((r) => setTimeout(r, 1500));
    others.forEach((m, i) =>
      assert.ok(
        !m.lines.slice(marks[i]).some((l) => l.ev === 'memberFailed' && l.name === 'node-4'),
        `${m.name}`,
      ),
    );
    members.delete('node-4');
  });

  test('a member with the wrong key is not admitted, and its packets are counted as dropped', async () => {
    const seed = members.get('node-1') as Member;
    const before = (await seed.stats()).stats?.droppedAuth ?? 0;
    const intruder = await startMember('intruder', '127.0.0.99', [seed], randomBytes(32).toString('base64'));
    await new Promise((r) => setTimeout(r, 3000));
    for (const m of members.values()) {
      assert.ok(
        !m.lines.some((l) => l.ev === 'memberJoined' && l.name === 'intruder'),
        `${m.name} never admitted it`,
      );
      assert.ok(!m.lastLive().includes('intruder'));
    }
    assert.deepEqual((await intruder.stats()).live, ['intruder'], 'the intruder learned nobody either');
    const afterDrop = (await seed.stats()).stats?.droppedAuth ?? 0;
    assert.ok(afterDrop > before, `seed dropped the intruder's packets (${before} → ${afterDrop})`);
  });
});
