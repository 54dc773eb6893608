// The install tree renders with kustomize, and what it renders is what a production cluster
// should get: least-privilege RBAC (every permission listed exactly), hardened pods, a speaker
// wired for memberlist, and example configurations ferrolb's own validator accepts.
// The API server's view of the same objects is in __test__/integration/manifests-apply.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import {
  find,
  kustomizeBuild,
  parseObjects,
  permissions,
  podTemplate,
  render,
  root,
  type KubeObject,
} from './render.js';

const NS = 'metallb-system';
const objects = render('manifests');
const metallbKinds = [
  'bfdprofiles',
  'bgpadvertisements',
  'bgppeers',
  'communities',
  'ipaddresspools',
  'l2advertisements',
];
const readConfig = metallbKinds.flatMap((r) => [`metallb.io/${r}: list`, `metallb.io/${r}: watch`]);

const expectedPermissions: Record<string, string[]> = {
  'ClusterRole/ferrolb:controller': [
    'core/events: create',
    'core/events: patch',
    'core/namespaces: get',
    'core/namespaces: list',
    'core/namespaces: watch',
    'core/services/status: patch',
    'core/services/status: update',
    'core/services: get',
    'core/services: list',
    'core/services: patch',
    'core/services: watch',
  ],
  'Role/ferrolb-controller': [
    ...readConfig,
    'metallb.io/ipaddresspools/status: patch',
    'metallb.io/ipaddresspools/status: update',
    'metallb.io/configurationstates: create',
    'metallb.io/configurationstates/status: patch',
    'core/configmaps: list',
    'core/configmaps: watch',
    'core/secrets: create',
    'core/secrets: list',
    'core/secrets: watch',
    'coordination.k8s.io/leases: create',
    'coordination.k8s.io/leases/ferrolb-controller: get',
    'coordination.k8s.io/leases/ferrolb-controller: update',
  ],
  'ClusterRole/ferrolb:speaker': [
    'core/events: create',
    'core/events: patch',
    'core/services: get',
    'core/services: list',
    'core/services: watch',
    'discovery.k8s.io/endpointslices: list',
    'discovery.k8s.io/endpointslices: watch',
    'core/nodes: list',
    'core/nodes: watch',
    'core/namespaces: list',
    'core/namespaces: watch',
  ],
  'Role/ferrolb-speaker': [
    ...readConfig,
    ...['servicel2statuses', 'servicebgpstatuses'].flatMap((r) => [
      ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((v) => `metallb.io/${r}: ${v}`),
      `metallb.io/${r}/status: update`,
      `metallb.io/${r}/status: patch`,
    ]),
    ...['get', 'create', 'update', 'patch', 'delete'].map((v) => `metallb.io/configurationstates: ${v}`),
    'metallb.io/configurationstates/status: update',
    'metallb.io/configurationstates/status: patch',
    'core/secrets: list',
    'core/secrets: watch',
    'core/configmaps: list',
    'core/configmaps: watch',
    'core/pods: get',
    'core/pods: list',
    'core/pods: watch',
  ],
};

