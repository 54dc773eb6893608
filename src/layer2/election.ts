// Layer 2 announcer election: every speaker runs this independently over the same inputs and
// they all agree on one owner per service, with no stored leader. It reproduces MetalLB's
// layer2 controller so that ferrolb and MetalLB speakers in one cluster pick the same node:
//
//   1. at least one endpoint of the service must be able to serve (else nobody announces);
//   2. the advertisements that apply are the L2Advertisements of the service's pool whose
//      serviceSelectors match the service (empty = all services);
//   3. candidates are the live speakers whose Node is known, not NetworkUnavailable, not labelled
//      exclude-from-external-load-balancers (unless ignoreExcludeLB), and selected by the
//      nodeSelectors of at least one applicable advertisement; with externalTrafficPolicy Local
//      only candidates hosting a serving endpoint remain;
//   4. candidates are ordered by preference score (sum of the weights of the applicable
//      advertisements' preferredNodeSelectors that match the node, counted only for
//      advertisements that select the node) highest first, then by
//      sha256(nodeName + "#" + firstIngressIP) bytes ascending; the first one owns the service.
//
// The hashed IP is the first status.loadBalancer.ingress IP printed the way Go's net.IP.String()
// prints it (MetalLB hashes that string), so dual-stack services elect on their primary IP.

import * as crypto from 'node:crypto';

import { formatIP } from '../config/ip.js';
import type { IPAddress, L2Advertisement } from '../config/model.js';
import { matchesAnySelector, matchesSelector } from '../config/selector.js';
import {
  anyEndpointCanServe,
  isExcludedFromLB,
  nodesWithServingEndpoints,
  type AnnounceService,
  type NodeInfo,
} from './announce-inputs.js';

export interface L2ElectionContext {
  /** Every Node the speaker knows, by name. */
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  /** Live speakers from speakerlist; null when membership is disabled (every known Node counts). */
  readonly liveMembers: ReadonlySet<string> | null;
  /** All L2Advertisements of the configuration (filtered by pool and service here). */
  readonly advertisements: readonly L2Advertisement[];
  /** `--ignore-exclude-lb`: do not honour the exclude-from-external-load-balancers label. */
  readonly ignoreExcludeLB: boolean;
}

export interface RankedNode {
  readonly node: string;
  readonly score: number;
}

/** Why this node does not announce, finer than MetalLB's reason string. */
export type L2NotAnnouncingDetail =
  | 'noIPs'
  | 'noPool'
  | 'noEndpoints'
  | 'nodeNotSelected'
  | 'noMatchingAdvertisement'
  | 'noEligibleNodes'
  | 'lostElection';

export type L2Decision =
  | { readonly announce: true; readonly owner: string }
  | {
      readonly announce: false;
      /** The string MetalLB reports ('notOwner', or 'noMatchingAdvertisement'). */
      readonly reason: 'notOwner' | 'noMatchingAdvertisement';
      readonly detail: L2NotAnnouncingDetail;
      /** The node that wins the election, when there is one. */
      readonly owner: string | null;
    };

/** Go's net.IP.String(): IPv4-mapped IPv6 addresses print as dotted quads. */
export function goIPString(ip: IPAddress): string {
  if (ip.family === 'IPv6' && ip.value >> 32n === 0xffffn) {
    return formatIP({ family: 'IPv4', value: ip.value & 0xffffffffn });
  }
  return formatIP(ip);
}

/** The election key of a node for an IP: sha256(nodeName + "#" + ip). */
export function electionHash(nodeName: string, ipString: string): Buffer {
  const input = `${nodeName}#${ipString}`;
  // crypto.hash (Node ≥ 20.12) is the cheaper one-shot; elections hash thousands of these.
  if (typeof crypto.hash === 'function') return crypto.hash('sha256', input, 'buffer');
  return crypto.createHash('sha256').update(input, 'utf8').digest();
}

/** The pool's advertisements that apply to the service (serviceSelectors; empty = all). */
export function l2AdvertisementsForService(
  service: Pick<AnnounceService, 'pool' | 'labels'>,
  advertisements: readonly L2Advertisement[],
): L2Advertisement[] {
  const pool = service.pool;
  if (pool === null) return [];
  return advertisements.filter(
    (a) => a.pools.includes(pool) && matchesAnySelector(a.serviceSelectors, service.labels),
  );
}

