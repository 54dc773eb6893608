// The install tree and the examples against a real kube-apiserver (scripts/kube-test-env.sh):
// every rendered object passes server-side apply in dry-run with strict field validation (so a
// misspelled or misplaced field fails here, not in a user's cluster), and the RBAC, applied for
// real, lets each component do exactly what it needs and nothing next to it (SubjectAccessReview
// asks the API server's own authorizer).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { find, render, type KubeObject } from '../ship/render.js';
import { ResourcePaths, startKubeEnv, type KubeEnv } from '../ship/kube-env.js';

const NS = 'metallb-system';
let kube: KubeEnv;
let paths: ResourcePaths;

async function apply(obj: KubeObject, dryRun: boolean) {
  const query = `fieldManager=ferrolb-test&force=true&fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`;
  return kube.call('PATCH', `${await paths.path(obj)}?${query}`, obj, 'application/apply-patch+yaml');
}

async function mustApply(obj: KubeObject, dryRun: boolean) {
  const res = await apply(obj, dryRun);
  assert.ok(
    res.status === 200 || res.status === 201,
    `${obj.kind} ${obj.metadata.name}: HTTP ${res.status} ${res.body}`,
  );
  return res.json();
}

before(async () => {
  kube = await startKubeEnv();
  paths = new ResourcePaths(kube);
});

after(async () => {
  await kube?.stop();
});

describe('manifests/ on a real API server', () => {
  const objects = render('manifests');

  it('every object passes server-side apply (dry run, strict field validation)', async () => {
    // A dry run creates nothing, and namespaced objects need their namespace: create it for real.
    await mustApply(find(objects, 'Namespace', NS), false);
    for (const obj of objects) {
      const persisted = await mustApply(obj, true);
      assert.equal((persisted.metadata as { name: string }).name, obj.metadata.name);
    }
    // What the server would store keeps the hardening (no field silently dropped).
    const ds = await mustApply(find(objects, 'DaemonSet', 'ferrolb-speaker'), true);
    const pod = (ds.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    const c = (pod.containers as { securityContext: Record<string, unknown> }[])[0];
    assert.equal(pod.hostNetwork, true);
    assert.deepEqual(c?.securityContext.capabilities, { drop: ['ALL'], add: ['NET_RAW'] });
    assert.equal(c?.securityContext.readOnlyRootFilesystem, true);
  });

  it('a misspelled field is rejected (the check above can fail)', async () => {
    const ds = structuredClone(find(objects, 'DaemonSet', 'ferrolb-speaker'));
    (ds.spec as { template: { spec: Record<string, unknown> } }).template.spec.hostNetwrk = true;
    const res = await apply(ds, true);
    // Server-side apply reports schema mismatches while building the typed patch (HTTP 500).
    assert.ok(res.status >= 400, res.body);
    assert.match(res.body, /\.spec\.template\.spec\.hostNetwrk: field not declared in schema/);
  });

  for (const example of ['l2', 'bgp']) {
    it(`examples/${example} passes the metallb.io schemas (dry run, strict)`, async () => {
      await mustApply(find(objects, 'Namespace', NS), false);
      for (const obj of render(`manifests/examples/${example}`)) await mustApply(obj, true);
    });
  }

  it('an invalid example object is rejected by the CRD schema', async () => {
    const pool = structuredClone(find(render('manifests/examples/l2'), 'IPAddressPool', 'lan'));
    (pool.spec as Record<string, unknown>).autoAssign = 'yes';
    const res = await apply(pool, true);
    assert.ok(res.status >= 400, res.body);
    assert.match(res.body, /\.spec\.autoAssign: expected boolean/);
  });
});

describe('Pod Security admission on a real API server', () => {
  const objects = render('manifests');

  async function createPod(namespace: string, level: string | null, workload: KubeObject) {
    const nsObj = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} },
    };
    await mustApply(nsObj as KubeObject, false);
    const template = (workload.spec as { template: { metadata: object; spec: object } }).template;
    return kube.call('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...template.metadata, name: `${workload.metadata.name}-probe` },
      spec: template.spec,
    });
  }

  it('the controller pod meets the `restricted` level', async () => {
    const res = await createPod(
      'psa-restricted',
      'restricted',
      find(objects, 'Deployment', 'ferrolb-controller'),
    );
    assert.equal(res.status, 201, res.body);
  });

  it('the speaker pod needs `privileged` (host network), which metallb-system has', async () => {
    const speaker = find(objects, 'DaemonSet', 'ferrolb-speaker');
    const baseline = await createPod('psa-baseline', 'baseline', speaker);
    assert.equal(baseline.status, 403, baseline.body);
    assert.match(baseline.body, /hostNetwork/);
    const ns = find(objects, 'Namespace', NS);
    const level = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? null;
    const own = await createPod(NS, level, speaker);
    assert.equal(own.status, 201, own.body);
  });
});

type Access = [verb: string, resource: string, namespace: string, allowed: boolean, name?: string];

