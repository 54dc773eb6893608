import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsedSet } from '../../src/allocator/used-set.js';

describe('UsedSet', () => {
  it('merges adjacent additions into one interval and splits on deletion', () => {
    const s = new UsedSet();
    for (const v of [5n, 7n, 6n, 4n]) assert.equal(s.add(v), true);
    assert.equal(s.add(6n), false);
    assert.deepEqual(s.intervals(), [[4n, 7n]]);
    assert.equal(s.nextFree(4n), 8n);
    assert.equal(s.nextFree(3n), 3n);
    assert.equal(s.delete(6n), true);
    assert.equal(s.delete(6n), false);
    assert.deepEqual(s.intervals(), [
      [4n, 5n],
      [7n, 7n],
    ]);
    assert.equal(s.nextFree(4n), 6n);
    assert.equal(s.size, 3n);
    assert.equal(s.countIn(5n, 100n), 2n);
  });

  it('agrees with a plain Set under random operations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }),
        (ops) => {
          const s = new UsedSet();
          const ref = new Set<number>();
          for (const [add, n] of ops) {
            const v = BigInt(n);
            if (add) assert.equal(s.add(v), !ref.has(n) && (ref.add(n), true));
            else assert.equal(s.delete(v), ref.delete(n));
          }
          assert.equal(s.size, BigInt(ref.size));
          for (let n = 0; n <= 41; n++) {
            assert.equal(s.has(BigInt(n)), ref.has(n));
            let free = n;
            while (ref.has(free)) free++;
            assert.equal(s.nextFree(BigInt(n)), BigInt(free));
          }
          const iv = s.intervals();
          for (let i = 1; i < iv.length; i++)
            assert.ok((iv[i - 1] as [bigint, bigint])[1] + 1n < (iv[i] as [bigint, bigint])[0]);
        },
      ),
    );
  });
});
