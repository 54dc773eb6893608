// When two Services may share one address (metallb.io/allow-shared-ip): the same sharing key, no
// protocol+port used by both, and compatible traffic policies — both Cluster, or both Local with
// the same pod selector (a Local service only answers on nodes running its own pods).
import type { ExternalTrafficPolicy, Labels, ServicePort } from '../config/model.js';

export interface SharingTraits {
  readonly key: string;
  readonly sharingKey: string | null;
  readonly ports: readonly ServicePort[];
  readonly externalTrafficPolicy: ExternalTrafficPolicy;
  readonly selector: Labels | null;
}

function sameLabels(a: Labels | null, b: Labels | null): boolean {
  if (a === null || b === null) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Null when `svc` may use an address already held by `other`, else why not. */
export function sharingRefusal(svc: SharingTraits, other: SharingTraits): string | null {
  if (svc.sharingKey === null || other.sharingKey === null)
    return `in use by ${other.key}${other.sharingKey === null ? ', which does not allow sharing' : ''}`;
  if (svc.sharingKey !== other.sharingKey)
    return `in use by ${other.key} with a different sharing key (${other.sharingKey} ≠ ${svc.sharingKey})`;
  for (const p of svc.ports) {
    const clash = other.ports.find((q) => q.protocol === p.protocol && q.port === p.port);
    if (clash) return `shared with ${other.key}, which already uses ${p.protocol}/${p.port}`;
  }
  if (svc.externalTrafficPolicy !== other.externalTrafficPolicy)
    return `shared with ${other.key}, whose externalTrafficPolicy is ${other.externalTrafficPolicy}, not ${svc.externalTrafficPolicy}`;
  if (svc.externalTrafficPolicy === 'Local' && !sameLabels(svc.selector, other.selector))
    return `shared with ${other.key}: externalTrafficPolicy Local services must have the same pod selector`;
  return null;
}
