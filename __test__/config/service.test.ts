// Service-side inputs: MetalLB annotations (and their legacy twins), requested IPs, policies, ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIP } from '../../src/config/ip.js';
import { parseService } from '../../src/config/service.js';

const svc = (annotations: Record<string, string>, spec: Record<string, unknown> = {}, status?: unknown) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's', namespace: 'team', annotations, labels: { app: 'x' } },
  spec: { type: 'LoadBalancer', ...spec },
  ...(status ? { status } : {}),
});

test('defaults', () => {
  const r = parseService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'plain' }, spec: {} });
  assert.deepEqual(r.errors, []);
  const s = r.service!;
  assert.equal(s.namespace, 'default');
  assert.equal(s.type, 'ClusterIP');
  assert.equal(s.externalTrafficPolicy, 'Cluster');
  assert.equal(s.ipFamilyPolicy, null);
  assert.deepEqual(s.ipFamilies, []);
  assert.deepEqual(s.requestedIPs, []);
  assert.equal(s.requestedPool, null);
  assert.equal(s.sharingKey, null);
  assert.equal(s.loadBalancerClass, null);
  assert.equal(s.selector, null);
});

test('annotations, policies, ports and status', () => {
  const r = parseService(
    svc(
      {
        'metallb.io/address-pool': 'gold',
        'metallb.io/loadBalancerIPs': '10.0.0.5, fc00::5',
        'metallb.io/allow-shared-ip': 'key1',
        'metallb.io/ip-allocated-from-pool': 'gold',
      },
      {
        loadBalancerClass: 'ferrolb',
        externalTrafficPolicy: 'Local',
        ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv6', 'IPv4'],
        selector: { app: 'x' },
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { port: 80 }],
        clusterIPs: ['10.96.0.10', 'fd00::10'],
      },
      { loadBalancer: { ingress: [{ ip: '10.0.0.5' }, { ip: 'fc00::5' }, { hostname: 'x' }] } },
    ),
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  const s = r.service!;
  assert.equal(s.requestedPool, 'gold');
  assert.deepEqual(s.requestedIPs.map(formatIP), ['10.0.0.5', 'fc00::5']);
  assert.equal(s.sharingKey, 'key1');
  assert.equal(s.allocatedFromPool, 'gold');
  assert.equal(s.loadBalancerClass, 'ferrolb');
  assert.equal(s.externalTrafficPolicy, 'Local');
  assert.equal(s.ipFamilyPolicy, 'RequireDualStack');
  assert.deepEqual(s.ipFamilies, ['IPv6', 'IPv4']);
  assert.deepEqual(s.selector, { app: 'x' });
  assert.deepEqual(s.ports, [
    { name: 'dns', protocol: 'UDP', port: 53 },
    { name: '', protocol: 'TCP', port: 80 },
  ]);
  assert.deepEqual(s.ingressIPs.map(formatIP), ['10.0.0.5', 'fc00::5']);
  assert.deepEqual(s.clusterIPs.map(formatIP), ['10.96.0.10', 'fd00::10']);
});

test('legacy annotation prefix: used with a deprecation warning; the new prefix wins', () => {
  const legacyOnly = parseService(
    svc({ 'metallb.universe.tf/address-pool': 'old', 'metallb.universe.tf/allow-shared-ip': 'k' }),
  );
  assert.equal(legacyOnly.service!.requestedPool, 'old');
  assert.equal(legacyOnly.service!.sharingKey, 'k');
  assert.deepEqual(
    legacyOnly.warnings.map((w) => [w.field, w.reason]),
    [
      [
        'metadata.annotations[metallb.universe.tf/address-pool]',
        'deprecated annotation prefix, use metallb.io/address-pool',
      ],
      [
        'metadata.annotations[metallb.universe.tf/allow-shared-ip]',
        'deprecated annotation prefix, use metallb.io/allow-shared-ip',
      ],
    ],
  );
  const both = parseService(
    svc({ 'metallb.universe.tf/loadBalancerIPs': '10.0.0.1', 'metallb.io/loadBalancerIPs': '10.0.0.2' }),
  );
  assert.deepEqual(both.service!.requestedIPs.map(formatIP), ['10.0.0.2']);
  assert.match(both.warnings[0]!.reason, /ignored because metallb.io\/loadBalancerIPs is also set/);
});

test('spec.loadBalancerIP', () => {
  const r = parseService(svc({}, { loadBalancerIP: '192.168.1.9' }));
  assert.deepEqual(r.service!.requestedIPs.map(formatIP), ['192.168.1.9']);
});

test('bad inputs are errors naming the field', () => {
  const cases: [ReturnType<typeof svc>, string, string][] = [
    [
      svc({ 'metallb.io/loadBalancerIPs': '10.0.0.300' }),
      'metadata.annotations[metallb.io/loadBalancerIPs]',
      'invalid IP "10.0.0.300"',
    ],
    [
      svc({ 'metallb.io/loadBalancerIPs': '10.0.0.1,10.0.0.2' }),
      'metadata.annotations[metallb.io/loadBalancerIPs]',
      'must be of different families',
    ],
    [
      svc({ 'metallb.io/loadBalancerIPs': '10.0.0.1,fc00::1,10.0.0.3' }),
      'metadata.annotations[metallb.io/loadBalancerIPs]',
      'at most two addresses',
    ],
    [
      svc({ 'metallb.io/loadBalancerIPs': '10.0.0.1' }, { loadBalancerIP: '10.0.0.1' }),
      'spec.loadBalancerIP',
      'service can not have both metallb.io/loadBalancerIPs and spec.loadBalancerIP',
    ],
    [svc({}, { loadBalancerIP: 'nope' }), 'spec.loadBalancerIP', 'invalid IP "nope"'],
    [svc({}, { externalTrafficPolicy: 'Global' }), 'spec.externalTrafficPolicy', 'must be Cluster or Local'],
    [
      svc({}, { ipFamilyPolicy: 'DualStack' }),
      'spec.ipFamilyPolicy',
      'must be one of SingleStack, PreferDualStack, RequireDualStack',
    ],
    [svc({}, { ipFamilies: ['IPv4', 'IPv4'] }), 'spec.ipFamilies[1]', 'duplicate family IPv4'],
    [svc({}, { ipFamilies: ['IPv5'] }), 'spec.ipFamilies[0]', 'must be IPv4 or IPv6'],
    [
      svc({}, { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] }),
      'spec.ipFamilies',
      'exactly one IP family',
    ],
    [
      svc({}, { ports: [{ port: 70000 }] }),
      'spec.ports[0].port',
      'must be an integer between 1 and 65535, got 70000',
    ],
    [
      svc({}, { ports: [{ port: 53, protocol: 'ICMP' }] }),
      'spec.ports[0].protocol',
      'must be TCP, UDP or SCTP',
    ],
  ];
  for (const [input, field, reason] of cases) {
    const r = parseService(input);
    assert.ok(r.service, 'still a service');
    assert.ok(
      r.errors.some((e) => e.field === field && e.reason.includes(reason) && e.object === 'Service/team/s'),
      `${field}: ${reason}\ngot ${JSON.stringify(r.errors)}`,
    );
  }
  assert.equal(parseService({ kind: 'Pod', metadata: { name: 'x' } }).service, null);
  assert.equal(parseService(42).service, null);
});