const selectsNode = (ad: L2Advertisement, node: NodeInfo): boolean =>
  matchesAnySelector(ad.nodeSelectors, node.labels);

/** Sum of the preferredNodeSelectors weights, counted per advertisement that selects the node. */
export function preferenceScore(node: NodeInfo, ads: readonly L2Advertisement[]): number {
  let score = 0;
  for (const ad of ads) {
    if (!selectsNode(ad, node)) continue;
    for (const p of ad.preferredNodeSelectors)
      if (matchesSelector(p.preference, node.labels)) score += p.weight;
  }
  return score;
}

/** Nodes that may announce the service at all, before endpoint locality and ordering. */
function eligibleNodes(ads: readonly L2Advertisement[], ctx: L2ElectionContext): NodeInfo[] {
  const names = ctx.liveMembers ?? ctx.nodes.keys();
  const out: NodeInfo[] = [];
  for (const name of names) {
    const node = ctx.nodes.get(name);
    if (!node) continue; // a speaker without a Node object matches no advertisement
    if (node.networkUnavailable) continue;
    if (!ctx.ignoreExcludeLB && isExcludedFromLB(node)) continue;
    if (ads.some((a) => selectsNode(a, node))) out.push(node);
  }
  return out;
}

/**
 * The election order for the service (owner first), or empty when no node may announce it.
 * Independent of which node asks.
 */
export function rankL2Candidates(service: AnnounceService, ctx: L2ElectionContext): RankedNode[] {
  const first = service.ips[0];
  if (first === undefined || !anyEndpointCanServe(service.endpoints)) return [];
  const ads = l2AdvertisementsForService(service, ctx.advertisements);
  let nodes = eligibleNodes(ads, ctx);
  if (service.externalTrafficPolicy === 'Local') {
    const local = nodesWithServingEndpoints(service.endpoints);
    nodes = nodes.filter((n) => local.has(n.name));
  }
  const ipString = goIPString(first);
  const keyed = nodes.map((n) => ({
    node: n.name,
    score: preferenceScore(n, ads),
    hash: electionHash(n.name, ipString),
  }));
  keyed.sort((a, b) => b.score - a.score || Buffer.compare(a.hash, b.hash));
  return keyed.map(({ node, score }) => ({ node, score }));
}

/** MetalLB's ShouldAnnounce for layer 2, from the point of view of `myNode`. */
export function shouldAnnounceL2(
  myNode: string,
  service: AnnounceService,
  ctx: L2ElectionContext,
): L2Decision {
  const no = (detail: L2NotAnnouncingDetail, owner: string | null = null): L2Decision => ({
    announce: false,
    reason: detail === 'noMatchingAdvertisement' ? 'noMatchingAdvertisement' : 'notOwner',
    detail,
    owner,
  });
  if (service.ips.length === 0) return no('noIPs');
  if (service.pool === null) return no('noPool');
  if (!anyEndpointCanServe(service.endpoints)) return no('noEndpoints');
  const me = ctx.nodes.get(myNode);
  const poolAds = ctx.advertisements.filter((a) => service.pool !== null && a.pools.includes(service.pool));
  if (!me || !poolAds.some((a) => selectsNode(a, me))) return no('nodeNotSelected');
  const ads = l2AdvertisementsForService(service, ctx.advertisements);
  if (!ads.some((a) => selectsNode(a, me))) return no('noMatchingAdvertisement');
  const ranking = rankL2Candidates(service, ctx);
  const owner = ranking[0]?.node ?? null;
  if (owner === null) return no('noEligibleNodes');
  if (owner !== myNode) return no('lostElection', owner);
  return { announce: true, owner };
}

/**
 * Which interfaces the owner announces on, per the applicable advertisements that select it:
 * `all` when any of them lists no interfaces, else the union of the names they list.
 */
export function l2InterfaceRequest(
  myNode: NodeInfo,
  service: Pick<AnnounceService, 'pool' | 'labels'>,
  advertisements: readonly L2Advertisement[],
): { all: true } | { all: false; names: string[] } {
  const names = new Set<string>();
  for (const ad of l2AdvertisementsForService(service, advertisements)) {
    if (!selectsNode(ad, myNode)) continue;
    if (ad.interfaces.length === 0) return { all: true };
    for (const i of ad.interfaces) names.add(i);
  }
  return { all: false, names: [...names].sort() };
}
