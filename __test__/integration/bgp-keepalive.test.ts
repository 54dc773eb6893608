// KeepaliveTimer behaviour on the wire (RFC 4271 §4.4, §8.2.2): with hold time 3 s the speaker
// sends a KEEPALIVE every second while it has nothing else to say, and none while its UPDATEs
// keep the session alive, since each UPDATE sent restarts the timer. The peer is a hand-rolled
// TCP client on loopback that counts what arrives.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpSpeaker } from '../../src/native/addon.js';
import { TYPE, WirePeer, keepalive, open } from '../helpers/bgp-wire.js';

const LOCAL_AS = 64512;
const PEER_AS = 64513;
const PEER_IP = '127.0.15.1';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('BGP keepalive timer', { concurrency: false }, () => {
  let speaker: BgpSpeaker;
  let peer: WirePeer;
  let ours: NodeJS.Timeout | undefined;

  before(async () => {
    speaker = new BgpSpeaker({ routerId: '10.0.0.1', listenAddress: '127.0.0.1', listenPort: 0 });
    speaker.setPeers([
      { name: 'p', address: PEER_IP, localAsn: LOCAL_AS, peerAsn: PEER_AS, passive: true, holdTimeSecs: 3 },
    ]);
    peer = await WirePeer.connect('127.0.0.1', speaker.listenPort ?? 0, PEER_IP);
    await peer.next(TYPE.OPEN);
    peer.send(open({ myAs: PEER_AS, myAs4: PEER_AS, holdTime: 3 }));
    peer.send(keepalive());
    await peer.next(TYPE.KEEPALIVE);
    // Our side of the bargain: keep the speaker's hold timer (3 s) from expiring.
    ours = setInterval(() => peer.send(keepalive()), 1000);
  });

  after(async () => {
    clearInterval(ours);
    peer?.close();
    await speaker?.close();
  });

  /** Messages of each type that arrive during `ms`. */
  async function countDuring(ms: number, work: () => Promise<void> = () => sleep(ms)) {
    peer.messages.splice(0);
    await work();
    const arrived = peer.messages.splice(0);
    assert.equal(peer.closed, false, 'the session stays up');
    return {
      keepalives: arrived.filter((m) => m.type === TYPE.KEEPALIVE).length,
      updates: arrived.filter((m) => m.type === TYPE.UPDATE).length,
    };
  }

  test('an idle session gets a KEEPALIVE every hold/3 seconds', async () => {
    const { keepalives, updates } = await countDuring(3500);
    assert.equal(updates, 0);
    assert.ok(keepalives >= 3 && keepalives <= 4, `${keepalives} keepalives in 3.5 s`);
  });

  test('a steady stream of UPDATEs replaces the keepalives', async () => {
    const { keepalives, updates } = await countDuring(0, async () => {
      // A route change every 200 ms for 3 s: each change is an UPDATE on the wire.
      for (let i = 1; i <= 15; i++) {
        speaker.setRoutes([{ attributes: {}, prefixes: [`198.51.100.${i}/32`] }]);
        await sleep(200);
      }
    });
    assert.ok(updates >= 10, `${updates} UPDATEs`);
    assert.equal(keepalives, 0, 'no KEEPALIVE while UPDATEs flow');
    // Once the stream stops, keepalives resume.
    const after = await countDuring(2500);
    assert.ok(after.keepalives >= 2, `${after.keepalives} keepalives after the stream`);
  });
});
