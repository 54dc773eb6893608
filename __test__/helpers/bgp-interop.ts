// The interoperability suite run against each real BGP daemon (BIRD, FRR, GoBGP): the daemon runs in
// its own network namespace behind a veth link; the speaker under test runs in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpSpeaker, type BgpEvent, type BgpPeerConfig, type BgpPeerStatus } from '../../src/native/addon.js';
import { createPeerLink, type PeerLink } from './bgp-lab.js';
import { startDaemon, type DaemonKind, type PeerDaemon, type RibEntry } from './bgp-daemons.js';
import { sleep, waitFor } from './wait.js';
import { run } from './run.js';

const DAEMON_AS = 64512;
const FOUR_BYTE_AS = 4_200_000_001;

export function interopSuite(kind: DaemonKind) {
  describe(`interop with ${kind}`, () => {
    let link: PeerLink;
    let daemon: PeerDaemon | undefined;
    let speaker: BgpSpeaker | undefined;
    const events: BgpEvent[] = [];

    before(async () => {
      link = await createPeerLink();
    });
    after(async () => {
      await speaker?.close();
      await daemon?.stop();
      await link.destroy();
    });

    /** Starts the daemon with one v4 and one v6 neighbor (our addresses) and a speaker peering with both. */
    /**
     * Starts a speaker peering with the daemon over IPv4 and IPv6. `daemonConnects`: the daemon also
     * opens connections (to our listener); with `speakerPassive` we only listen, otherwise both sides
     * connect and collision detection (RFC 4271 §6.8) must leave one session.
     */
    async function setup(opts: {
      localAsn: number;
      password?: string;
      speakerPassword?: string;
      holdTimeSecs?: number;
      daemonConnects?: boolean;
      speakerPassive?: boolean;
      gracefulRestart?: boolean;
    }) {
      await speaker?.close();
      await daemon?.stop();
      events.length = 0;
      const listen = opts.daemonConnects ? { listenAddress: '::', listenPort: 0 } : {};
      speaker = new BgpSpeaker({ routerId: '10.255.0.2', ...listen }, (_err, ev) => events.push(ev));
      const ourPort = opts.daemonConnects ? (speaker.listenPort ?? undefined) : undefined;
      const neighbor = (address: string) => ({
        address,
        asn: opts.localAsn,
        password: opts.password,
        holdTimeSecs: opts.holdTimeSecs,
        passive: !opts.daemonConnects,
        port: ourPort,
      });
      daemon = await startDaemon(kind, {
        asn: DAEMON_AS,
        routerId: '10.255.0.1',
        listenAddresses: [link.peerV4, link.peerV6],
        port: 179,
        netns: link.netns,
        neighbors: [neighbor(link.hostV4), neighbor(link.hostV6)],
      });
      const common = {
        localAsn: opts.localAsn,
        peerAsn: DAEMON_AS,
        connectRetrySecs: 1,
        connectRetryMaxSecs: 2,
        holdTimeSecs: opts.holdTimeSecs ?? 90,
        password: opts.speakerPassword ?? opts.password,
        passive: opts.speakerPassive ?? false,
        gracefulRestart: opts.gracefulRestart ?? false,
      };
      const peers: BgpPeerConfig[] = [
        { name: 'v4', address: link.peerV4, sourceAddress: link.hostV4, ipv4: true, ipv6: false, ...common },
        { name: 'v6', address: link.peerV6, sourceAddress: link.hostV6, ipv4: false, ipv6: true, ...common },
      ];
      speaker.setPeers(peers);
      return { daemon, speaker };
    }

    const status = (name: string): BgpPeerStatus | undefined =>
      speaker?.peerStatus().find((p) => p.name === name);
    const bothEstablished = async (d: PeerDaemon) => {
      await waitFor(
        'v4 session Established on both sides',
        async () => status('v4')?.state === 'Established' && (await d.established(link.hostV4)),
      );
      await waitFor(
        'v6 session Established on both sides',
        async () => status('v6')?.state === 'Established' && (await d.established(link.hostV6)),
      );
    };
    const ribHas = (d: PeerDaemon, family: 'ipv4' | 'ipv6', prefix: string) =>
      waitFor(`${prefix} in ${kind}'s ${family} RIB`, async () => (await d.rib(family)).get(prefix));
    const ribLacks = (d: PeerDaemon, family: 'ipv4' | 'ipv6', prefix: string) =>
      waitFor(`${prefix} gone from ${kind}'s ${family} RIB`, async () => !(await d.rib(family)).has(prefix));

    test('iBGP: IPv4 and IPv6 prefixes arrive with exactly the attributes sent, and withdrawals remove them', async () => {
      const { daemon: d, speaker: s } = await setup({ localAsn: DAEMON_AS });
      await bothEstablished(d);
      s.setRoutes([
        {
          attributes: {
            localPref: 150,
            communities: ['65000:100', 'no-export'],
            largeCommunities: ['64512:1:2'],
          },
          prefixes: ['203.0.113.10/32', '2001:db8:10::5/128'],
        },
        { attributes: {}, prefixes: ['203.0.113.0/28'] },
      ]);
      const v4 = await ribHas(d, 'ipv4', '203.0.113.10/32');
      const expected = (prefix: string, nextHop: string): RibEntry => ({
        prefix,
        nextHop,
        asPath: [],
        origin: 'igp',
        localPref: 150,
        communities: ['65000:100', 'no-export'],
        largeCommunities: ['64512:1:2'],
      });
      assert.deepEqual(strip(v4), expected('203.0.113.10/32', link.hostV4));
      const v6 = await ribHas(d, 'ipv6', '2001:db8:10::5/128');
      assert.deepEqual(strip(v6), expected('2001:db8:10::5/128', link.hostV6));
      const plain = await ribHas(d, 'ipv4', '203.0.113.0/28');
      assert.equal(plain.localPref, 100, 'iBGP routes carry LOCAL_PREF (default 100)');
      assert.deepEqual(plain.communities, []);

      // Change only the /28's attributes, then withdraw the /32s: the rest must be untouched.
      s.setRoutes([{ attributes: { communities: ['65000:7'] }, prefixes: ['203.0.113.0/28'] }]);
      await ribLacks(d, 'ipv4', '203.0.113.10/32');
      await ribLacks(d, 'ipv6', '2001:db8:10::5/128');
      await waitFor('new community on the /28', async () =>
        (await d.rib('ipv4')).get('203.0.113.0/28')?.communities.includes('65000:7'),
      );
      assert.equal(status('v4')?.prefixesAdvertised, 1);
      assert.equal(status('v6')?.prefixesAdvertised, 0);
      assert.equal(status('v4')?.establishedTransitions, 1, 'route changes never reset the session');
    });

    test('eBGP with a 4-byte local ASN: AS_PATH is our ASN, no LOCAL_PREF is sent', async () => {
      const { daemon: d, speaker: s } = await setup({ localAsn: FOUR_BYTE_AS });
      await bothEstablished(d);
      assert.equal(status('v4')?.fourOctetAsn, true);
      s.setRoutes([
        {
          attributes: { med: 20, localPref: 300, largeCommunities: ['4200000001:7:8'] },
          prefixes: ['198.51.100.0/24', '2001:db8:20::/64'],
        },
      ]);
      for (const [family, prefix, nh] of [
        ['ipv4', '198.51.100.0/24', link.hostV4],
        ['ipv6', '2001:db8:20::/64', link.hostV6],
      ] as const) {
        const r = await ribHas(d, family, prefix);
        assert.deepEqual(r.asPath, [FOUR_BYTE_AS]);
        assert.equal(r.nextHop, nh);
        assert.equal(r.med, 20);
        assert.deepEqual(r.largeCommunities, ['4200000001:7:8']);
        // BIRD assigns its own default local_pref to eBGP routes on import; FRR and GoBGP show what arrived.
        if (kind !== 'bird') assert.equal(r.localPref, undefined, 'LOCAL_PREF is not sent over eBGP');
      }
    });

    test('TCP MD5: the right password establishes, a wrong one does not', async () => {
      const { daemon: d } = await setup({ localAsn: DAEMON_AS, password: 'ferro-secret' });
      await bothEstablished(d);
      await setup({ localAsn: DAEMON_AS, password: 'ferro-secret', speakerPassword: 'wrong-secret' });
      await sleep(6000);
      assert.notEqual(status('v4')?.state, 'Established');
      assert.notEqual(status('v6')?.state, 'Established');
      assert.equal(await daemon!.established(link.hostV4), false);
    });

    test('peer restart: the speaker reconnects and re-advertises', async () => {
      const { daemon: d, speaker: s } = await setup({ localAsn: DAEMON_AS });
      await bothEstablished(d);
      s.setRoutes([{ attributes: {}, prefixes: ['192.0.2.64/26', '2001:db8:30::/48'] }]);
      await ribHas(d, 'ipv4', '192.0.2.64/26');
      await d.restart();
      await waitFor(
        'second Established',
        () => (status('v4')?.establishedTransitions ?? 0) >= 2 && status('v4')?.state === 'Established',
      );
      await ribHas(d, 'ipv4', '192.0.2.64/26');
      await ribHas(d, 'ipv6', '2001:db8:30::/48');
      assert.ok(events.some((e) => e.peer === 'v4' && e.kind === 'state' && e.state === 'Established'));
    });

    test('a frozen peer is detected at hold-time expiry (NOTIFICATION 4/0)', async () => {
      const { daemon: d } = await setup({ localAsn: DAEMON_AS, holdTimeSecs: 3 });
      await bothEstablished(d);
      assert.equal(status('v4')?.negotiatedHoldTimeSecs, 3);
      await d.freeze();
      try {
        const frozenAt = Date.now();
        await waitFor('hold timer expiry', () => status('v4')?.state !== 'Established', {
          timeoutMs: 10_000,
          intervalMs: 50,
        });
        const detectedAfter = Date.now() - frozenAt;
        assert.ok(detectedAfter <= 4500, `detected after ${detectedAfter} ms (hold time 3 s)`);
        await waitFor('4/0 recorded', () => status('v4')?.lastNotificationSent?.code === 4);
        assert.deepEqual(status('v4')?.lastNotificationSent, { code: 4, subcode: 0 });
      } finally {
        await d.thaw();
      }
      await waitFor('re-established after thaw', () => status('v4')?.state === 'Established', {
        timeoutMs: 30_000,
      });
    });

    test('passive speaker: the daemon connects to our listener', async () => {
      const { daemon: d, speaker: s } = await setup({
        localAsn: DAEMON_AS,
        daemonConnects: true,
        speakerPassive: true,
      });
      await bothEstablished(d);
      s.setRoutes([{ attributes: {}, prefixes: ['192.0.2.128/25'] }]);
      await ribHas(d, 'ipv4', '192.0.2.128/25');
    });

    test('both sides connect: collision detection leaves exactly one session', async () => {
      const { daemon: d } = await setup({ localAsn: DAEMON_AS, daemonConnects: true });
      await bothEstablished(d);
      // Stable: the loser of the collision is closed and the survivor is never reset afterwards.
      await sleep(4000);
      for (const name of ['v4', 'v6']) {
        assert.equal(status(name)?.state, 'Established');
        assert.equal(status(name)?.establishedTransitions, 1, `${name}: one session, never reset`);
      }
      const sockets = await run('ss', ['-Htn', 'state', 'established', 'dst', link.peerV4]);
      assert.equal(sockets.trim().split('\n').filter(Boolean).length, 1, `one TCP connection: ${sockets}`);
    });
  });
}

/** Drops undefined fields so deepEqual compares what the daemon really reported. */
function strip(e: RibEntry): RibEntry {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as RibEntry;
}
