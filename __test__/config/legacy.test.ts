// The legacy ConfigMap gives the same model as the CRDs `convert` prints for it, and its errors
// point at the ConfigMap fields they come from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildConfig, parseDocuments } from '../../src/config/index.js';
import { toYamlDocuments } from '../../src/config/emit.js';
import { legacyConfigMapToObjects } from '../../src/config/legacy.js';
import { formatIP } from '../../src/config/ip.js';
import { describeErrors, withoutSources } from './helpers.js';

const legacyDoc = (config: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: metallb-system\ndata:\n  config: |\n${config
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;

const EXAMPLE = new URL('../../examples/legacy-configmap.yaml', import.meta.url);

test('legacy ConfigMap → model, and convert output → the same model', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const parsed = parseDocuments(text, 'legacy.yaml');
  assert.deepEqual(parsed.errors, []);
  const fromLegacy = buildConfig(parsed.objects);
  assert.ok(fromLegacy.ok, fromLegacy.ok ? '' : describeErrors(fromLegacy.errors));

  const converted = legacyConfigMapToObjects(parsed.objects[0]!, 'metallb-system');
  assert.deepEqual(converted.errors, []);
  const yaml = toYamlDocuments(converted.objects);
  const reparsed = parseDocuments(yaml, 'converted.yaml');
  assert.deepEqual(reparsed.errors, []);
  const fromCRDs = buildConfig(reparsed.objects);
  assert.ok(fromCRDs.ok, fromCRDs.ok ? '' : describeErrors(fromCRDs.errors));
  assert.deepEqual(withoutSources(fromCRDs.config), withoutSources(fromLegacy.config));

  // Spot-check the translation itself.
  const c = fromLegacy.config;
  assert.deepEqual(
    c.pools.map((p) => [p.name, p.autoAssign, p.avoidBuggyIPs, p.l2Advertisements, p.bgpAdvertisements]),
    [
      ['bgp', true, true, [], ['bgpadvertisement1', 'bgpadvertisement2']],
      ['lan', true, false, ['l2advertisement1'], []],
      ['manual', false, false, [], ['bgpadvertisement3']],
    ],
  );
  const [adv1, adv2] = c.bgpAdvertisements;
  assert.equal(adv1!.localPref, 100);
  assert.deepEqual(
    adv1!.communities.map((x) => x.text),
    ['65535:65281'],
  );
  assert.equal(adv2!.aggregationLength, 24);
  const [p1, p2] = c.peers;
  assert.equal(formatIP(p1!.peerAddress!), '10.0.0.1');
  assert.equal(p1!.holdTimeSeconds, 120);
  assert.equal(p1!.keepaliveTimeSeconds, 40);
  assert.deepEqual(p1!.nodeSelectors, [
    {
      matchLabels: { rack: 'frontend' },
      matchExpressions: [{ key: 'network-speed', operator: 'NotIn', values: ['slow'] }],
    },
  ]);
  assert.equal(p2!.password, 'hunter2');
  assert.equal(p2!.bfdProfile, 'slow');
  assert.equal(c.bfdProfiles[0]!.detectMultiplier, 5);
});

test('legacy errors name the ConfigMap field', () => {
  const text = legacyDoc(`peers:
- peer-address: 10.0.0.1
  peer-asn: 64501
  my-asn: 64500
  hold-time: 1s
  keepalive: 3s
address-pools:
- name: a
  protocol: layer3
  addresses: [10.0.0.0/24]
- name: b
  protocol: bgp
  addresses: [10.0.0.128/25]
  bgp-advertisements:
  - aggregation-length: 16
    communities: [nope]
bgp-communities:
  bad: 1:2:3`);
  const parsed = parseDocuments(text, 'cm.yaml');
  const r = buildConfig(parsed.objects);
  assert.ok(!r.ok);
  const got = r.errors.map((e) => `${e.object} ${e.field}: ${e.reason}`);
  const want = [
    'ConfigMap/metallb-system/config data.config.peers[0].keepalive: unknown field "keepalive"',
    'ConfigMap/metallb-system/config data.config.address-pools[0].protocol: unknown protocol "layer3": must be layer2 or bgp',
    'ConfigMap/metallb-system/config data.config.peers[0].hold-time: invalid hold time 1s: must be 0 or >=3s',
    'ConfigMap/metallb-system/config data.config.bgp-communities.bad: parsing community "bad": invalid community format "1:2:3"',
    'ConfigMap/metallb-system/config data.config.address-pools[1].addresses[0]: CIDR "10.0.0.128/25" overlaps with "10.0.0.0/24" in IPAddressPool "a"',
    'ConfigMap/metallb-system/config data.config.address-pools[1].bgp-advertisements[0].communities[0]: invalid community "nope"',
    'ConfigMap/metallb-system/config data.config.address-pools[1].bgp-advertisements[0].aggregation-length: invalid aggregation length 16: prefix 25',
  ];
  for (const w of want)
    assert.ok(
      got.some((g) => g.startsWith(w)),
      `missing: ${w}\ngot:\n${got.join('\n')}`,
    );
  assert.ok(r.errors.every((e) => e.source?.file === 'cm.yaml' && e.source.doc === 0));
});

test('legacy: structural problems', () => {
  const cases: [string, string][] = [
    ['just a string', 'data.config: must be a mapping, got string'],
    ['peers: {a: 1}', 'data.config.peers: must be a list, got mapping'],
    [
      'address-pools: [{protocol: layer2, addresses: [10.0.0.0/24]}]',
      'data.config.address-pools[0].name: missing pool name',
    ],
    [
      'address-pools: [{name: a, protocol: layer2, addresses: [10.0.0.0/24], bgp-advertisements: [{}]}]',
      'bgp-advertisements are only valid for protocol bgp',
    ],
    ['bfd-profiles: [{receive-interval: 10}]', 'data.config.bfd-profiles[0].name: missing bfd profile name'],
    ['peers: [', 'data.config: not valid YAML'],
  ];
  for (const [config, want] of cases) {
    const r = buildConfig(parseDocuments(legacyDoc(config), 'cm.yaml').objects);
    assert.ok(!r.ok);
    const got = r.errors.map((e) => `${e.field}: ${e.reason}`);
    assert.ok(
      got.some((g) => g.includes(want)),
      `${config}: want ${want}\ngot:\n${got.join('\n')}`,
    );
  }
});
