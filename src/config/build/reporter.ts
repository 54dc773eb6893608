// Collects errors and warnings for buildConfig. Objects generated from a legacy ConfigMap are
// reported against the ConfigMap field they came from.
import type { Issues } from '../fields.js';
import { legacyField, legacyOrigin } from '../legacy.js';
import type { ConfigError, ConfigWarning, RawObject } from '../model.js';

export interface Reporter {
  readonly errors: ConfigError[];
  readonly warnings: ConfigWarning[];
  fail(obj: RawObject | null, ref: string, field: string, reason: string): void;
  warn(obj: RawObject | null, ref: string, field: string, reason: string): void;
  /** Field issues from a per-kind parser. */
  issues(obj: RawObject, ref: string, issues: Issues, as?: 'error' | 'warning'): void;
}

export function createReporter(): Reporter {
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  const located = (obj: RawObject | null, ref: string, field: string, reason: string): ConfigError => {
    const origin = obj ? legacyOrigin(obj) : undefined;
    const object = origin ? origin.ref : ref;
    const at = origin ? legacyField(origin, field) : field;
    return obj?.source ? { object, field: at, reason, source: obj.source } : { object, field: at, reason };
  };
  const fail = (obj: RawObject | null, ref: string, field: string, reason: string) =>
    void errors.push(located(obj, ref, field, reason));
  const warn = (obj: RawObject | null, ref: string, field: string, reason: string) =>
    void warnings.push(located(obj, ref, field, reason));
  return {
    errors,
    warnings,
    fail,
    warn,
    issues: (obj, ref, list, as = 'error') => {
      for (const i of list) (as === 'error' ? fail : warn)(obj, ref, i.field, i.reason);
    },
  };
}

/** Identical errors (e.g. the same legacy field reached twice) are reported once. */
export function dedupe(errors: readonly ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.source?.file}\u0000${e.source?.doc}\u0000${e.object}\u0000${e.field}\u0000${e.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
