// Book-keeping for one pool: which addresses are used, by whom, and under which sharing key.
import type { IPAddress, IPFamily, IPRange, Pool } from '../config/model.js';
import { isBuggyIP } from '../config/ip.js';
import { UsedSet } from './used-set.js';

export interface FamilyState {
  /** The pool's blocks of this family, in the order written (allocation order). */
  readonly blocks: readonly IPRange[];
  readonly used: UsedSet;
  /** Address → keys of the services holding it (more than one only when shared). */
  readonly holders: Map<bigint, Set<string>>;
  /** Sharing key → addresses held under it. */
  readonly bySharingKey: Map<string, Set<bigint>>;
  /** Addresses allocation may hand out (buggy ones excluded when avoidBuggyIPs). */
  readonly capacity: bigint;
}

const isBuggyValue = (v: bigint) => isBuggyIP({ family: 'IPv4', value: v });

/** Values in first..last congruent to r modulo 256. */
function countCongruent(first: bigint, last: bigint, r: bigint): bigint {
  const upTo = (x: bigint) => (x < r ? 0n : (x - r) / 256n + 1n);
  return upTo(last) - (first === 0n ? 0n : upTo(first - 1n));
}

export class PoolState {
  readonly v4: FamilyState;
  readonly v6: FamilyState;
  /** Per family, every block before this index has no allocatable address left. */
  private readonly firstOpen = { IPv4: 0, IPv6: 0 };

  constructor(readonly pool: Pool) {
    this.v4 = this.familyState(
      pool.ipv4.map((b) => b.range),
      true,
    );
    this.v6 = this.familyState(
      pool.ipv6.map((b) => b.range),
      false,
    );
  }

  private familyState(blocks: IPRange[], v4: boolean): FamilyState {
    let capacity = 0n;
    for (const r of blocks) {
      capacity += r.last - r.first + 1n;
      if (v4 && this.pool.avoidBuggyIPs)
        capacity -= countCongruent(r.first, r.last, 0n) + countCongruent(r.first, r.last, 255n);
    }
    return { blocks, used: new UsedSet(), holders: new Map(), bySharingKey: new Map(), capacity };
  }

  family(f: IPFamily): FamilyState {
    return f === 'IPv4' ? this.v4 : this.v6;
  }

  /** Index of the block holding `ip`, or -1. */
  blockOf(ip: IPAddress): number {
    return this.family(ip.family).blocks.findIndex((r) => ip.value >= r.first && ip.value <= r.last);
  }

  contains(ip: IPAddress): boolean {
    return this.blockOf(ip) >= 0;
  }

  /** Whether allocation must skip `ip` (.0/.255 with avoidBuggyIPs). */
  avoids(ip: IPAddress): boolean {
    return this.pool.avoidBuggyIPs && ip.family === 'IPv4' && isBuggyValue(ip.value);
  }

  /** The first free address in written block order, lowest within its block; null when full. */
  firstFree(f: IPFamily): { value: bigint; block: number } | null {
    const st = this.family(f);
    const skipBuggy = f === 'IPv4' && this.pool.avoidBuggyIPs;
    // Pools written as many small blocks (lists of /32s) would otherwise be walked from the
    // first block on every allocation.
    for (let b = this.firstOpen[f]; b < st.blocks.length; b++) {
      const r = st.blocks[b] as IPRange;
      let x = r.first;
      for (;;) {
        x = st.used.nextFree(x);
        if (x > r.last) {
          if (b === this.firstOpen[f]) this.firstOpen[f] = b + 1;
          break;
        }
        if (skipBuggy && isBuggyValue(x)) {
          x++;
          continue;
        }
        return { value: x, block: b };
      }
    }
    return null;
  }

  take(ip: IPAddress, key: string, sharingKey: string | null): void {
    const st = this.family(ip.family);
    st.used.add(ip.value);
    let set = st.holders.get(ip.value);
    if (!set) st.holders.set(ip.value, (set = new Set()));
    set.add(key);
    if (sharingKey !== null) {
      let ips = st.bySharingKey.get(sharingKey);
      if (!ips) st.bySharingKey.set(sharingKey, (ips = new Set()));
      ips.add(ip.value);
    }
  }

  give(ip: IPAddress, key: string, sharingKey: string | null): void {
    const st = this.family(ip.family);
    const set = st.holders.get(ip.value);
    if (!set || !set.delete(key)) return;
    if (set.size > 0) return;
    st.holders.delete(ip.value);
    st.used.delete(ip.value);
    const block = this.blockOf(ip);
    if (block >= 0 && block < this.firstOpen[ip.family]) this.firstOpen[ip.family] = block;
    if (sharingKey !== null) {
      const ips = st.bySharingKey.get(sharingKey);
      ips?.delete(ip.value);
      if (ips && ips.size === 0) st.bySharingKey.delete(sharingKey);
    }
  }

  /** Assigned / available counters per family (IPAddressPool status). */
  counters(): { assignedIPv4: bigint; assignedIPv6: bigint; availableIPv4: bigint; availableIPv6: bigint } {
    const avail = (st: FamilyState) => {
      const left = st.capacity - st.used.size;
      return left < 0n ? 0n : left;
    };
    return {
      assignedIPv4: this.v4.used.size,
      assignedIPv6: this.v6.used.size,
      availableIPv4: avail(this.v4),
      availableIPv6: avail(this.v6),
    };
  }
}
