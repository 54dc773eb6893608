// Kubernetes label selectors (metav1.LabelSelector): parsing with validation, and evaluation
// exactly like labels.Selector built by LabelSelectorAsSelector:
//   - matchLabels k=v  ≡  k In (v)
//   - In: the key is present and its value is listed
//   - NotIn: the key is absent, or present with a value not listed
//   - Exists / DoesNotExist: presence only
//   - all requirements must hold; an empty selector matches everything.

import type { Labels, LabelSelector, LabelSelectorRequirement, SelectorOperator } from './model.js';

export const EVERYTHING: LabelSelector = Object.freeze({
  matchLabels: Object.freeze({}),
  matchExpressions: Object.freeze([]) as readonly LabelSelectorRequirement[],
});

export function matchesSelector(sel: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(sel.matchLabels)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const req of sel.matchExpressions) {
    const has = Object.hasOwn(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(labels[req.key] as string)) return false;
        break;
      case 'NotIn':
        if (has && req.values.includes(labels[req.key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/**
 * True when any selector matches. MetalLB fields such as nodeSelectors mean "all" when the list is
 * empty, hence `emptyMatches` defaults to true.
 */
export function matchesAnySelector(
  sels: readonly LabelSelector[],
  labels: Labels,
  emptyMatches = true,
): boolean {
  if (sels.length === 0) return emptyMatches;
  return sels.some((s) => matchesSelector(s, labels));
}

/** Canonical text like Kubernetes' selector String(): sorted requirements, `k=v`, `k in (a,b)`. */
export function selectorToString(sel: LabelSelector): string {
  const parts: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels)) parts.push({ key, text: `${key}=${value}` });
  for (const r of sel.matchExpressions) {
    const vals = r.values.join(',');
    const text =
      r.operator === 'In'
        ? `${r.key} in (${vals})`
        : r.operator === 'NotIn'
          ? `${r.key} notin (${vals})`
          : r.operator === 'Exists'
            ? r.key
            : `!${r.key}`;
    parts.push({ key: r.key, text });
  }
  parts.sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0,
  );
  return parts.map((p) => p.text).join(',');
}

// ---------------------------------------------------------------------------------------------
// Label key/value syntax (k8s.io/apimachinery validation)

const NAME_PART = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Reason the label key is invalid, or null. */
export function labelKeyError(key: string): string | null {
  let name = key;
  const slash = key.indexOf('/');
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))
      return `invalid label key "${key}": prefix must be a DNS subdomain`;
  }
  if (name.length === 0) return `invalid label key "${key}": name part must be non-empty`;
  if (name.length > 63) return `invalid label key "${key}": name part must be no more than 63 characters`;
  if (!NAME_PART.test(name))
    return `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return null;
}

export function labelValueError(value: string): string | null {
  if (value.length === 0) return null;
  if (value.length > 63) return `invalid label value "${value}": must be no more than 63 characters`;
  if (!NAME_PART.test(value))
    return `invalid label value "${value}": must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Parsing from plain (YAML) data

export interface FieldIssue {
  readonly field: string;
  readonly reason: string;
}

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses one metav1.LabelSelector at `field`. Returns the selector (or null) and every issue found.
 * Duplicate values inside one expression are rejected, as MetalLB does.
 */
export function parseLabelSelector(
  value: unknown,
  field: string,
): { selector: LabelSelector | null; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (value === null || value === undefined) return { selector: EVERYTHING, issues };
  if (!isRecord(value)) {
    return { selector: null, issues: [{ field, reason: 'must be a label selector object' }] };
  }
  for (const k of Object.keys(value)) {
    if (k !== 'matchLabels' && k !== 'matchExpressions')
      issues.push({ field: `${field}.${k}`, reason: 'unknown field' });
  }
  const matchLabels: Record<string, string> = {};
  const ml = value.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isRecord(ml)) issues.push({ field: `${field}.matchLabels`, reason: 'must be a map of strings' });
    else {
      for (const [k, v] of Object.entries(ml)) {
        const f = `${field}.matchLabels.${k}`;
        const keyErr = labelKeyError(k);
        if (keyErr) issues.push({ field: f, reason: keyErr });
        if (typeof v !== 'string') {
          issues.push({ field: f, reason: 'must be a string' });
          continue;
        }
        const valErr = labelValueError(v);
        if (valErr) issues.push({ field: f, reason: valErr });
        Object.defineProperty(matchLabels, k, { value: v, enumerable: true, writable: false });
      }
    }
  }
  const exprs: LabelSelectorRequirement[] = [];
  const me = value.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) issues.push({ field: `${field}.matchExpressions`, reason: 'must be a list' });
    else {
      me.forEach((e: unknown, i) => {
        const f = `${field}.matchExpressions[${i}]`;
        if (!isRecord(e)) {
          issues.push({ field: f, reason: 'must be an object with key, operator and values' });
          return;
        }
        const key = e.key;
        const op = e.operator;
        const rawValues = e.values ?? [];
        let ok = true;
        if (typeof key !== 'string' || key === '') {
          issues.push({ field: `${f}.key`, reason: 'required' });
          ok = false;
        } else {
          const keyErr = labelKeyError(key);
          if (keyErr) {
            issues.push({ field: `${f}.key`, reason: keyErr });
            ok = false;
          }
        }
        if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
          issues.push({
            field: `${f}.operator`,
            reason: `"${String(op)}" is not a valid selector operator (In, NotIn, Exists, DoesNotExist)`,
          });
          ok = false;
        }
        if (!Array.isArray(rawValues) || rawValues.some((v) => typeof v !== 'string')) {
          issues.push({ field: `${f}.values`, reason: 'must be a list of strings' });
          return;
        }
        const values = rawValues as string[];
        if (ok && (op === 'In' || op === 'NotIn') && values.length === 0) {
          issues.push({ field: `${f}.values`, reason: `must be non-empty for operator ${op}` });
          ok = false;
        }
        if (ok && (op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
          issues.push({ field: `${f}.values`, reason: `must be empty for operator ${op}` });
          ok = false;
        }
        const seen = new Set<string>();
        values.forEach((v, j) => {
          if (seen.has(v)) {
            issues.push({
              field: `${f}.values[${j}]`,
              reason: `duplicate definition of match expression value "${v}"`,
            });
            ok = false;
          }
          seen.add(v);
          const valErr = labelValueError(v);
          if (valErr) {
            issues.push({ field: `${f}.values[${j}]`, reason: valErr });
            ok = false;
          }
        });
        if (ok) {
          exprs.push({
            key: key as string,
            operator: op as SelectorOperator,
            values: [...seen].sort(),
          });
        }
      });
    }
  }
  // Duplicate expressions inside one selector (MetalLB rejects them).
  const seenExpr = new Map<string, number>();
  exprs.forEach((r, i) => {
    const k = `${r.key}\u0000${r.operator}\u0000${r.values.join('\u0000')}`;
    if (seenExpr.has(k))
      issues.push({
        field: `${field}.matchExpressions`,
        reason: `duplicate definition of match expressions "${selectorToString({ matchLabels: {}, matchExpressions: [r] })}"`,
      });
    seenExpr.set(k, i);
  });
  if (issues.length > 0) return { selector: null, issues };
  return { selector: { matchLabels, matchExpressions: exprs }, issues };
}

