// SpeakerList over real loopback sockets inside one process: IPv4 and IPv6, hostile input
// (garbage datagrams, oversized and garbage TCP frames) is counted and dropped, and the members
// keep working.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { after, describe, test } from 'node:test';

import { SpeakerList } from '../../src/speakerlist/speakerlist.js';

const lists: SpeakerList[] = [];
after(async () => {
  await Promise.all(lists.map((l) => l.stop()));
});

async function member(name: string, host: string, secret = 'shared-secret'): Promise<SpeakerList> {
  const sl = new SpeakerList({ name, bind: { host, port: 0 }, secret });
  lists.push(sl);
  await sl.start();
  return sl;
}

function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error(`timed out: ${what}`));
      else setTimeout(check, 10);
    };
    check();
  });
}

const live = (sl: SpeakerList) => [...sl.liveMembers()].sort();

describe('SpeakerList on real sockets', () => {
  test('two members over IPv6 loopback find each other and see a leave', async () => {
    const a = await member('v6-a', '::1');
    const b = await member('v6-b', '::1');
    const events: string[] = [];
    a.on('memberJoined', (e) => events.push(`joined ${e.name}`));
    a.on('memberLeft', (e) => events.push(`left ${e.name}`));
    b.join([{ host: '::1', port: a.port }]);
    await until('a sees b', () => live(a).length === 2 && live(b).length === 2);
    await b.leave();
    await b.stop();
    await until('a sees b leave', () => live(a).length === 1);
    assert.deepEqual(events, ['joined v6-b', 'left v6-b']);
  });

  test('garbage datagrams and TCP frames are dropped and counted; the cluster keeps working', async () => {
    const a = await member('g-a', '127.0.0.1');
    const b = await member('g-b', '127.0.0.1');
    b.join([{ host: '127.0.0.1', port: a.port }]);
    await until('joined', () => live(a).length === 2);

    const udp = createSocket('udp4');
    for (const payload of [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.alloc(200, 1),
      Buffer.from([1, ...Array(40).fill(7)]),
    ])
      await new Promise<void>((r) => udp.send(payload, a.port, '127.0.0.1', () => r()));
    udp.close();

    // A frame announcing 100 MB: refused before any allocation; then plain garbage frames.
    for (const bytes of [Buffer.from([0x06, 0x00, 0x00, 0x00]), Buffer.from([0, 0, 0, 3, 1, 2, 3])]) {
      await new Promise<void>((resolve) => {
        const s = createConnection({ host: '127.0.0.1', port: a.port }, () => s.end(bytes));
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    }
    await until('drops counted', () => a.stats.droppedAuth >= 4 && a.stats.droppedMalformed >= 1);
    // Still a healthy two-member cluster afterwards.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(live(a), ['g-a', 'g-b']);
    assert.ok(a.stats.packetsReceived > 0);
  });

  test('a member with another key stays alone', async () => {
    const a = await member('k-a', '127.0.0.1', 'one key');
    const b = await member('k-b', '127.0.0.1', 'another key');
    b.join([{ host: '127.0.0.1', port: a.port }]);
    await until('a rejected b', () => a.stats.droppedAuth > 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(live(a), ['k-a']);
    assert.deepEqual(live(b), ['k-b']);
  });

  test('join before start is a clear error', () => {
    const sl = new SpeakerList({ name: 'early', bind: { host: '127.0.0.1', port: 0 }, secret: 'k' });
    assert.throws(() => sl.join([{ host: '127.0.0.1', port: 7946 }]), /join\(\) before start\(\)/);
  });
});
