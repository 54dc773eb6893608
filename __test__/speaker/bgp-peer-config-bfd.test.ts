// BGPPeer.bfdProfile + BFDProfile → the native peer's `bfd` options, and what is only warned about.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BFDProfile } from '../../src/config/model.js';
import { bfdOptions, peerConfig } from '../../src/speaker/bgp-peer-config.js';
import { peer } from '../layer2/fixtures.js';

function profile(over: Partial<BFDProfile> = {}): BFDProfile {
  return {
    name: 'fast',
    namespace: 'metallb-system',
    receiveInterval: 300,
    transmitInterval: 300,
    detectMultiplier: 3,
    echoInterval: 50,
    echoMode: false,
    passiveMode: false,
    minimumTtl: 254,
    ...over,
  };
}

describe('BFD profile → native bfd options', () => {
  const cases: [string, BFDProfile, ReturnType<typeof bfdOptions>][] = [
    [
      'defaults',
      profile(),
      { receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, passive: false },
    ],
    [
      'receive → required min RX, transmit → desired min TX, passive',
      profile({ receiveInterval: 50, transmitInterval: 120, detectMultiplier: 5, passiveMode: true }),
      { receiveIntervalMs: 50, transmitIntervalMs: 120, detectMultiplier: 5, passive: true },
    ],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.deepEqual(bfdOptions(input), want));

  it('a peer with a profile gets bfd; without one it gets none', () => {
    const profiles = new Map([['fast', profile({ receiveInterval: 100 })]]);
    const withBfd = peerConfig(peer('p', { bfdProfile: 'fast' }), {}, profiles);
    assert.ok(withBfd.ok);
    assert.deepEqual(withBfd.config.bfd, {
      receiveIntervalMs: 100,
      transmitIntervalMs: 300,
      detectMultiplier: 3,
      passive: false,
    });
    assert.equal(withBfd.warnings, undefined);
    const without = peerConfig(peer('q'), {}, profiles);
    assert.ok(without.ok && without.config.bfd === undefined && without.warnings === undefined);
  });

  it('echo mode is warned about and BFD still runs', () => {
    const profiles = new Map([['fast', profile({ echoMode: true })]]);
    const m = peerConfig(peer('p', { bfdProfile: 'fast' }), {}, profiles);
    assert.ok(m.ok);
    assert.ok(m.config.bfd);
    assert.deepEqual(m.warnings, [
      'BFDProfile/metallb-system/fast: spec.echoMode: the echo function is not supported; BFD runs with control packets only',
    ]);
  });

  it('an ebgpMultiHop peer is warned that BFD is single-hop only', () => {
    const profiles = new Map([['fast', profile()]]);
    const m = peerConfig(peer('p', { bfdProfile: 'fast', ebgpMultiHop: true }), {}, profiles);
    assert.ok(m.ok && m.config.bfd);
    assert.equal(m.warnings?.length, 1);
    assert.match(m.warnings[0]!, /^BGPPeer\/metallb-system\/p: spec\.ebgpMultiHop: BFD runs single-hop only/);
  });

  it('a profile the caller does not have leaves BFD off, with a warning naming the field', () => {
    const m = peerConfig(peer('p', { bfdProfile: 'gone' }));
    assert.ok(m.ok && m.config.bfd === undefined);
    assert.deepEqual(m.warnings, [
      'BGPPeer/metallb-system/p: spec.bfdProfile: profile "gone" not found; BFD is off for this peer',
    ]);
  });
});
