import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CONTROLLER_IGNORED_FLAGS,
  SPEAKER_IGNORED_FLAGS,
  stripIgnoredFlags,
} from '../../src/cli/metallb-flags.js';

test('stripIgnoredFlags removes MetalLB-only flags in every form Go accepts, keeping the rest', () => {
  const cases: Array<[string, string[], string[], string[]]> = [
    // name, argv, kept, ignored
    [
      'MetalLB controller manifest args',
      ['--port=7472', '--log-level=info', '--tls-min-version=VersionTLS12'],
      ['--port=7472', '--log-level=info'],
      ['--tls-min-version'],
    ],
    [
      'value as the next word',
      ['--webhook-mode', 'disabled', '--port', '0'],
      ['--port', '0'],
      ['--webhook-mode'],
    ],
    [
      'one dash, as Go allows',
      ['-cert-service-name=x', '--namespace', 'ns'],
      ['--namespace', 'ns'],
      ['--cert-service-name'],
    ],
    [
      'boolean, bare and with a value',
      ['--disable-cert-rotation', '--enable-pprof=false'],
      [],
      ['--disable-cert-rotation', '--enable-pprof'],
    ],
    ['after -- nothing is touched', ['--', '--webhook-mode', 'x'], ['--', '--webhook-mode', 'x'], []],
    [
      'our own flags pass through',
      ['--kubeconfig', 'k', '--lb-class', 'c'],
      ['--kubeconfig', 'k', '--lb-class', 'c'],
      [],
    ],
  ];
  for (const [name, argv, kept, ignored] of cases) {
    const r = stripIgnoredFlags(argv, CONTROLLER_IGNORED_FLAGS);
    assert.deepEqual(r.argv, kept, name);
    assert.deepEqual(
      r.ignored.map((i) => i.flag),
      ignored,
      name,
    );
    for (const i of r.ignored) assert.match(i.reason, /\S/, `${name}: ${i.flag} has a reason`);
  }
});

test('the speaker accepts MetalLB speaker flags it has no use for', () => {
  const r = stripIgnoredFlags(
    ['--node-name', 'n1', '--disable-epslices', '--enable-pprof'],
    SPEAKER_IGNORED_FLAGS,
  );
  assert.deepEqual(r.argv, ['--node-name', 'n1']);
  assert.deepEqual(
    r.ignored.map((i) => i.flag),
    ['--disable-epslices', '--enable-pprof'],
  );
  // A controller-only flag is still unknown to the speaker.
  assert.deepEqual(stripIgnoredFlags(['--webhook-mode=enabled'], SPEAKER_IGNORED_FLAGS).argv, [
    '--webhook-mode=enabled',
  ]);
});
