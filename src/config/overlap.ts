// Overlap detection in O(n log n) by a sweep over ranges sorted by start, so that a pool with
// 100,000 entries (or 10,000 pools) is checked in milliseconds instead of n² comparisons.
import type { IPRange } from './ip.js';

export interface Tagged<T> {
  readonly range: IPRange;
  readonly tag: T;
}

const order = (a: IPRange, b: IPRange): number => {
  if (a.family !== b.family) return a.family === 'IPv4' ? -1 : 1;
  return a.first < b.first ? -1 : a.first > b.first ? 1 : a.last < b.last ? -1 : a.last > b.last ? 1 : 0;
};

/**
 * For each item that overlaps an item sorted before it, one pair [item, earlier item it overlaps].
 * With `group`, only items of different groups are compared (e.g. pools: overlaps inside one
 * pool are reported by the pool itself). Every item overlapping something earlier is reported.
 */
export function findOverlaps<T>(
  items: readonly Tagged<T>[],
  group?: (tag: T) => string,
): [Tagged<T>, Tagged<T>][] {
  const sorted = [...items].sort((a, b) => order(a.range, b.range));
  const out: [Tagged<T>, Tagged<T>][] = [];
  // The earlier item reaching furthest, and the one reaching furthest among other groups than it.
  let best: Tagged<T> | null = null;
  let second: Tagged<T> | null = null;
  let family: string | null = null;
  for (const item of sorted) {
    if (item.range.family !== family) {
      family = item.range.family;
      best = second = null;
    }
    const g = group?.(item.tag);
    const candidate = best && group && group(best.tag) === g ? second : best;
    if (candidate && candidate.range.last >= item.range.first) out.push([item, candidate]);
    if (!best || item.range.last > best.range.last) {
      if (best && (!group || group(best.tag) !== g)) second = best;
      best = item;
    } else if (group && group(best.tag) !== g && (!second || item.range.last > second.range.last)) {
      second = item;
    }
  }
  return out;
}
