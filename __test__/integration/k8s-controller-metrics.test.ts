// The controller process's monitoring endpoint against a real API server: ready once synced,
// MetalLB's allocator metrics follow real allocations, and the leader reports itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  METALLB_NS,
  createPool,
  createService,
  ensureNamespace,
  spawnController,
  startKubeEnv,
  waitForIngress,
  type KubeEnv,
} from '../helpers/kube.js';
import { scrapeMetrics } from '../helpers/metrics.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

describe('controller monitoring endpoint', () => {
  let env: KubeEnv;
  let child: ReturnType<typeof spawnController>;
  let port: number;
  const metric = async (name: string) => (await scrapeMetrics(port)).get(name);

  before(async () => {
    env = await startKubeEnv();
    await ensureNamespace(env, METALLB_NS);
    await createPool(env, 'metrics', { addresses: ['192.0.2.64/29'] });
    port = await freePort();
    child = spawnController(env.kubeconfig, 'metrics-controller', [
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ]);
  });

  after(async () => {
    child?.kill('SIGTERM');
    await env?.stop();
  });

  it('is ready after sync and counts addresses as Services take them', async () => {
    await waitFor(
      '/readyz 200',
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    await waitFor('leader', async () => (await metric('ferrolb_controller_leader')) === 1);
    await waitFor(
      'pool size',
      async () => (await metric('metallb_allocator_addresses_total{pool="metrics"}')) === 8,
    );
    assert.equal(await metric('metallb_allocator_addresses_in_use_total{pool="metrics"}'), 0);
    await createService(env, 'counted');
    await waitForIngress(env, 'counted');
    await waitFor(
      'one address in use',
      async () => (await metric('metallb_allocator_addresses_in_use_total{pool="metrics"}')) === 1,
    );
  });
});
