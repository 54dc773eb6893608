// LeaderElector against an in-memory Lease store with optimistic concurrency (a fake API:
// the real API server is exercised by __test__/integration/k8s-leader.test.ts). Covers what is
// hard to provoke for real: a server that stops answering.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/k8s/leader-election.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

function elector(api: FakeLeases, identity: string, events: string[]) {
  return new LeaderElector(api as unknown as CoordinationV1Api, {
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationMs: 600,
    renewDeadlineMs: 400,
    retryPeriodMs: 50,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: () => events.push(`${identity} stopped`),
  });
}

describe('LeaderElector', () => {
  it('one of two candidates leads; the other takes over only after the lease expires', async () => {
    const api = new FakeLeases();
    const events: string[] = [];
    const a = elector(api, 'a', events);
    const b = elector(api, 'b', events);
    a.start();
    await sleep(30);
    b.start();
    await sleep(300);
    assert.deepEqual(events, ['a started']);
    assert.equal(api.lease?.spec?.holderIdentity, 'a');
    // a dies without releasing: simulate by stopping its timer only.
    (a as unknown as { stopped: boolean }).stopped = true;
    const diedAt = Date.now();
    await sleep(1000);
    assert.deepEqual(events, ['a started', 'b started']);
    assert.equal(api.lease?.spec?.holderIdentity, 'b');
    assert.equal(api.lease?.spec?.leaseTransitions, 1);
    assert.ok(Date.now() - diedAt >= 600);
    await b.stop();
  });

  it('a leader whose requests hang steps down after the renew deadline', async () => {
    const api = new FakeLeases();
    const events: string[] = [];
    const a = elector(api, 'a', events);
    a.start();
    await sleep(100);
    assert.ok(a.isLeader);
    api.hang = true;
    const hungAt = Date.now();
    while (a.isLeader && Date.now() - hungAt < 3000) await sleep(20);
    const after = Date.now() - hungAt;
    assert.equal(a.isLeader, false);
    assert.ok(after >= 350 && after < 600 + 400, `stepped down after ${after} ms, lease is 600 ms`);
    assert.deepEqual(events, ['a started', 'a stopped']);
    (a as unknown as { stopped: boolean }).stopped = true;
  });

  it('stop() releases the lease so another candidate acquires it at once', async () => {
    const api = new FakeLeases();
    const events: string[] = [];
    const a = elector(api, 'a', events);
    const b = elector(api, 'b', events);
    a.start();
    await sleep(100);
    b.start();
    await sleep(100);
    await a.stop();
    assert.equal(api.lease?.spec?.holderIdentity, '');
    await sleep(150);
    assert.equal(api.lease?.spec?.holderIdentity, 'b');
    assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
    await b.stop();
  });
});
