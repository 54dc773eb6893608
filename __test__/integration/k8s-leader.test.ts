// Controller processes against a real API server: exactly one of two replicas acts, the standby
// takes over when the leader is killed (SIGKILL: after the lease expires; SIGTERM: at once, the
// lease is released), and a restarted controller keeps every address Services already show.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoordinationV1Api } from '@kubernetes/client-node';
import {
  createPool,
  createService,
  ensureNamespace,
  eventsFor,
  killAndWait,
  METALLB_NS,
  spawnController,
  startKubeEnv,
  waitFor,
  waitForIngress,
  type KubeEnv,
} from '../helpers/kube.js';

const LEASE = ['--lease-duration-ms', '3000', '--renew-deadline-ms', '2000', '--retry-period-ms', '250'];

describe('controller replicas and restarts', () => {
  let env: KubeEnv;
  let leases: CoordinationV1Api;
  const children: ReturnType<typeof spawnController>[] = [];
  const spawn = (id: string) => {
    const c = spawnController(env.kubeconfig, id, LEASE);
    children.push(c);
    return c;
  };
  const holder = async () =>
    (await leases.readNamespacedLease({ name: 'ferrolb-controller', namespace: METALLB_NS })).spec
      ?.holderIdentity ?? '';
  const becameLeader = (c: ReturnType<typeof spawnController>) =>
    c.logs.some((l) => l.includes('"became leader"'));

  before(async () => {
    env = await startKubeEnv();
    leases = env.kc.makeApiClient(CoordinationV1Api);
    await ensureNamespace(env, METALLB_NS);
    await createPool(env, 'pool', { addresses: ['192.0.2.0/28'] });
  });

  after(async () => {
    for (const c of children) await killAndWait(c);
    await env?.stop();
  });

  it('two replicas: exactly one leads and acts; the other takes over when it is killed', async (t) => {
    const a = spawn('replica-a');
    const b = spawn('replica-b');
    const leader = await waitFor('a lease holder', async () => (await holder().catch(() => '')) || undefined);
    const [lead, standby] = leader === 'replica-a' ? [a, b] : [b, a];
    const standbyId = leader === 'replica-a' ? 'replica-b' : 'replica-a';

    await createService(env, 's1');
    await createService(env, 's2');
    assert.deepEqual(await waitForIngress(env, 's1'), ['192.0.2.0']);
    assert.deepEqual(await waitForIngress(env, 's2'), ['192.0.2.1']);
    const reporters = new Set(
      [...(await eventsFor(env, 'default', 's1')), ...(await eventsFor(env, 'default', 's2'))].map(
        (e) => e.reportingInstance,
      ),
    );
    assert.deepEqual([...reporters], [leader], 'only the leader writes');
    assert.equal(becameLeader(lead), true);
    assert.equal(becameLeader(standby), false, standby.logs.join('\n'));

    const killedAt = Date.now();
    await killAndWait(lead, 'SIGKILL');
    await waitFor('takeover', async () => ((await holder()) === standbyId ? true : undefined), 15_000);
    const takeoverMs = Date.now() - killedAt;
    t.diagnostic(`takeover after SIGKILL: ${takeoverMs} ms`);
    // The lease is 3 s; the standby must wait for it to expire, and not much longer.
    assert.ok(takeoverMs < 3000 + 2500, `takeover took ${takeoverMs} ms`);
    await createService(env, 's3');
    assert.deepEqual(await waitForIngress(env, 's3'), ['192.0.2.2']);
    assert.deepEqual(await waitForIngress(env, 's1'), ['192.0.2.0']);
    const lease = await leases.readNamespacedLease({ name: 'ferrolb-controller', namespace: METALLB_NS });
    assert.ok((lease.spec?.leaseTransitions ?? 0) >= 1);
    await killAndWait(standby, 'SIGKILL');
  });

  it('a restarted controller keeps the addresses Services already have', async () => {
    // While no controller runs: s1 is deleted (its .0 is not released by anyone), a new
    // service appears, and a higher-priority pool is added. None of that may move s2/s3.
    await env.core.deleteNamespacedService({ name: 's1', namespace: 'default' });
    await createService(env, 's4');
    await createPool(env, 'preferred', { addresses: ['10.99.0.0/30'], serviceAllocation: { priority: 1 } });
    const before2 = await env.core.readNamespacedService({ name: 's2', namespace: 'default' });

    spawn('replica-c');
    assert.deepEqual(await waitForIngress(env, 's4'), ['10.99.0.0']);
    assert.deepEqual(await waitForIngress(env, 's2'), ['192.0.2.1']);
    assert.deepEqual(await waitForIngress(env, 's3'), ['192.0.2.2']);
    const after2 = await env.core.readNamespacedService({ name: 's2', namespace: 'default' });
    assert.equal(after2.metadata?.resourceVersion, before2.metadata?.resourceVersion, 's2 was not rewritten');
    const news = (await eventsFor(env, 'default', 's2')).filter((e) => e.reportingInstance === 'replica-c');
    assert.deepEqual(news, [], 'no IPAllocated news for an address that did not change');
    // .0 was freed by s1's deletion: a service pinned to the old pool gets it.
    await createService(env, 's5', { annotations: { 'metallb.io/address-pool': 'pool' } });
    assert.deepEqual(await waitForIngress(env, 's5'), ['192.0.2.0']);
  });

  it('SIGTERM releases the lease so a standby takes over at once', async (t) => {
    const d = spawn('replica-d');
    await waitFor('replica-d standing by', async () =>
      d.logs.some((l) => l.includes('campaigning')) ? true : undefined,
    );
    const c = children.find((x) => x.spawnargs.includes('replica-c'));
    assert.ok(c);
    const termAt = Date.now();
    await killAndWait(c, 'SIGTERM');
    assert.equal(c.exitCode, 0);
    await waitFor(
      'replica-d leads',
      async () => ((await holder()) === 'replica-d' ? true : undefined),
      10_000,
    );
    const handoffMs = Date.now() - termAt;
    t.diagnostic(`handoff after SIGTERM: ${handoffMs} ms`);
    // Well under the 3 s lease: the standby did not wait for expiry.
    assert.ok(handoffMs < 2500, `handoff took ${handoffMs} ms`);
    await createService(env, 's6');
    assert.deepEqual(await waitForIngress(env, 's6'), ['10.99.0.1']);
  });
});
