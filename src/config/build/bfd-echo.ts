// BFD echo mode cannot serve IPv6 (echo packets are IPv4-only in FRR/bfdd): a peer with an
// echo-mode profile may not receive an IPv6 pool (MetalLB's validateConfig).
import type { BFDDraft } from '../kinds/bfdprofile.js';
import type { PeerDraft } from '../kinds/peer.js';
import type { PoolDraft } from '../kinds/pool.js';
import type { BGPAdvertisement } from '../model.js';
import type { Entry } from './parse-objects.js';
import type { Reporter } from './reporter.js';

export function checkBFDEchoWithIPv6(
  advs: readonly BGPAdvertisement[],
  pools: readonly Entry<PoolDraft>[],
  peers: readonly Entry<PeerDraft>[],
  bfds: readonly Entry<BFDDraft>[],
  rep: Reporter,
): void {
  const echo = new Set(bfds.filter((b) => b.draft.echoMode).map((b) => b.name));
  if (echo.size === 0) return;
  const v6Pools = new Set(
    pools.filter((p) => p.draft.addresses.some((b) => b.family === 'IPv6')).map((p) => p.name),
  );
  const reported = new Set<string>();
  for (const adv of advs) {
    const v6 = adv.pools.find((p) => v6Pools.has(p));
    if (v6 === undefined) continue;
    for (const p of peers) {
      if (adv.peers.length > 0 && !adv.peers.includes(p.name)) continue;
      if (p.draft.bfdProfile === null || !echo.has(p.draft.bfdProfile) || reported.has(p.name)) continue;
      reported.add(p.name);
      rep.fail(
        p.obj,
        p.ref,
        'spec.bfdProfile',
        `IPAddressPool "${v6}" has BGPAdvertisement "${adv.name}" which references this peer, whose BFD profile "${p.draft.bfdProfile}" has echo mode enabled, which is not possible with IPv6`,
      );
    }
  }
}
