// Which pools may serve a Service (serviceAllocation namespaces, namespaceSelectors and
// serviceSelectors) and in which order automatic allocation tries them.
import type { Labels, Pool, ServiceInput } from '../config/model.js';
import { matchesAnySelector } from '../config/selector.js';

/** Null when `pool` may give addresses to `svc`, else the reason it may not. */
export function poolRefusal(
  pool: Pool,
  svc: ServiceInput,
  namespaceLabels: Labels | undefined,
): string | null {
  const sa = pool.serviceAllocation;
  if (!sa) return null;
  if (sa.namespaces.length > 0 || sa.namespaceSelectors.length > 0) {
    const listed = sa.namespaces.includes(svc.namespace);
    const selected =
      namespaceLabels !== undefined && matchesAnySelector(sa.namespaceSelectors, namespaceLabels, false);
    if (!listed && !selected)
      return `IPAddressPool ${pool.name} does not serve namespace ${svc.namespace} (serviceAllocation)`;
  }
  if (sa.serviceSelectors.length > 0 && !matchesAnySelector(sa.serviceSelectors, svc.labels, false))
    return `IPAddressPool ${pool.name} does not serve this service: labels match no serviceSelector`;
  return null;
}

/**
 * Pools automatic allocation tries, in order: autoAssign pools whose serviceAllocation admits the
 * service, by priority (lower first; an unset priority, 0, after every set one), then autoAssign
 * pools without serviceAllocation. Ties break by name so the order never depends on input order.
 */
export function autoAssignOrder(
  pools: Iterable<Pool>,
  svc: ServiceInput,
  namespaceLabels: Labels | undefined,
): Pool[] {
  const scoped: Pool[] = [];
  const open: Pool[] = [];
  for (const p of pools) {
    if (!p.autoAssign) continue;
    if (p.serviceAllocation === null) open.push(p);
    else if (poolRefusal(p, svc, namespaceLabels) === null) scoped.push(p);
  }
  const rank = (p: Pool) => {
    const prio = p.serviceAllocation?.priority ?? 0;
    return prio === 0 ? Number.POSITIVE_INFINITY : prio;
  };
  const byName = (a: Pool, b: Pool) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  scoped.sort((a, b) => rank(a) - rank(b) || byName(a, b));
  open.sort(byName);
  return [...scoped, ...open];
}
