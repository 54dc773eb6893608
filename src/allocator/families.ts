// Which address families a Service needs, from spec.ipFamilyPolicy and spec.ipFamilies (the
// primary family is ipFamilies[0], as Kubernetes defines it).
import type { IPFamily, ServiceInput } from '../config/model.js';

export interface FamilyNeed {
  /** Families in ingress order: the primary first. */
  readonly families: readonly IPFamily[];
  /** 'required': both families or nothing; 'preferred': both if one pool offers both, else the primary. */
  readonly dual: 'no' | 'preferred' | 'required';
}

export const otherFamily = (f: IPFamily): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

export function familyNeed(svc: ServiceInput): FamilyNeed {
  const primary: IPFamily = svc.ipFamilies[0] ?? svc.clusterIPs[0]?.family ?? 'IPv4';
  switch (svc.ipFamilyPolicy) {
    case 'RequireDualStack':
      return { families: [primary, otherFamily(primary)], dual: 'required' };
    case 'PreferDualStack':
      // The API server lists one family when the cluster is single-stack; then so do we.
      return svc.ipFamilies.length >= 2
        ? { families: [primary, otherFamily(primary)], dual: 'preferred' }
        : { families: [primary], dual: 'no' };
    default:
      return { families: [primary], dual: 'no' };
  }
}

/**
 * Checks that explicitly requested addresses fit the Service's families; returns the reason they
 * do not, or null.
 */
export function requestedFamiliesError(need: FamilyNeed, families: readonly IPFamily[]): string | null {
  const distinct = new Set(families);
  if (distinct.size !== families.length) return 'more than one requested address of the same IP family';
  if (need.dual === 'required' && distinct.size !== 2)
    return 'ipFamilyPolicy RequireDualStack needs one requested IPv4 and one IPv6 address';
  for (const f of distinct) {
    if (!need.families.includes(f))
      return `requested ${f} address does not match the service's IP families (${need.families.join(', ')})`;
  }
  return null;
}
