import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { deriveKey, open, seal } from '../../src/speakerlist/crypto.js';
import { parseMessage } from '../../src/speakerlist/messages.js';
import { encodeFrame, FrameDecoder } from '../../src/speakerlist/transport.js';

describe('packet sealing', () => {
  const key = deriveKey('c2VjcmV0LWtleS1mcm9tLXRoZS1tZW1iZXJsaXN0LXNlY3JldA==');
  const plain = Buffer.from('{"t":"ack","seq":1,"from":"a","gossip":[]}');

  test('round trip, with a fresh nonce every time', () => {
    const a = seal(key, plain);
    const b = seal(key, plain);
    assert.notDeepEqual(a, b);
    assert.deepEqual(open(key, a), plain);
    assert.deepEqual(open(key, b), plain);
  });

  test('the wrong key, a flipped bit, a truncation or another version fail', () => {
    const p = seal(key, plain);
    assert.equal(open(deriveKey('another secret'), p), null);
    for (const i of [0, 5, 20, p.length - 1]) {
      const bad = Buffer.from(p);
      bad[i] = (bad[i] as number) ^ 1;
      assert.equal(open(key, bad), null, `bit flipped at ${i}`);
    }
    assert.equal(open(key, p.subarray(0, p.length - 1)), null);
    assert.equal(open(key, Buffer.alloc(10)), null);
  });

  test('the key derivation is stable and needs a secret', () => {
    assert.deepEqual(deriveKey('s'), deriveKey(Buffer.from('s')));
    assert.notDeepEqual(deriveKey('s'), deriveKey('t'));
    assert.throws(() => deriveKey(''), /empty/);
  });
});

describe('message validation', () => {
  const addr = { host: '10.0.0.1', port: 7946 };
  const ok: unknown[] = [
    { t: 'ping', seq: 1, from: 'a', fromAddr: addr, target: 'b', gossip: [] },
    { t: 'ack', seq: 1, from: 'a', gossip: [{ name: 'c', addr, inc: 3, status: 'suspect' }] },
    { t: 'ping-req', seq: 2, from: 'a', fromAddr: addr, target: 'b', targetAddr: addr, gossip: [] },
    { t: 'gossip', from: 'a', fromAddr: addr, gossip: [{ name: 'c', addr, inc: 0, status: 'left' }] },
    { t: 'sync', from: 'a', fromAddr: addr, members: [] },
    { t: 'sync-ack', from: 'a', fromAddr: addr, members: [] },
  ];
  for (const m of ok) test(`accepts ${(m as { t: string }).t}`, () => assert.deepEqual(parseMessage(m), m));

  const bad: [string, unknown][] = [
    ['not an object', 'ping'],
    ['unknown type', { t: 'hello', from: 'a' }],
    ['no sender', { t: 'ack', seq: 1, gossip: [] }],
    ['negative seq', { t: 'ack', seq: -1, from: 'a', gossip: [] }],
    ['fractional seq', { t: 'ack', seq: 1.5, from: 'a', gossip: [] }],
    ['port 0', { t: 'gossip', from: 'a', fromAddr: { host: 'h', port: 0 }, gossip: [] }],
    ['port too big', { t: 'gossip', from: 'a', fromAddr: { host: 'h', port: 70000 }, gossip: [] }],
    ['bad status', { t: 'ack', seq: 1, from: 'a', gossip: [{ name: 'c', addr, inc: 1, status: 'zombie' }] }],
    ['gossip not a list', { t: 'ack', seq: 1, from: 'a', gossip: {} }],
    [
      'empty member name',
      { t: 'ack', seq: 1, from: 'a', gossip: [{ name: '', addr, inc: 1, status: 'alive' }] },
    ],
    ['ping without target', { t: 'ping', seq: 1, from: 'a', fromAddr: addr, gossip: [] }],
  ];
  for (const [name, m] of bad) test(`rejects ${name}`, () => assert.equal(parseMessage(m), null));
});

describe('TCP framing', () => {
  test('frames split and merged arbitrarily come out whole', () => {
    const frames = [Buffer.from('one'), Buffer.alloc(0), Buffer.from('three'.repeat(100))];
    const stream = Buffer.concat(frames.map(encodeFrame));
    for (const step of [1, 2, 7, stream.length]) {
      const dec = new FrameDecoder();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step) got.push(...dec.push(stream.subarray(i, i + step)));
      assert.deepEqual(got, frames, `chunks of ${step}`);
    }
  });

  test('an oversized length is refused', () => {
    const dec = new FrameDecoder(10);
    assert.throws(() => dec.push(encodeFrame(Buffer.alloc(11))), /exceeds 10/);
  });
});
