// The last good configuration survives invalid updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigStore } from '../../src/config/index.js';
import { pool, raw } from './helpers.js';

test('ConfigStore keeps the last good config when an update is invalid', () => {
  const store = new ConfigStore();
  assert.equal(store.current(), null);

  const bad0 = store.update(raw([pool('a', ['not-an-address'])]));
  assert.equal(bad0.accepted, false);
  assert.equal(bad0.config, null, 'nothing valid yet');
  assert.equal(store.current(), null);

  const good = store.update(raw([pool('a', ['10.0.0.0/24'])]));
  assert.equal(good.accepted, true);
  const first = store.current();
  assert.ok(first);
  assert.deepEqual(
    first.pools.map((p) => p.name),
    ['a'],
  );

  const bad = store.update(raw([pool('a', ['10.0.0.0/24']), pool('b', ['10.0.0.128/25'])]));
  assert.equal(bad.accepted, false);
  assert.ok(
    bad.errors.some((e) => e.object === 'IPAddressPool/metallb-system/b' && e.field === 'spec.addresses[0]'),
  );
  assert.equal(bad.config, first, 'the rejected update reports the still-active config');
  assert.equal(store.current(), first, 'the active config is the same object');
  assert.equal(store.lastErrors(), bad.errors);

  const good2 = store.update(raw([pool('a', ['10.0.0.0/24']), pool('b', ['10.0.1.0/24'])]));
  assert.equal(good2.accepted, true);
  assert.deepEqual(
    store.current()!.pools.map((p) => p.name),
    ['a', 'b'],
  );
  assert.deepEqual(store.lastErrors(), []);
});
