// Multi-document YAML → RawObject list. Bounded: the text size is capped, aliases are capped
// (alias "billion laughs" bombs), and every broken document becomes an error naming its index
// instead of aborting the rest.
import { parseAllDocuments } from 'yaml';
import { configError } from './errors.js';
import type { ConfigError, Labels, ObjectMeta, ParseDocumentsResult, RawObject, SourceRef } from './model.js';

/** Largest YAML text accepted (characters). MetalLB configs are kilobytes; 8 MiB is generous. */
export const MAX_INPUT_CHARS = 8 * 1024 * 1024;
/** Alias expansions allowed per document (the yaml library's own bomb guard). */
export const MAX_ALIAS_COUNT = 100;
/** Documents per input. */
export const MAX_DOCUMENTS = 10_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): Labels {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') Object.defineProperty(out, k, { value: val, enumerable: true });
  }
  return out;
}

/** Object reference for messages: `Kind/namespace/name` with whatever is known. */
export function refOf(raw: unknown): string {
  if (!isRecord(raw)) return '//';
  const kind = typeof raw.kind === 'string' ? raw.kind : '';
  const md = isRecord(raw.metadata) ? raw.metadata : {};
  const ns = typeof md.namespace === 'string' ? md.namespace : '';
  const name = typeof md.name === 'string' ? md.name : '';
  return `${kind}/${ns}/${name}`;
}

/** Turns one plain value into a RawObject, or errors explaining why it is not an object. */
export function toRawObject(
  value: unknown,
  source?: SourceRef,
): { object: RawObject | null; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const ref = refOf(value);
  if (!isRecord(value)) {
    errors.push(configError(ref, '', 'document is not a mapping (expected a Kubernetes object)', source));
    return { object: null, errors };
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '')
    errors.push(configError(ref, 'apiVersion', 'required string', source));
  if (typeof value.kind !== 'string' || value.kind === '')
    errors.push(configError(ref, 'kind', 'required string', source));
  const md = value.metadata;
  if (md !== undefined && !isRecord(md))
    errors.push(configError(ref, 'metadata', 'must be a mapping', source));
  const mdr = isRecord(md) ? md : {};
  if (typeof mdr.name !== 'string' || mdr.name === '')
    errors.push(configError(ref, 'metadata.name', 'required string', source));
  if (mdr.namespace !== undefined && typeof mdr.namespace !== 'string')
    errors.push(configError(ref, 'metadata.namespace', 'must be a string', source));
  if (mdr.labels !== undefined && mdr.labels !== null && !isRecord(mdr.labels))
    errors.push(configError(ref, 'metadata.labels', 'must be a map of strings', source));
  else if (isRecord(mdr.labels)) {
    for (const [k, v] of Object.entries(mdr.labels))
      if (typeof v !== 'string')
        errors.push(configError(ref, `metadata.labels.${k}`, 'must be a string', source));
  }
  if (mdr.annotations !== undefined && mdr.annotations !== null && !isRecord(mdr.annotations))
    errors.push(configError(ref, 'metadata.annotations', 'must be a map of strings', source));
  if (errors.length > 0) return { object: null, errors };
  const metadata: ObjectMeta = {
    name: mdr.name as string,
    namespace: typeof mdr.namespace === 'string' ? mdr.namespace : '',
    labels: stringMap(mdr.labels),
    annotations: stringMap(mdr.annotations),
  };
  const object: RawObject = {
    apiVersion: value.apiVersion as string,
    kind: value.kind as string,
    metadata,
    raw: value,
    ...(source ? { source } : {}),
  };
  return { object, errors };
}

/**
 * Parses multi-document YAML. `source` names the input in errors (usually the file path). Empty
 * documents are skipped (but still counted for indices); `kind: List` documents are expanded.
 */
export function parseDocuments(yamlText: string, source: string): ParseDocumentsResult {
  const objects: RawObject[] = [];
  const errors: ConfigError[] = [];
  if (typeof yamlText !== 'string') {
    return { objects, errors: [configError('//', '', 'input is not text', { file: source, doc: 0 })] };
  }
  if (yamlText.length > MAX_INPUT_CHARS) {
    return {
      objects,
      errors: [
        configError(
          '//',
          '',
          `input is too large (${yamlText.length} characters, limit ${MAX_INPUT_CHARS})`,
          { file: source, doc: 0 },
        ),
      ],
    };
  }
  let docs;
  try {
    docs = parseAllDocuments(yamlText, { uniqueKeys: true, prettyErrors: false, stringKeys: true });
  } catch (e) {
    return {
      objects,
      errors: [configError('//', '', `not valid YAML: ${(e as Error).message}`, { file: source, doc: 0 })],
    };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > MAX_DOCUMENTS) {
    return {
      objects,
      errors: [
        configError('//', '', `too many documents (${list.length}, limit ${MAX_DOCUMENTS})`, {
          file: source,
          doc: 0,
        }),
      ],
    };
  }
  list.forEach((doc, index) => {
    const src: SourceRef = { file: source, doc: index };
    if (doc.errors.length > 0) {
      for (const err of doc.errors.slice(0, 5)) {
        const line = err.linePos?.[0];
        const where = line ? ` (line ${line.line}, column ${line.col})` : '';
        errors.push(configError('//', '', `not valid YAML${where}: ${firstLine(err.message)}`, src));
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      errors.push(configError('//', '', `not valid YAML: ${firstLine((e as Error).message)}`, src));
      return;
    }
    if (value === null || value === undefined) return; // empty document (e.g. trailing ---)
    if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, i: number) => {
        const r = toRawObject(item, src);
        errors.push(
          ...r.errors.map((e) => ({ ...e, field: e.field ? `items[${i}].${e.field}` : `items[${i}]` })),
        );
        if (r.object) objects.push(r.object);
      });
      return;
    }
    const r = toRawObject(value, src);
    errors.push(...r.errors);
    if (r.object) objects.push(r.object);
  });
  return { objects, errors };
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl >= 0 ? s.slice(0, nl) : s).slice(0, 300);
}
