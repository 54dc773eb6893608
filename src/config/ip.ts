// Small, dependency-free IPv4/IPv6 utilities. Addresses are bigints so that IPv6 arithmetic
// (pool sizes, offsets, masks) is exact; the allocator reuses everything here.

export type IPFamily = 'IPv4' | 'IPv6';

export interface IPAddress {
  readonly family: IPFamily;
  readonly value: bigint;
}

/** A prefix; `base` is always the network address (host bits zero). */
export interface CIDR {
  readonly family: IPFamily;
  readonly base: bigint;
  readonly prefixLength: number;
}

/** An inclusive range of addresses of one family. */
export interface IPRange {
  readonly family: IPFamily;
  readonly first: bigint;
  readonly last: bigint;
}

export const bitsOf = (family: IPFamily): number => (family === 'IPv4' ? 32 : 128);
export const maxValue = (family: IPFamily): bigint => (1n << BigInt(bitsOf(family))) - 1n;

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4Value(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are rejected, like Go's net.ParseIP, so "010" is never read as octal or decimal.
    if (!DECIMAL_OCTET.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIPv6Value(text: string): bigint | null {
  if (text.includes('%')) return null; // zones are not addresses a pool or peer can hold
  let head = text;
  let tail4: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Embedded IPv4 in the last 32 bits (::ffff:1.2.3.4, 64:ff9b::1.2.3.4).
    tail4 = parseIPv4Value(text.slice(lastColon + 1));
    if (tail4 === null) return null;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const doubleColon = head.indexOf('::');
  if (doubleColon !== head.lastIndexOf('::')) return null;
  let groups: string[];
  if (doubleColon >= 0) {
    const left = head.slice(0, doubleColon);
    const right = head.slice(doubleColon + 2);
    const l = left === '' ? [] : left.split(':');
    const r = right === '' ? [] : right.split(':');
    const missing = 8 - l.length - r.length;
    if (missing < 1) return null;
    groups = [...l, ...Array<string>(missing).fill('0'), ...r];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== 8) return null;
  let value = 0n;
  for (const g of groups) {
    if (!HEX_GROUP.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== null) value = (value & ~0xffffffffn) | tail4;
  return value;
}

/** Parses a textual IPv4 or IPv6 address; null when it is not one. */
export function parseIP(text: string): IPAddress | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return null;
  if (text.includes(':')) {
    const value = parseIPv6Value(text);
    return value === null ? null : { family: 'IPv6', value };
  }
  const value = parseIPv4Value(text);
  return value === null ? null : { family: 'IPv4', value };
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Parses `a.b.c.d/n` or `x::/n`. Host bits must be zero unless `allowHostBits`. */
export function parseCIDR(text: string, opts: { allowHostBits?: boolean } = {}): Parsed<CIDR> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `invalid CIDR "${text}": missing prefix length` };
  const addr = parseIP(text.slice(0, slash));
  if (!addr) return { ok: false, reason: `invalid CIDR "${text}": invalid address` };
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText))
    return { ok: false, reason: `invalid CIDR "${text}": invalid prefix length` };
  const prefixLength = Number(lenText);
  if (prefixLength > bitsOf(addr.family))
    return { ok: false, reason: `invalid CIDR "${text}": prefix length exceeds ${bitsOf(addr.family)}` };
  const base = addr.value & prefixMask(addr.family, prefixLength);
  if (base !== addr.value && !opts.allowHostBits)
    return {
      ok: false,
      reason: `invalid CIDR "${text}": host bits set (network is ${formatCIDR({ family: addr.family, base, prefixLength })})`,
    };
  return { ok: true, value: { family: addr.family, base, prefixLength } };
}

export function prefixMask(family: IPFamily, prefixLength: number): bigint {
  const bits = BigInt(bitsOf(family));
  const host = bits - BigInt(prefixLength);
  return maxValue(family) ^ ((1n << host) - 1n);
}

export function cidrToRange(c: CIDR): IPRange {
  const size = 1n << BigInt(bitsOf(c.family) - c.prefixLength);
  return { family: c.family, first: c.base, last: c.base + size - 1n };
}

export const cidrSize = (c: CIDR): bigint => 1n << BigInt(bitsOf(c.family) - c.prefixLength);
export const rangeSize = (r: IPRange): bigint => r.last - r.first + 1n;

