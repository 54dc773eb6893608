// Informers survive the API server going away: watches fail, lists are retried with backoff,
// the cache re-lists when the server is back, and the controller carries on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, DiscoveryV1Api, type V1Service } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/run.js';
import { Watched } from '../../src/k8s/informer.js';
import { watchKind } from '../../src/k8s/resources.js';
import {
  createPool,
  createService,
  ensureNamespace,
  METALLB_NS,
  sleep,
  startKubeEnv,
  waitFor,
  waitForIngress,
  type KubeEnv,
} from '../helpers/kube.js';

const quiet = { info() {}, warn() {}, error() {} };

describe('watching through an API server outage', () => {
  let env: KubeEnv;
  let ctl: RunningController;
  let watched: Watched<V1Service>;
  const seen = new Map<string, string>();

  before(async () => {
    env = await startKubeEnv();
    await ensureNamespace(env, METALLB_NS);
    await createPool(env, 'p', { addresses: ['192.0.2.0/28'] });
    ctl = await runController({
      kubeconfig: env.kubeconfig,
      identity: 'watch-test',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 200,
      log: quiet,
    });
    const core = env.kc.makeApiClient(CoreV1Api);
    watched = new Watched<V1Service>(env.kc, {
      name: 'services',
      path: '/api/v1/services',
      list: () => core.listServiceForAllNamespaces(),
      onChange: (kind, s) => seen.set(`${s.metadata?.namespace}/${s.metadata?.name}`, kind),
      minBackoffMs: 100,
      maxBackoffMs: 1000,
    });
    await watched.start();
    await waitFor('leadership', async () => (ctl.elector.isLeader ? true : undefined));
  });

  after(async () => {
    await watched?.stop();
    await ctl?.shutdown();
    await env?.stop();
  });

  it('keeps delivering changes and allocating after the API server restarts', async () => {
    await createService(env, 'before');
    assert.deepEqual(await waitForIngress(env, 'before'), ['192.0.2.0']);
    const listsBefore = watched.lists;

    await env.restartApiserver(2000);
    // A watch error keeps the resourceVersion and only re-watches; the restarted server's watch
    // cache no longer serves that version and answers 410 Gone, so a new list proves the 410 path.
    await waitFor(
      'the informer to re-list',
      async () => (watched.lists > listsBefore ? true : undefined),
      30_000,
    );
    assert.ok(watched.errors > 0, 'the outage was noticed');

    await createService(env, 'after');
    assert.deepEqual(await waitForIngress(env, 'after', undefined, 'default', 30_000), ['192.0.2.1']);
    await waitFor('the informer to see the new service', async () =>
      seen.has('default/after') ? true : undefined,
    );
    await env.core.deleteNamespacedService({ name: 'after', namespace: 'default' });
    await waitFor('the informer to see the deletion', async () =>
      seen.get('default/after') === 'delete' ? true : undefined,
    );
    assert.ok(ctl.elector.isLeader, 'a short outage inside the renew deadline keeps the leader');
  });

  it('watches EndpointSlices, Nodes and metallb.io status kinds by kind name', async () => {
    const got: string[] = [];
    const record = (change: string, o: { kind?: string; metadata?: { name?: string } }) =>
      got.push(`${change} ${o.kind} ${o.metadata?.name}`);
    const watches = [
      watchKind(env.kc, 'EndpointSlice', { onChange: record }),
      watchKind(env.kc, 'Node', { onChange: record, labelSelector: 'ferrolb-test=yes' }),
      watchKind(env.kc, 'ServiceL2Status', { namespace: METALLB_NS, onChange: record }),
    ];
    try {
      await Promise.all(watches.map((w) => w.start()));
      await env.kc.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
        namespace: 'default',
        body: {
          metadata: { name: 'before-abc', labels: { 'kubernetes.io/service-name': 'before' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'node-a' }],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      });
      await env.core.createNode({
        body: { metadata: { name: 'node-a', labels: { 'ferrolb-test': 'yes' } } },
      });
      await env.core.createNode({ body: { metadata: { name: 'node-b' } } });
      await env.custom.createNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace: METALLB_NS,
        plural: 'servicel2statuses',
        body: { apiVersion: 'metallb.io/v1beta1', kind: 'ServiceL2Status', metadata: { name: 'l2-before' } },
      });
      await env.core.deleteNode({ name: 'node-a' });
      await waitFor('all changes', async () => (got.length >= 4 ? true : undefined));
      await sleep(300);
      assert.deepEqual(got.sort(), [
        'add EndpointSlice before-abc',
        'add Node node-a',
        'add ServiceL2Status l2-before',
        'delete Node node-a',
      ]);
      assert.equal(watches[0]?.list()[0]?.kind, 'EndpointSlice');
    } finally {
      for (const w of watches) await w.stop();
    }
  });
});
