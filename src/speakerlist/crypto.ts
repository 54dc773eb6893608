// Sealing speakerlist packets with the cluster's shared key: AES-256-GCM, a fresh random 96-bit
// nonce per packet, the version byte authenticated as associated data. A packet sealed with
// another key (or altered, truncated, replayed from another protocol) fails authentication and
// is dropped by the caller. The key is derived with HKDF-SHA256 from the `memberlist` Secret's
// value, so any length of secret gives a full-strength key and the raw secret never keys AES.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE_LEN = 12;
const TAG_LEN = 16;
const AAD = Buffer.from('ferrolb-speakerlist-v1');

export type Key = Buffer & { readonly __speakerlistKey: true };

/** Derives the packet key from the shared secret (bytes or string, non-empty). */
export function deriveKey(secret: string | Uint8Array): Key {
  const material = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (material.length === 0) throw new Error('speakerlist secret key is empty');
  return Buffer.from(
    hkdfSync('sha256', material, 'ferrolb-speakerlist', 'aes-256-gcm packet key', 32),
  ) as Key;
}

export function seal(key: Key, plaintext: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_LEN);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
  cipher.setAAD(Buffer.concat([Buffer.from([VERSION]), AAD]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or null when the packet is not ours or fails authentication. */
export function open(key: Key, packet: Uint8Array): Buffer | null {
  if (packet.length < 1 + NONCE_LEN + TAG_LEN || packet[0] !== VERSION) return null;
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  const nonce = buf.subarray(1, 1 + NONCE_LEN);
  const tag = buf.subarray(buf.length - TAG_LEN);
  const body = buf.subarray(1 + NONCE_LEN, buf.length - TAG_LEN);
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    d.setAAD(Buffer.concat([Buffer.from([VERSION]), AAD]));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    return null;
  }
}
