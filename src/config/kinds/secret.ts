// v1 Secret, only as far as BGP passwords need: type and the `password` key (data is base64,
// stringData is plain, as the API server would merge them).
import { isRecord } from '../fields.js';
import type { RawObject } from '../model.js';

export interface SecretInfo {
  readonly type: string;
  readonly data: ReadonlyMap<string, string>;
}

export function parseSecret(obj: RawObject): {
  secret: SecretInfo;
  issues: { field: string; reason: string }[];
} {
  const issues: { field: string; reason: string }[] = [];
  const data = new Map<string, string>();
  const type = typeof obj.raw.type === 'string' ? obj.raw.type : 'Opaque';
  if (isRecord(obj.raw.data)) {
    for (const [k, v] of Object.entries(obj.raw.data)) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v.replace(/\s/g, ''))) {
        issues.push({ field: `data.${k}`, reason: 'must be a base64 string' });
        continue;
      }
      data.set(k, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  if (isRecord(obj.raw.stringData)) {
    for (const [k, v] of Object.entries(obj.raw.stringData)) {
      if (typeof v !== 'string') issues.push({ field: `stringData.${k}`, reason: 'must be a string' });
      else data.set(k, v);
    }
  }
  return { secret: { type, data }, issues };
}
