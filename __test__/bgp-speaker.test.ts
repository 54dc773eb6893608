// The BgpSpeaker napi surface without external daemons: argument errors name the field, and two
// speakers in this process peer with each other over loopback (events, status, routes, close).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpSpeaker, type BgpEvent, type BgpPeerConfig } from '../src/native/addon.js';
import { waitFor } from './helpers/wait.js';

const peer = (over: Partial<BgpPeerConfig> = {}): BgpPeerConfig => ({
  name: 'p',
  address: '127.0.0.2',
  localAsn: 64512,
  peerAsn: 64513,
  ...over,
});

describe('BgpSpeaker arguments', () => {
  const cases: Array<[string, () => void, RegExp]> = [
    ['bad routerId', () => new BgpSpeaker({ routerId: '1.2.3' }), /^options\.routerId: /],
    [
      'bad listenAddress',
      () => new BgpSpeaker({ routerId: '10.0.0.1', listenAddress: 'nope' }),
      /^options\.listenAddress: /,
    ],
    [
      'hold time 2',
      () => new BgpSpeaker({ routerId: '10.0.0.1' }).setPeers([peer(), peer({ name: 'q', holdTimeSecs: 2 })]),
      /^peers\[1\]\.holdTimeSecs: 2 is not allowed \(0 or >= 3\)$/,
    ],
    [
      'keepalive above hold time',
      () => new BgpSpeaker({ routerId: '10.0.0.1' }).setPeers([peer({ holdTimeSecs: 9, keepaliveSecs: 10 })]),
      /^peers\[0\]\.keepaliveSecs: /,
    ],
    [
      'duplicate name',
      () => new BgpSpeaker({ routerId: '10.0.0.1' }).setPeers([peer(), peer({ address: '127.0.0.3' })]),
      /^peers\[1\]\.name: /,
    ],
    [
      'ASN out of range',
      () => new BgpSpeaker({ routerId: '10.0.0.1' }).setPeers([peer({ peerAsn: 2 ** 32 })]),
      /^peers\[0\]\.peerAsn: /,
    ],
    [
      'prefix with host bits',
      () =>
        new BgpSpeaker({ routerId: '10.0.0.1' }).setRoutes([{ attributes: {}, prefixes: ['10.0.0.1/24'] }]),
      /^groups\[0\]\.prefixes\[0\]: /,
    ],
    [
      'packedV4 of the wrong size',
      () =>
        new BgpSpeaker({ routerId: '10.0.0.1' }).setRoutes([
          { attributes: {} },
          { attributes: {}, packedV4: Buffer.alloc(7) },
        ]),
      /^groups\[1\]\.packedV4: /,
    ],
    [
      'bad community',
      () =>
        new BgpSpeaker({ routerId: '10.0.0.1' }).setRoutes([
          { attributes: { communities: ['x'] }, prefixes: [] },
        ]),
      /^groups\[0\]\.attributes\.communities\[0\]: /,
    ],
  ];
  for (const [name, fn, message] of cases) {
    test(`${name} throws an Error naming the field`, () => {
      assert.throws(fn, (err: unknown) => err instanceof Error && message.test(err.message));
    });
  }

  test('listenPort is null without a listener and the real port with port 0', async () => {
    const quiet = new BgpSpeaker({ routerId: '10.0.0.1' });
    assert.equal(quiet.listenPort, null);
    const listening = new BgpSpeaker({ routerId: '10.0.0.1', listenAddress: '127.0.0.1', listenPort: 0 });
    assert.ok((listening.listenPort ?? 0) > 0);
    await Promise.all([quiet.close(), listening.close()]);
    await listening.close(); // idempotent
  });
});

describe('two speakers over loopback', () => {
  test('establish, exchange a route set, withdraw, and Cease 6/2 on close', async () => {
    const eventsA: BgpEvent[] = [];
    const a = new BgpSpeaker({ routerId: '10.0.0.1', listenAddress: '127.0.0.1', listenPort: 0 }, (_e, ev) =>
      eventsA.push(ev),
    );
    const b = new BgpSpeaker({ routerId: '10.0.0.2' });
    try {
      a.setPeers([{ name: 'b', address: '127.0.0.2', localAsn: 64512, peerAsn: 64512, passive: true }]);
      b.setPeers([
        {
          name: 'a',
          address: '127.0.0.1',
          port: a.listenPort ?? 0,
          sourceAddress: '127.0.0.2',
          localAsn: 64512,
          peerAsn: 64512,
          connectRetrySecs: 0.2,
          gracefulRestart: true,
        },
      ]);
      const packed = Buffer.alloc(5 * 1000);
      for (let i = 0; i < 1000; i++) {
        packed.writeUInt32BE(0x0a000000 + i, i * 5);
        packed[i * 5 + 4] = 32;
      }
      b.setRoutes([
        { attributes: { communities: ['no-export'] }, packedV4: packed },
        { attributes: {}, prefixes: ['2001:db8::/64'] },
      ]);
      const st = (s: BgpSpeaker) => s.peerStatus()[0];
      await waitFor('a holds 1001 prefixes', () => st(a)?.prefixesReceived === 1001);
      assert.equal(st(a)?.state, 'Established');
      assert.equal(st(a)?.peerGracefulRestart, true);
      assert.equal(st(b)?.prefixesAdvertised, 1001);
      assert.ok((st(b)?.uptimeMs ?? -1) >= 0);
      // Events travel through the JS event loop and may trail the status by a tick.
      await waitFor('Established event', () =>
        eventsA.some((e) => e.kind === 'state' && e.state === 'Established'),
      );
      await waitFor('End-of-RIB event', () => eventsA.some((e) => e.kind === 'endOfRib'));

      b.setRoutes([{ attributes: {}, prefixes: ['10.0.0.7/32'] }]);
      await waitFor('a holds the 1 remaining prefix', () => st(a)?.prefixesReceived === 1);

      await b.close();
      await waitFor('a saw Cease 6/2', () => st(a)?.lastNotificationReceived?.code === 6);
      assert.deepEqual(st(a)?.lastNotificationReceived, { code: 6, subcode: 2 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
