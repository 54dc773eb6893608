// ServiceStatusWriter over an in-memory fake of the custom objects API: the calls it makes for
// a new, changed, foreign-owned, vanished and no longer desired object, and how it reports errors.
// (The real API server is exercised by __test__/integration/k8s-speaker-reports.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { CustomObjectsApi } from '@kubernetes/client-node';

import type { NodePlan } from '../../src/speaker/node-plan.js';
import { BGP_STATUS, type BgpStatusBody, type ServiceStatusKind } from '../../src/speaker/service-status.js';
import { ServiceStatusWriter } from '../../src/speaker/status-writer.js';

type Obj = {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] };
  status?: unknown;
};

class FakeApi {
  objects = new Map<string, Obj>();
  calls: string[] = [];
  /** The calls made for one object, in order. */
  callsFor(name: string): string[] {
    return this.calls.filter((c) => c.endsWith(` ${name}`)).map((c) => c.slice(0, c.indexOf(' ')));
  }
  failWith: Error | null = null;
  private check(what: string) {
    this.calls.push(what);
    if (this.failWith) throw this.failWith;
  }
  private notFound(): never {
    throw Object.assign(new Error('not found'), { code: 404 });
  }
  listNamespacedCustomObject = async (a: { labelSelector: string }) => {
    this.check('list');
    const [k = '', v] = a.labelSelector.split('=');
    return { items: [...this.objects.values()].filter((o) => o.metadata.labels?.[k] === v) };
  };
  createNamespacedCustomObject = async (a: { body: Obj }) => {
    this.check(`create ${a.body.metadata.name}`);
    if (this.objects.has(a.body.metadata.name)) throw Object.assign(new Error('exists'), { code: 409 });
    this.objects.set(a.body.metadata.name, structuredClone(a.body));
    return a.body;
  };
  patchNamespacedCustomObject = async (a: { name: string; body: Obj }) => {
    this.check(`patch ${a.name}`);
    const o = this.objects.get(a.name) ?? this.notFound();
    o.metadata = { ...o.metadata, ...a.body.metadata };
    return o;
  };
  patchNamespacedCustomObjectStatus = async (a: { name: string; body: { status: unknown } }) => {
    this.check(`status ${a.name}`);
    const o = this.objects.get(a.name) ?? this.notFound();
    o.status = structuredClone(a.body.status);
    return o;
  };
  deleteNamespacedCustomObject = async (a: { name: string }) => {
    this.check(`delete ${a.name}`);
    if (!this.objects.delete(a.name)) this.notFound();
    return {};
  };
}

/** A kind whose desired set is whatever the test says (the plan is ignored). */
function kindOf(desired: { current: Map<string, BgpStatusBody> }): ServiceStatusKind<BgpStatusBody> {
  return { ...BGP_STATUS, desired: () => desired.current };
}
const body = (svc: string, peers: string[]): BgpStatusBody => ({
  node: 'n1',
  serviceName: svc,
  serviceNamespace: 'default',
  peers,
});
const plan = {} as NodePlan;
const OWNER = { apiVersion: 'v1', kind: 'Pod', name: 'speaker-x', uid: 'uid-new' };

function setup(owner: typeof OWNER | null = OWNER) {
  const api = new FakeApi();
  const desired = { current: new Map<string, BgpStatusBody>() };
  const warnings: string[] = [];
  const w = new ServiceStatusWriter(
    api as unknown as CustomObjectsApi,
    kindOf(desired),
    'metallb-system',
    'n1',
    owner,
    (m, f) => warnings.push(`${m} ${String(f?.err)}`),
  );
  return { api, desired, warnings, w };
}

