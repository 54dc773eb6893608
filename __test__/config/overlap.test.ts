// The sweep finds exactly the items a brute-force pairwise check finds, with valid partners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rangesOverlap, type IPRange } from '../../src/config/ip.js';
import { findOverlaps } from '../../src/config/overlap.js';

const itemArb = fc
  .tuple(
    fc.constantFrom<'IPv4' | 'IPv6'>('IPv4', 'IPv6'),
    fc.bigInt({ min: 0n, max: 60n }),
    fc.bigInt({ min: 0n, max: 8n }),
    fc.constantFrom('a', 'b', 'c'),
  )
  .map(([family, first, len, group]) => ({ range: { family, first, last: first + len } as IPRange, group }));

const before = (x: IPRange, y: IPRange) =>
  x.family !== y.family ? x.family === 'IPv4' : x.first !== y.first ? x.first < y.first : x.last < y.last;

for (const grouped of [false, true]) {
  test(`property: findOverlaps agrees with brute force (${grouped ? 'across groups' : 'all pairs'})`, () => {
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 25 }), (raw) => {
        const items = raw.map((r, i) => ({ range: r.range, tag: { i, group: r.group } }));
        const pairs = findOverlaps(items, grouped ? (t) => t.group : undefined);
        const reported = new Set(pairs.map(([x]) => x.tag.i));
        for (const [x, y] of pairs) {
          if (!rangesOverlap(x.range, y.range)) return false;
          if (grouped && x.tag.group === y.tag.group) return false;
        }
        // Brute force: an item is reported iff it overlaps an item that sorts strictly before it
        // (ties between identical ranges: exactly one of them is reported).
        for (const x of items) {
          const partners = items.filter(
            (y) => y !== x && rangesOverlap(x.range, y.range) && (!grouped || y.tag.group !== x.tag.group),
          );
          const earlier = partners.some((y) => before(y.range, x.range));
          const identical = partners.some((y) => !before(y.range, x.range) && !before(x.range, y.range));
          if (earlier && !reported.has(x.tag.i)) return false;
          if (!earlier && !identical && reported.has(x.tag.i)) return false;
        }
        // Something overlapping at all means something is reported.
        const any = items.some((x) =>
          items.some(
            (y) => y !== x && rangesOverlap(x.range, y.range) && (!grouped || x.tag.group !== y.tag.group),
          ),
        );
        return any === pairs.length > 0;
      }),
      { numRuns: 3000 },
    );
  });
}

test('findOverlaps on 200,000 ranges finds the one overlap', () => {
  const items = Array.from({ length: 200_000 }, (_, i) => ({
    range: { family: 'IPv4' as const, first: BigInt(i * 4), last: BigInt(i * 4 + 3) },
    tag: i,
  }));
  assert.deepEqual(findOverlaps(items), []);
  items.push({ range: { family: 'IPv4', first: 10n, last: 10n }, tag: -1 });
  const pairs = findOverlaps(items);
  assert.equal(pairs.length, 1);
  assert.deepEqual([pairs[0]![0].tag, pairs[0]![1].tag], [-1, 2]);
});
