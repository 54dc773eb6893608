// Community (metallb.io/v1beta1): named aliases for community values.
import { parseCommunity } from '../community.js';
import { checkKnownKeys, isRecord, readList, readString, typeName, type Issues } from '../fields.js';
import type { BGPCommunity, RawObject } from '../model.js';
import { specOf } from './common.js';

export interface CommunityAlias {
  readonly name: string;
  readonly value: BGPCommunity;
  readonly field: string;
}

export function parseCommunityObject(obj: RawObject, issues: Issues): CommunityAlias[] {
  const spec = specOf(obj, issues, false);
  checkKnownKeys(spec, ['communities'], 'spec', issues);
  const out: CommunityAlias[] = [];
  const seen = new Set<string>();
  (readList(spec, 'communities', 'spec', issues) ?? []).forEach((item, i) => {
    const f = `spec.communities[${i}]`;
    if (!isRecord(item)) {
      issues.push({ field: f, reason: `must be a mapping with name and value, got ${typeName(item)}` });
      return;
    }
    checkKnownKeys(item, ['name', 'value'], f, issues);
    const name = readString(item, 'name', f, issues);
    const value = readString(item, 'value', f, issues);
    if (!name) issues.push({ field: `${f}.name`, reason: 'required' });
    if (!value) issues.push({ field: `${f}.value`, reason: 'required' });
    if (!name || !value) return;
    const parsed = parseCommunity(value);
    if (!parsed.ok) {
      issues.push({ field: `${f}.value`, reason: `parsing community "${name}": ${parsed.reason}` });
      return;
    }
    if (seen.has(name)) {
      issues.push({ field: `${f}.name`, reason: `duplicate definition of community "${name}"` });
      return;
    }
    seen.add(name);
    out.push({ name, value: parsed.community, field: `${f}.name` });
  });
  return out;
}
