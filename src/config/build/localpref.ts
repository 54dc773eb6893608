// Two advertisements of one pool that would send the same prefix to the same peer from the same
// node with different LOCAL_PREF conflict (MetalLB's BGPAdvertisementsHaveCompatibleLocalPref).
// They do not conflict when either has serviceSelectors, when their aggregation lengths differ
// for every family the pool has, when their peer lists are disjoint, or their nodes are.
import type { PoolDraft } from '../kinds/pool.js';
import type { BGPAdvertisement, Labels, RawObject } from '../model.js';
import { nodeSetsMayOverlap } from './nodes.js';
import type { Entry } from './parse-objects.js';
import type { Reporter } from './reporter.js';

export function checkLocalPrefConflicts(
  advs: readonly { adv: BGPAdvertisement; obj: RawObject; ref: string }[],
  pools: readonly Entry<PoolDraft>[],
  nodes: readonly Labels[] | null,
  rep: Reporter,
): void {
  const byPool = new Map<string, (typeof advs)[number][]>();
  for (const a of advs) {
    if (a.adv.serviceSelectors.length > 0) continue;
    for (const p of a.adv.pools) byPool.set(p, [...(byPool.get(p) ?? []), a]);
  }
  const reported = new Set<string>();
  const nodeMemo = new Map<string, boolean>();
  for (const pool of pools) {
    const list = byPool.get(pool.name) ?? [];
    const hasV4 = pool.draft.addresses.some((b) => b.family === 'IPv4');
    const hasV6 = pool.draft.addresses.some((b) => b.family === 'IPv6');
    if (!hasV4 && !hasV6) continue;
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!.adv;
      for (let j = 0; j < i; j++) {
        const b = list[j]!.adv;
        if ((a.localPref ?? 0) === (b.localPref ?? 0)) continue;
        const v4Differs = a.aggregationLength !== b.aggregationLength;
        const v6Differs = a.aggregationLengthV6 !== b.aggregationLengthV6;
        if ((v4Differs || !hasV4) && (v6Differs || !hasV6)) continue;
        if (a.peers.length > 0 && b.peers.length > 0 && !a.peers.some((p) => b.peers.includes(p))) continue;
        const key = `${a.name}\u0000${b.name}`;
        if (reported.has(key)) continue;
        let overlap = nodeMemo.get(key);
        if (overlap === undefined) {
          overlap = nodeSetsMayOverlap(a.nodeSelectors, b.nodeSelectors, nodes);
          nodeMemo.set(key, overlap);
        }
        if (!overlap) continue;
        reported.add(key);
        rep.fail(
          list[i]!.obj,
          list[i]!.ref,
          'spec.localPref',
          `invalid local preference ${a.localPref ?? 0}: BGPAdvertisement "${b.name}" sets local preference ${b.localPref ?? 0} for the same prefixes of IPAddressPool "${pool.name}" (same aggregation length, peers and nodes)`,
        );
      }
    }
  }
}
