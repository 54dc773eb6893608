// The speakerlist key on disk. MetalLB's manifests mount the `memberlist` Secret as a volume and
// point METALLB_ML_SECRET_KEY_PATH at the mount, a directory holding one file per Secret key, and
// MetalLB reads `<path>/secretkey`; ferrolb's own DaemonSet does the same. A plain file (what
// standalone users write by hand) is read as is.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The Secret's data key, as the controller writes it (src/controller/memberlist-secret.ts). */
export const SECRET_KEY_FILE = 'secretkey';

/** The shared key at `path` (a file, or a mounted Secret directory); throws naming the flag. */
export function readMemberlistSecret(path: string): string {
  let secret: string;
  try {
    const file = statSync(path).isDirectory() ? join(path, SECRET_KEY_FILE) : path;
    secret = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new Error(`--ml-secret-key-path: ${(e as Error).message}`);
  }
  if (secret === '') throw new Error(`--ml-secret-key-path: ${path} holds an empty key`);
  return secret;
}
