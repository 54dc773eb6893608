// Leader election through a coordination.k8s.io/v1 Lease, the mechanism client-go uses, so one
// controller replica acts and a standby takes over within the lease duration when it dies.
//
// Expiry is judged on the local clock only: a candidate remembers when it last saw the lease
// record change and treats it as expired once it has stayed unchanged for leaseDuration. Clock
// skew between nodes therefore never lets two replicas lead at once. Writes use the lease's
// resourceVersion (optimistic concurrency), so two candidates racing for an expired lease
// cannot both win.
import { ApiException, V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** How long a lease stays valid without renewal. */
  readonly leaseDurationMs?: number;
  /** The leader steps down when it could not renew for this long (< leaseDuration). */
  readonly renewDeadlineMs?: number;
  /** Interval between acquire/renew attempts. */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  /** Called once when leadership is lost (or released); the caller should stop acting. */
  readonly onStoppedLeading: () => void;
  readonly onNewLeader?: (identity: string) => void;
  readonly log?: (msg: string, err?: unknown) => void;
}

const isStatus = (e: unknown, code: number) => e instanceof ApiException && e.code === code;

export class LeaderElector {
  private observedRecord = '';
  private observedAt = 0;
  private lastRenew = 0;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<void> = Promise.resolve();
  private lastLeader = '';
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly opts: LeaderElectionOptions,
  ) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseDurationMs))
      throw new Error('renewDeadline must be shorter than leaseDuration');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    this.inFlight = this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick();
    }, this.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    let ok = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A request that hangs (server up but stuck) must not keep a leader that cannot renew
      // from noticing that its renew deadline passed, so each attempt has a time limit.
      const limitMs = Math.max(200, Math.floor(this.renewDeadlineMs / 2));
      ok = await Promise.race([
        this.tryAcquireOrRenew(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`lease request took over ${limitMs} ms`)), limitMs);
        }),
      ]);
    } catch (err) {
      this.opts.log?.('lease acquire/renew failed', err);
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.opts.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      this.opts.onStoppedLeading();
    }
    this.schedule();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = new V1MicroTime();
    const durationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        this.noteLeader(identity);
        return true;
      } catch (e) {
        if (isStatus(e, 409)) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = `${holder}|${String(spec.renewTime)}|${spec.leaseDurationSeconds}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = Date.now();
    }
    this.noteLeader(holder);
    const heldByOther = holder !== '' && holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (heldByOther && Date.now() < this.observedAt + durationMs) return false;

    const takingOver = holder !== identity;
    try {
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: { ...lease.metadata, name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: takingOver ? now : spec.acquireTime,
            renewTime: now,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
          },
        },
      });
    } catch (e) {
      if (isStatus(e, 409)) return false;
      throw e;
    }
    this.noteLeader(identity);
    return true;
  }

  private noteLeader(identity: string): void {
    if (identity !== this.lastLeader) {
      this.lastLeader = identity;
      if (identity) this.opts.onNewLeader?.(identity);
    }
  }

  /**
   * Stops campaigning. A leader gives the lease up (empty holder, so a standby takes over at
   * its next retry instead of waiting for expiry).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A renewal still in flight would race the release below and make it fail on a conflict.
    await this.inFlight;
    if (!this.leading) return;
    this.leading = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const lease = await this.api.readNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
        });
        if (lease.spec?.holderIdentity !== this.opts.identity) break;
        await this.api.replaceNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: '',
              leaseDurationSeconds: 1,
              renewTime: new V1MicroTime(),
            },
          },
        });
        break;
      } catch (err) {
        if (isStatus(err, 409)) continue;
        this.opts.log?.('lease release failed', err);
        break;
      }
    }
    this.opts.onStoppedLeading();
  }
}
