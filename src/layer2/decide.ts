// The whole layer 2 desired state of one node: for every service, run the election; for the
// services this node owns, resolve the interfaces; merge by IP (services sharing an IP announce
// it once, on the union of their interfaces). The result goes as is to the native announcer's
// setAnnouncements, which computes the difference itself.

import { formatIP } from '../config/ip.js';
import { serviceKey, type AnnounceService } from './announce-inputs.js';
import { l2InterfaceRequest, shouldAnnounceL2, type L2Decision, type L2ElectionContext } from './election.js';
import { selectInterfaces, type HostInterface } from './interfaces.js';

export interface L2Announcement {
  readonly ip: string;
  readonly interfaces: string[];
}

export interface L2ServiceOutcome {
  readonly decision: L2Decision;
  /** IPs announced from this node for the service (empty unless it owns it). */
  readonly ips: string[];
  /** Interfaces named by the advertisements that this host lacks (announceFailed events). */
  readonly missingInterfaces: string[];
}

export interface L2Plan {
  /** Sorted by IP text; the argument for L2Announcer.setAnnouncements. */
  readonly announcements: L2Announcement[];
  /** Per service key `namespace/name`. */
  readonly services: Map<string, L2ServiceOutcome>;
}

export interface L2HostView {
  readonly interfaces: readonly HostInterface[];
  /** Compiled exclusion patterns for "all interfaces" (default patterns when undefined). */
  readonly exclude?: readonly RegExp[];
}

export function decideLayer2(
  nodeName: string,
  services: readonly AnnounceService[],
  ctx: L2ElectionContext,
  host: L2HostView,
): L2Plan {
  const byIP = new Map<string, Set<string>>();
  const outcomes = new Map<string, L2ServiceOutcome>();
  const me = ctx.nodes.get(nodeName);
  for (const svc of services) {
    const decision = shouldAnnounceL2(nodeName, svc, ctx);
    if (!decision.announce || !me) {
      outcomes.set(serviceKey(svc), { decision, ips: [], missingInterfaces: [] });
      continue;
    }
    const sel = selectInterfaces(
      l2InterfaceRequest(me, svc, ctx.advertisements),
      host.interfaces,
      host.exclude,
    );
    const ips = svc.ips.map(formatIP);
    if (sel.interfaces.length > 0) {
      for (const ip of ips) {
        let set = byIP.get(ip);
        if (!set) byIP.set(ip, (set = new Set()));
        for (const i of sel.interfaces) set.add(i);
      }
    }
    outcomes.set(serviceKey(svc), {
      decision,
      ips: sel.interfaces.length > 0 ? ips : [],
      missingInterfaces: sel.missing,
    });
  }
  const announcements = [...byIP.entries()]
    .map(([ip, ifs]) => ({ ip, interfaces: [...ifs].sort() }))
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  return { announcements, services: outcomes };
}
