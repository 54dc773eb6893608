// LeaderElector against an in-memory Lease store with optimistic concurrency (a fake API:
// the real API server is exercised by __test__/integration/k8s-leader.test.ts). Covers what is
// hard to provoke for real: a server that stops answering.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/k8s/leader-election.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

class FakeLeases {
  lease: V1Lease | null = null;
  version = 0;
  hang = false;
  private gate(): Promise<void> {
    return this.hang ? new Promise(() => {}) : Promise.resolve();
  }
  readNamespacedLease = async (): Promise<V1Lease> => {
    await this.gate();
    if (!this.lease) throw new ApiException(404, 'not found', {}, {});
    return structuredClone(this.lease);
  };
  createNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    await this.gate();
    if (this.lease) throw new ApiException(409, 'exists', {}, {});
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    return this.lease;
  };
  replaceNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    await this.gate();
    if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion)
      throw new ApiException(409, 'conflict', {}, {});
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    return this.lease;
  };
}

const all: LeaderElector[] = [];
/** Stops every elector a test made, even when an assertion failed (timers must not linger). */
async function stopAll() {
  for (const e of all.splice(0)) {
    (e as unknown as { stopped: boolean }).stopped = true;
    await Promise.race([e.stop(), sleep(500)]);
  }
}

function elector(api: FakeLeases, identity: string, events: string[]) {
  const e = new LeaderElector(api as unknown as CoordinationV1Api, {
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationMs: 600,
    renewDeadlineMs: 400,
    retryPeriodMs: 50,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
  });
  all.push(e);
  return e;
}

describe('LeaderElector', () => {
  afterEach(stopAll);

  it('one of two candidates leads; the other takes over only after the lease expires', async () => {
    const api = new FakeLeases();
    const events: string[] = [];
    const a = elector(api, 'a', events);
    const b = elector(api, 'b', events);
    a.start();
    await until('a leads', () => a.isLeader);
    b.start();
    await sleep(300);
    assert.deepEqual(events, ['a started']);
    assert.equal(api.lease?.spec?.holderIdentity, 'a');
    // a dies without releasing: simulate by stopping its timer only.
    (a as unknown as { stopped: boolean }).stopped = true;
    const diedAt = Date.now();
    await until('b leads', () => b.isLeader);
    assert.deepEqual(events, ['a started', 'b started']);
    assert.equal(api.lease?.spec?.holderIdentity, 'b');
    assert.equal(api.lease?.spec?.leaseTransitions, 1);
    assert.ok(Date.now() - diedAt >= 500, 'b waited for the lease to expire');
  });

  it('a leader whose requests hang steps down after the renew deadline', async () => {
    const api = new FakeLeases();
    const events: string[] = [];
    const a = elector(api, 'a', events);
    a.start();
    await until('a leads', () => a.isLeader);
    api.hang = true;
    const hungAt = Date.now();
    // Without a time limit on requests the hung renewal would keep it "leading" forever.
    await until('a steps down', () => !a.isLeader);
    const after = Date.now() - hungAt;
    assert.ok(after >= 350, `stepped down after ${after} ms, before the 400 ms renew deadline`);
    assert.deepEqual(events, ['a started', 'a stopped']);
  });

  it('stop() releases the lease so another candidate acquires it at once', async () => {
    const api = new FakeLeases();
    const events: string[] = [];
    const a = elector(api, 'a', events);
    const b = elector(api, 'b', events);
    a.start();
    await until('a leads', () => a.isLeader);
    b.start();
    await sleep(100);
    await a.stop();
    const releasedAt = Date.now();
    await until('b leads', () => b.isLeader);
    // Well before the 600 ms lease would have expired: b saw the released lease.
    assert.ok(Date.now() - releasedAt < 500, `took ${Date.now() - releasedAt} ms`);
    assert.equal(api.lease?.spec?.holderIdentity, 'b');
    assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
  });
});
