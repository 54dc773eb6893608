// YAML documents in, RawObjects or errors out; garbage fails cleanly and cheaply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, MAX_INPUT_CHARS, parseDocuments } from '../../src/config/index.js';

test('multi-document YAML with empty documents and a List', () => {
  const r = parseDocuments(
    `---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: a}
spec: {addresses: [10.0.0.0/24]}
---
# only a comment
---
apiVersion: v1
kind: List
items:
- apiVersion: metallb.io/v1beta1
  kind: L2Advertisement
  metadata: {name: l2}
- {apiVersion: v1, kind: Namespace, metadata: {name: ns, labels: {a: b}}}
`,
    'f.yaml',
  );
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.objects.map((o) => [o.kind, o.metadata.name, o.source?.doc]),
    [
      ['IPAddressPool', 'a', 0],
      ['L2Advertisement', 'l2', 2],
      ['Namespace', 'ns', 2],
    ],
  );
  assert.deepEqual(r.objects[2]!.metadata.labels, { a: 'b' });
});

test('garbage input fails with errors naming the document', () => {
  const cases: [string, string, number][] = [
    ['key: [unclosed', 'not valid YAML', 0],
    ['a: 1\n---\n: : :\n  - x', 'not valid YAML', 1],
    ['- just\n- a list', 'document is not a mapping', 0],
    ['42', 'document is not a mapping', 0],
    ['kind: IPAddressPool\nmetadata: {name: a}', 'apiVersion: required string', 0],
    ['apiVersion: v1\nmetadata: {name: a}', 'kind: required string', 0],
    ['apiVersion: v1\nkind: Secret\nmetadata: {}', 'metadata.name: required string', 0],
    ['apiVersion: v1\nkind: Secret\nmetadata: []', 'metadata: must be a mapping', 0],
    [
      'apiVersion: v1\nkind: Secret\nmetadata: {name: a, labels: {x: 1}}',
      'metadata.labels.x: must be a string',
      0,
    ],
    ['apiVersion: v1\napiVersion: v2\nkind: Secret\nmetadata: {name: a}', 'not valid YAML', 0],
    ['\u0000\u0001binary', 'document is not a mapping', 0],
  ];
  for (const [text, want, doc] of cases) {
    const r = parseDocuments(text, 'g.yaml');
    const got = r.errors.map((e) => `${e.field ? `${e.field}: ` : ''}${e.reason}`);
    assert.ok(
      r.errors.some(
        (e) => e.source?.doc === doc && `${e.field ? `${e.field}: ` : ''}${e.reason}`.includes(want),
      ),
      `${JSON.stringify(text)}: want doc ${doc} "${want}", got ${JSON.stringify(got)}`,
    );
  }
});

test('wrong types and huge numbers inside objects are field errors, not crashes', () => {
  const r = parseDocuments(
    `apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: p, namespace: metallb-system}
spec:
  myASN: 999999999999999999999999999999999999999
  peerASN: .inf
  peerAddress: [10.0.0.1]
  holdTime: {seconds: 90}
  nodeSelectors: "everything"
  ebgpMultiHop: yes
`,
    'n.yaml',
  );
  assert.deepEqual(r.errors, []);
  const b = buildConfig(r.objects);
  assert.ok(!b.ok);
  const got = b.errors.map((e) => `${e.field}: ${e.reason}`);
  for (const want of [
    'spec.myASN: must be between 0 and 4294967295, got 1e+39',
    'spec.peerASN: must be an integer, got non-finite number',
    'spec.peerAddress: must be a string, got list',
    'spec.holdTime: must be a duration string such as "90s" or "1m30s", got object',
    'spec.nodeSelectors: must be a list of label selectors',
    'spec.ebgpMultiHop: must be a boolean (true or false), got string',
  ])
    assert.ok(got.includes(want), `missing ${want}\ngot:\n${got.join('\n')}`);
});

test('alias bombs are refused', () => {
  const bomb = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: bomb}',
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    ...Array.from({ length: 9 }, (_, i) => {
      const prev = i === 0 ? 'a' : `l${i - 1}`;
      return `l${i}: &l${i} [${Array(10).fill(`*${prev}`).join(',')}]`;
    }),
  ].join('\n');
  const before = process.memoryUsage().heapUsed;
  const r = parseDocuments(bomb, 'bomb.yaml');
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(r.objects.length, 0);
  assert.ok(
    r.errors.some((e) => /alias/i.test(e.reason)),
    JSON.stringify(r.errors),
  );
  assert.ok(grown < 200 * 1024 * 1024, `heap grew by ${grown} bytes`);
});

test('oversized input is refused before parsing', () => {
  const big = 'a'.repeat(MAX_INPUT_CHARS + 1);
  const r = parseDocuments(big, 'big.yaml');
  assert.equal(r.objects.length, 0);
  assert.match(r.errors[0]!.reason, /input is too large \(8388609 characters, limit 8388608\)/);
});

test('garbage with many bad documents stops after a bounded number of errors', () => {
  const r = parseDocuments('a: 1\n---\n'.repeat(5000), 'many.yaml');
  assert.equal(r.objects.length, 0);
  assert.ok(r.errors.length <= 1001 + 3, `errors: ${r.errors.length}`);
  assert.match(r.errors.at(-1)!.reason, /too many errors; stopped reading at this document/);
});

test('deep nesting is refused before the recursive parser sees it', () => {
  const flow = parseDocuments('a: ' + '['.repeat(100_000) + ']'.repeat(100_000), 'deep.yaml');
  assert.match(flow.errors[0]!.reason, /flow collections nested deeper than 64 levels/);
  const block = parseDocuments(
    Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    'deep.yaml',
  );
  assert.match(block.errors[0]!.reason, /indentation deeper than 512 columns/);
  const ok = parseDocuments('a: ' + '['.repeat(10) + ']'.repeat(10), 'ok.yaml');
  assert.ok(!ok.errors.some((e) => /nested|indentation/.test(e.reason)));
});

test('document limit', () => {
  const r = parseDocuments('{}\n---\n'.repeat(30), 'docs.yaml', { maxDocuments: 20 });
  assert.equal(r.objects.length, 0);
  assert.match(r.errors.at(-1)!.reason, /too many documents \(limit 20\)/);
});
