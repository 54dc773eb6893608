// What the controller writes on a Service, computed from an allocation and compared with what
// the Service already shows, so unchanged Services cost no API call.
import type { IPAddress } from '../config/model.js';
import { formatIP } from '../config/ip.js';

export const ALLOCATED_FROM_POOL = 'metallb.io/ip-allocated-from-pool';

export interface ServiceView {
  readonly ingressIPs: readonly string[];
  readonly poolAnnotation: string | null;
}

export interface DesiredService {
  readonly ingressIPs: readonly string[];
  readonly poolAnnotation: string | null;
}

/** The current ingress IPs and pool annotation of a Service object (plain or client-node). */
export function viewOf(obj: unknown): ServiceView {
  const o = obj as {
    metadata?: { annotations?: Record<string, string> };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
  };
  const ingress = o.status?.loadBalancer?.ingress ?? [];
  return {
    ingressIPs: ingress.map((i) => i.ip ?? '').filter((ip) => ip !== ''),
    poolAnnotation: o.metadata?.annotations?.[ALLOCATED_FROM_POOL] ?? null,
  };
}

export const desired = (ips: readonly IPAddress[], pool: string | null): DesiredService => ({
  ingressIPs: ips.map(formatIP),
  poolAnnotation: pool,
});

export const cleared: DesiredService = { ingressIPs: [], poolAnnotation: null };

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Merge patches to send (null when nothing to change). */
export function statusPatch(view: ServiceView, want: DesiredService): object | null {
  if (sameList(view.ingressIPs, want.ingressIPs)) return null;
  return {
    status: {
      loadBalancer: { ingress: want.ingressIPs.length ? want.ingressIPs.map((ip) => ({ ip })) : null },
    },
  };
}

export function annotationPatch(view: ServiceView, want: DesiredService): object | null {
  if (view.poolAnnotation === want.poolAnnotation) return null;
  return { metadata: { annotations: { [ALLOCATED_FROM_POOL]: want.poolAnnotation } } };
}
