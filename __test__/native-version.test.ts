import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeVersion } from '../src/native/addon.js';

test('the addon loads and reports the crate version', () => {
  const cargo = readFileSync(new URL('../native/Cargo.toml', import.meta.url), 'utf8');
  const version = /^version = "([^"]+)"/m.exec(cargo)?.[1];
  assert.ok(version, 'native/Cargo.toml has a version');
  assert.equal(nativeVersion(), version);
});
