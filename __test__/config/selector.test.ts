// Label selectors evaluated like Kubernetes, and the overlap check against brute force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  matchesAnySelector,
  matchesSelector,
  parseLabelSelector,
  selectorsMayOverlap,
  selectorToString,
} from '../../src/config/selector.js';
import type { LabelSelector, LabelSelectorRequirement } from '../../src/config/model.js';

const sel = (
  matchLabels: Record<string, string>,
  matchExpressions: LabelSelectorRequirement[] = [],
): LabelSelector => ({
  matchLabels,
  matchExpressions,
});
const req = (key: string, operator: LabelSelectorRequirement['operator'], values: string[] = []) => ({
  key,
  operator,
  values,
});

test('matchesSelector: Kubernetes semantics', () => {
  const cases: [string, LabelSelector, Record<string, string>, boolean][] = [
    ['empty selector matches everything', sel({}), {}, true],
    ['matchLabels equal', sel({ a: '1' }), { a: '1', b: '2' }, true],
    ['matchLabels different value', sel({ a: '1' }), { a: '2' }, false],
    ['matchLabels missing key', sel({ a: '1' }), {}, false],
    ['matchLabels empty value needs the key', sel({ a: '' }), {}, false],
    ['matchLabels empty value', sel({ a: '' }), { a: '' }, true],
    ['In matches', sel({}, [req('a', 'In', ['1', '2'])]), { a: '2' }, true],
    ['In missing key', sel({}, [req('a', 'In', ['1'])]), {}, false],
    ['NotIn missing key matches', sel({}, [req('a', 'NotIn', ['1'])]), {}, true],
    ['NotIn listed value', sel({}, [req('a', 'NotIn', ['1'])]), { a: '1' }, false],
    ['NotIn other value', sel({}, [req('a', 'NotIn', ['1'])]), { a: '3' }, true],
    ['Exists', sel({}, [req('a', 'Exists')]), { a: '' }, true],
    ['Exists missing', sel({}, [req('a', 'Exists')]), { b: 'x' }, false],
    ['DoesNotExist', sel({}, [req('a', 'DoesNotExist')]), { b: 'x' }, true],
    ['DoesNotExist present', sel({}, [req('a', 'DoesNotExist')]), { a: 'x' }, false],
    ['all requirements must hold', sel({ a: '1' }, [req('b', 'Exists')]), { a: '1' }, false],
    ['no prototype leakage', sel({}, [req('toString', 'Exists')]), {}, false],
  ];
  for (const [name, s, labels, want] of cases) assert.equal(matchesSelector(s, labels), want, name);
  assert.equal(matchesAnySelector([], {}), true, 'empty list = all');
  assert.equal(matchesAnySelector([], {}, false), false);
  assert.equal(matchesAnySelector([sel({ a: '1' }), sel({ b: '1' })], { b: '1' }), true);
});

test('parseLabelSelector: canonical form sorts keys and values', () => {
  const r = parseLabelSelector(
    {
      matchLabels: { z: '1', a: '2' },
      matchExpressions: [
        { key: 'm', operator: 'NotIn', values: ['y', 'x'] },
        { key: 'b', operator: 'DoesNotExist' },
      ],
    },
    'spec.sel',
  );
  assert.deepEqual(r.issues, []);
  assert.ok(r.selector);
  assert.equal(selectorToString(r.selector), 'a=2,!b,m notin (x,y),z=1');
  const wrong = parseLabelSelector('app=x', 'spec.sel');
  assert.deepEqual(wrong.issues, [{ field: 'spec.sel', reason: 'must be a label selector object' }]);
});

// Brute force over a tiny universe: 2 keys, each absent, one of the 3 values selectors use, or
// "d", which stands for the infinitely many other values the real check assumes.
const KEYS = ['k1', 'k2'];
const VALUES = ['a', 'b', 'c'];
const allLabelSets = (): Record<string, string>[] => {
  const out: Record<string, string>[] = [];
  const opts = [undefined, ...VALUES, 'd'];
  for (const v1 of opts)
    for (const v2 of opts) {
      const l: Record<string, string> = {};
      if (v1 !== undefined) l.k1 = v1;
      if (v2 !== undefined) l.k2 = v2;
      out.push(l);
    }
  return out;
};
const values = fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 });
const requirement = fc.oneof(
  fc
    .tuple(fc.constantFrom(...KEYS), fc.constantFrom<'In' | 'NotIn'>('In', 'NotIn'), values)
    .map(([key, operator, v]) => req(key, operator, v)),
  fc
    .tuple(fc.constantFrom(...KEYS), fc.constantFrom<'Exists' | 'DoesNotExist'>('Exists', 'DoesNotExist'))
    .map(([key, operator]) => req(key, operator)),
);
const selectorArb = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 }),
    fc.array(requirement, { maxLength: 3 }),
  )
  .map(([ml, me]) => sel(ml, me));

test('property: selectorsMayOverlap is exact on a finite universe', () => {
  // "d" for both keys at once matters too: `k1 Exists, k2 NotIn (a,b,c)` against `k2 Exists,
  // k1 NotIn (a,b,c)` overlap only on {k1: d, k2: d}.
  const universe = allLabelSets();
  fc.assert(
    fc.property(selectorArb, selectorArb, (a, b) => {
      const brute = universe.some((l) => matchesSelector(a, l) && matchesSelector(b, l));
      return selectorsMayOverlap(a, b) === brute;
    }),
    { numRuns: 3000 },
  );
});

test('selectorsMayOverlap: a value outside every listed set is a witness (found by the property)', () => {
  const a = sel({}, [req('k1', 'Exists'), req('k2', 'NotIn', ['a', 'b', 'c'])]);
  const b = sel({}, [req('k2', 'Exists'), req('k1', 'NotIn', ['a', 'b', 'c'])]);
  assert.equal(selectorsMayOverlap(a, b), true);
  assert.ok(matchesSelector(a, { k1: 'd', k2: 'd' }) && matchesSelector(b, { k1: 'd', k2: 'd' }));
  const c = sel({ k1: 'a' }, []);
  assert.equal(selectorsMayOverlap(b, c), false, 'k1 NotIn (a,b,c) never meets k1=a');
});
