// The BFD metrics under MetalLB's FRR-mode names, read from the native peer status at scrape time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BgpPeerStatus } from '../../src/native/addon.js';
import { speakerRegistry } from '../../src/observability/speaker-metrics.js';
import { parseMetrics } from '../helpers/metrics.js';

function status(address: string, bfd?: BgpPeerStatus['bfd']): BgpPeerStatus {
  return {
    name: address,
    address,
    state: 'Established',
    uptimeMs: 1,
    prefixesAdvertised: 0,
    prefixesReceived: 0,
    messagesIn: 0,
    messagesOut: 0,
    updatesIn: 0,
    updatesOut: 0,
    establishedTransitions: 1,
    ...(bfd ? { bfd } : {}),
  };
}

describe('BFD metrics', () => {
  it('per peer with BFD: session up, down events, control packets in/out/discarded', async () => {
    let peers: BgpPeerStatus[] = [
      status('192.0.2.1', {
        state: 'Up',
        remoteState: 'Up',
        diagnostic: 'No Diagnostic',
        localDiscriminator: 1,
        remoteDiscriminator: 2,
        controlPacketsIn: 40,
        controlPacketsOut: 41,
        controlPacketsDiscarded: 2,
        downEvents: 1,
      }),
      status('192.0.2.9'),
    ];
    const m = speakerRegistry({
      nodeName: 'n',
      l2: { counters: () => [], owned: () => [] },
      bgp: { peerStatus: () => peers },
      announced: () => [],
      liveMembers: () => null,
      takeovers: { gained: 0, lost: 0 },
    });
    const read = async () => parseMetrics(await m.registry.metrics());
    let got = await read();
    assert.equal(got.get('metallb_bfd_session_up{peer="192.0.2.1"}'), 1);
    assert.equal(got.get('metallb_bfd_session_down_events{peer="192.0.2.1"}'), 1);
    assert.equal(got.get('metallb_bfd_control_packet_input{peer="192.0.2.1"}'), 40);
    assert.equal(got.get('metallb_bfd_control_packet_output{peer="192.0.2.1"}'), 41);
    assert.equal(got.get('ferrolb_bfd_control_packet_discarded{peer="192.0.2.1"}'), 2);
    assert.equal(got.has('metallb_bfd_session_up{peer="192.0.2.9"}'), false, 'no BFD, no series');
    peers = [status('192.0.2.1', { ...peers[0]!.bfd!, state: 'Down', downEvents: 2 })];
    got = await read();
    assert.equal(got.get('metallb_bfd_session_up{peer="192.0.2.1"}'), 0);
    assert.equal(got.get('metallb_bfd_session_down_events{peer="192.0.2.1"}'), 2);
  });
});
