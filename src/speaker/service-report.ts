// Per-service summary of a NodePlan: what this node announces for a service over each protocol
// and, when it does not, why. Used by `standalone --dry-run` and for logging decision changes.
// A protocol appears only when the service's pool has an advertisement of that kind.

import { formatIP } from '../config/ip.js';
import type { Config } from '../config/model.js';
import { serviceKey, type AnnounceService } from '../layer2/announce-inputs.js';
import type { NodePlan } from './node-plan.js';

export type Layer2Report =
  | { announce: true; interfaces: string[]; missingInterfaces?: string[] }
  | { announce: false; reason: string; detail: string; owner: string | null };

export type BgpReport =
  | {
      announce: true;
      prefixes: string[];
      peers: string[];
      communities: string[];
      largeCommunities: string[];
      /** The LOCAL_PREF when every route carries the same one; null otherwise or unset. */
      localPref: number | null;
      routes: {
        prefix: string;
        advertisement: string;
        peers: string[];
        localPref: number | null;
        communities: string[];
        largeCommunities: string[];
      }[];
    }
  | { announce: false; reason: string };

export interface AnnounceReport {
  layer2?: Layer2Report;
  bgp?: BgpReport;
}

const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

function layer2Report(svc: AnnounceService, plan: NodePlan): Layer2Report {
  const out = plan.layer2.services.get(serviceKey(svc));
  if (!out) return { announce: false, reason: 'notOwner', detail: 'noIPs', owner: null };
  const d = out.decision;
  if (!d.announce) return { announce: false, reason: d.reason, detail: d.detail, owner: d.owner };
  const ips = new Set(out.ips);
  const interfaces = uniqSorted(
    plan.layer2.announcements.filter((a) => ips.has(a.ip)).flatMap((a) => a.interfaces),
  );
  if (interfaces.length === 0)
    return { announce: false, reason: 'noInterfaces', detail: 'noInterfaces', owner: d.owner };
  return out.missingInterfaces.length > 0
    ? { announce: true, interfaces, missingInterfaces: [...out.missingInterfaces] }
    : { announce: true, interfaces };
}

function bgpReport(svc: AnnounceService, plan: NodePlan): BgpReport {
  const out = plan.bgp.services.get(serviceKey(svc));
  if (!out) return { announce: false, reason: 'noIPs' };
  if (!out.decision.announce) return { announce: false, reason: out.decision.reason };
  const nodePeers = plan.bgp.peers.map((p) => p.name).sort();
  if (nodePeers.length === 0) return { announce: false, reason: 'noPeers' };
  // A route limited to peers this node has no session with goes nowhere from here.
  const routes = out.routes
    .map((r) => ({
      prefix: r.prefix,
      advertisement: r.advertisement,
      peers: r.peers.length ? r.peers.filter((p) => nodePeers.includes(p)) : nodePeers,
      localPref: r.localPref,
      communities: [...r.communities],
      largeCommunities: [...r.largeCommunities],
    }))
    .filter((r) => r.peers.length > 0);
  if (routes.length === 0) return { announce: false, reason: 'noPeers' };
  const prefs = new Set(routes.map((r) => r.localPref));
  return {
    announce: true,
    prefixes: uniqSorted(routes.map((r) => r.prefix)),
    peers: uniqSorted(routes.flatMap((r) => r.peers)),
    communities: uniqSorted(routes.flatMap((r) => r.communities)),
    largeCommunities: uniqSorted(routes.flatMap((r) => r.largeCommunities)),
    localPref: prefs.size === 1 ? ([...prefs][0] ?? null) : null,
    routes,
  };
}

export function announceReport(svc: AnnounceService, config: Config, plan: NodePlan): AnnounceReport {
  const report: AnnounceReport = {};
  const pool = svc.pool;
  if (pool === null) return report;
  if (config.l2Advertisements.some((a) => a.pools.includes(pool))) report.layer2 = layer2Report(svc, plan);
  if (config.bgpAdvertisements.some((a) => a.pools.includes(pool))) report.bgp = bgpReport(svc, plan);
  return report;
}

export const ipTexts = (svc: { ips: readonly Parameters<typeof formatIP>[0][] }) => svc.ips.map(formatIP);
