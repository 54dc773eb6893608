// A keyed work queue in the style of client-go's: a key is queued at most once however many
// times it is added (a burst of changes to one object means one reconcile), a key is never
// processed by two workers at once (adding it while in flight re-queues it afterwards), and a
// failing key is retried with per-key exponential backoff.

export interface WorkQueueOptions {
  /** First retry delay after a failure, ms. */
  readonly baseDelayMs?: number;
  /** Retry delay cap, ms. */
  readonly maxDelayMs?: number;
}

export type Handler<K> = (key: K) => Promise<void> | void;

export class WorkQueue<K extends string = string> {
  private readonly queue: K[] = [];
  private head = 0;
  private readonly queued = new Set<K>();
  private readonly inFlight = new Set<K>();
  /** Keys added while in flight: queued again when their current run ends. */
  private readonly dirty = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, NodeJS.Timeout>();
  private readonly waiters: (() => void)[] = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 50;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
  }

  /** Keys waiting (not counting in-flight or delayed ones). */
  get length(): number {
    return this.queue.length - this.head;
  }

  add(key: K): void {
    if (this.closed) return;
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  /** Re-adds `key` after its backoff delay (doubling per consecutive failure). */
  addRateLimited(key: K): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs);
    if (!this.timers.has(key)) {
      const t = setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delay);
      t.unref();
      this.timers.set(key, t);
    }
    return delay;
  }

  /** Clears the failure count of `key` (after a success). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  failuresOf(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  private take(): K | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head++] as K;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.queued.delete(key);
    return key;
  }

  /**
   * Processes keys until shutdown(), with `concurrency` workers. A handler that throws gets its
   * key retried with backoff (and `onError` called); one that returns gets its failures forgotten.
   */
  async run(
    handler: Handler<K>,
    opts: { concurrency?: number; onError?: (key: K, err: unknown, retryInMs: number) => void } = {},
  ): Promise<void> {
    const worker = async () => {
      while (!this.closed) {
        const key = this.take();
        if (key === undefined) {
          await new Promise<void>((resolve) => this.waiters.push(resolve));
          continue;
        }
        this.inFlight.add(key);
        try {
          await handler(key);
          this.forget(key);
        } catch (err) {
          const delay = this.addRateLimited(key);
          opts.onError?.(key, err, delay);
        } finally {
          this.inFlight.delete(key);
          if (this.dirty.delete(key)) this.add(key);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 1 }, worker));
  }

  /** Resolves once nothing is queued or in flight (delayed retries do not count). */
  async drained(pollMs = 5): Promise<void> {
    while (this.length > 0 || this.inFlight.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  shutdown(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
  }
}
