// L2 and BGP advertisements into the model: pool and peer references must exist, communities
// resolve (alias or literal value), and aggregation may not be wider than a pool block's own
// prefix (MetalLB's validateBGPAdvPerPool).
import { parseCommunity } from '../community.js';
import type { BGPAdvDraft } from '../kinds/bgpadvertisement.js';
import type { L2Draft } from '../kinds/l2advertisement.js';
import type { PoolDraft } from '../kinds/pool.js';
import type { BGPAdvertisement, BGPCommunity, L2Advertisement, LabelSelector } from '../model.js';
import { matchesAnySelector } from '../selector.js';
import type { Entry, ParsedObjects } from './parse-objects.js';
import type { Reporter } from './reporter.js';

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

interface Context {
  readonly namespace: string;
  readonly pools: readonly Entry<PoolDraft>[];
  readonly rep: Reporter;
}

/** Pools an advertisement applies to: named ∪ selected, or every pool when neither is given. */
function poolSelection(ctx: Context): (names: readonly string[], sels: readonly LabelSelector[]) => string[] {
  const all = sorted(ctx.pools.map((p) => p.name));
  const known = new Set(all);
  return (names, sels) => {
    if (names.length === 0 && sels.length === 0) return all;
    const out = new Set(names.filter((n) => known.has(n)));
    for (const p of ctx.pools) if (matchesAnySelector(sels, p.obj.metadata.labels, false)) out.add(p.name);
    return sorted(out);
  };
}

function checkPoolRefs(ctx: Context, e: Entry<{ ipAddressPools: string[] }>): void {
  const known = new Set(ctx.pools.map((p) => p.name));
  e.draft.ipAddressPools.forEach((n, i) => {
    if (!known.has(n))
      ctx.rep.fail(e.obj, e.ref, `spec.ipAddressPools[${i}]`, `unknown IPAddressPool "${n}"`);
  });
}

const sourceOf = (e: Entry<unknown>) => (e.obj.source ? { source: e.obj.source } : {});

export function buildL2Advertisements(
  parsed: ParsedObjects,
  namespace: string,
  rep: Reporter,
): L2Advertisement[] {
  const ctx: Context = { namespace, pools: parsed.pools, rep };
  const select = poolSelection(ctx);
  return parsed.l2s.map((e: Entry<L2Draft>) => {
    checkPoolRefs(ctx, e);
    const d = e.draft;
    return {
      name: e.name,
      namespace,
      pools: select(d.ipAddressPools, d.ipAddressPoolSelectors),
      ipAddressPools: d.ipAddressPools,
      ipAddressPoolSelectors: d.ipAddressPoolSelectors,
      nodeSelectors: d.nodeSelectors,
      interfaces: d.interfaces,
      serviceSelectors: d.serviceSelectors,
      preferredNodeSelectors: d.preferredNodeSelectors,
      ...sourceOf(e),
    };
  });
}

function resolveCommunities(e: Entry<BGPAdvDraft>, parsed: ParsedObjects, rep: Reporter): BGPCommunity[] {
  const out: BGPCommunity[] = [];
  const seen = new Set<string>();
  e.draft.communities.forEach((text, i) => {
    let value: BGPCommunity | null = parsed.aliases.get(text)?.value ?? null;
    if (!value) {
      const lit = parseCommunity(text);
      if (lit.ok) value = lit.community;
      else
        rep.fail(
          e.obj,
          e.ref,
          `spec.communities[${i}]`,
          lit.kind === 'value'
            ? lit.reason
            : `invalid community "${text}": neither a value (A:B or large:A:B:C) nor an alias defined in a Community object`,
        );
    }
    if (value && !seen.has(value.text)) {
      seen.add(value.text);
      out.push(value);
    }
  });
  return out;
}

export function buildBGPAdvertisements(
  parsed: ParsedObjects,
  namespace: string,
  rep: Reporter,
): BGPAdvertisement[] {
  const ctx: Context = { namespace, pools: parsed.pools, rep };
  const select = poolSelection(ctx);
  const peerNames = new Set(parsed.peers.map((p) => p.name));
  const poolDrafts = new Map(parsed.pools.map((p) => [p.name, p.draft] as const));
  return parsed.bgps.map((e) => {
    checkPoolRefs(ctx, e);
    const d = e.draft;
    d.peers.forEach((n, i) => {
      if (!peerNames.has(n)) rep.fail(e.obj, e.ref, `spec.peers[${i}]`, `unknown BGPPeer "${n}"`);
    });
    const adv: BGPAdvertisement = {
      name: e.name,
      namespace,
      pools: select(d.ipAddressPools, d.ipAddressPoolSelectors),
      ipAddressPools: d.ipAddressPools,
      ipAddressPoolSelectors: d.ipAddressPoolSelectors,
      aggregationLength: d.aggregationLength,
      aggregationLengthV6: d.aggregationLengthV6,
      localPref: d.localPref,
      communities: resolveCommunities(e, parsed, rep),
      peers: d.peers,
      nodeSelectors: d.nodeSelectors,
      serviceSelectors: d.serviceSelectors,
      ...sourceOf(e),
    };
    for (const poolName of adv.pools) {
      for (const block of poolDrafts.get(poolName)?.addresses ?? []) {
        const widest = Math.min(...block.cidrs.map((c) => c.prefixLength));
        const isV4 = block.family === 'IPv4';
        const length = isV4 ? adv.aggregationLength : adv.aggregationLengthV6;
        if (length < widest)
          rep.fail(
            e.obj,
            e.ref,
            isV4 ? 'spec.aggregationLength' : 'spec.aggregationLengthV6',
            `invalid aggregation length ${length}: prefix ${widest} in IPAddressPool "${poolName}" is more specific than the aggregation length for addresses ${block.text}`,
          );
      }
    }
    return adv;
  });
}
