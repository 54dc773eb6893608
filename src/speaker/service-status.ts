// The status objects a speaker publishes per announced Service, as MetalLB's speaker does:
// ServiceL2Status (node + interfaces) and ServiceBGPStatus (node + BGPPeers). Pure: the desired
// set of each kind is a function of the node's plan, keyed by a deterministic object name, so a
// restarted speaker finds and reuses its own objects. ServiceStatusWriter keeps the API in line.

import { createHash } from 'node:crypto';

import { peerConfig } from './bgp-peer-config.js';
import type { NodePlan } from './node-plan.js';

export const LABEL_NODE = 'metallb.io/node';
export const LABEL_SERVICE_NAME = 'metallb.io/service-name';
export const LABEL_SERVICE_NAMESPACE = 'metallb.io/service-namespace';

interface StatusCommon {
  node: string;
  serviceName: string;
  serviceNamespace: string;
}

export interface L2StatusBody extends StatusCommon {
  interfaces: { name: string }[];
}

export interface BgpStatusBody extends StatusCommon {
  /** Names of the BGPPeers the Service is announced to, sorted. */
  peers: string[];
}

export type StatusBody = L2StatusBody | BgpStatusBody;

/** One status kind: its API coordinates, object name prefix and desired set. */
export interface ServiceStatusKind<B extends StatusBody = StatusBody> {
  readonly kind: 'ServiceL2Status' | 'ServiceBGPStatus';
  readonly plural: 'servicel2statuses' | 'servicebgpstatuses';
  readonly prefix: 'l2' | 'bgp';
  desired(nodeName: string, plan: NodePlan): Map<string, B>;
}

/** Deterministic object name per (kind, node, service), valid as a DNS subdomain. */
export function statusName(prefix: string, node: string, namespace: string, name: string): string {
  const hash = createHash('sha256').update(`${node}/${namespace}/${name}`).digest('hex').slice(0, 16);
  return `${prefix}-${hash}`;
}

export const l2StatusName = (node: string, ns: string, name: string) => statusName('l2', node, ns, name);
export const bgpStatusName = (node: string, ns: string, name: string) => statusName('bgp', node, ns, name);

function splitKey(key: string): { ns: string; name: string } {
  const slash = key.indexOf('/');
  return { ns: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The ServiceL2Statuses this node should publish, by object name. */
export function desiredL2Statuses(nodeName: string, plan: NodePlan): Map<string, L2StatusBody> {
  const out = new Map<string, L2StatusBody>();
  for (const [key, outcome] of plan.layer2.services) {
    if (!outcome.decision.announce || outcome.ips.length === 0) continue;
    const { ns, name } = splitKey(key);
    const ips = new Set(outcome.ips);
    const ifs = new Set<string>();
    for (const a of plan.layer2.announcements) if (ips.has(a.ip)) for (const i of a.interfaces) ifs.add(i);
    out.set(l2StatusName(nodeName, ns, name), {
      node: nodeName,
      serviceName: name,
      serviceNamespace: ns,
      interfaces: [...ifs].sort().map((n) => ({ name: n })),
    });
  }
  return out;
}

/**
 * The BGPPeers each Service is announced to from this node, by service key: the node's peers
 * that the native speaker serves (a refused peer carries nothing), narrowed by the
 * advertisements' peer filters. Services announced to no peer are absent.
 */
export function bgpAnnouncedPeers(plan: NodePlan): Map<string, string[]> {
  const served = plan.bgp.peers.filter((p) => peerConfig(p).ok).map((p) => p.name);
  const out = new Map<string, string[]>();
  if (served.length === 0) return out;
  const servedSet = new Set(served);
  for (const [key, outcome] of plan.bgp.services) {
    if (!outcome.decision.announce) continue;
    const peers = new Set<string>();
    for (const r of outcome.routes)
      for (const p of r.peers.length ? r.peers.filter((n) => servedSet.has(n)) : served) peers.add(p);
    if (peers.size) out.set(key, [...peers].sort());
  }
  return out;
}

/** The ServiceBGPStatuses this node should publish, by object name. */
export function desiredBgpStatuses(nodeName: string, plan: NodePlan): Map<string, BgpStatusBody> {
  const out = new Map<string, BgpStatusBody>();
  for (const [key, peers] of bgpAnnouncedPeers(plan)) {
    const { ns, name } = splitKey(key);
    out.set(bgpStatusName(nodeName, ns, name), {
      node: nodeName,
      serviceName: name,
      serviceNamespace: ns,
      peers,
    });
  }
  return out;
}

export const L2_STATUS: ServiceStatusKind<L2StatusBody> = {
  kind: 'ServiceL2Status',
  plural: 'servicel2statuses',
  prefix: 'l2',
  desired: desiredL2Statuses,
};

export const BGP_STATUS: ServiceStatusKind<BgpStatusBody> = {
  kind: 'ServiceBGPStatus',
  plural: 'servicebgpstatuses',
  prefix: 'bgp',
  desired: desiredBgpStatuses,
};
