// Native per-IP counters restart at zero when an address is released and announced again;
// Prometheus counters must never go down. This keeps running totals from successive readings.

/** Adds the growth of each reading to a total per key; a reading below the last one is a restart. */
export class CounterTotals {
  private readonly last = new Map<string, number>();
  private readonly totals = new Map<string, number>();

  /** Feeds one reading per source (`source` identifies the native counter, `key` the label set). */
  observe(source: string, key: string, value: number): void {
    const prev = this.last.get(source) ?? 0;
    const growth = value >= prev ? value - prev : value;
    this.last.set(source, value);
    this.totals.set(key, (this.totals.get(key) ?? 0) + growth);
  }

  /** Forgets sources not seen in the latest round of readings (their totals stay). */
  retain(sources: ReadonlySet<string>): void {
    for (const s of this.last.keys()) if (!sources.has(s)) this.last.delete(s);
  }

  entries(): IterableIterator<[string, number]> {
    return this.totals.entries();
  }
}
