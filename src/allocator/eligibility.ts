// Which pools may serve a Service and in which order automatic allocation tries them. The
// decision itself is src/config/scope.ts (shared with every other consumer of the model); this
// adds the reasons an Event needs when a pool refuses.
import type { Labels, Pool, ServiceInput } from '../config/model.js';
import { candidatePools, poolAcceptsService } from '../config/scope.js';

/** Null when `pool` may give addresses to `svc`, else the reason it may not. */
export function poolRefusal(
  pool: Pool,
  svc: ServiceInput,
  namespaceLabels: Labels | undefined,
): string | null {
  if (poolAcceptsService(pool, svc, namespaceLabels ?? {})) return null;
  const sa = pool.serviceAllocation;
  const namespaceOk =
    !sa ||
    (sa.namespaces.length === 0 && sa.namespaceSelectors.length === 0) ||
    poolAcceptsService(
      { ...pool, serviceAllocation: { ...sa, serviceSelectors: [] } },
      svc,
      namespaceLabels ?? {},
    );
  return namespaceOk
    ? `IPAddressPool ${pool.name} does not serve this service: labels match no serviceSelector`
    : `IPAddressPool ${pool.name} does not serve namespace ${svc.namespace} (serviceAllocation)`;
}

/**
 * Pools automatic allocation tries, in order: autoAssign pools whose serviceAllocation admits the
 * service, by priority (lower first; an unset priority after every set one), then autoAssign
 * pools without serviceAllocation, each group by name so input order never matters.
 */
export function autoAssignOrder(
  pools: Iterable<Pool>,
  svc: ServiceInput,
  namespaceLabels: Labels | undefined,
): Pool[] {
  const byName = [...pools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return candidatePools(byName, svc, namespaceLabels ?? {});
}
