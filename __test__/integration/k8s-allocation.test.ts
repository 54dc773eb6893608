// The allocation controller against a real kube-apiserver + etcd: pools and Services in, IPs in
// status.loadBalancer.ingress, the pool annotation, Events and IPAddressPool status out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/run.js';
import {
  MEMBERLIST_KEY,
  MEMBERLIST_SECRET,
  ensureMemberlistSecret,
} from '../../src/controller/memberlist-secret.js';
import {
  createPool,
  createService,
  deletePool,
  ensureNamespace,
  eventsFor,
  getPool,
  METALLB_NS,
  startKubeEnv,
  waitFor,
  waitForEvent,
  waitForIngress,
  type KubeEnv,
} from '../helpers/kube.js';

const quiet = { info() {}, warn() {}, error() {} };

describe('allocation controller on a real API server', () => {
  let env: KubeEnv;
  let ctl: RunningController;

  before(async () => {
    env = await startKubeEnv();
    await ensureNamespace(env, METALLB_NS);
    ctl = await runController({
      kubeconfig: env.kubeconfig,
      identity: 'test-controller',
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 200,
      log: process.env.FERROLB_TEST_LOG ? undefined : quiet,
    });
    await createPool(env, 'main', { addresses: ['192.0.2.0/29'] });
    await waitFor('leadership', async () => (ctl.elector.isLeader ? true : undefined));
  });

  after(async () => {
    await ctl?.shutdown();
    await env?.stop();
  });

  it('creates the memberlist Secret when missing and never replaces it', async () => {
    const secret = await waitFor('memberlist Secret', () =>
      env.core
        .readNamespacedSecret({ name: MEMBERLIST_SECRET, namespace: METALLB_NS })
        .catch(() => undefined),
    );
    const key = Buffer.from(secret.data?.[MEMBERLIST_KEY] ?? '', 'base64').toString();
    assert.equal(
      Buffer.from(key, 'base64').length,
      128,
      'a base64 text of 128 random bytes, as MetalLB makes',
    );
    assert.equal(await ensureMemberlistSecret(env.core, METALLB_NS), 'exists');
    const again = await env.core.readNamespacedSecret({ name: MEMBERLIST_SECRET, namespace: METALLB_NS });
    assert.deepEqual(again.data, secret.data);
  });

  it('allocates the lowest free address, annotates the pool and records IPAllocated', async () => {
    await createService(env, 'web');
    assert.deepEqual(await waitForIngress(env, 'web'), ['192.0.2.0']);
    const svc = await env.core.readNamespacedService({ name: 'web', namespace: 'default' });
    assert.equal(svc.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'], 'main');
    await waitForEvent(env, 'default', 'web', 'IPAllocated', /192\.0\.2\.0.*main/);
    await createService(env, 'web2');
    assert.deepEqual(await waitForIngress(env, 'web2'), ['192.0.2.1']);
  });

  it('keeps IPAddressPool status counters', async () => {
    const status = await waitFor('pool status', async () => {
      const s = (await getPool(env, 'main')).status;
      return s && s.assignedIPv4 === 2 ? s : undefined;
    });
    assert.deepEqual(status, { assignedIPv4: 2, assignedIPv6: 0, availableIPv4: 6, availableIPv6: 0 });
    assert.deepEqual(
      ctl.controller.poolStats().filter((s) => s.pool === 'main'),
      [
        { pool: 'main', family: 'IPv4', inUse: 2n, total: 8n },
        { pool: 'main', family: 'IPv6', inUse: 0n, total: 0n },
      ],
    );
  });

  it('honours spec.loadBalancerIP and metallb.io/loadBalancerIPs', async () => {
    await createService(env, 'fixed', { loadBalancerIP: '192.0.2.6' });
    await createService(env, 'fixed2', { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.5' } });
    assert.deepEqual(await waitForIngress(env, 'fixed'), ['192.0.2.6']);
    assert.deepEqual(await waitForIngress(env, 'fixed2'), ['192.0.2.5']);
  });

  it('shares an address between services with the same allow-shared-ip key and distinct ports', async () => {
    const share = { 'metallb.io/allow-shared-ip': 'dns' };
    await createService(env, 'dns-tcp', { annotations: share, ports: [{ port: 53, protocol: 'TCP' }] });
    const [ip] = await waitForIngress(env, 'dns-tcp');
    await createService(env, 'dns-udp', { annotations: share, ports: [{ port: 53, protocol: 'UDP' }] });
    assert.deepEqual(await waitForIngress(env, 'dns-udp'), [ip]);
  });

  it('bad inputs get an AllocationFailed Event with the reason and disturb nobody', async () => {
    const before = await env.core.listNamespacedService({ namespace: 'default' });
    const snapshot = new Map(before.items.map((s) => [s.metadata?.name, JSON.stringify(s.status)]));
    await createService(env, 'outside', { loadBalancerIP: '203.0.113.9' });
    await waitForEvent(
      env,
      'default',
      'outside',
      'AllocationFailed',
      /203\.0\.113\.9 is not in any IPAddressPool/,
    );
    await createService(env, 'garbled', { annotations: { 'metallb.io/loadBalancerIPs': 'not-an-ip' } });
    await waitForEvent(env, 'default', 'garbled', 'AllocationFailed', /invalid IP "not-an-ip"/);
    const [dnsIP] = (await env.core.readNamespacedService({ name: 'dns-tcp', namespace: 'default' })).status
      ?.loadBalancer?.ingress ?? [{ ip: '' }];
    await createService(env, 'intruder', {
      annotations: { 'metallb.io/allow-shared-ip': 'other-key' },
      loadBalancerIP: dnsIP?.ip ?? '',
      ports: [{ port: 8053 }],
    });
    await waitForEvent(env, 'default', 'intruder', 'AllocationFailed', /different sharing key/);
    for (const name of ['outside', 'garbled', 'intruder']) {
      const s = await env.core.readNamespacedService({ name, namespace: 'default' });
      assert.deepEqual(s.status?.loadBalancer?.ingress ?? [], [], name);
    }
    const afterList = await env.core.listNamespacedService({ namespace: 'default' });
    for (const s of afterList.items) {
      const was = snapshot.get(s.metadata?.name);
      if (was !== undefined) assert.equal(JSON.stringify(s.status), was, `${s.metadata?.name} was disturbed`);
    }
  });

  it('takes both families from a dual-stack pool, primary family first', async () => {
    await createPool(env, 'dual', { addresses: ['198.51.100.0/30', '2001:db8:1::/126'], autoAssign: false });
    await createService(env, 'ds', {
      ipFamilyPolicy: 'RequireDualStack',
      ipFamilies: ['IPv6', 'IPv4'],
      annotations: { 'metallb.io/address-pool': 'dual' },
    });
    assert.deepEqual(await waitForIngress(env, 'ds'), ['2001:db8:1::', '198.51.100.0']);
  });

  it('scopes pools to namespaces', async () => {
    await ensureNamespace(env, 'team-a');
    await ensureNamespace(env, 'shop', { env: 'prod' });
    await createPool(env, 'team-a-pool', {
      addresses: ['10.10.0.0/30'],
      serviceAllocation: { priority: 1, namespaces: ['team-a'] },
    });
    await createPool(env, 'prod-pool', {
      addresses: ['10.20.0.0/30'],
      serviceAllocation: { priority: 2, namespaceSelectors: [{ matchLabels: { env: 'prod' } }] },
    });
    await createService(env, 'a', { namespace: 'team-a' });
    await createService(env, 'b', { namespace: 'shop' });
    assert.deepEqual(await waitForIngress(env, 'a', undefined, 'team-a'), ['10.10.0.0']);
    assert.deepEqual(await waitForIngress(env, 'b', undefined, 'shop'), ['10.20.0.0']);
    // default is in neither: it still gets the open pool.
    await createService(env, 'c');
    const [ip] = await waitForIngress(env, 'c');
    assert.match(ip ?? '', /^192\.0\.2\./);
  });

  it('re-allocates services when their pool is deleted', async () => {
    await createPool(env, 'spare', {
      addresses: ['10.30.0.0/30'],
      serviceAllocation: { priority: 5, namespaces: ['team-a'] },
    });
    // team-a/a sits in team-a-pool; deleting that pool moves it to the next eligible one.
    await deletePool(env, 'team-a-pool');
    assert.deepEqual(await waitForIngress(env, 'a', (ips) => ips[0] === '10.30.0.0', 'team-a'), [
      '10.30.0.0',
    ]);
    const svc = await env.core.readNamespacedService({ name: 'a', namespace: 'team-a' });
    assert.equal(svc.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'], 'spare');
  });

  it('rejects an invalid configuration with an Event and keeps the last good one', async () => {
    // Overlaps pool "main": the whole new configuration is rejected.
    await createPool(env, 'overlap', { addresses: ['192.0.2.4/30'] });
    const ev = await waitForEvent(env, METALLB_NS, 'overlap', 'InvalidConfig', /overlap/i);
    assert.equal(ev.type, 'Warning');
    const state = await waitFor('ConfigurationState Invalid', async () => {
      const o = (await env.custom.getNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace: METALLB_NS,
        plural: 'configurationstates',
        name: 'controller',
      })) as {
        metadata?: { labels?: Record<string, string> };
        status?: { result?: string; errorSummary?: string };
      };
      return o.status?.result === 'Invalid' ? { ...o.status, labels: o.metadata?.labels } : undefined;
    });
    assert.match(state.errorSummary ?? '', /IPAddressPool\/metallb-system\/overlap/);
    assert.deepEqual(state.labels, { 'metallb.io/component-type': 'controller' });
    assert.ok(ctl.controller.activeConfig()?.pools.some((p) => p.name === 'main'));
    assert.ok(!ctl.controller.activeConfig()?.pools.some((p) => p.name === 'overlap'));
    // Allocation still works from the last good configuration.
    await createService(env, 'after-bad-config', {
      annotations: { 'metallb.io/address-pool': 'spare' },
      namespace: 'team-a',
    });
    assert.deepEqual(await waitForIngress(env, 'after-bad-config', undefined, 'team-a'), ['10.30.0.1']);
    await deletePool(env, 'overlap');
    await waitFor('ConfigurationState Valid again', async () => {
      const o = (await env.custom.getNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace: METALLB_NS,
        plural: 'configurationstates',
        name: 'controller',
      })) as { status?: { result?: string } };
      return o.status?.result === 'Valid' ? true : undefined;
    });
  });

  it('a Service waiting for a pool that does not exist yet gets an address once it appears', async () => {
    await createService(env, 'early', { annotations: { 'metallb.io/address-pool': 'late' } });
    await waitForEvent(env, 'default', 'early', 'AllocationFailed', /IPAddressPool late .*does not exist/);
    await createPool(env, 'late', { addresses: ['10.40.0.8-10.40.0.9'], autoAssign: false });
    assert.deepEqual(await waitForIngress(env, 'early'), ['10.40.0.8']);
  });

  it('reads pools from a legacy ConfigMap next to the CRDs', async () => {
    await env.core.createNamespacedConfigMap({
      namespace: METALLB_NS,
      body: {
        metadata: { name: 'config' },
        data: {
          config: [
            'address-pools:',
            '- name: legacy',
            '  protocol: layer2',
            '  auto-assign: false',
            '  addresses:',
            '  - 172.20.0.0/30',
            '',
          ].join('\n'),
        },
      },
    });
    await createService(env, 'old-style', { annotations: { 'metallb.universe.tf/address-pool': 'legacy' } });
    assert.deepEqual(await waitForIngress(env, 'old-style'), ['172.20.0.0']);
  });

  it('releases the address when a Service is deleted or stops being a LoadBalancer', async () => {
    await env.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    await env.core.patchNamespacedService({
      name: 'web2',
      namespace: 'default',
      body: [{ op: 'replace', path: '/spec/type', value: 'ClusterIP' }],
    });
    await waitForIngress(env, 'web2', (ips) => ips.length === 0);
    await createService(env, 'reuse');
    assert.deepEqual(await waitForIngress(env, 'reuse'), ['192.0.2.0']);
    const evs = await eventsFor(env, 'default', 'reuse');
    assert.ok(evs.some((e) => e.reason === 'IPAllocated'));
  });

  it('relabelling a namespace re-evaluates namespaceSelectors', async () => {
    await ensureNamespace(env, 'movers', { env: 'prod' });
    await createService(env, 'm', { namespace: 'movers' });
    const [first] = await waitForIngress(env, 'm', undefined, 'movers');
    assert.match(first ?? '', /^10\.20\.0\./, 'the prod pool serves env=prod');
    await env.core.patchNamespace(
      { name: 'movers', body: { metadata: { labels: { env: 'dev' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const [moved] = await waitForIngress(env, 'm', (ips) => !ips[0]?.startsWith('10.20.0.'), 'movers');
    assert.match(moved ?? '', /^192\.0\.2\./);
    const svc = await env.core.readNamespacedService({ name: 'm', namespace: 'movers' });
    assert.equal(svc.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'], 'main');
  });
});
