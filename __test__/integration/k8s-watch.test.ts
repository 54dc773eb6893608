// Informers survive the API server going away: watches fail, lists are retried with backoff,
// the cache re-lists when the server is back, and the controller carries on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/run.js';
import { Watched } from '../../src/k8s/informer.js';
import {
  createPool,
  createService,
  ensureNamespace,
  METALLB_NS,
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
});
