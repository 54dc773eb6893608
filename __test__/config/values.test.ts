// Go durations and BGP community values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, formatSeconds } from '../../src/config/duration.js';
import { parseCommunity } from '../../src/config/community.js';

test('parseGoDuration: Go syntax', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['90s', 90_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['.5s', 500],
    ['1s500ms', 1500],
    ['2h45m10s', 9_910_000],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['1000000ns', 1],
    ['+3s', 3000],
    ['-3s', -3000],
  ];
  for (const [text, ms] of ok) {
    const r = parseGoDuration(text);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.reason}`);
    assert.ok(Math.abs(r.ms - ms) < 1e-9, `${text} = ${r.ms}, want ${ms}`);
  }
  const bad: [string, string][] = [
    ['', 'invalid duration'],
    ['90', 'invalid duration "90"'],
    ['s', 'invalid duration'],
    ['1d', 'unknown unit "d"'],
    ['1 s', 'invalid duration'],
    ['1s ', 'invalid duration'],
    ['.s', 'invalid duration'],
    ['1e3s', 'unknown unit "e"'],
    ['9999999999h', 'out of range'],
  ];
  for (const [text, reason] of bad) {
    const r = parseGoDuration(text);
    assert.ok(!r.ok && r.reason.includes(reason), `${text}: ${r.ok ? 'parsed' : r.reason}`);
  }
  assert.equal(formatSeconds(90), '1m30s');
  assert.equal(formatSeconds(3600), '1h0m0s');
  assert.equal(formatSeconds(0), '0s');
});

test('parseCommunity: standard, large, and what is an alias', () => {
  const std = parseCommunity('65535:65282');
  assert.ok(std.ok && std.community.kind === 'standard');
  assert.equal(std.community.value, 0xffffff02);
  const large = parseCommunity('large:4294967295:0:7');
  assert.ok(large.ok && large.community.kind === 'large');
  assert.deepEqual(
    [large.community.globalAdmin, large.community.localData1, large.community.localData2],
    [4294967295, 0, 7],
  );
  const cases: [string, 'format' | 'value'][] = [
    ['65536:1', 'value'],
    ['1:65536', 'value'],
    ['large:1:2:4294967296', 'value'],
    ['no-export', 'format'],
    ['1:2:3', 'format'],
    ['large:1:2', 'format'],
    ['-1:2', 'format'],
    ['1:', 'format'],
    ['99999999999:1', 'format'],
  ];
  for (const [text, kind] of cases) {
    const r = parseCommunity(text);
    assert.ok(!r.ok && r.kind === kind, `${text}: ${JSON.stringify(r)}`);
  }
});
