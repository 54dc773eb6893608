// Go time.ParseDuration, as used by metav1.Duration fields (holdTime, keepaliveTime, connectTime):
// a sequence of decimal numbers with units ns, us (µs), ms, s, m, h, e.g. "90s", "1m30s", "1.5h",
// "500ms"; "0" alone is allowed. Result in milliseconds (fractions of a millisecond are kept).

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Largest duration Go can represent (int64 nanoseconds), in milliseconds. */
const MAX_MS = 9_223_372_036_854.775;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseGoDuration(text: string): DurationResult {
  const bad = (): DurationResult => ({ ok: false, reason: `invalid duration "${text.slice(0, 64)}"` });
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return bad();
  let s = text;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ms: 0 };
  if (s === '') return bad();
  let total = 0;
  const re = /^([0-9]*)(?:\.([0-9]*))?([a-zµμ]+)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return bad();
    const [whole, intPart = '', fracPart, unit = ''] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return bad();
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined)
      return { ok: false, reason: `invalid duration "${text}": unknown unit "${unit}"` };
    const value = Number(`${intPart || '0'}.${fracPart || '0'}`);
    total += value * perUnit;
    if (total > MAX_MS) return { ok: false, reason: `invalid duration "${text}": out of range` };
    s = s.slice(whole.length);
  }
  return { ok: true, ms: sign * total };
}

/** Canonical Go-style text for whole seconds ("1m30s", "0s"), used when writing CRD YAML. */
export function formatSeconds(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
