// Multi-document YAML → RawObject list. Bounded: the text size is capped, aliases are capped
// (alias "billion laughs" bombs), and every broken document becomes an error naming its index
// instead of aborting the rest.
import { Composer, LineCounter, Parser } from 'yaml';
import { configError } from './errors.js';
import type { ConfigError, Labels, ObjectMeta, ParseDocumentsResult, RawObject, SourceRef } from './model.js';

/** Largest YAML text accepted (characters). MetalLB configs are kilobytes; 8 MiB is generous. */
export const MAX_INPUT_CHARS = 8 * 1024 * 1024;
/** Alias expansions allowed per document (the yaml library's own bomb guard). */
export const MAX_ALIAS_COUNT = 100;
/** Documents per input. */
export const MAX_DOCUMENTS = 50_000;
/** Reading stops once this many errors were found: garbage gets a bounded report. */
export const MAX_PARSE_ERRORS = 1_000;

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

export interface ParseLimits {
  /** Default MAX_INPUT_CHARS. */
  readonly maxChars?: number;
  /** Default MAX_DOCUMENTS. */
  readonly maxDocuments?: number;
}

/**
 * Cheap structural guard run before the YAML parser, whose composer recurses per nesting level:
 * configuration never nests flow collections 64 deep or indents 512 columns, garbage does.
 */
function nestingError(text: string): string | null {
  let depth = 0;
  let column = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      atLineStart = true;
      column = 0;
      continue;
    }
    if (atLineStart) {
      if (ch === 32) {
        if (++column > MAX_INDENT) return `indentation deeper than ${MAX_INDENT} columns`;
        continue;
      }
      atLineStart = false;
    }
    if (ch === 91 || ch === 123) {
      if (++depth > MAX_FLOW_DEPTH) return `flow collections nested deeper than ${MAX_FLOW_DEPTH} levels`;
    } else if ((ch === 93 || ch === 125) && depth > 0) depth--;
  }
  return null;
}

const MAX_FLOW_DEPTH = 64;
const MAX_INDENT = 512;

/**
 * Parses multi-document YAML. `source` names the input in errors (usually the file path). Empty
 * documents are skipped (but still counted for indices); `kind: List` documents are expanded.
 * Documents are composed one at a time, so the document limit stops work early.
 */
export function parseDocuments(
  yamlText: string,
  source: string,
  limits: ParseLimits = {},
): ParseDocumentsResult {
  const maxChars = limits.maxChars ?? MAX_INPUT_CHARS;
  const maxDocuments = limits.maxDocuments ?? MAX_DOCUMENTS;
  const objects: RawObject[] = [];
  const errors: ConfigError[] = [];
  const whole = (reason: string): ParseDocumentsResult => ({
    objects: [],
    errors: [configError('//', '', reason, { file: source, doc: 0 })],
  });
  if (typeof yamlText !== 'string') return whole('input is not text');
  if (yamlText.length > maxChars)
    return whole(`input is too large (${yamlText.length} characters, limit ${maxChars})`);
  const nesting = nestingError(yamlText);
  if (nesting) return whole(`not accepted as configuration: ${nesting}`);

  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer({ uniqueKeys: true, stringKeys: true });
  let index = -1;
  try {
    for (const doc of composer.compose(parser.parse(yamlText), true, yamlText.length)) {
      index++;
      if (index >= maxDocuments) {
        return {
          objects: [],
          errors: [
            ...errors,
            configError('//', '', `too many documents (limit ${maxDocuments})`, { file: source, doc: index }),
          ],
        };
      }
      const src: SourceRef = { file: source, doc: index };
      if (errors.length >= MAX_PARSE_ERRORS) {
        errors.push(configError('//', '', `too many errors; stopped reading at this document`, src));
        return { objects, errors };
      }
      if (doc.errors.length > 0) {
        for (const err of doc.errors.slice(0, 5)) {
          const pos = lines.linePos(err.pos[0]);
          errors.push(
            configError(
              '//',
              '',
              `not valid YAML (line ${pos.line}, column ${pos.col}): ${firstLine(err.message)}`,
              src,
            ),
          );
        }
        continue;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        errors.push(configError('//', '', `not valid YAML: ${firstLine((e as Error).message)}`, src));
        continue;
      }
      if (value === null || value === undefined) continue; // empty document (e.g. trailing ---)
      if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items)) {
        value.items.forEach((item: unknown, i: number) => {
          const r = toRawObject(item, src);
          errors.push(
            ...r.errors.map((e) => ({ ...e, field: e.field ? `items[${i}].${e.field}` : `items[${i}]` })),
          );
          if (r.object) objects.push(r.object);
        });
        continue;
      }
      const r = toRawObject(value, src);
      errors.push(...r.errors);
      if (r.object) objects.push(r.object);
    }
  } catch (e) {
    // The parser itself failing (e.g. exhausting the stack) is still just invalid input.
    errors.push(
      configError('//', '', `not valid YAML: ${firstLine((e as Error).message)}`, {
        file: source,
        doc: Math.max(index, 0),
      }),
    );
  }
  return { objects, errors };
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl >= 0 ? s.slice(0, nl) : s).slice(0, 300);
}
