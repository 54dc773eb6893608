// The validated pieces into the frozen Config: everything sorted by name, pools listing the
// advertisements that apply to them, peers with their resolved password.
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPCommunity,
  Config,
  L2Advertisement,
  Peer,
  Pool,
} from '../model.js';
import type { ParsedObjects } from './parse-objects.js';

const byName = <T extends { name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function indexByPool(advs: readonly { name: string; pools: readonly string[] }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of advs) for (const p of a.pools) out.set(p, [...(out.get(p) ?? []), a.name]);
  for (const list of out.values()) list.sort();
  return out;
}

export function assemble(
  parsed: ParsedObjects,
  namespace: string,
  l2: readonly L2Advertisement[],
  bgp: readonly BGPAdvertisement[],
  passwords: ReadonlyMap<string, string | null>,
): Config {
  const l2ByPool = indexByPool(l2);
  const bgpByPool = indexByPool(bgp);
  const pools: Pool[] = parsed.pools.map((e) => {
    const addresses = e.draft.addresses;
    return {
      name: e.name,
      namespace,
      labels: e.obj.metadata.labels,
      addresses,
      ipv4: addresses.filter((b) => b.family === 'IPv4'),
      ipv6: addresses.filter((b) => b.family === 'IPv6'),
      cidrs: addresses.flatMap((b) => b.cidrs),
      autoAssign: e.draft.autoAssign,
      avoidBuggyIPs: e.draft.avoidBuggyIPs,
      serviceAllocation: e.draft.serviceAllocation,
      l2Advertisements: l2ByPool.get(e.name) ?? [],
      bgpAdvertisements: bgpByPool.get(e.name) ?? [],
      ...(e.obj.source ? { source: e.obj.source } : {}),
    };
  });
  const peers: Peer[] = parsed.peers.map((e) => {
    const { passwordSecret, password: _inline, ...d } = e.draft;
    return {
      name: e.name,
      namespace,
      apiVersion: e.obj.apiVersion,
      ...d,
      password: passwords.get(e.name) ?? null,
      passwordSecret: passwordSecret ? { name: passwordSecret.name, namespace } : null,
      ...(e.obj.source ? { source: e.obj.source } : {}),
    };
  });
  const bfdProfiles: BFDProfile[] = parsed.bfds.map((e) => ({
    name: e.name,
    namespace,
    ...e.draft,
    ...(e.obj.source ? { source: e.obj.source } : {}),
  }));
  const communityAliases: Record<string, BGPCommunity> = {};
  for (const name of [...parsed.aliases.keys()].sort())
    Object.defineProperty(communityAliases, name, {
      value: parsed.aliases.get(name)?.value,
      enumerable: true,
    });

  return deepFreeze({
    pools: pools.sort(byName),
    l2Advertisements: [...l2].sort(byName),
    bgpAdvertisements: [...bgp].sort(byName),
    peers: peers.sort(byName),
    bfdProfiles: bfdProfiles.sort(byName),
    communityAliases,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
