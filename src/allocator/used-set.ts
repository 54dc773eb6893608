// The set of used addresses of one pool and family, kept as sorted, disjoint, non-adjacent
// intervals. Allocation is almost always contiguous from the bottom of a pool, so the set stays
// a handful of intervals and "lowest free address ≥ x" is a binary search plus at most a jump
// over one interval: O(log k) for k intervals, never a scan of the pool.

export class UsedSet {
  // Parallel arrays: interval i covers starts[i]..ends[i] inclusive; ends[i] + 1 < starts[i + 1].
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];
  private count = 0n;

  /** Number of used addresses. */
  get size(): bigint {
    return this.count;
  }

  /** Index of the last interval starting at or before `value`, or -1. */
  private floor(value: bigint): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] as bigint) <= value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  has(value: bigint): boolean {
    const i = this.floor(value);
    return i >= 0 && (this.ends[i] as bigint) >= value;
  }

  /** The lowest unused address ≥ `value` (possibly beyond any range the caller cares about). */
  nextFree(value: bigint): bigint {
    const i = this.floor(value);
    // Intervals never touch, so the address right after a covering interval is free.
    if (i >= 0 && (this.ends[i] as bigint) >= value) return (this.ends[i] as bigint) + 1n;
    return value;
  }

  /** Marks `value` used; returns false when it already was. */
  add(value: bigint): boolean {
    const i = this.floor(value);
    if (i >= 0 && (this.ends[i] as bigint) >= value) return false;
    this.count++;
    const joinsLeft = i >= 0 && (this.ends[i] as bigint) + 1n === value;
    const joinsRight = i + 1 < this.starts.length && (this.starts[i + 1] as bigint) - 1n === value;
    if (joinsLeft && joinsRight) {
      this.ends[i] = this.ends[i + 1] as bigint;
      this.starts.splice(i + 1, 1);
      this.ends.splice(i + 1, 1);
    } else if (joinsLeft) {
      this.ends[i] = value;
    } else if (joinsRight) {
      this.starts[i + 1] = value;
    } else {
      this.starts.splice(i + 1, 0, value);
      this.ends.splice(i + 1, 0, value);
    }
    return true;
  }

  /** Marks `value` free; returns false when it was not used. */
  delete(value: bigint): boolean {
    const i = this.floor(value);
    if (i < 0 || (this.ends[i] as bigint) < value) return false;
    this.count--;
    const start = this.starts[i] as bigint;
    const end = this.ends[i] as bigint;
    if (start === end) {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (value === start) {
      this.starts[i] = value + 1n;
    } else if (value === end) {
      this.ends[i] = value - 1n;
    } else {
      this.ends[i] = value - 1n;
      this.starts.splice(i + 1, 0, value + 1n);
      this.ends.splice(i + 1, 0, end);
    }
    return true;
  }

  /** Used addresses within first..last inclusive. */
  countIn(first: bigint, last: bigint): bigint {
    let n = 0n;
    let i = Math.max(this.floor(first), 0);
    for (; i < this.starts.length; i++) {
      const s = this.starts[i] as bigint;
      const e = this.ends[i] as bigint;
      if (s > last) break;
      if (e < first) continue;
      n += (e < last ? e : last) - (s > first ? s : first) + 1n;
    }
    return n;
  }

  /** The intervals, for tests and debugging. */
  intervals(): [bigint, bigint][] {
    return this.starts.map((s, i) => [s, this.ends[i] as bigint]);
  }
}
