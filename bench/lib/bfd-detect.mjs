// BFD failure detection: ferrolb peers with BIRD (iBGP, hold time 90 s) over a veth link into a
// network namespace, with BFD 300 ms × 3 on both sides; BIRD is frozen (SIGSTOP) and the time until
// our BGP session leaves Established is measured, then BIRD is thawed and the session comes back.
// Repeated; the median is the metric. Everything started here is stopped here.
import { BgpSpeaker } from '../../index.js';
import { createPeerLink } from '../../__test__/helpers/bgp-lab.ts';
import { startDaemon } from '../../__test__/helpers/bgp-daemons.ts';
import { waitFor } from '../../__test__/helpers/wait.ts';
import { percentile } from './stats.mjs';

const AS = 64512;
const BFD = { receiveMs: 300, transmitMs: 300, multiplier: 3 };

/** Median ms from freezing the peer to our BGP session closing (BFD detection time 900 ms). */
export async function bfdDetectMs(log, rounds = 5) {
  const link = await createPeerLink();
  let daemon;
  let speaker;
  try {
    daemon = await startDaemon('bird', {
      asn: AS,
      routerId: '10.255.0.1',
      listenAddresses: [link.peerV4],
      port: 179,
      netns: link.netns,
      neighbors: [{ address: link.hostV4, asn: AS, holdTimeSecs: 90, bfd: BFD }],
    });
    speaker = new BgpSpeaker({ routerId: '10.255.0.2' });
    speaker.setPeers([
      {
        name: 'bird',
        address: link.peerV4,
        sourceAddress: link.hostV4,
        localAsn: AS,
        peerAsn: AS,
        holdTimeSecs: 90,
        connectRetrySecs: 1,
        connectRetryMaxSecs: 2,
        ipv6: false,
        bfd: {
          receiveIntervalMs: BFD.receiveMs,
          transmitIntervalMs: BFD.transmitMs,
          detectMultiplier: BFD.multiplier,
        },
      },
    ]);
    const st = () => speaker.peerStatus()[0];
    const times = [];
    for (let i = 0; i < rounds; i++) {
      await waitFor(
        'Established with BFD Up',
        () => st()?.state === 'Established' && st()?.bfd?.state === 'Up',
        {
          timeoutMs: 60_000,
          intervalMs: 50,
        },
      );
      // Let a few packets pass so the freeze lands anywhere in the transmit interval.
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 300));
      await daemon.freeze();
      const t0 = process.hrtime.bigint();
      try {
        await waitFor('BGP closed by BFD', () => st()?.state !== 'Established', {
          timeoutMs: 20_000,
          intervalMs: 2,
        });
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } finally {
        await daemon.thaw();
      }
      log(`BFD round ${i + 1}: ${times.at(-1).toFixed(0)} ms`);
    }
    return percentile(times, 50);
  } finally {
    await speaker?.close();
    await daemon?.thaw();
    await daemon?.stop();
    await link.destroy();
  }
}
