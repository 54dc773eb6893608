// Shared plumbing for the per-kind parsers: the spec mapping, top-level keys, and selector lists.
import { checkKnownKeys, isRecord, typeName, type Issues, type Obj } from '../fields.js';
import type { LabelSelector, RawObject } from '../model.js';
import { parseLabelSelectorList } from '../selector.js';

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** The object's `spec` (empty when absent and `required` is false), after checking top-level keys. */
export function specOf(obj: RawObject, issues: Issues, required: boolean): Obj {
  checkKnownKeys(obj.raw, TOP_LEVEL, '', issues);
  const spec = obj.raw.spec;
  if (spec === undefined || spec === null) {
    if (required) issues.push({ field: 'spec', reason: 'required' });
    return {};
  }
  if (!isRecord(spec)) {
    issues.push({ field: 'spec', reason: `must be a mapping, got ${typeName(spec)}` });
    return {};
  }
  return spec;
}

export function selectors(obj: Obj, key: string, path: string, issues: Issues): LabelSelector[] {
  const r = parseLabelSelectorList(obj[key], `${path}.${key}`);
  issues.push(...r.issues);
  return r.selectors;
}