/**
 * Parses a list of selectors at `field` (e.g. `spec.nodeSelectors`), rejecting duplicates
 * (two selectors with the same canonical form), as MetalLB does.
 */
export function parseLabelSelectorList(
  value: unknown,
  field: string,
): { selectors: LabelSelector[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const selectors: LabelSelector[] = [];
  if (value === undefined || value === null) return { selectors, issues };
  if (!Array.isArray(value))
    return { selectors, issues: [{ field, reason: 'must be a list of label selectors' }] };
  const seen = new Map<string, number>();
  value.forEach((v: unknown, i) => {
    const r = parseLabelSelector(v, `${field}[${i}]`);
    issues.push(...r.issues);
    if (!r.selector) return;
    const text = selectorToString(r.selector);
    const prev = seen.get(text);
    if (prev !== undefined) {
      issues.push({
        field: `${field}[${i}]`,
        reason: `duplicate definition of ${lastSegment(field)} "${text}" (same as ${field}[${prev}])`,
      });
      return;
    }
    seen.set(text, i);
    selectors.push(r.selector);
  });
  return { selectors, issues };
}

function lastSegment(field: string): string {
  const dot = field.lastIndexOf('.');
  return dot >= 0 ? field.slice(dot + 1) : field;
}

// ---------------------------------------------------------------------------------------------
// Overlap: can one label set satisfy both selectors? Used when no Node objects are at hand to
// decide whether two advertisements or peers may apply to the same node.

interface KeyConstraint {
  present: boolean;
  absent: boolean;
  allowed: Set<string> | null;
  excluded: Set<string>;
}

function constrain(map: Map<string, KeyConstraint>, sel: LabelSelector): void {
  const get = (key: string): KeyConstraint => {
    let c = map.get(key);
    if (!c) {
      c = { present: false, absent: false, allowed: null, excluded: new Set() };
      map.set(key, c);
    }
    return c;
  };
  const allow = (c: KeyConstraint, values: readonly string[]) => {
    c.present = true;
    c.allowed = c.allowed === null ? new Set(values) : new Set(values.filter((v) => c.allowed?.has(v)));
  };
  for (const [k, v] of Object.entries(sel.matchLabels)) allow(get(k), [v]);
  for (const r of sel.matchExpressions) {
    const c = get(r.key);
    if (r.operator === 'In') allow(c, r.values);
    else if (r.operator === 'NotIn') r.values.forEach((v) => c.excluded.add(v));
    else if (r.operator === 'Exists') c.present = true;
    else c.absent = true;
  }
}

export function selectorsMayOverlap(a: LabelSelector, b: LabelSelector): boolean {
  const map = new Map<string, KeyConstraint>();
  constrain(map, a);
  constrain(map, b);
  for (const c of map.values()) {
    if (c.present && c.absent) return false;
    if (c.allowed !== null && [...c.allowed].every((v) => c.excluded.has(v))) return false;
  }
  return true;
}

/** Lists mean "any of"; an empty list matches everything. */
export function selectorListsMayOverlap(a: readonly LabelSelector[], b: readonly LabelSelector[]): boolean {
  const la = a.length ? a : [EVERYTHING];
  const lb = b.length ? b : [EVERYTHING];
  return la.some((x) => lb.some((y) => selectorsMayOverlap(x, y)));
}
