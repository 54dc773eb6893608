// Reading the standalone files, all or nothing (size-limited like `ferrolb config`).
import { readInput } from '../cli/input.js';
import type { SourceFile } from './cluster.js';

export function readSources(
  files: readonly string[],
): { ok: true; sources: SourceFile[] } | { ok: false; errors: string[] } {
  const sources: SourceFile[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const r = readInput(file);
    if (r.ok) sources.push({ file, text: r.text });
    else errors.push(`${file}: ${r.reason}`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, sources };
}
