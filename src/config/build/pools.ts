// Cross-pool rule: no address may belong to two pools (MetalLB: "CIDR … overlaps with already
// defined CIDR …"). Overlaps inside one pool are reported by the pool parser.
import type { PoolDraft } from '../kinds/pool.js';
import { findOverlaps } from '../overlap.js';
import type { Entry } from './parse-objects.js';
import type { Reporter } from './reporter.js';

export function checkPoolOverlaps(pools: readonly Entry<PoolDraft>[], rep: Reporter): void {
  const blocks = pools.flatMap((p) =>
    p.draft.addresses.map((block, i) => ({ range: block.range, tag: { p, block, i } })),
  );
  for (const [item, prev] of findOverlaps(blocks, (t) => t.p.name)) {
    const { p, block, i } = item.tag;
    rep.fail(
      p.obj,
      p.ref,
      `spec.addresses[${i}]`,
      `CIDR "${block.text}" overlaps with "${prev.tag.block.text}" in IPAddressPool "${prev.tag.p.name}"`,
    );
  }
}