// resource is "group/resource[/subresource]" with "core" for the core group.
const controllerAccess: Access[] = [
  ['list', 'core/services', '', true],
  ['watch', 'core/services', '', true],
  ['update', 'core/services/status', 'app', true],
  ['patch', 'core/services/status', 'app', true],
  ['patch', 'core/services', 'app', true],
  ['create', 'core/services', 'app', false],
  ['delete', 'core/services', 'app', false],
  ['update', 'core/services', 'app', false],
  ['list', 'core/namespaces', '', true],
  ['create', 'core/events', 'app', true],
  ['list', 'core/nodes', '', false],
  ['list', 'discovery.k8s.io/endpointslices', '', false],
  ['list', 'core/pods', NS, false],
  ['watch', 'metallb.io/ipaddresspools', NS, true],
  ['list', 'metallb.io/bgppeers', NS, true],
  ['create', 'metallb.io/ipaddresspools', NS, false],
  ['patch', 'metallb.io/ipaddresspools/status', NS, true],
  ['list', 'metallb.io/ipaddresspools', 'app', false],
  ['list', 'core/secrets', NS, true],
  ['create', 'core/secrets', NS, true],
  ['delete', 'core/secrets', NS, false],
  ['update', 'core/secrets', NS, false],
  ['list', 'core/secrets', 'app', false],
  ['list', 'core/secrets', '', false],
  ['watch', 'core/configmaps', NS, true],
  ['list', 'core/configmaps', 'app', false],
  ['create', 'coordination.k8s.io/leases', NS, true],
  ['update', 'coordination.k8s.io/leases', NS, true, 'ferrolb-controller'],
  ['update', 'coordination.k8s.io/leases', NS, false, 'someone-elses-lease'],
  ['update', 'coordination.k8s.io/leases', 'kube-system', false, 'ferrolb-controller'],
  ['create', 'metallb.io/servicel2statuses', NS, false],
  ['create', 'metallb.io/configurationstates', NS, true],
  ['patch', 'metallb.io/configurationstates/status', NS, true],
  ['delete', 'metallb.io/configurationstates', NS, false],
];

const speakerAccess: Access[] = [
  ['list', 'core/services', '', true],
  ['watch', 'core/services', '', true],
  ['patch', 'core/services', 'app', false],
  ['update', 'core/services/status', 'app', false],
  ['list', 'discovery.k8s.io/endpointslices', '', true],
  ['watch', 'discovery.k8s.io/endpointslices', '', true],
  ['list', 'core/nodes', '', true],
  ['patch', 'core/nodes', '', false],
  ['create', 'core/events', 'app', true],
  ['list', 'metallb.io/l2advertisements', NS, true],
  ['watch', 'metallb.io/bgppeers', NS, true],
  ['delete', 'metallb.io/ipaddresspools', NS, false],
  ['create', 'metallb.io/servicel2statuses', NS, true],
  ['delete', 'metallb.io/servicebgpstatuses', NS, true],
  ['patch', 'metallb.io/servicel2statuses/status', NS, true],
  ['create', 'metallb.io/servicel2statuses', 'app', false],
  ['list', 'core/pods', NS, true],
  ['list', 'core/pods', 'app', false],
  ['list', 'core/secrets', NS, true],
  ['create', 'core/secrets', NS, false],
  ['list', 'core/secrets', 'app', false],
  ['watch', 'core/configmaps', NS, true],
  ['update', 'coordination.k8s.io/leases', NS, false, 'ferrolb-controller'],
  ['patch', 'metallb.io/ipaddresspools/status', NS, false],
  ['patch', 'metallb.io/configurationstates/status', NS, true],
  ['update', 'metallb.io/configurationstates', 'app', false],
  // Status objects and events of the speaker's own reports (issue #6).
  ['create', 'metallb.io/servicebgpstatuses', NS, true],
  ['update', 'metallb.io/servicebgpstatuses', NS, true],
  ['patch', 'metallb.io/servicebgpstatuses', NS, true],
  ['patch', 'metallb.io/servicebgpstatuses/status', NS, true],
  ['update', 'metallb.io/servicebgpstatuses/status', NS, true],
  ['list', 'metallb.io/servicebgpstatuses', NS, true],
  ['create', 'metallb.io/servicebgpstatuses', 'app', false],
  ['get', 'metallb.io/configurationstates', NS, true],
  ['create', 'metallb.io/configurationstates', NS, true],
  ['update', 'metallb.io/configurationstates', NS, true],
  ['patch', 'metallb.io/configurationstates', NS, true],
  ['delete', 'metallb.io/configurationstates', NS, true],
  ['update', 'metallb.io/configurationstates/status', NS, true],
  ['patch', 'core/events', 'app', true],
  ['update', 'core/events', 'app', false],
  ['delete', 'core/events', 'app', false],
  ['get', 'core/pods', NS, true, 'ferrolb-speaker-abcde'],
  ['get', 'core/pods', 'app', false],
  ['create', 'core/pods', NS, false],
  ['delete', 'core/pods', NS, false],
];

describe('RBAC applied to a real API server', () => {
  const objects = render('manifests');

  before(async () => {
    await mustApply(find(objects, 'Namespace', NS), false);
    for (const obj of objects.filter((o) => /^(ServiceAccount|(Cluster)?Role(Binding)?)$/.test(o.kind)))
      await mustApply(obj, false);
  });

  for (const [component, table] of [
    ['controller', controllerAccess],
    ['speaker', speakerAccess],
  ] as const) {
    it(`ferrolb-${component} may do what it needs and is denied what it does not`, async () => {
      const wrong: string[] = [];
      for (const [verb, resource, namespace, allowed, name] of table) {
        const [group, res, subresource] = resource.split('/') as [string, string, string | undefined];
        const review = await kube.call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: `system:serviceaccount:${NS}:ferrolb-${component}`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
            resourceAttributes: {
              verb,
              group: group === 'core' ? '' : group,
              resource: res,
              ...(subresource ? { subresource } : {}),
              ...(namespace ? { namespace } : {}),
              ...(name ? { name } : {}),
            },
          },
        });
        assert.equal(review.status, 201, review.body);
        const got = (review.json().status as { allowed?: boolean }).allowed === true;
        if (got !== allowed)
          wrong.push(
            `${verb} ${resource}${name ? `/${name}` : ''} in ${namespace || 'all namespaces'}: got ${got}`,
          );
      }
      assert.deepEqual(wrong, []);
    });
  }
});
