// The controller's Prometheus metrics, with MetalLB's names, read from the allocator at scrape time.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface PoolStat {
  readonly pool: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly inUse: bigint;
  readonly total: bigint;
}

export function controllerRegistry(poolStats: () => readonly PoolStat[], isLeader: () => boolean): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ferrolb_' });
  // Sums per pool over both families, as MetalLB's allocator reports them.
  const perPool = (pick: (s: PoolStat) => bigint) => {
    const sums = new Map<string, bigint>();
    for (const s of poolStats()) sums.set(s.pool, (sums.get(s.pool) ?? 0n) + pick(s));
    return sums;
  };
  new Gauge({
    name: 'metallb_allocator_addresses_total',
    help: 'Number of usable IP addresses, per pool',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, n] of perPool((s) => s.total)) this.set({ pool }, Number(n));
    },
  });
  new Gauge({
    name: 'metallb_allocator_addresses_in_use_total',
    help: 'Number of IP addresses in use, per pool',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, n] of perPool((s) => s.inUse)) this.set({ pool }, Number(n));
    },
  });
  new Gauge({
    name: 'ferrolb_controller_leader',
    help: '1 when this replica holds the lease and allocates',
    registers: [registry],
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
  return registry;
}
