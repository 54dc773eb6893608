// Building and formatting ConfigError values. One line per error, in the format the CLI prints:
//   file:doc-index Kind/namespace/name: field: reason
import type { ConfigError, SourceRef } from './model.js';

export function objectRef(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function configError(object: string, field: string, reason: string, source?: SourceRef): ConfigError {
  return source ? { object, field, reason, source } : { object, field, reason };
}

export function formatError(e: ConfigError): string {
  const where = e.source ? `${e.source.file}:${e.source.doc} ` : '';
  const field = e.field ? `${e.field}: ` : '';
  return `${where}${e.object}: ${field}${e.reason}`;
}

/** Stable order: by source file, document, then object and field, so output is reproducible. */
export function sortErrors(errors: readonly ConfigError[]): ConfigError[] {
  const key = (e: ConfigError) => [e.source?.file ?? '', e.source?.doc ?? -1] as const;
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const [fa, da] = key(a.e);
      const [fb, db] = key(b.e);
      if (fa !== fb) return fa < fb ? -1 : 1;
      if (da !== db) return da - db;
      return a.i - b.i;
    })
    .map((x) => x.e);
}
