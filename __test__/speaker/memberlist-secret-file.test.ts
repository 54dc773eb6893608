// The speakerlist key is read from a plain file or from a mounted Secret directory (MetalLB's
// METALLB_ML_SECRET_KEY_PATH points at the mount, which holds `secretkey`).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { readMemberlistSecret } from '../../src/speaker/memberlist-secret-file.js';

describe('readMemberlistSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flb-mlkey-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  file('mount/secretkey', 'from-the-secret\n');
  file('mount/other', 'ignored');
  mkdirSync(join(dir, 'empty-mount'));

  const cases: [string, string, string | RegExp][] = [
    ['a plain file, trailing newline dropped', file('key.txt', 'abc\n'), 'abc'],
    ['a mounted Secret directory: its secretkey file', join(dir, 'mount'), 'from-the-secret'],
    ['an empty file', file('blank', ' \n'), /--ml-secret-key-path: .*blank holds an empty key/],
    ['a directory without secretkey', join(dir, 'empty-mount'), /--ml-secret-key-path: ENOENT.*secretkey/],
    ['a missing path', join(dir, 'nope'), /--ml-secret-key-path: ENOENT/],
  ];
  for (const [what, path, want] of cases)
    it(what, () => {
      if (typeof want === 'string') assert.equal(readMemberlistSecret(path), want);
      else assert.throws(() => readMemberlistSecret(path), want);
    });
});
