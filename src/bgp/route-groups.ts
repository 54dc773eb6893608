// The BGP desired state of one node: every route of every service this node announces, folded
// into the native speaker's route groups (one group per distinct attribute set and peer filter),
// plus the peers this node keeps sessions with. The result goes as is to BgpSpeaker.setRoutes /
// setPeers, which compute the difference and send only the changes.

import type { BFDProfile, Config, Peer } from '../config/model.js';
import { serviceKey, type AnnounceService, type NodeInfo } from '../layer2/announce-inputs.js';
import {
  peersForNode,
  prefixesFor,
  shouldAnnounceBgp,
  type BgpDecision,
  type ServiceRoute,
} from './prefixes.js';

/** Path attributes of a group, in the shape the native BgpSpeaker takes. */
export interface RouteAttributes {
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
}

export interface RouteGroup {
  attributes: RouteAttributes;
  /** Peer names; absent = every peer. */
  peers?: string[];
  /** Sorted CIDR texts. */
  prefixes: string[];
}

/** A prefix sent to one peer with two different attribute sets (only one can win). */
export interface RouteConflict {
  readonly prefix: string;
  readonly advertisements: string[];
}

function attributesOf(r: ServiceRoute): RouteAttributes {
  const a: RouteAttributes = {};
  if (r.localPref !== null) a.localPref = r.localPref;
  if (r.communities.length) a.communities = [...r.communities];
  if (r.largeCommunities.length) a.largeCommunities = [...r.largeCommunities];
  return a;
}

const groupKey = (r: ServiceRoute): string =>
  JSON.stringify([r.localPref, r.communities, r.largeCommunities, r.peers]);

const cmpText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Group order for stable output: unfiltered first, then LOCAL_PREF, communities, peers. */
function compareRoutes(a: ServiceRoute, b: ServiceRoute): number {
  return (
    Number(a.peers.length > 0) - Number(b.peers.length > 0) ||
    (a.localPref ?? -1) - (b.localPref ?? -1) ||
    cmpText(a.communities.join(','), b.communities.join(',')) ||
    cmpText(a.largeCommunities.join(','), b.largeCommunities.join(',')) ||
    cmpText(a.peers.join(','), b.peers.join(','))
  );
}

/** Routes with identical attributes and peer filter share one group; groups in a stable order. */
export function groupRoutes(routes: readonly ServiceRoute[]): RouteGroup[] {
  const groups = new Map<string, { first: ServiceRoute; prefixes: Set<string> }>();
  for (const r of routes) {
    const key = groupKey(r);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { first: r, prefixes: new Set() }));
    g.prefixes.add(r.prefix);
  }
  return [...groups.values()]
    .sort((a, b) => compareRoutes(a.first, b.first))
    .map((g) => {
      const out: RouteGroup = { attributes: attributesOf(g.first), prefixes: [...g.prefixes].sort() };
      if (g.first.peers.length) out.peers = [...g.first.peers];
      return out;
    });
}

/**
 * Prefixes that would reach some peer with two different attribute sets. `peerNames` are the
 * node's peers; an empty filter means all of them.
 */
export function findConflicts(
  routes: readonly ServiceRoute[],
  peerNames: readonly string[],
): RouteConflict[] {
  const seen = new Map<string, { key: string; ad: string }[]>();
  for (const r of routes) {
    const targets = r.peers.length ? r.peers : peerNames;
    const attrKey = JSON.stringify([r.localPref, r.communities, r.largeCommunities]);
    for (const p of targets) {
      const k = `${p}\u0000${r.prefix}`;
      let list = seen.get(k);
      if (!list) seen.set(k, (list = []));
      list.push({ key: attrKey, ad: r.advertisement });
    }
  }
  const byPrefix = new Map<string, Set<string>>();
  for (const [k, list] of seen) {
    if (new Set(list.map((l) => l.key)).size < 2) continue;
    const prefix = k.slice(k.indexOf('\u0000') + 1);
    let ads = byPrefix.get(prefix);
    if (!ads) byPrefix.set(prefix, (ads = new Set()));
    for (const l of list) ads.add(l.ad);
  }
  return [...byPrefix.entries()]
    .map(([prefix, ads]) => ({ prefix, advertisements: [...ads].sort() }))
    .sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
}

export interface BgpServiceOutcome {
  readonly decision: BgpDecision;
  readonly routes: ServiceRoute[];
}

export interface BgpPlan {
  /** The BGPPeers this node peers with (nodeSelectors matched). */
  readonly peers: Peer[];
  /** The argument for BgpSpeaker.setRoutes. */
  readonly routeGroups: RouteGroup[];
  readonly services: Map<string, BgpServiceOutcome>;
  readonly conflicts: RouteConflict[];
  /** The BFD profiles this node's peers reference, by name. */
  readonly bfdProfiles: ReadonlyMap<string, BFDProfile>;
}

export function decideBgp(
  nodeName: string,
  services: readonly AnnounceService[],
  config: Pick<Config, 'bgpAdvertisements' | 'peers'> & Partial<Pick<Config, 'bfdProfiles'>>,
  nodes: ReadonlyMap<string, NodeInfo>,
  opts: { ignoreExcludeLB: boolean },
): BgpPlan {
  const node = nodes.get(nodeName);
  const peers = node ? peersForNode(config.peers, node) : [];
  const ctx = { advertisements: config.bgpAdvertisements, ignoreExcludeLB: opts.ignoreExcludeLB };
  const all: ServiceRoute[] = [];
  const outcomes = new Map<string, BgpServiceOutcome>();
  for (const svc of services) {
    const decision = shouldAnnounceBgp(node, svc, ctx);
    const routes = decision.announce && node ? prefixesFor(node, svc, config.bgpAdvertisements) : [];
    all.push(...routes);
    outcomes.set(serviceKey(svc), { decision, routes });
  }
  const wanted = new Set(peers.map((p) => p.bfdProfile));
  const bfdProfiles = new Map(
    (config.bfdProfiles ?? []).filter((b) => wanted.has(b.name)).map((b) => [b.name, b]),
  );
  return {
    peers,
    bfdProfiles,
    routeGroups: peers.length ? groupRoutes(all) : [],
    services: outcomes,
    conflicts: findConflicts(
      all,
      peers.map((p) => p.name),
    ),
  };
}
