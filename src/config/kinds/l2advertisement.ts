// L2Advertisement (metallb.io/v1beta1).
import {
  checkKnownKeys,
  hasLineBreak,
  isRecord,
  readInt,
  readList,
  readStringList,
  typeName,
  type Issues,
} from '../fields.js';
import type { LabelSelector, PreferredNodeSelector, RawObject } from '../model.js';
import { parseLabelSelector, selectorToString } from '../selector.js';
import { selectors, specOf } from './common.js';

export interface L2Draft {
  readonly ipAddressPools: string[];
  readonly ipAddressPoolSelectors: LabelSelector[];
  readonly nodeSelectors: LabelSelector[];
  readonly interfaces: string[];
  readonly serviceSelectors: LabelSelector[];
  readonly preferredNodeSelectors: PreferredNodeSelector[];
}

/** Linux interface names: 1..15 bytes, no '/', ':' is allowed (aliases), no whitespace. */
export function interfaceNameError(name: string): string | null {
  if (name.length === 0) return 'interface name must not be empty';
  if (Buffer.byteLength(name) > 15) return `interface name "${name}" is longer than 15 bytes (IFNAMSIZ)`;
  if (/[\s/]/.test(name) || hasLineBreak(name)) return `interface name "${name}" contains invalid characters`;
  if (name === '.' || name === '..') return `invalid interface name "${name}"`;
  return null;
}

export function parseL2Advertisement(obj: RawObject, issues: Issues): L2Draft {
  const spec = specOf(obj, issues, false);
  checkKnownKeys(
    spec,
    [
      'ipAddressPools',
      'ipAddressPoolSelectors',
      'nodeSelectors',
      'interfaces',
      'serviceSelectors',
      'preferredNodeSelectors',
    ],
    'spec',
    issues,
  );
  const interfaces = readStringList(spec, 'interfaces', 'spec', issues, 'interfaces') ?? [];
  interfaces.forEach((name, i) => {
    const err = interfaceNameError(name);
    if (err) issues.push({ field: `spec.interfaces[${i}]`, reason: err });
  });
  const preferred: PreferredNodeSelector[] = [];
  const seen = new Map<string, number>();
  (readList(spec, 'preferredNodeSelectors', 'spec', issues) ?? []).forEach((item, i) => {
    const f = `spec.preferredNodeSelectors[${i}]`;
    if (!isRecord(item)) {
      issues.push({
        field: f,
        reason: `must be a mapping with weight and preference, got ${typeName(item)}`,
      });
      return;
    }
    checkKnownKeys(item, ['weight', 'preference'], f, issues);
    const before = issues.length;
    const weight = readInt(item, 'weight', f, issues, 1, 100);
    if (weight === undefined && issues.length === before)
      issues.push({ field: `${f}.weight`, reason: 'required' });
    if (item.preference === undefined || item.preference === null)
      issues.push({ field: `${f}.preference`, reason: 'required' });
    const sel = parseLabelSelector(item.preference, `${f}.preference`);
    issues.push(...sel.issues);
    if (weight === undefined || !sel.selector || item.preference == null) return;
    const key = selectorToString(sel.selector);
    const prev = seen.get(key);
    if (prev !== undefined) {
      issues.push({
        field: `${f}.preference`,
        reason: `duplicate definition of preferredNodeSelectors "${key}" (same as spec.preferredNodeSelectors[${prev}])`,
      });
      return;
    }
    seen.set(key, i);
    preferred.push({ weight, preference: sel.selector });
  });
  return {
    ipAddressPools: readStringList(spec, 'ipAddressPools', 'spec', issues, 'ipAddressPools') ?? [],
    ipAddressPoolSelectors: selectors(spec, 'ipAddressPoolSelectors', 'spec', issues),
    nodeSelectors: selectors(spec, 'nodeSelectors', 'spec', issues),
    interfaces,
    serviceSelectors: selectors(spec, 'serviceSelectors', 'spec', issues),
    preferredNodeSelectors: preferred,
  };
}
