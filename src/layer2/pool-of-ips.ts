// Which pool a service's IPs belong to (MetalLB's poolFor): the pool whose CIDRs contain every
// one of them. Pools never overlap (buildConfig rejects that), so at most one pool qualifies.

import { cidrContains, type IPAddress } from '../config/ip.js';
import type { Pool } from '../config/model.js';

export function poolForIPs(pools: readonly Pool[], ips: readonly IPAddress[]): string | null {
  if (ips.length === 0) return null;
  for (const pool of pools) {
    if (ips.every((ip) => pool.cidrs.some((c) => cidrContains(c, ip)))) return pool.name;
  }
  return null;
}
