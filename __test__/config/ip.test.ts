// IP utilities: tables for parsing/formatting edge cases, and properties checked with fast-check
// against simple reference implementations (brute force over small ranges, plain arithmetic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cidrContains,
  cidrToRange,
  cidrsOverlap,
  compareIP,
  formatCIDR,
  formatIP,
  formatValue,
  isBuggyIP,
  maskTo,
  maxValue,
  parseAddressRange,
  parseCIDR,
  parseIP,
  rangeToCIDRs,
  rangesOverlap,
  type IPFamily,
  type IPRange,
} from '../../src/config/ip.js';

test('parseIP: valid and canonical forms', () => {
  const cases: [string, string][] = [
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['192.168.1.10', '192.168.1.10'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first longest run is compressed (RFC 5952)
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['fe80::', 'fe80::'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ];
  for (const [input, canonical] of cases) {
    const ip = parseIP(input);
    assert.ok(ip, `${input} parses`);
    assert.equal(formatIP(ip), canonical, input);
  }
});

test('parseIP: rejects what Go net.ParseIP rejects', () => {
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.-4',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '::1.2.3',
    '1.2.3.4/32',
    'x'.repeat(100),
  ]) {
    assert.equal(parseIP(bad), null, JSON.stringify(bad));
  }
});

test('parseCIDR: errors name the problem', () => {
  const cases: [string, string][] = [
    ['10.0.0.0', 'missing prefix length'],
    ['10.0.0.0/', 'invalid prefix length'],
    ['10.0.0.0/033', 'invalid prefix length'],
    ['10.0.0.0/-1', 'invalid prefix length'],
    ['10.0.0.0/33', 'prefix length exceeds 32'],
    ['fc00::/129', 'prefix length exceeds 128'],
    ['10.0.0.1/24', 'host bits set (network is 10.0.0.0/24)'],
    ['x/24', 'invalid address'],
  ];
  for (const [input, reason] of cases) {
    const r = parseCIDR(input);
    assert.ok(!r.ok && r.reason.includes(reason), `${input}: ${r.ok ? 'parsed' : r.reason}`);
  }
  const loose = parseCIDR('10.0.0.1/24', { allowHostBits: true });
  assert.ok(loose.ok && formatCIDR(loose.value) === '10.0.0.0/24');
});

test('parseAddressRange: CIDR and start-end forms', () => {
  const r = parseAddressRange('192.168.1.10 - 192.168.1.20');
  assert.ok(r.ok);
  assert.deepEqual(r.value.cidrs.map(formatCIDR), [
    '192.168.1.10/31',
    '192.168.1.12/30',
    '192.168.1.16/30',
    '192.168.1.20/32',
  ]);
  const whole = parseAddressRange('0.0.0.0-255.255.255.255');
  assert.ok(whole.ok);
  assert.deepEqual(whole.value.cidrs.map(formatCIDR), ['0.0.0.0/0']);
  const v6 = parseAddressRange('2001:db8::10-2001:db8::1f');
  assert.ok(v6.ok);
  assert.deepEqual(v6.value.cidrs.map(formatCIDR), ['2001:db8::10/124']);
  const single = parseAddressRange('10.0.0.5-10.0.0.5');
  assert.ok(single.ok);
  assert.deepEqual(single.value.cidrs.map(formatCIDR), ['10.0.0.5/32']);
});

test('avoidBuggyIPs and masking helpers', () => {
  assert.equal(isBuggyIP(parseIP('10.0.0.0')!), true);
  assert.equal(isBuggyIP(parseIP('10.0.0.255')!), true);
  assert.equal(isBuggyIP(parseIP('10.0.1.1')!), false);
  assert.equal(isBuggyIP(parseIP('fc00::ff')!), false);
  assert.equal(formatCIDR(maskTo(parseIP('198.51.100.77')!, 24)), '198.51.100.0/24');
  assert.equal(formatCIDR(maskTo(parseIP('2001:db8::abcd')!, 64)), '2001:db8::/64');
  assert.ok(compareIP(parseIP('10.0.0.1')!, parseIP('::1')!) < 0);
});

// ---------------- properties ----------------

const family = fc.constantFrom<IPFamily>('IPv4', 'IPv6');
const addrOf = (f: IPFamily) => fc.bigInt({ min: 0n, max: maxValue(f) });
const anyAddress = family.chain((f) => addrOf(f).map((value) => ({ family: f, value })));
const cidrArb = family.chain((f) =>
  fc
    .tuple(addrOf(f), fc.integer({ min: 0, max: f === 'IPv4' ? 32 : 128 }))
    .map(([v, len]) => maskTo({ family: f, value: v }, len)),
);
/** Small ranges near interesting places (zero, the top, byte/group boundaries) plus arbitrary ones. */
const rangeArb = family.chain((f) =>
  fc
    .tuple(
      fc.oneof(addrOf(f), fc.constantFrom(0n, 255n, 256n, 65535n, maxValue(f) - 300n)),
      fc.bigInt({ min: 0n, max: 300n }),
    )
    .map(([start, len]): IPRange => {
      const last = start + len > maxValue(f) ? maxValue(f) : start + len;
      return { family: f, first: start, last };
    }),
);

