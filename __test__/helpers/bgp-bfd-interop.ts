// BFD (RFC 5880/5881/5882) against a real daemon's BFD (BIRD's `protocol bfd`, FRR's bfdd): the
// daemon runs in its own network namespace behind a veth link with `bfd` on its BGP neighbours; the
// speaker under test runs in this process with a `bfd` option on both peers (IPv4 and IPv6).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpSpeaker, type BgpEvent, type BgpPeerConfig, type BgpPeerStatus } from '../../src/native/addon.js';
import { createPeerLink, type PeerLink } from './bgp-lab.js';
import { frrBfdProfile, startDaemon, type BfdSpec, type PeerDaemon } from './bgp-daemons.js';
import { sleep, waitFor } from './wait.js';

const AS = 64512;
/** The brief's example: 3 × 300 ms. The hold time stays at 90 s so only BFD can be this fast. */
const BFD: BfdSpec = { receiveMs: 300, transmitMs: 300, multiplier: 3 };
const HOLD_SECS = 90;

export function bfdSuite(kind: 'bird' | 'frr') {
  describe(`BFD with ${kind}`, () => {
    let link: PeerLink;
    let daemon: PeerDaemon | undefined;
    let speaker: BgpSpeaker | undefined;
    let peers: BgpPeerConfig[] = [];
    const events: BgpEvent[] = [];

    before(async () => {
      link = await createPeerLink();
      speaker = new BgpSpeaker({ routerId: '10.255.0.2' }, (_err, ev) => events.push(ev));
      daemon = await startDaemon(kind, {
        asn: AS,
        routerId: '10.255.0.1',
        listenAddresses: [link.peerV4, link.peerV6],
        port: 179,
        netns: link.netns,
        neighbors: [link.hostV4, link.hostV6].map((address) => ({
          address,
          asn: AS,
          holdTimeSecs: HOLD_SECS,
          bfd: BFD,
        })),
      });
      const common = {
        localAsn: AS,
        peerAsn: AS,
        holdTimeSecs: HOLD_SECS,
        connectRetrySecs: 1,
        connectRetryMaxSecs: 2,
        bfd: {
          receiveIntervalMs: BFD.receiveMs,
          transmitIntervalMs: BFD.transmitMs,
          detectMultiplier: BFD.multiplier,
        },
      };
      peers = [
        { name: 'v4', address: link.peerV4, sourceAddress: link.hostV4, ipv4: true, ipv6: false, ...common },
        { name: 'v6', address: link.peerV6, sourceAddress: link.hostV6, ipv4: false, ipv6: true, ...common },
      ];
      speaker.setPeers(peers);
    });
    after(async () => {
      await speaker?.close();
      await daemon?.thaw();
      await daemon?.stop();
      await link?.destroy();
    });

    const status = (name: string): BgpPeerStatus | undefined =>
      speaker?.peerStatus().find((p) => p.name === name);
    const daemonBfdState = async (peer: string) =>
      (await daemon!.bfdSessions()).find((s) => s.peer === peer)?.state;
    const allUp = async () => {
      for (const [name, ours] of [
        ['v4', link.hostV4],
        ['v6', link.hostV6],
      ] as const) {
        await waitFor(
          `${name}: BGP Established and BFD Up on both sides`,
          async () =>
            status(name)?.state === 'Established' &&
            status(name)?.bfd?.state === 'Up' &&
            (await daemon!.established(ours)) &&
            (await daemonBfdState(ours)) === 'up',
          { timeoutMs: 60_000, intervalMs: 100 },
        );
      }
    };

    test('BFD comes Up next to the BGP sessions (IPv4 and IPv6), as the daemon itself reports', async () => {
      await allUp();
      for (const name of ['v4', 'v6']) {
        const bfd = status(name)!.bfd!;
        assert.equal(bfd.remoteState, 'Up');
        assert.notEqual(bfd.remoteDiscriminator, 0);
        assert.equal(bfd.detectionTimeMs, BFD.multiplier * Math.max(BFD.receiveMs, BFD.transmitMs));
        assert.equal(bfd.transmitIntervalMs, BFD.transmitMs);
        assert.ok(bfd.controlPacketsIn > 0 && bfd.controlPacketsOut > 0, JSON.stringify(bfd));
        assert.equal(bfd.controlPacketsDiscarded, 0, bfd.lastError);
        assert.equal(bfd.downEvents, 0);
      }
      // FRR shows what it decoded from our packets: our discriminator and our timers.
      if (kind === 'frr')
        for (const [name, ours] of [
          ['v4', link.hostV4],
          ['v6', link.hostV6],
        ] as const) {
          const seen = (await daemon!.bfdSessions()).find((s) => s.peer === ours)?.detail;
          const bfd = status(name)!.bfd!;
          assert.deepEqual(seen, {
            localDiscriminator: bfd.remoteDiscriminator,
            remoteDiscriminator: bfd.localDiscriminator,
            remoteReceiveMs: BFD.receiveMs,
            remoteTransmitMs: BFD.transmitMs,
            remoteMultiplier: BFD.multiplier,
          });
        }
    });

    test('a frozen peer: BGP goes down within the BFD detection time (hold 90 s), and recovers', async (t) => {
      await allUp();
      const before = status('v4')!.establishedTransitions;
      await daemon!.freeze();
      let took: number[];
      try {
        const frozenAt = Date.now();
        took = await Promise.all(
          ['v4', 'v6'].map(async (name) => {
            await waitFor(`${name} BGP session closed by BFD`, () => status(name)?.state !== 'Established', {
              timeoutMs: 20_000,
              intervalMs: 10,
            });
            return Date.now() - frozenAt;
          }),
        );
      } finally {
        await daemon!.thaw();
      }
      t.diagnostic(
        `${kind}: BGP down ${took.join(' / ')} ms (v4 / v6) after the freeze; BFD detection time 900 ms`,
      );
      console.log(
        `bfd detection with ${kind}: v4 ${took[0]} ms, v6 ${took[1]} ms (hold time ${HOLD_SECS} s)`,
      );
      for (const [i, name] of ['v4', 'v6'].entries()) {
        assert.ok(took[i]! < 5000, `${name}: ${took[i]} ms, far below the ${HOLD_SECS} s hold time`);
        assert.ok(status(name)!.bfd!.downEvents >= 1);
        // The event log, not lastError: reconnect attempts after the thaw may overwrite that.
        // Events cross from the native thread asynchronously: give a loaded machine a moment.
        const find = () => events.find((e) => e.peer === name && e.kind === 'error' && e.code === 6);
        await waitFor(`${name}: the Cease event`, find, { timeoutMs: 5000 }).catch(() => undefined);
        const ev = find();
        assert.deepEqual(
          { message: ev?.message, code: ev?.code, subcode: ev?.subcode },
          { message: 'BFD down (Control Detection Time Expired)', code: 6, subcode: 10 },
          `${name}: the session was closed with Cease/BFD Down (RFC 9384); its events: ${JSON.stringify(
            events.filter((e) => e.peer === name).slice(-8),
          )}`,
        );
      }
      await allUp();
      assert.ok(status('v4')!.establishedTransitions > before, 'a new session after the thaw');
    });

    test('a changed peer (BFD now passive) restarts its sessions; the new BFD session takes over', async () => {
      await allUp();
      const mark = events.length;
      peers = peers.map((p) => ({ ...p, bfd: { ...p.bfd, passive: true } }));
      speaker!.setPeers(peers);
      // A changed peer is a new session (its counters start over): wait for it to reach Established.
      for (const name of ['v4', 'v6'])
        await waitFor(`${name}: the new session Established`, () =>
          events.slice(mark).some((e) => e.peer === name && e.kind === 'state' && e.state === 'Established'),
        );
      await allUp();
      for (const name of ['v4', 'v6']) {
        const bfd = status(name)!.bfd!;
        // Packets still addressed to the replaced session are dropped (RFC 5880 §6.8.6), nothing else.
        if (bfd.lastError !== undefined) assert.match(bfd.lastError, /unknown your discriminator$/);
        assert.equal(bfd.downEvents, 0, `${name}: a fresh session`);
      }
    });

    // RFC 5882 §3.2: a peer that takes BFD down administratively is not a path failure.
    if (kind === 'frr')
      test('the peer signals AdminDown: BFD goes Down, the BGP session stays', async () => {
        await allUp();
        const before = status('v4')!.establishedTransitions;
        const profile = ['bfd', `profile ${frrBfdProfile(BFD)}`];
        await daemon!.configure([...profile, 'shutdown']);
        try {
          await waitFor('our BFD Down with the remote AdminDown', () =>
            ['v4', 'v6'].every(
              (n) => status(n)?.bfd?.state === 'Down' && status(n)?.bfd?.remoteState === 'AdminDown',
            ),
          );
          assert.equal(status('v4')!.bfd!.diagnostic, 'Neighbor Signaled Session Down');
          await sleep(1500); // more than a detection time
          for (const n of ['v4', 'v6']) assert.equal(status(n)?.state, 'Established', `${n} untouched`);
          assert.equal(status('v4')!.establishedTransitions, before);
        } finally {
          await daemon!.configure([...profile, 'no shutdown']);
        }
        await allUp();
        assert.equal(status('v4')!.establishedTransitions, before, 'never reset');
      });
  });
}
