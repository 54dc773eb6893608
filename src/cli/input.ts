// Reading configuration files with a hard size limit, checked before reading so that a 100 MB
// file costs a stat() and not 100 MB of memory.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { MAX_INPUT_CHARS } from '../config/documents.js';

export const MAX_FILE_BYTES = MAX_INPUT_CHARS;

export type InputResult = { ok: true; text: string } | { ok: false; reason: string };

/** Reads a file (or stdin for "-") as UTF-8, refusing anything larger than `limit` bytes. */
export function readInput(path: string, limit = MAX_FILE_BYTES): InputResult {
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (e) {
    return { ok: false, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { ok: false, reason: 'is a directory' };
    if (st.isFile() && st.size > limit)
      return { ok: false, reason: `file is too large (${st.size} bytes, limit ${limit} bytes)` };
    // Pipes and special files have no size up front: read in chunks and stop past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > limit) return { ok: false, reason: `input is too large (more than ${limit} bytes)` };
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.includes(0)) return { ok: false, reason: 'not a text file (contains NUL bytes)' };
    return { ok: true, text: bytes.toString('utf8') };
  } catch (e) {
    return { ok: false, reason: `cannot read: ${(e as Error).message}` };
  } finally {
    if (path !== '-') closeSync(fd);
  }
}
