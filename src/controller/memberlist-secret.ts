// The speakers' shared memberlist key. MetalLB's controller creates the `memberlist` Secret on
// start when it is missing, so a fresh install needs no manual step; ferrolb does the same, with
// the same name and key so MetalLB installations keep theirs.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';

export const MEMBERLIST_SECRET = 'memberlist';
export const MEMBERLIST_KEY = 'secretkey';

/** Creates the Secret with a random key unless it exists; never touches an existing one. */
export async function ensureMemberlistSecret(
  core: CoreV1Api,
  namespace: string,
): Promise<'created' | 'exists'> {
  // Create-and-accept-conflict needs only `create` on secrets (no `get`), keeping the RBAC small.
  const key = randomBytes(128).toString('base64');
  try {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: MEMBERLIST_SECRET,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'ferrolb' },
        },
        type: 'Opaque',
        data: { [MEMBERLIST_KEY]: Buffer.from(key).toString('base64') },
      },
    });
    return 'created';
  } catch (err) {
    if ((err as { code?: number } | null)?.code === 409) return 'exists';
    throw err;
  }
}
