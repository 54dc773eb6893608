import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/k8s/work-queue.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

describe('WorkQueue', () => {
  it('coalesces a burst of adds of one key into one run, in first-added order', async () => {
    const q = new WorkQueue();
    const seen: string[] = [];
    for (let i = 0; i < 1000; i++) q.add(`k${i % 3}`);
    assert.equal(q.length, 3);
    const running = q.run((k) => void seen.push(k));
    await q.drained();
    q.shutdown();
    await running;
    assert.deepEqual(seen, ['k0', 'k1', 'k2']);
  });

  it('re-runs a key added while it is being processed, never concurrently', async () => {
    const q = new WorkQueue();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = q.run(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        if (runs === 1) await gate;
        active--;
      },
      { concurrency: 4 },
    );
    q.add('a');
    await until('the first run to start', () => runs === 1);
    q.add('a');
    q.add('a');
    await tick(5);
    assert.equal(runs, 1, 'the second add waits for the first run');
    release();
    await tick(20);
    await q.drained();
    q.shutdown();
    await running;
    assert.equal(runs, 2);
    assert.equal(maxActive, 1);
  });

  it('retries a failing key with growing delays and forgets failures after a success', async () => {
    const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 40 });
    const at: number[] = [];
    const delays: number[] = [];
    const start = Date.now();
    const running = q.run(
      (k) => {
        at.push(Date.now() - start);
        if (at.length < 4) throw new Error(`fail ${k}`);
      },
      { onError: (_k, _e, d) => delays.push(d) },
    );
    q.add('x');
    await until('four attempts', () => at.length === 4).finally(() => q.shutdown());
    await running;
    assert.deepEqual(delays, [10, 20, 40]);
    assert.equal(at.length, 4);
    assert.ok((at[3] as number) - (at[0] as number) >= 70, `retries too early: ${at.join(',')}`);
    assert.equal(q.failuresOf('x'), 0);
  });

  it('processes different keys in parallel up to the concurrency', async () => {
    const q = new WorkQueue();
    let active = 0;
    let maxActive = 0;
    const running = q.run(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await tick(10);
        active--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 9; i++) q.add(`k${i}`);
    await tick(1);
    await q.drained();
    q.shutdown();
    await running;
    assert.equal(maxActive, 3);
  });
});
