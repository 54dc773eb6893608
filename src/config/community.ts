// BGP community values as MetalLB writes them: `A:B` (two 16-bit halves, RFC 1997) or
// `large:A:B:C` (three 32-bit values, RFC 8092). Anything else is treated as an alias name.
import type { BGPCommunity } from './model.js';

export type CommunityParse =
  { ok: true; community: BGPCommunity } | { ok: false; kind: 'format' | 'value'; reason: string };

const DIGITS = /^[0-9]{1,10}$/;

function uint(text: string, max: number): number | null {
  if (!DIGITS.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

export function parseCommunity(text: string): CommunityParse {
  const parts = text.split(':');
  if (parts.length === 2) {
    if (!parts.every((p) => DIGITS.test(p)))
      return { ok: false, kind: 'format', reason: `invalid community format "${text}"` };
    const hi = uint(parts[0] as string, 0xffff);
    const lo = uint(parts[1] as string, 0xffff);
    if (hi === null || lo === null)
      return {
        ok: false,
        kind: 'value',
        reason: `invalid community value "${text}": each part must be 0-65535`,
      };
    return { ok: true, community: { kind: 'standard', value: hi * 0x10000 + lo, text: `${hi}:${lo}` } };
  }
  if (parts.length === 4 && parts[0] === 'large') {
    if (!parts.slice(1).every((p) => DIGITS.test(p)))
      return { ok: false, kind: 'format', reason: `invalid large community format "${text}"` };
    const [a, b, c] = parts.slice(1).map((p) => uint(p, 0xffffffff));
    if (a == null || b == null || c == null)
      return {
        ok: false,
        kind: 'value',
        reason: `invalid large community value "${text}": each part must be 0-4294967295`,
      };
    return {
      ok: true,
      community: {
        kind: 'large',
        globalAdmin: a,
        localData1: b,
        localData2: c,
        text: `large:${a}:${b}:${c}`,
      },
    };
  }
  return { ok: false, kind: 'format', reason: `invalid community format "${text}"` };
}

export const communityKey = (c: BGPCommunity): string => c.text;
