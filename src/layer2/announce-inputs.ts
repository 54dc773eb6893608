// The plain-data view of the cluster that announcement decisions read: nodes, endpoints and the
// service being announced. The Kubernetes watcher and standalone mode both fill these in; the
// decision functions (L2 election, BGP eligibility) never see API objects.
//
// The predicates follow MetalLB's speaker so that mixed fleets reach the same answers:
//  - an endpoint can serve when `ready` is unset or true, or when `serving` is true (EndpointSlice
//    semantics: a terminating endpoint that still passes its readiness probe keeps serving);
//  - a node is unavailable when its NetworkUnavailable condition is "True";
//  - a node is excluded when it carries the exclude-from-external-load-balancers label, whatever
//    the label's value.

import type { ExternalTrafficPolicy, IPAddress, Labels } from '../config/model.js';

export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface NodeInfo {
  readonly name: string;
  readonly labels: Labels;
  /** The NodeNetworkUnavailable condition has status "True". */
  readonly networkUnavailable: boolean;
  /** The Ready condition has status "True" (used only when membership is disabled). */
  readonly ready: boolean;
}

/** One endpoint of an EndpointSlice; conditions are null when the slice leaves them unset. */
export interface EndpointInfo {
  readonly nodeName: string | null;
  readonly addresses: readonly string[];
  readonly ready: boolean | null;
  readonly serving: boolean | null;
  readonly terminating: boolean | null;
}

/** A LoadBalancer service that has IPs, as the speaker sees it. */
export interface AnnounceService {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly externalTrafficPolicy: ExternalTrafficPolicy;
  /** status.loadBalancer.ingress IPs in status order; the first one names the election. */
  readonly ips: readonly IPAddress[];
  /** The pool whose CIDRs hold every IP (see poolForIPs); null when none does. */
  readonly pool: string | null;
  /** Endpoints of every EndpointSlice of the service. */
  readonly endpoints: readonly EndpointInfo[];
}

export const serviceKey = (s: { namespace: string; name: string }): string => `${s.namespace}/${s.name}`;

/** MetalLB's EndpointCanServe. */
export function endpointCanServe(ep: EndpointInfo): boolean {
  if (ep.ready === null || ep.ready) return true;
  return ep.serving === true;
}

export function anyEndpointCanServe(eps: readonly EndpointInfo[]): boolean {
  return eps.some(endpointCanServe);
}

/** Nodes hosting at least one endpoint that can serve. */
export function nodesWithServingEndpoints(eps: readonly EndpointInfo[]): Set<string> {
  const out = new Set<string>();
  for (const ep of eps) if (ep.nodeName !== null && endpointCanServe(ep)) out.add(ep.nodeName);
  return out;
}

/**
 * MetalLB's hasHealthyEndpoint for BGP: per address, any not-serving copy wins over serving copies
 * (an address listed unready on one port is unready), then at least one address must be healthy.
 * `onNode` restricts the check to endpoints on that node (externalTrafficPolicy: Local).
 */
export function hasHealthyEndpoint(eps: readonly EndpointInfo[], onNode: string | null): boolean {
  const ready = new Map<string, boolean>();
  for (const ep of eps) {
    if (onNode !== null && ep.nodeName !== onNode) continue;
    const ok = endpointCanServe(ep);
    for (const addr of ep.addresses) {
      if (!ok) ready.set(addr, false);
      else if (!ready.has(addr)) ready.set(addr, true);
    }
  }
  for (const r of ready.values()) if (r) return true;
  return false;
}

export const isExcludedFromLB = (n: NodeInfo): boolean => Object.hasOwn(n.labels, EXCLUDE_LB_LABEL);

/**
 * Builds a NodeInfo from a v1 Node as plain JSON (`metadata.name`, `metadata.labels`,
 * `status.conditions`), for callers holding API objects.
 */
export function nodeInfoFromObject(node: {
  metadata?: { name?: string; labels?: Record<string, string> | null };
  status?: { conditions?: readonly { type?: string; status?: string }[] | null };
}): NodeInfo {
  const conditions = node.status?.conditions ?? [];
  return {
    name: node.metadata?.name ?? '',
    labels: node.metadata?.labels ?? {},
    networkUnavailable: conditions.some((c) => c.type === 'NetworkUnavailable' && c.status === 'True'),
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/**
 * The live set to use when speakerlist is disabled: the Ready nodes. (MetalLB itself treats every
 * Node as live in that case; pass `liveMembers: null` to the election for that behaviour.)
 */
export function readyNodeNames(nodes: Iterable<NodeInfo>): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) if (n.ready) out.add(n.name);
  return out;
}

/**
 * Builds EndpointInfos from discovery.k8s.io/v1 EndpointSlices as plain JSON.
 */
export function endpointsFromSlices(
  slices: readonly {
    endpoints?: readonly {
      addresses?: readonly string[];
      nodeName?: string | null;
      conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    }[];
  }[],
): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (const s of slices)
    for (const ep of s.endpoints ?? [])
      out.push({
        nodeName: ep.nodeName ?? null,
        addresses: ep.addresses ?? [],
        ready: ep.conditions?.ready ?? null,
        serving: ep.conditions?.serving ?? null,
        terminating: ep.conditions?.terminating ?? null,
      });
  return out;
}
