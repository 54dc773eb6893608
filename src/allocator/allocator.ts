// The IP allocator: pure, synchronous book-keeping of which Service holds which addresses.
// The controller feeds it the pools and every Service; it never does I/O. Decisions follow
// MetalLB's rules (see README of this folder) and are deterministic: the same pools and the same
// sequence of calls always give the same addresses.
import type { IPAddress, IPFamily, Labels, Pool, ServiceInput } from '../config/model.js';
import { formatIP } from '../config/ip.js';
import { autoAssignOrder, poolRefusal } from './eligibility.js';
import { familyNeed, requestedFamiliesError, type FamilyNeed } from './families.js';
import { PoolState } from './pool-state.js';
import { sharingRefusal, type SharingTraits } from './sharing.js';

export interface AllocatorOptions {
  /**
   * `--lb-class`: when set, only Services with this spec.loadBalancerClass are handled; when
   * null, only Services without a loadBalancerClass (MetalLB's behaviour).
   */
  readonly lbClass?: string | null;
  /** Labels of a namespace (for namespaceSelectors); undefined when unknown. */
  readonly namespaceLabels?: (namespace: string) => Labels | undefined;
}

export type Allocation =
  /** The service holds `ips` (primary family first) from `pool`; `changed` if they are new. */
  | {
      readonly kind: 'assigned';
      readonly pool: string;
      readonly ips: readonly IPAddress[];
      readonly changed: boolean;
    }
  /** Not ours to serve (not a LoadBalancer, other class); anything it held was released. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Could not allocate; anything it held was released. `reason` is meant for an Event. */
  | { readonly kind: 'failed'; readonly reason: string };

interface Holding extends SharingTraits {
  readonly pool: string;
  readonly ips: readonly IPAddress[];
}

export const serviceKey = (svc: { namespace: string; name: string }): string =>
  `${svc.namespace}/${svc.name}`;

const ipKey = (ip: IPAddress) => `${ip.family}/${ip.value}`;

function traits(svc: ServiceInput): SharingTraits {
  return {
    key: serviceKey(svc),
    sharingKey: svc.sharingKey,
    ports: svc.ports,
    externalTrafficPolicy: svc.externalTrafficPolicy,
    selector: svc.selector,
  };
}

class Refused extends Error {}

export class Allocator {
  private pools = new Map<string, PoolState>();
  private readonly holdings = new Map<string, Holding>();
  private readonly lbClass: string | null;
  private readonly namespaceLabels: (namespace: string) => Labels | undefined;

  constructor(pools: readonly Pool[] = [], opts: AllocatorOptions = {}) {
    this.lbClass = opts.lbClass ?? null;
    this.namespaceLabels = opts.namespaceLabels ?? (() => undefined);
    this.setPools(pools);
  }

