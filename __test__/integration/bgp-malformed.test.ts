// Malformed input from a peer: each crafted byte stream gets the RFC 4271 §6 / RFC 7606 reaction
// (the right NOTIFICATION code/subcode and data, or treat-as-withdraw without a reset), and the
// speaker keeps running. The peer is a hand-rolled TCP client on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpSpeaker, type BgpPeerConfig } from '../../src/native/addon.js';
import {
  TYPE,
  WirePeer,
  attr,
  header,
  keepalive,
  notificationOf,
  open,
  update,
} from '../helpers/bgp-wire.js';
import { waitFor } from '../helpers/wait.js';

const LOCAL_AS = 64512;
const PEER_AS = 64513;

interface Case {
  name: string;
  /** Bytes sent after the speaker's OPEN arrived (and, with `establish`, after the session is up). */
  send: () => Buffer;
  establish?: boolean;
  expect: { code: number; subcode: number; data?: Buffer } | 'no-reset';
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const origin = (v: number) => attr(0x40, 1, Buffer.from([v]));
const asPath = (asns: number[]) => {
  const v = Buffer.alloc(2 + asns.length * 4);
  v[0] = 2;
  v[1] = asns.length;
  asns.forEach((a, i) => v.writeUInt32BE(a, 2 + i * 4));
  return attr(0x40, 2, v);
};
const nextHop = (ip: string) => attr(0x40, 3, Buffer.from(ip.split('.').map(Number)));
const nlri = (ip: string, len: number) =>
  Buffer.from([
    len,
    ...ip
      .split('.')
      .map(Number)
      .slice(0, Math.ceil(Math.min(len, 32) / 8)),
  ]);

const cases: Case[] = [
  {
    name: 'marker not all ones → 1/1 Connection Not Synchronized',
    send: () => open({ myAs: PEER_AS, myAs4: PEER_AS }).fill(0, 0, 16),
    expect: { code: 1, subcode: 1 },
  },
  {
    name: 'length below 19 → 1/2 Bad Message Length with the length as data',
    send: () => header(TYPE.KEEPALIVE, Buffer.alloc(0), { length: 18 }),
    expect: { code: 1, subcode: 2, data: u16(18) },
  },
  {
    name: 'length above 4096 → 1/2 Bad Message Length',
    send: () => header(TYPE.UPDATE, Buffer.alloc(0), { length: 5000 }),
    expect: { code: 1, subcode: 2, data: u16(5000) },
  },
  {
    name: 'KEEPALIVE longer than 19 → 1/2 Bad Message Length',
    send: () => header(TYPE.KEEPALIVE, Buffer.alloc(2)),
    expect: { code: 1, subcode: 2, data: u16(21) },
  },
  {
    name: 'unknown message type → 1/3 Bad Message Type with the type as data',
    send: () => header(9, Buffer.alloc(0)),
    expect: { code: 1, subcode: 3, data: Buffer.from([9]) },
  },
  {
    name: 'OPEN version 3 → 2/1 Unsupported Version Number, data = 4',
    send: () => open({ version: 3, myAs: PEER_AS, myAs4: PEER_AS }),
    expect: { code: 2, subcode: 1, data: u16(4) },
  },
  {
    name: 'OPEN from the wrong AS → 2/2 Bad Peer AS',
    send: () => open({ myAs: 64999, myAs4: 64999 }),
    expect: { code: 2, subcode: 2 },
  },
  {
    name: 'OPEN with BGP identifier 0.0.0.0 → 2/3 Bad BGP Identifier',
    send: () => open({ myAs: PEER_AS, myAs4: PEER_AS, bgpId: '0.0.0.0' }),
    expect: { code: 2, subcode: 3 },
  },
  {
    name: 'OPEN with hold time 2 → 2/6 Unacceptable Hold Time',
    send: () => open({ myAs: PEER_AS, myAs4: PEER_AS, holdTime: 2 }),
    expect: { code: 2, subcode: 6 },
  },
  {
    // RFC 7606 §4: an attribute that overruns Total Path Attribute Length is treat-as-withdraw,
    // because the NLRI can still be located from the total length.
    name: 'UPDATE whose last attribute overruns the attribute block → treat-as-withdraw, no reset',
    establish: true,
    send: () => {
      const broken = Buffer.concat([origin(0), Buffer.from([0x40, 2, 200, 2, 1])]);
      return update(Buffer.alloc(0), broken, nlri('203.0.113.0', 24));
    },
    expect: 'no-reset',
  },
  {
    name: 'UPDATE whose total attribute length runs past the message → 3/1 Malformed Attribute List',
    establish: true,
    send: () => header(TYPE.UPDATE, Buffer.concat([u16(0), u16(60), origin(0)])),
    expect: { code: 3, subcode: 1 },
  },
  {
    name: 'UPDATE whose withdrawn length exceeds the message → 3/1 Malformed Attribute List',
    establish: true,
    send: () => header(TYPE.UPDATE, Buffer.concat([u16(100), Buffer.alloc(4)])),
    expect: { code: 3, subcode: 1 },
  },
  {
    name: 'UPDATE with an NLRI prefix length of 33 → 3/10 Invalid Network Field',
    establish: true,
    send: () =>
      update(
        Buffer.alloc(0),
        Buffer.concat([origin(0), asPath([PEER_AS]), nextHop('192.0.2.1')]),
        Buffer.from([33, 10, 0, 0, 0, 1]),
      ),
    expect: { code: 3, subcode: 10 },
  },
  {
    name: 'UPDATE with ORIGIN 5 → treat-as-withdraw (RFC 7606), no reset',
    establish: true,
    send: () =>
      update(
        Buffer.alloc(0),
        Buffer.concat([origin(5), asPath([PEER_AS]), nextHop('192.0.2.1')]),
        nlri('203.0.113.0', 24),
      ),
    expect: 'no-reset',
  },
  {
    name: 'UPDATE missing the mandatory NEXT_HOP → treat-as-withdraw (RFC 7606), no reset',
    establish: true,
    send: () =>
      update(Buffer.alloc(0), Buffer.concat([origin(0), asPath([PEER_AS])]), nlri('203.0.113.0', 24)),
    expect: 'no-reset',
  },
];

describe('malformed input from a peer', () => {
  let speaker: BgpSpeaker;
  let port: number;
  // One passive peer per case (own loopback source address), so each case starts from a fresh FSM.
  const peerAddress = (i: number) => `127.0.13.${10 + i}`;

  before(() => {
    speaker = new BgpSpeaker({ routerId: '10.0.0.1', listenAddress: '127.0.0.1', listenPort: 0 });
    const peers: BgpPeerConfig[] = cases.map((_, i) => ({
      name: `case${i}`,
      address: peerAddress(i),
      localAsn: LOCAL_AS,
      peerAsn: PEER_AS,
      passive: true,
      holdTimeSecs: 90,
    }));
    speaker.setPeers(peers);
    port = speaker.listenPort ?? 0;
    assert.ok(port > 0, 'the speaker listens on an ephemeral port');
  });

  after(async () => {
    await speaker.close();
  });

  cases.forEach((c, i) => {
    test(c.name, async () => {
      const peer = await WirePeer.connect('127.0.0.1', port, peerAddress(i));
      try {
        const theirOpen = await peer.next(TYPE.OPEN);
        assert.equal(theirOpen.body[0], 4, 'the speaker speaks BGP-4');
        if (c.establish) {
          peer.send(open({ myAs: PEER_AS, myAs4: PEER_AS, bgpId: '10.9.9.9' }));
          peer.send(keepalive());
          await peer.next(TYPE.KEEPALIVE);
          await waitFor(
            'Established',
            () => speaker.peerStatus().find((p) => p.name === `case${i}`)?.state === 'Established',
          );
        }
        peer.send(c.send());
        if (c.expect === 'no-reset') {
          // A KEEPALIVE round trip proves the session is still up after the bad UPDATE was handled.
          await new Promise((r) => setTimeout(r, 300));
          const stillUp = speaker.peerStatus().find((p) => p.name === `case${i}`);
          assert.equal(stillUp?.state, 'Established');
          assert.equal(stillUp?.lastNotificationSent, undefined);
          assert.equal(peer.messages.filter((m) => m.type === TYPE.NOTIFICATION).length, 0);
          assert.equal(peer.closed, false);
        } else {
          const n = notificationOf(await peer.next(TYPE.NOTIFICATION));
          assert.deepEqual(
            { code: n.code, subcode: n.subcode },
            { code: c.expect.code, subcode: c.expect.subcode },
          );
          if (c.expect.data) assert.deepEqual(n.data, c.expect.data);
          assert.ok(await peer.waitClosed(), 'the speaker closes the connection after a NOTIFICATION');
          const st = speaker.peerStatus().find((p) => p.name === `case${i}`);
          assert.deepEqual(st?.lastNotificationSent, { code: c.expect.code, subcode: c.expect.subcode });
          assert.notEqual(st?.state, 'Established');
        }
      } finally {
        peer.close();
      }
    });
  });

  test('a connection from an unknown address is rejected with 6/5 and the speaker keeps serving', async () => {
    const stranger = await WirePeer.connect('127.0.0.1', port, '127.0.14.1');
    try {
      const n = notificationOf(await stranger.next(TYPE.NOTIFICATION));
      assert.deepEqual({ code: n.code, subcode: n.subcode }, { code: 6, subcode: 5 });
    } finally {
      stranger.close();
    }
  });

  test('after all of that, a well-behaved peer still establishes', async () => {
    speaker.setPeers([
      {
        name: 'good',
        address: '127.0.13.200',
        localAsn: LOCAL_AS,
        peerAsn: PEER_AS,
        passive: true,
        holdTimeSecs: 90,
      },
    ]);
    const peer = await WirePeer.connect('127.0.0.1', port, '127.0.13.200');
    try {
      await peer.next(TYPE.OPEN);
      peer.send(open({ myAs: PEER_AS, myAs4: PEER_AS }));
      peer.send(keepalive());
      await peer.next(TYPE.KEEPALIVE);
      await waitFor(
        'Established',
        () => speaker.peerStatus().find((p) => p.name === 'good')?.state === 'Established',
      );
      // The initial table is empty, so End-of-RIB is the first UPDATE: 23 bytes, nothing inside.
      const eor = await peer.next(TYPE.UPDATE);
      assert.equal(eor.body.length, 4);
    } finally {
      peer.close();
    }
  });
});