describe('manifests/ (kustomize build)', () => {
  it('renders every kind once per component, all namespaced objects in metallb-system', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    const crds = readdirSync(join(root, 'manifests', 'crds'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `CustomResourceDefinition/${f.replace(/\.yaml$/, '')}`);
    assert.deepEqual(
      kinds,
      [
        ...crds,
        'ClusterRole/ferrolb:controller',
        'ClusterRole/ferrolb:speaker',
        'ClusterRoleBinding/ferrolb:controller',
        'ClusterRoleBinding/ferrolb:speaker',
        'DaemonSet/ferrolb-speaker',
        'Deployment/ferrolb-controller',
        `Namespace/${NS}`,
        'Role/ferrolb-controller',
        'Role/ferrolb-speaker',
        'RoleBinding/ferrolb-controller',
        'RoleBinding/ferrolb-speaker',
        'ServiceAccount/ferrolb-controller',
        'ServiceAccount/ferrolb-speaker',
      ].sort(),
    );
    const clusterScoped = new Set([
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
    ]);
    for (const o of objects) {
      if (clusterScoped.has(o.kind))
        assert.equal(o.metadata.namespace, undefined, `${o.kind} ${o.metadata.name}`);
      else assert.equal(o.metadata.namespace, NS, `${o.kind} ${o.metadata.name}`);
      assert.equal(
        o.metadata.labels?.['app.kubernetes.io/part-of'],
        'ferrolb',
        `${o.kind} ${o.metadata.name}`,
      );
    }
  });

  it('labels the namespace for the privileged Pod Security level the speaker needs', () => {
    const labels = find(objects, 'Namespace', NS).metadata.labels ?? {};
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'privileged');
  });

  for (const [key, want] of Object.entries(expectedPermissions)) {
    const [kind, name] = key.split('/') as [string, string];
    it(`${key} grants exactly the permissions its component uses`, () => {
      assert.deepEqual(permissions(find(objects, kind, name)), [...want].sort());
    });
  }

  it('binds each role to its own ServiceAccount, and no rule uses a wildcard', () => {
    for (const binding of objects.filter((o) => o.kind.endsWith('Binding'))) {
      const component = binding.metadata.name.replace(/^ferrolb[:-]/, '');
      const roleRef = binding.roleRef as { kind: string; name: string };
      assert.equal(roleRef.kind, binding.kind.replace('Binding', ''));
      assert.equal(roleRef.name, binding.metadata.name);
      assert.deepEqual(binding.subjects, [
        { kind: 'ServiceAccount', name: `ferrolb-${component}`, namespace: NS },
      ]);
    }
    for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole'))
      for (const p of permissions(role)) assert.doesNotMatch(p, /\*/, `${role.metadata.name}: ${p}`);
  });

  it('runs the controller non-root, read-only, without capabilities, probed on /healthz and /readyz', () => {
    const { spec, labels } = podTemplate(find(objects, 'Deployment', 'ferrolb-controller'));
    assert.equal(spec.serviceAccountName, 'ferrolb-controller');
    assert.equal(spec.hostNetwork, undefined);
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    assert.ok((spec.securityContext?.runAsUser as number) > 0);
    assert.deepEqual(spec.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    assert.deepEqual(
      (find(objects, 'Deployment', 'ferrolb-controller').spec as { selector: unknown }).selector,
      {
        matchLabels: {
          'app.kubernetes.io/name': labels['app.kubernetes.io/name'],
          'app.kubernetes.io/component': 'controller',
        },
      },
    );
    const [c, ...others] = spec.containers;
    assert.equal(others.length, 0);
    assert.ok(c);
    assert.deepEqual(c.args?.[0], 'controller');
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    assert.deepEqual(c.ports, [{ name: 'monitoring', containerPort: 7472, protocol: 'TCP' }]);
    assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'monitoring' });
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'monitoring' });
    assert.deepEqual(env(c, 'METALLB_NAMESPACE'), { fieldRef: 'metadata.namespace' });
  });

  it('runs the speaker on the host network with NET_RAW as its only capability', () => {
    const { spec, labels } = podTemplate(find(objects, 'DaemonSet', 'ferrolb-speaker'));
    assert.equal(spec.serviceAccountName, 'ferrolb-speaker');
    assert.equal(spec.hostNetwork, true);
    assert.ok((spec.terminationGracePeriodSeconds ?? 30) <= 10, 'short termination grace period');
    assert.deepEqual(spec.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    for (const key of ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'])
      assert.ok(
        spec.tolerations?.some((t) => t.key === key && t.operator === 'Exists' && t.effect === 'NoSchedule'),
        `tolerates ${key}`,
      );
    const [c, ...others] = spec.containers;
    assert.equal(others.length, 0);
    assert.ok(c);
    assert.equal(c.args?.[0], 'speaker');
    assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'], add: ['NET_RAW'] });
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext?.privileged, undefined);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol}`).sort();
    assert.deepEqual(ports, ['7472/TCP', '7946/TCP', '7946/UDP']);
    assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'monitoring' });
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'monitoring' });
    assert.deepEqual(env(c, 'METALLB_NODE_NAME'), { fieldRef: 'spec.nodeName' });
    assert.deepEqual(env(c, 'FERROLB_NODE_NAME'), { fieldRef: 'spec.nodeName' });
    // The speaker's own pod owns its status objects and ConfigurationState.
    assert.deepEqual(env(c, 'METALLB_POD_NAME'), { fieldRef: 'metadata.name' });
    assert.deepEqual(env(c, 'METALLB_ML_BIND_PORT'), { value: '7946' });

    // Memberlist finds the other speakers by METALLB_ML_LABELS: they must select this very pod.
    const selector = env(c, 'METALLB_ML_LABELS').value ?? '';
    for (const pair of selector.split(',')) {
      const [k, v] = pair.split('=') as [string, string];
      assert.equal(labels[k], v, `pod label ${k} (METALLB_ML_LABELS=${selector})`);
    }
    // ... and reads its key from the memberlist Secret mounted where METALLB_ML_SECRET_KEY_PATH says.
    const mount = c.volumeMounts?.find((m) => m.mountPath === env(c, 'METALLB_ML_SECRET_KEY_PATH').value);
    assert.ok(mount?.readOnly, 'memberlist key mounted read-only');
    assert.equal(spec.volumes?.find((v) => v.name === mount.name)?.secret?.secretName, 'memberlist');
  });

  it('uses the one ferrolb image, set in one place', () => {
    const images = objects.flatMap((o) =>
      o.kind === 'Deployment' || o.kind === 'DaemonSet'
        ? podTemplate(o).spec.containers.map((c) => c.image)
        : [],
    );
    assert.equal(images.length, 2);
    assert.equal(new Set(images).size, 1);
    assert.match(images[0] ?? '', /\/ferrolb:v\d+\.\d+\.\d+$/);
  });

  it('follows a namespace override (RoleBinding subjects and Role namespaces move with it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrolb-overlay-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `namespace: lb-elsewhere\nresources:\n  - ${relative(dir, join(root, 'manifests'))}\n`,
      );
      const moved = parseObjects(kustomizeBuild(dir));
      for (const b of moved.filter((o) => o.kind.endsWith('Binding')))
        for (const s of b.subjects as { namespace: string }[]) assert.equal(s.namespace, 'lb-elsewhere');
      assert.equal(find(moved, 'Role', 'ferrolb-speaker').metadata.namespace, 'lb-elsewhere');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The pods' args are a contract with the CLI. Until `ferrolb speaker` / `ferrolb controller` exist
// (they are being written), these are skipped; then every flag the manifests pass must appear in
// the subcommand's --help.
describe('manifests/ args and the ferrolb CLI', async () => {
  const { COMMANDS, main } = await import('../../src/cli/main.js');
  for (const [kind, name] of [
    ['Deployment', 'ferrolb-controller'],
    ['DaemonSet', 'ferrolb-speaker'],
  ] as const) {
    const args = podTemplate(find(objects, kind, name)).spec.containers[0]?.args ?? [];
    const command = args[0] ?? '';
    it(
      `${name}: \`ferrolb ${args.join(' ')}\` uses only flags the CLI documents`,
      {
        skip: Object.hasOwn(COMMANDS, command) ? false : `no \`ferrolb ${command}\` command yet`,
      },
      async () => {
        const out: string[] = [];
        const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => out.push(l) };
        assert.equal(await main([command, '--help'], io), 0);
        for (const flag of args.slice(1).map((a) => a.replace(/=.*$/, '')))
          assert.ok(out.join('\n').includes(flag), `ferrolb ${command} --help mentions ${flag}`);
      },
    );
  }
});