  /**
   * Replaces the pools. Services keep their addresses when a pool (under any name) still contains
   * them; the others lose them. Returns the keys of the services that lost addresses, which the
   * caller must assign() again (every service should be re-assigned anyway, since eligibility may
   * have changed).
   */
  setPools(pools: readonly Pool[]): string[] {
    this.pools = new Map(pools.map((p) => [p.name, new PoolState(p)]));
    const lost: string[] = [];
    for (const [key, h] of [...this.holdings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const owner = this.poolOf(h.ips);
      if (typeof owner === 'string' || !h.ips.every((ip) => this.usableBy(owner, ip, h) === null)) {
        this.holdings.delete(key);
        lost.push(key);
        continue;
      }
      const moved = { ...h, pool: owner.pool.name };
      for (const ip of h.ips) owner.take(ip, key, h.sharingKey);
      this.holdings.set(key, moved);
    }
    return lost;
  }

  /** Current addresses of a service, or undefined. */
  holding(key: string): { pool: string; ips: readonly IPAddress[] } | undefined {
    const h = this.holdings.get(key);
    return h && { pool: h.pool, ips: h.ips };
  }

  /** Keys of all services currently holding addresses, sorted. */
  holders(): string[] {
    return [...this.holdings.keys()].sort();
  }

  /** Assigned/available counters of a pool, per family; undefined for an unknown pool. */
  poolCounters(name: string) {
    return this.pools.get(name)?.counters();
  }

  /** Releases whatever the service holds (deletion, or it stopped being a LoadBalancer). */
  release(key: string): boolean {
    const h = this.holdings.get(key);
    if (!h) return false;
    const ps = this.pools.get(h.pool);
    if (ps) for (const ip of h.ips) ps.give(ip, key, h.sharingKey);
    this.holdings.delete(key);
    return true;
  }

  /** Brings the service's addresses in line with its spec and the pools. */
  assign(svc: ServiceInput): Allocation {
    const key = serviceKey(svc);
    if (svc.type !== 'LoadBalancer') {
      this.release(key);
      return { kind: 'ignored', reason: `type is ${svc.type}, not LoadBalancer` };
    }
    if ((svc.loadBalancerClass ?? null) !== this.lbClass) {
      this.release(key);
      return {
        kind: 'ignored',
        reason:
          this.lbClass === null
            ? `loadBalancerClass ${svc.loadBalancerClass} is not ours`
            : `loadBalancerClass is ${svc.loadBalancerClass ?? 'unset'}, not ${this.lbClass}`,
      };
    }
    const need = familyNeed(svc);
    const current = this.holdings.get(key);
    if (current && this.stillValid(svc, current, need)) {
      // Keep the addresses; refresh what sharing checks read (ports may have changed).
      this.holdings.set(key, { ...current, ...traits(svc) });
      return { kind: 'assigned', pool: current.pool, ips: current.ips, changed: false };
    }
    this.release(key);
    try {
      const got = this.choose(svc, need);
      return {
        kind: 'assigned',
        pool: got.pool,
        ips: got.ips,
        changed: !current || !sameIPs(current.ips, got.ips),
      };
    } catch (e) {
      if (e instanceof Refused) return { kind: 'failed', reason: e.message };
      throw e;
    }
  }

  // --- decisions ------------------------------------------------------------------------------

  private choose(svc: ServiceInput, need: FamilyNeed): Holding {
    if (svc.requestedIPs.length > 0) return this.takeExact(svc, need, svc.requestedIPs, 'requested');
    // After a restart the addresses in status are taken back first, if they are still right.
    if (svc.ingressIPs.length > 0) {
      try {
        return this.takeExact(svc, need, svc.ingressIPs, 'previous');
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
      }
    }
    if (svc.requestedPool !== null) {
      const ps = this.pools.get(svc.requestedPool);
      if (!ps)
        throw new Refused(`IPAddressPool ${svc.requestedPool} (metallb.io/address-pool) does not exist`);
      const refusal = poolRefusal(ps.pool, svc, this.namespaceLabels(svc.namespace));
      if (refusal) throw new Refused(refusal);
      const got = this.fromPool(ps, svc, need, need.dual === 'preferred' ? 'both-or-primary' : 'all');
      if (typeof got === 'string') throw new Refused(got);
      return got;
    }
    const order = autoAssignOrder(
      [...this.pools.values()].map((p) => p.pool),
      svc,
      this.namespaceLabels(svc.namespace),
    );
    if (order.length === 0) throw new Refused('no IPAddressPool with autoAssign serves this service');
    // PreferDualStack: a pool giving both families wins over an earlier pool giving one.
    const passes: ('all' | 'both-or-primary')[] =
      need.dual === 'preferred' ? ['all', 'both-or-primary'] : ['all'];
    const reasons: string[] = [];
    for (const mode of passes) {
      for (const pool of order) {
        const got = this.fromPool(this.pools.get(pool.name) as PoolState, svc, need, mode);
        if (typeof got !== 'string') return got;
        if (mode === passes[passes.length - 1]) reasons.push(got);
      }
    }
    throw new Refused(`no available addresses: ${reasons.join('; ')}`);
  }

  /** Allocates the lowest usable address of each needed family from one pool. */
  private fromPool(
    ps: PoolState,
    svc: ServiceInput,
    need: FamilyNeed,
    mode: 'all' | 'both-or-primary',
  ): Holding | string {
    const families = need.families.filter(
      (f) => mode === 'all' || f === need.families[0] || ps.family(f).blocks.length > 0,
    );
    const t = traits(svc);
    const ips: IPAddress[] = [];
    for (const f of families) {
      if (ps.family(f).blocks.length === 0) return `IPAddressPool ${ps.pool.name} has no ${f} addresses`;
      const ip = this.lowestUsable(ps, f, t);
      if (!ip) return `IPAddressPool ${ps.pool.name} has no free ${f} address`;
      ips.push(ip);
    }
    return this.commit(ps, t, ips);
  }

  /** The lowest address (in block order) that is free or shareable with `t`. */
  private lowestUsable(ps: PoolState, f: IPFamily, t: SharingTraits): IPAddress | null {
    const free = ps.firstFree(f);
    let best: { value: bigint; block: number } | null = free;
    if (t.sharingKey !== null) {
      const st = ps.family(f);
      for (const value of st.bySharingKey.get(t.sharingKey) ?? []) {
        const ip = { family: f, value };
        if (this.sharingConflict(ps, ip, t) !== null) continue;
        const block = ps.blockOf(ip);
        if (!best || block < best.block || (block === best.block && value < best.value))
          best = { value, block };
      }
    }
    return best && { family: f, value: best.value };
  }

  /** Takes exactly the given addresses (requested ones, or the ones a service had before). */
  private takeExact(
    svc: ServiceInput,
    need: FamilyNeed,
    ips: readonly IPAddress[],
    why: 'requested' | 'previous',
  ): Holding {
    const famErr = requestedFamiliesError(
      need,
      ips.map((ip) => ip.family),
    );
    if (famErr) throw new Refused(famErr);
    const owner = this.poolOf(ips);
    if (typeof owner === 'string') throw new Refused(owner);
    if (svc.requestedPool !== null && owner.pool.name !== svc.requestedPool)
      throw new Refused(
        `${why} ${ips.map(formatIP).join(', ')} belongs to IPAddressPool ${owner.pool.name}, not to ${svc.requestedPool} (metallb.io/address-pool)`,
      );
    const refusal = poolRefusal(owner.pool, svc, this.namespaceLabels(svc.namespace));
    if (refusal) throw new Refused(refusal);
    const t = traits(svc);
    for (const ip of ips) {
      const why2 = this.usableBy(owner, ip, t);
      if (why2) throw new Refused(`${why} address ${formatIP(ip)} ${why2}`);
    }
    const ordered = need.families.flatMap((f) => ips.filter((ip) => ip.family === f));
    return this.commit(owner, t, ordered);
  }

  private commit(ps: PoolState, t: SharingTraits, ips: IPAddress[]): Holding {
    const h: Holding = { ...t, pool: ps.pool.name, ips };
    for (const ip of ips) ps.take(ip, t.key, t.sharingKey);
    this.holdings.set(t.key, h);
    return h;
  }

  /** The one pool containing all `ips`, or the reason there is none. */
  private poolOf(ips: readonly IPAddress[]): PoolState | string {
    let owner: PoolState | undefined;
    for (const ip of ips) {
      const ps = [...this.pools.values()].find((p) => p.contains(ip));
      if (!ps) return `${formatIP(ip)} is not in any IPAddressPool`;
      if (owner && owner !== ps)
        return `${ips.map(formatIP).join(' and ')} are in different IPAddressPools (${owner.pool.name}, ${ps.pool.name})`;
      owner = ps;
    }
    if (!owner) return 'no address given';
    return owner;
  }

  /** Null when `t` may hold `ip` of pool `ps` (ignoring what `t` itself holds), else why not. */
  private usableBy(ps: PoolState, ip: IPAddress, t: SharingTraits): string | null {
    if (ps.avoids(ip))
      return `ends in .0 or .255, which IPAddressPool ${ps.pool.name} avoids (avoidBuggyIPs)`;
    return this.sharingConflict(ps, ip, t);
  }

  private sharingConflict(ps: PoolState, ip: IPAddress, t: SharingTraits): string | null {
    for (const other of ps.family(ip.family).holders.get(ip.value) ?? []) {
      if (other === t.key) continue;
      const o = this.holdings.get(other);
      if (!o) continue;
      const why = sharingRefusal(t, o);
      if (why) return `is ${why}`;
    }
    return null;
  }

  private stillValid(svc: ServiceInput, h: Holding, need: FamilyNeed): boolean {
    const ps = this.pools.get(h.pool);
    if (!ps || !h.ips.every((ip) => ps.contains(ip))) return false;
    if (svc.requestedPool !== null && svc.requestedPool !== h.pool) return false;
    if (svc.requestedIPs.length > 0 && !sameIPs(svc.requestedIPs, h.ips)) return false;
    if (poolRefusal(ps.pool, svc, this.namespaceLabels(svc.namespace)) !== null) return false;
    const fams = h.ips.map((ip) => ip.family);
    if (fams[0] !== need.families[0] || !fams.every((f) => need.families.includes(f))) return false;
    if (need.dual === 'required' && fams.length !== 2) return false;
    if (need.dual === 'no' && fams.length !== 1) return false;
    const t = traits(svc);
    return h.ips.every((ip) => this.usableBy(ps, ip, t) === null);
  }
}

function sameIPs(a: readonly IPAddress[], b: readonly IPAddress[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a.map(ipKey));
  return b.every((ip) => set.has(ipKey(ip)));
}

/**
 * The order a (re)starting controller processes services in: those already holding addresses in
 * their status first, so that nobody else grabs them, then the rest; each group by key.
 */
export function restoreOrder<T extends ServiceInput>(services: readonly T[]): T[] {
  const byKey = (a: T, b: T) => {
    const ka = serviceKey(a);
    const kb = serviceKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  const withIPs = services.filter((s) => s.ingressIPs.length > 0).sort(byKey);
  const without = services.filter((s) => s.ingressIPs.length === 0).sort(byKey);
  return [...withIPs, ...without];
}

export interface PlanEntry {
  readonly namespace: string;
  readonly name: string;
  readonly allocation: Allocation;
}

/**
 * One-shot allocation for a fixed set of Services (standalone mode, dry runs, benchmarks):
 * Services that already show addresses first, then the others, each group in the order given.
 * Results come back in the input order. Same inputs, same result, on every host.
 */
export function allocateAll(
  pools: readonly Pool[],
  services: readonly ServiceInput[],
  opts: AllocatorOptions = {},
): PlanEntry[] {
  const alloc = new Allocator(pools, opts);
  const results = new Map<ServiceInput, Allocation>();
  for (const s of services.filter((x) => x.ingressIPs.length > 0)) results.set(s, alloc.assign(s));
  for (const s of services.filter((x) => x.ingressIPs.length === 0)) results.set(s, alloc.assign(s));
  return services.map((s) => ({
    namespace: s.namespace,
    name: s.name,
    allocation: results.get(s) as Allocation,
  }));
}
