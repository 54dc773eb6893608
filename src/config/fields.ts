// Typed reads of plain YAML/JSON data with errors collected per field path. Every reader returns
// undefined when the field is absent and records an issue (never throws) when it is malformed.
import type { FieldIssue } from './selector.js';

export type { FieldIssue } from './selector.js';
export type Issues = FieldIssue[];
export type Obj = Readonly<Record<string, unknown>>;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Describes a value's type the way a YAML author thinks of it. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  if (typeof v === 'number' && !Number.isFinite(v)) return 'non-finite number';
  return typeof v;
}

/** Unknown keys are errors: a typo such as `autoassign` must not be silently ignored. */
export function checkKnownKeys(obj: Obj, allowed: readonly string[], path: string, issues: Issues): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) issues.push({ field: join(path, k), reason: `unknown field "${k}"` });
  }
}

export function readObject(obj: Obj, key: string, path: string, issues: Issues): Obj | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) {
    issues.push({ field: join(path, key), reason: `must be a mapping, got ${typeName(v)}` });
    return undefined;
  }
  return v;
}

export function readString(obj: Obj, key: string, path: string, issues: Issues): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    issues.push({ field: join(path, key), reason: `must be a string, got ${typeName(v)}` });
    return undefined;
  }
  return v;
}

export function readBool(obj: Obj, key: string, path: string, issues: Issues): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    issues.push({ field: join(path, key), reason: `must be a boolean (true or false), got ${typeName(v)}` });
    return undefined;
  }
  return v;
}

/** An integer in [min, max]; floats, strings and unsafe integers are rejected. */
export function readInt(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  min: number,
  max: number,
): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const field = join(path, key);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    issues.push({ field, reason: `must be an integer, got ${typeName(v)}` });
    return undefined;
  }
  if (!Number.isInteger(v)) {
    issues.push({ field, reason: `must be an integer, got ${v}` });
    return undefined;
  }
  if (v < min || v > max) {
    issues.push({
      field,
      reason: `must be between ${min} and ${max}, got ${Number.isSafeInteger(v) ? v : v.toExponential()}`,
    });
    return undefined;
  }
  return v;
}

/** A list of strings; with `unique`, repeated entries are reported as `duplicate definition of <what>`. */
export function readStringList(
  obj: Obj,
  key: string,
  path: string,
  issues: Issues,
  unique?: string,
): string[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const field = join(path, key);
  if (!Array.isArray(v)) {
    issues.push({ field, reason: `must be a list of strings, got ${typeName(v)}` });
    return undefined;
  }
  const out: string[] = [];
  const seen = new Set<string>();
  v.forEach((item: unknown, i) => {
    if (typeof item !== 'string') {
      issues.push({ field: `${field}[${i}]`, reason: `must be a string, got ${typeName(item)}` });
      return;
    }
    // Duplicates are reported but kept, so later checks still see the original indices.
    if (unique && seen.has(item))
      issues.push({ field: `${field}[${i}]`, reason: `duplicate definition of ${unique} "${item}"` });
    seen.add(item);
    out.push(item);
  });
  return out;
}

export function readList(obj: Obj, key: string, path: string, issues: Issues): unknown[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    issues.push({ field: join(path, key), reason: `must be a list, got ${typeName(v)}` });
    return undefined;
  }
  return v;
}

export const hasLineBreak = (s: string): boolean => /[\r\n]/.test(s);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes object names for these kinds are DNS-1123 subdomains. */
export function objectNameError(name: string): string | null {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(name))
    return `invalid name "${name}": must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`;
  return null;
}