describe('manifests/examples', () => {
  for (const example of ['l2', 'bgp']) {
    it(`${example}: renders into metallb-system and passes \`ferrolb config validate\``, () => {
      const text = kustomizeBuild(join(root, 'manifests', 'examples', example));
      const objs = parseObjects(text);
      assert.ok(objs.length >= 2);
      for (const o of objs) assert.equal(o.metadata.namespace, NS, `${o.kind} ${o.metadata.name}`);
      const dir = mkdtempSync(join(tmpdir(), 'ferrolb-example-'));
      try {
        const file = join(dir, `${example}.yaml`);
        writeFileSync(file, text);
        const res = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'config', 'validate', file],
          { cwd: root, encoding: 'utf8' },
        );
        assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
        assert.match(res.stdout, /^valid: /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('bgp: the peer password is a basic-auth Secret the BGPPeer refers to', () => {
    const objs = render('manifests/examples/bgp');
    const peer = objs.find((o) => o.kind === 'BGPPeer') as KubeObject & {
      spec: { passwordSecret: { name: string; namespace: string } };
    };
    const secret = find(objs, 'Secret', peer.spec.passwordSecret.name);
    assert.equal(peer.spec.passwordSecret.namespace, NS);
    assert.equal(secret.type, 'kubernetes.io/basic-auth');
    assert.ok(parse(JSON.stringify(secret.stringData)).password);
  });
});

function env(
  c: { env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] },
  name: string,
) {
  const e = c.env?.find((x) => x.name === name);
  assert.ok(e, `env ${name}`);
  return e.valueFrom?.fieldRef ? { fieldRef: e.valueFrom.fieldRef.fieldPath } : { value: e.value };
}
