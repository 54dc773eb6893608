// Peer rules needing other objects: the BFD profile exists, the password Secret resolves, and no
// two peers open the same session (same address/port or interface, same VRF, overlapping nodes).
import type { SecretInfo } from '../kinds/secret.js';
import type { PeerDraft } from '../kinds/peer.js';
import { formatIP } from '../ip.js';
import type { Labels } from '../model.js';
import { nodeSetsMayOverlap } from './nodes.js';
import type { Entry } from './parse-objects.js';
import type { Reporter } from './reporter.js';

/** TCP MD5 keys are at most 80 bytes (RFC 2385 / TCP_MD5SIG_MAXKEYLEN). */
const MAX_MD5_KEY = 80;

/** Resolves every peer's password (inline or from its Secret), reporting what is wrong. */
export function resolvePasswords(
  peers: readonly Entry<PeerDraft>[],
  secrets: ReadonlyMap<string, SecretInfo>,
  namespace: string,
  rep: Reporter,
): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const p of peers) {
    const d = p.draft;
    let password = d.password;
    const f = d.passwordSecret ? 'spec.passwordSecret' : 'spec.password';
    if (d.passwordSecret) {
      const s = d.passwordSecret;
      const where = `"${namespace}/${s.name}"`;
      const secret = secrets.get(s.name);
      if (s.namespace !== '' && s.namespace !== namespace)
        rep.fail(
          p.obj,
          p.ref,
          `${f}.namespace`,
          `the password Secret must be in the MetalLB namespace "${namespace}"`,
        );
      else if (!secret) rep.fail(p.obj, p.ref, f, `secret ref not found for peer config: Secret ${where}`);
      else if (secret.type !== 'kubernetes.io/basic-auth')
        rep.fail(
          p.obj,
          p.ref,
          f,
          `secret type mismatch on ${where}: type "kubernetes.io/basic-auth" is expected, got "${secret.type}"`,
        );
      else if (!secret.data.has('password'))
        rep.fail(p.obj, p.ref, f, `password not specified in the secret ${where}`);
      else {
        password = secret.data.get('password') as string;
        if (/[\r\n]/.test(password))
          rep.fail(p.obj, p.ref, f, `password secret ${where} contains invalid characters`);
      }
    }
    if (password !== null && Buffer.byteLength(password) > MAX_MD5_KEY)
      rep.fail(p.obj, p.ref, f, `password is longer than ${MAX_MD5_KEY} bytes (TCP MD5 key limit)`);
    out.set(p.name, password);
  }
  return out;
}

export function checkPeerReferences(
  peers: readonly Entry<PeerDraft>[],
  bfdNames: ReadonlySet<string>,
  rep: Reporter,
): void {
  for (const p of peers) {
    const profile = p.draft.bfdProfile;
    if (profile !== null && !bfdNames.has(profile))
      rep.fail(p.obj, p.ref, 'spec.bfdProfile', `peer references non existing bfd profile "${profile}"`);
  }
}

/** Peers grouped by session endpoint; only peers in one group can clash. */
export function checkDuplicateSessions(
  peers: readonly Entry<PeerDraft>[],
  nodes: readonly Labels[] | null,
  rep: Reporter,
): void {
  const groups = new Map<string, Entry<PeerDraft>[]>();
  for (const p of [...peers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const d = p.draft;
    const endpoint = d.peerAddress
      ? `addr ${formatIP(d.peerAddress)} port ${d.peerPort}`
      : d.interface
        ? `iface ${d.interface}`
        : null;
    if (endpoint === null) continue;
    const key = `${endpoint} vrf ${d.vrf ?? ''}`;
    const list = groups.get(key) ?? [];
    for (const prev of list) {
      if (!nodeSetsMayOverlap(p.draft.nodeSelectors, prev.draft.nodeSelectors, nodes)) continue;
      rep.fail(
        p.obj,
        p.ref,
        d.interface !== null ? 'spec.interface' : 'spec.peerAddress',
        `peer ${prev.name} already exists for the same address and VRF on overlapping nodes (both would open the same BGP session)`,
      );
      break;
    }
    list.push(p);
    groups.set(key, list);
  }
}
