// What one node announces over BGP for one service, as MetalLB's bgp controller decides it:
//   - the node must be selected by at least one BGPAdvertisement of the service's pool, must not
//     be NetworkUnavailable nor labelled exclude-from-external-load-balancers (unless
//     ignoreExcludeLB), and the service needs a healthy endpoint (on this node for
//     externalTrafficPolicy Local). Every eligible node announces: the routers do ECMP.
//   - each (IP, advertisement) gives one route: the IP masked to aggregationLength (IPv4) or
//     aggregationLengthV6, with the advertisement's LOCAL_PREF, communities and peer filter.
// Advertisements whose serviceSelectors do not match the service contribute nothing.

import { formatCIDR, maskTo } from '../config/ip.js';
import type { BGPAdvertisement, IPFamily, Peer } from '../config/model.js';
import { matchesAnySelector } from '../config/selector.js';
import {
  hasHealthyEndpoint,
  isExcludedFromLB,
  type AnnounceService,
  type NodeInfo,
} from '../layer2/announce-inputs.js';

/** MetalLB's reason strings for not announcing over BGP. */
export type BgpNotAnnouncingReason =
  | 'noIPs'
  | 'notOwner'
  | 'nodeNetworkUnavailable'
  | 'nodeLabeledExcludeBalancers'
  | 'noLocalEndpoints'
  | 'noEndpoints';

export type BgpDecision =
  { readonly announce: true } | { readonly announce: false; readonly reason: BgpNotAnnouncingReason };

export interface BgpEligibilityContext {
  readonly advertisements: readonly BGPAdvertisement[];
  readonly ignoreExcludeLB: boolean;
}

/** One route for one service IP under one advertisement. */
export interface ServiceRoute {
  /** Canonical CIDR text, e.g. `192.0.2.0/24`. */
  readonly prefix: string;
  readonly family: IPFamily;
  readonly localPref: number | null;
  /** RFC 1997 communities as `high:low` (well-known ones by value), sorted numerically. */
  readonly communities: readonly string[];
  /** RFC 8092 large communities as `A:B:C`, sorted numerically. */
  readonly largeCommunities: readonly string[];
  /** Peer names the route goes to; empty = every peer of the node. Sorted. */
  readonly peers: readonly string[];
  /** `namespace/name` of the BGPAdvertisement that produced it. */
  readonly advertisement: string;
}

const selectsNode = (ad: BGPAdvertisement, node: NodeInfo): boolean =>
  matchesAnySelector(ad.nodeSelectors, node.labels);

/** The pool's advertisements that match the service (serviceSelectors; empty = all). */
export function bgpAdvertisementsForService(
  service: Pick<AnnounceService, 'pool' | 'labels'>,
  advertisements: readonly BGPAdvertisement[],
): BGPAdvertisement[] {
  const pool = service.pool;
  if (pool === null) return [];
  return advertisements.filter(
    (a) => a.pools.includes(pool) && matchesAnySelector(a.serviceSelectors, service.labels),
  );
}

/** MetalLB's bgp ShouldAnnounce for `node`. */
export function shouldAnnounceBgp(
  node: NodeInfo | undefined,
  service: AnnounceService,
  ctx: BgpEligibilityContext,
): BgpDecision {
  if (service.ips.length === 0) return { announce: false, reason: 'noIPs' };
  if (!node) return { announce: false, reason: 'notOwner' };
  const ads = bgpAdvertisementsForService(service, ctx.advertisements);
  if (!ads.some((a) => selectsNode(a, node))) return { announce: false, reason: 'notOwner' };
  if (node.networkUnavailable) return { announce: false, reason: 'nodeNetworkUnavailable' };
  if (!ctx.ignoreExcludeLB && isExcludedFromLB(node))
    return { announce: false, reason: 'nodeLabeledExcludeBalancers' };
  if (service.externalTrafficPolicy === 'Local' && !hasHealthyEndpoint(service.endpoints, node.name))
    return { announce: false, reason: 'noLocalEndpoints' };
  if (!hasHealthyEndpoint(service.endpoints, null)) return { announce: false, reason: 'noEndpoints' };
  return { announce: true };
}

function standardText(value: number): string {
  return `${Math.floor(value / 65536)}:${value % 65536}`;
}

/**
 * The routes `node` announces for the service, one per (IP, advertisement selecting the node),
 * in IP order then advertisement order. Eligibility is not checked here (see shouldAnnounceBgp).
 */
export function prefixesFor(
  node: NodeInfo,
  service: Pick<AnnounceService, 'pool' | 'labels' | 'ips'>,
  advertisements: readonly BGPAdvertisement[],
): ServiceRoute[] {
  const ads = bgpAdvertisementsForService(service, advertisements).filter((a) => selectsNode(a, node));
  const routes: ServiceRoute[] = [];
  for (const ip of service.ips) {
    for (const ad of ads) {
      const len = ip.family === 'IPv4' ? ad.aggregationLength : ad.aggregationLengthV6;
      const std: number[] = [];
      const large: [number, number, number][] = [];
      for (const c of ad.communities) {
        if (c.kind === 'standard') std.push(c.value);
        else large.push([c.globalAdmin, c.localData1, c.localData2]);
      }
      std.sort((a, b) => a - b);
      large.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
      routes.push({
        prefix: formatCIDR(maskTo(ip, len)),
        family: ip.family,
        localPref: ad.localPref,
        communities: [...new Set(std)].map(standardText),
        largeCommunities: [...new Set(large.map((l) => l.join(':')))],
        peers: [...new Set(ad.peers)].sort(),
        advertisement: `${ad.namespace}/${ad.name}`,
      });
    }
  }
  return routes;
}

/** The BGPPeers this node keeps sessions with: nodeSelectors match (empty = every node). */
export function peersForNode(peers: readonly Peer[], node: NodeInfo): Peer[] {
  return peers.filter((p) => matchesAnySelector(p.nodeSelectors, node.labels));
}