/** Splits an inclusive range into the minimal list of CIDRs covering exactly it, in address order. */
export function rangeToCIDRs(r: IPRange): CIDR[] {
  const bits = bitsOf(r.family);
  const out: CIDR[] = [];
  let cur = r.first;
  while (cur <= r.last) {
    // Largest block aligned at `cur` that does not pass `last`.
    let host = 0;
    while (host < bits) {
      const next = host + 1;
      const size = 1n << BigInt(next);
      if ((cur & (size - 1n)) !== 0n || cur + size - 1n > r.last) break;
      host = next;
    }
    out.push({ family: r.family, base: cur, prefixLength: bits - host });
    cur += 1n << BigInt(host);
  }
  return out;
}

/**
 * Parses one pool `addresses` entry: a CIDR or `start-end` (whitespace around the dash allowed, as
 * MetalLB does). Returns the range and its CIDR decomposition.
 */
export function parseAddressRange(text: string): Parsed<{ range: IPRange; cidrs: CIDR[] }> {
  if (typeof text !== 'string' || text.length > 200) return { ok: false, reason: 'invalid address range' };
  if (!text.includes('-')) {
    const c = parseCIDR(text);
    if (!c.ok) return c;
    return { ok: true, value: { range: cidrToRange(c.value), cidrs: [c.value] } };
  }
  const dash = text.indexOf('-');
  const startText = text.slice(0, dash).trim();
  const endText = text.slice(dash + 1).trim();
  const start = parseIP(startText);
  if (!start) return { ok: false, reason: `invalid IP range "${text}": invalid start IP "${startText}"` };
  const end = parseIP(endText);
  if (!end) return { ok: false, reason: `invalid IP range "${text}": invalid end IP "${endText}"` };
  if (start.family !== end.family)
    return { ok: false, reason: `invalid IP range "${text}": start and end are of different IP families` };
  if (start.value > end.value)
    return {
      ok: false,
      reason: `invalid IP range "${text}": start IP "${startText}" is after the end IP "${endText}"`,
    };
  const range: IPRange = { family: start.family, first: start.value, last: end.value };
  return { ok: true, value: { range, cidrs: rangeToCIDRs(range) } };
}

export function formatIP(a: IPAddress): string {
  return formatValue(a.family, a.value);
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatValue(family: IPFamily, value: bigint): string {
  if (family === 'IPv4') {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped addresses print with a dotted tail, as Go and inet_ntop do.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return '::ffff:' + formatValue('IPv4', value & 0xffffffffn);
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

export const formatCIDR = (c: CIDR): string => `${formatValue(c.family, c.base)}/${c.prefixLength}`;

export function formatRange(r: IPRange): string {
  return `${formatValue(r.family, r.first)}-${formatValue(r.family, r.last)}`;
}

/** Orders IPv4 before IPv6, then numerically. */
export function compareIP(a: IPAddress, b: IPAddress): number {
  if (a.family !== b.family) return a.family === 'IPv4' ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export const ipEquals = (a: IPAddress, b: IPAddress): boolean => a.family === b.family && a.value === b.value;

export function rangeContains(r: IPRange, a: IPAddress): boolean {
  return r.family === a.family && a.value >= r.first && a.value <= r.last;
}

export const cidrContains = (c: CIDR, a: IPAddress): boolean => rangeContains(cidrToRange(c), a);

export function rangesOverlap(a: IPRange, b: IPRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export const cidrsOverlap = (a: CIDR, b: CIDR): boolean => rangesOverlap(cidrToRange(a), cidrToRange(b));

/** The address `offset` positions after the range start, or null when outside the range. */
export function addressAt(r: IPRange, offset: bigint): IPAddress | null {
  const value = r.first + offset;
  if (offset < 0n || value > r.last) return null;
  return { family: r.family, value };
}

/** Masks an address to the given prefix length (aggregation of announced routes). */
export function maskTo(a: IPAddress, prefixLength: number): CIDR {
  return { family: a.family, base: a.value & prefixMask(a.family, prefixLength), prefixLength };
}

/** Addresses some consumer devices drop (smurf protection): IPv4 ending in .0 or .255. */
export function isBuggyIP(a: IPAddress): boolean {
  if (a.family !== 'IPv4') return false;
  const last = a.value & 0xffn;
  return last === 0n || last === 255n;
}