describe('ServiceStatusWriter', () => {
  it('creates with labels and owner, patches status only on change, deletes what is no longer desired', async () => {
    const { api, desired, w } = setup();
    desired.current = new Map([['bgp-a', body('a', ['r1'])]]);
    await w.update(plan);
    assert.deepEqual(api.calls, ['list', 'create bgp-a', 'status bgp-a']);
    assert.deepEqual(api.objects.get('bgp-a')?.metadata, {
      name: 'bgp-a',
      labels: {
        'metallb.io/node': 'n1',
        'metallb.io/service-name': 'a',
        'metallb.io/service-namespace': 'default',
      },
      ownerReferences: [OWNER],
    });
    api.calls = [];
    await w.update(plan); // a resync: nothing to write
    assert.deepEqual(api.calls, []);
    desired.current = new Map([['bgp-a', body('a', ['r1', 'r2'])]]);
    await w.update(plan);
    assert.deepEqual(api.calls, ['status bgp-a']);
    assert.deepEqual((api.objects.get('bgp-a')?.status as BgpStatusBody).peers, ['r1', 'r2']);
    api.calls = [];
    await w.clear();
    assert.deepEqual(api.calls, ['delete bgp-a']);
    assert.equal(api.objects.size, 0);
  });

  it("adopts an object of this node's previous pod, and recreates one deleted behind its back", async () => {
    const { api, desired, w } = setup();
    api.objects.set('bgp-a', {
      metadata: { name: 'bgp-a', labels: { 'metallb.io/node': 'n1' }, ownerReferences: [{ uid: 'uid-old' }] },
      status: body('a', ['r1']),
    });
    desired.current = new Map([
      ['bgp-a', body('a', ['r1'])],
      ['bgp-b', body('b', ['r1'])],
    ]);
    await w.update(plan);
    // Objects are written concurrently; per object the order is fixed.
    assert.equal(api.calls[0], 'list');
    assert.deepEqual(api.callsFor('bgp-a'), ['patch', 'status']);
    assert.deepEqual(api.callsFor('bgp-b'), ['create', 'status']);
    assert.deepEqual(api.objects.get('bgp-a')?.metadata.ownerReferences, [OWNER]);
    api.objects.delete('bgp-b'); // e.g. the garbage collector or an operator
    api.calls = [];
    desired.current = new Map([
      ['bgp-a', body('a', ['r1'])],
      ['bgp-b', body('b', ['r2'])],
    ]);
    await w.update(plan);
    assert.deepEqual(api.calls, ['status bgp-b', 'create bgp-b', 'status bgp-b']);
    assert.deepEqual((api.objects.get('bgp-b')?.status as BgpStatusBody).peers, ['r2']);
  });

  it('an object of that name without our node label (so not listed) is taken over, not fought over', async () => {
    const { api, desired, warnings, w } = setup();
    api.objects.set('bgp-a', { metadata: { name: 'bgp-a' } });
    desired.current = new Map([['bgp-a', body('a', ['r1'])]]);
    await w.update(plan);
    assert.deepEqual(api.callsFor('bgp-a'), ['create', 'patch', 'status']);
    assert.equal(api.objects.get('bgp-a')?.metadata.labels?.['metallb.io/node'], 'n1');
    assert.deepEqual(api.objects.get('bgp-a')?.metadata.ownerReferences, [OWNER]);
    assert.deepEqual(warnings, []);
  });

  it('without an owner, objects carry none and others are left as they are', async () => {
    const { api, desired, w } = setup(null);
    api.objects.set('bgp-a', {
      metadata: { name: 'bgp-a', labels: { 'metallb.io/node': 'n1' }, ownerReferences: [{ uid: 'uid-old' }] },
      status: body('a', ['r1']),
    });
    desired.current = new Map([
      ['bgp-a', body('a', ['r1'])],
      ['bgp-b', body('b', ['r1'])],
    ]);
    await w.update(plan);
    assert.deepEqual(api.calls, ['list', 'create bgp-b', 'status bgp-b']);
    assert.equal(api.objects.get('bgp-b')?.metadata.ownerReferences, undefined);
  });

  it('a failing API is reported once per distinct error, re-listed and caught up when it recovers', async () => {
    const { api, desired, warnings, w } = setup();
    api.failWith = Object.assign(new Error('forbidden'), { code: 403 });
    desired.current = new Map([['bgp-a', body('a', ['r1'])]]);
    await w.update(plan);
    await w.update(plan);
    assert.deepEqual(warnings, ['could not write ServiceBGPStatus Error: forbidden']);
    api.failWith = null;
    api.calls = [];
    await w.update(plan);
    assert.deepEqual(api.calls, ['list', 'create bgp-a', 'status bgp-a']);
  });

  it('writes at most 8 objects at a time; a failure stops the pass and is retried on the next', async () => {
    const { api, desired, warnings, w } = setup();
    let inFlight = 0;
    let peak = 0;
    const create = api.createNamespacedCustomObject;
    api.createNamespacedCustomObject = async (a) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      if (a.body.metadata.name === 'bgp-13' && warnings.length === 0) throw new Error('conflict');
      return create(a);
    };
    desired.current = new Map(Array.from({ length: 40 }, (_, i) => [`bgp-${i}`, body(`s${i}`, ['r1'])]));
    await w.update(plan);
    assert.equal(peak, 8);
    assert.deepEqual(warnings, ['could not write ServiceBGPStatus Error: conflict']);
    assert.ok(api.objects.size < 40, 'no new writes started after the failure');
    await w.update(plan);
    assert.equal(api.objects.size, 40);
  });

  it('updates during a sync coalesce: the last desired set wins', async () => {
    const { api, desired, w } = setup();
    desired.current = new Map([['bgp-a', body('a', ['r1'])]]);
    const first = w.update(plan);
    desired.current = new Map([['bgp-b', body('b', ['r1'])]]);
    void w.update(plan);
    desired.current = new Map([['bgp-c', body('c', ['r1'])]]);
    void w.update(plan);
    await first;
    await w.flush();
    assert.deepEqual([...api.objects.keys()], ['bgp-c']);
  });
});
