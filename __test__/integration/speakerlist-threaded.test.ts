// ThreadedSpeakerList: the protocol runs in a worker thread, so a main thread blocked far longer
// than the failure-detection time does not get the speaker declared dead. The contrast member
// runs the plain SpeakerList in a child process, to show the stall would otherwise be fatal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ThreadedSpeakerList } from '../../src/speakerlist/threaded.js';
import { SpeakerList } from '../../src/speakerlist/speakerlist.js';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const s of stops) await s().catch(() => undefined);
});

function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error(`timed out: ${what}`));
      else setTimeout(check, 10);
    };
    check();
  });
}

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* block the event loop */
  }
};

describe('ThreadedSpeakerList', () => {
  test('joins, reports events and live set, leaves', async () => {
    const a = new ThreadedSpeakerList({ name: 't-a', bind: { host: '127.0.0.1', port: 0 }, secret: 'k' });
    const b = new ThreadedSpeakerList({ name: 't-b', bind: { host: '127.0.0.1', port: 0 }, secret: 'k' });
    stops.push(
      () => a.stop(),
      () => b.stop(),
    );
    await a.start();
    await b.start();
    const seen: string[] = [];
    a.on('memberJoined', (e) => seen.push(`joined ${e.name}`));
    a.on('memberLeft', (e) => seen.push(`left ${e.name}`));
    b.join([{ host: '127.0.0.1', port: a.port }]);
    await until('a sees b', () => a.liveMembers().size === 2);
    const { members, stats } = await a.inspect();
    assert.deepEqual(members.map((m) => m.name).sort(), ['t-a', 't-b']);
    assert.ok(stats.packetsReceived > 0);
    await b.leave();
    await until('a sees b leave', () => a.liveMembers().size === 1);
    assert.deepEqual(seen, ['joined t-b', 'left t-b']);
  });

  test('a 2.5 s stall of the main thread is not mistaken for a failure', async () => {
    // Observer in another process (plain SpeakerList), so its clock keeps running during the stall.
    const fixture = fileURLToPath(new URL('./fixtures/speakerlist-member.ts', import.meta.url));
    const local = new ThreadedSpeakerList({
      name: 'stalled',
      bind: { host: '127.0.0.1', port: 0 },
      secret: 'k2',
    });
    stops.push(() => local.stop());
    await local.start();
    const args = JSON.stringify({
      name: 'observer',
      host: '127.0.0.1',
      secret: 'k2',
      seeds: [{ host: '127.0.0.1', port: local.port }],
    });
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    stops.push(async () => {
      child.kill('SIGKILL');
    });
    const lines: { ev: string; name?: string; live?: string[] }[] = [];
    createInterface({ input: child.stdout }).on('line', (t) => lines.push(JSON.parse(t) as { ev: string }));
    await until(
      'cluster formed on both sides',
      () =>
        local.liveMembers().has('observer') &&
        lines.some((l) => l.ev === 'change' && l.live?.includes('stalled')),
      15_000,
    );
    busy(2500);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      lines.filter((l) => l.ev === 'memberFailed'),
      [],
      'the observer never declared the stalled speaker failed',
    );
    assert.ok(local.liveMembers().has('observer'));
  });

  test('contrast: the same stall with the in-thread SpeakerList is reported as a failure', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/speakerlist-member.ts', import.meta.url));
    const local = new SpeakerList({ name: 'stalled-2', bind: { host: '127.0.0.1', port: 0 }, secret: 'k3' });
    stops.push(() => local.stop());
    await local.start();
    const args = JSON.stringify({
      name: 'observer-2',
      host: '127.0.0.1',
      secret: 'k3',
      seeds: [{ host: '127.0.0.1', port: local.port }],
    });
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    stops.push(async () => {
      child.kill('SIGKILL');
    });
    const lines: { ev: string; name?: string; live?: string[] }[] = [];
    createInterface({ input: child.stdout }).on('line', (t) => lines.push(JSON.parse(t) as { ev: string }));
    await until(
      'cluster formed on both sides',
      () =>
        local.liveMembers().has('observer-2') &&
        lines.some((l) => l.ev === 'change' && l.live?.includes('stalled-2')),
      15_000,
    );
    busy(2500);
    await until('observer reports the failure', () => lines.some((l) => l.ev === 'memberFailed'), 3000);
  });
});
