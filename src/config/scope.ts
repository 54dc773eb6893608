// Which pools may serve a service, as MetalLB's allocator decides it (isPoolCompatibleWithService,
// pinnedPoolsForService, sortPools), as pure functions over the model. MetalLB resolves
// namespaceSelectors to namespace names at config time; here the caller passes the labels of the
// service's namespace, which gives the same answer without re-validating on namespace changes.
import type { Labels, Pool, ServiceInput } from './model.js';
import { matchesAnySelector } from './selector.js';

/**
 * True when the pool's serviceAllocation admits the service. Pools without serviceAllocation
 * admit every service (they are the "other autoAssign pools", tried after the scoped ones).
 */
export function poolAcceptsService(
  pool: Pool,
  service: Pick<ServiceInput, 'namespace' | 'labels'>,
  namespaceLabels: Labels,
): boolean {
  const sa = pool.serviceAllocation;
  if (!sa) return true;
  const scopedByNamespace = sa.namespaces.length > 0 || sa.namespaceSelectors.length > 0;
  if (
    scopedByNamespace &&
    !sa.namespaces.includes(service.namespace) &&
    !matchesAnySelector(sa.namespaceSelectors, namespaceLabels, false)
  )
    return false;
  return matchesAnySelector(sa.serviceSelectors, service.labels, true);
}

/** Sort order for scoped pools: positive priorities ascending, then unset (0); ties by name. */
export function comparePoolPriority(a: Pool, b: Pool): number {
  const pa = a.serviceAllocation?.priority ?? 0;
  const pb = b.serviceAllocation?.priority ?? 0;
  const rank = (p: number) => (p > 0 ? 0 : 1);
  if (rank(pa) !== rank(pb)) return rank(pa) - rank(pb);
  if (pa !== pb) return pa - pb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The pools to try for automatic allocation, in order: scoped pools (serviceAllocation set) that
 * admit the service, by priority; then the unscoped autoAssign pools by name. Pools with
 * autoAssign: false are only used when requested by name or address.
 */
export function candidatePools(
  pools: readonly Pool[],
  service: Pick<ServiceInput, 'namespace' | 'labels'>,
  namespaceLabels: Labels,
): Pool[] {
  const scoped = pools
    .filter(
      (p) => p.autoAssign && p.serviceAllocation !== null && poolAcceptsService(p, service, namespaceLabels),
    )
    .sort(comparePoolPriority);
  const unscoped = pools.filter((p) => p.autoAssign && p.serviceAllocation === null);
  return [...scoped, ...unscoped];
}
