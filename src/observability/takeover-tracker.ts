// ferrolb's own layer 2 failover measurements, from this node's point of view: addresses gained
// and lost by elections, and how long after a member failed or left this node took its addresses.
// Pure: fed with owned-address sets and membership events, with times given by the caller.

export interface TakeoverObservation {
  /** Seconds from the member event to this node owning the address. */
  readonly seconds: number;
  readonly ip: string;
}

export class TakeoverTracker {
  private owned = new Set<string>();
  private lastDeparture: number | null = null;
  gained = 0;
  lost = 0;

  /** @param windowMs how long after a departure a newly owned address counts as a takeover. */
  constructor(private readonly windowMs = 10_000) {}

  /** A member failed or left at `now` (ms). */
  memberGone(now: number): void {
    this.lastDeparture = now;
  }

  /** The addresses this node owns now; returns the takeovers this change completes. */
  update(owned: ReadonlySet<string>, now: number): TakeoverObservation[] {
    const takeovers: TakeoverObservation[] = [];
    for (const ip of owned) {
      if (this.owned.has(ip)) continue;
      this.gained++;
      const since = this.lastDeparture === null ? null : now - this.lastDeparture;
      if (since !== null && since <= this.windowMs) takeovers.push({ ip, seconds: since / 1000 });
    }
    for (const ip of this.owned) if (!owned.has(ip)) this.lost++;
    this.owned = new Set(owned);
    return takeovers;
  }
}