test('property: format then parse returns the same address', () => {
  fc.assert(
    fc.property(anyAddress, (a) => {
      const back = parseIP(formatIP(a));
      return back !== null && back.family === a.family && back.value === a.value;
    }),
    { numRuns: 2000 },
  );
});

test('property: CIDR text round-trips and its range is aligned', () => {
  fc.assert(
    fc.property(cidrArb, (c) => {
      const p = parseCIDR(formatCIDR(c));
      if (!p.ok || p.value.base !== c.base || p.value.prefixLength !== c.prefixLength) return false;
      const r = cidrToRange(c);
      return (
        r.first === c.base &&
        r.last - r.first + 1n === 1n << BigInt((c.family === 'IPv4' ? 32 : 128) - c.prefixLength)
      );
    }),
    { numRuns: 1000 },
  );
});

test('property: range → CIDRs covers exactly the range, in order, without overlap, minimally', () => {
  fc.assert(
    fc.property(rangeArb, (r) => {
      const cidrs = rangeToCIDRs(r);
      let expected = r.first;
      for (const c of cidrs) {
        const cr = cidrToRange(c);
        if (cr.first !== expected) return false; // contiguous, in order, no gap/overlap
        expected = cr.last + 1n;
      }
      if (expected !== r.last + 1n) return false;
      // Minimal: two neighbours of the same size never form an aligned block of double size.
      for (let i = 1; i < cidrs.length; i++) {
        const a = cidrs[i - 1]!;
        const b = cidrs[i]!;
        if (a.prefixLength === b.prefixLength && a.prefixLength > 0) {
          const parent = maskTo({ family: a.family, value: a.base }, a.prefixLength - 1);
          if (parent.base === a.base) return false;
        }
      }
      // Parsing the textual range gives the same decomposition.
      const text = `${formatValue(r.family, r.first)}-${formatValue(r.family, r.last)}`;
      const parsed = parseAddressRange(text);
      return parsed.ok && parsed.value.cidrs.length === cidrs.length;
    }),
    { numRuns: 1000 },
  );
});

test('property: overlap matches a brute-force check, is symmetric, and agrees for CIDRs', () => {
  const near = family.chain((f) => {
    const base = fc.bigInt({ min: 0n, max: 40n });
    return fc
      .tuple(base, fc.bigInt({ min: 0n, max: 10n }), base, fc.bigInt({ min: 0n, max: 10n }))
      .map(([a, al, b, bl]) => ({
        x: { family: f, first: a, last: a + al } as IPRange,
        y: { family: f, first: b, last: b + bl } as IPRange,
      }));
  });
  fc.assert(
    fc.property(near, ({ x, y }) => {
      let brute = false;
      for (let v = x.first; v <= x.last; v++) if (v >= y.first && v <= y.last) brute = true;
      return rangesOverlap(x, y) === brute && rangesOverlap(y, x) === brute;
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(cidrArb, cidrArb, (a, b) => {
      const expected =
        a.family === b.family &&
        (cidrContains(a, { family: b.family, value: b.base }) ||
          cidrContains(b, { family: a.family, value: a.base }));
      return cidrsOverlap(a, b) === expected;
    }),
    { numRuns: 2000 },
  );
});

test('property: different families never overlap', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: maxValue('IPv4') }),
      fc.bigInt({ min: 0n, max: 1000n }),
      (v, len) =>
        !rangesOverlap(
          { family: 'IPv4', first: v, last: v },
          { family: 'IPv6', first: v > len ? v - len : 0n, last: v + len },
        ),
    ),
  );
});

test('property: random text never throws and parsed ranges are well formed', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      const r = parseAddressRange(s);
      return !r.ok || (r.value.range.first <= r.value.range.last && r.value.cidrs.length > 0);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(
      fc
        .array(fc.constantFrom('0', '1', 'f', 'a', ':', '.', '/', '-', '9', '::', '255'), { maxLength: 20 })
        .map((a) => a.join('')),
      (s) => {
        const r = parseAddressRange(s);
        return !r.ok || r.value.range.first <= r.value.range.last;
      },
    ),
    { numRuns: 3000 },
  );
});
