// RawObjects → validated, immutable Config. Objects are sorted out and parsed one by one (field
// errors), then the cross-object rules run (references, overlaps, conflicts). All errors are
// collected; a Config is returned only when there are none.
import type { BuildOptions, BuildResult, RawObject } from './model.js';
import { buildBGPAdvertisements, buildL2Advertisements } from './build/advertisements.js';
import { assemble } from './build/assemble.js';
import { checkBFDEchoWithIPv6 } from './build/bfd-echo.js';
import { classify } from './build/classify.js';
import { checkLocalPrefConflicts } from './build/localpref.js';
import { parseObjects } from './build/parse-objects.js';
import { checkDuplicateSessions, checkPeerReferences, resolvePasswords } from './build/peers.js';
import { checkPoolOverlaps } from './build/pools.js';
import { createReporter, dedupe } from './build/reporter.js';

export const DEFAULT_NAMESPACE = 'metallb-system';

export function buildConfig(objects: readonly RawObject[], opts: BuildOptions = {}): BuildResult {
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const rep = createReporter();

  const { metallb, secrets, nodes } = classify(objects, namespace, rep);
  const parsed = parseObjects(metallb, namespace, rep);

  checkPoolOverlaps(parsed.pools, rep);
  checkPeerReferences(parsed.peers, new Set(parsed.bfds.map((b) => b.name)), rep);
  const passwords = resolvePasswords(parsed.peers, secrets, namespace, rep);
  checkDuplicateSessions(parsed.peers, nodes, rep);
  const l2 = buildL2Advertisements(parsed, namespace, rep);
  const bgp = buildBGPAdvertisements(parsed, namespace, rep);
  checkLocalPrefConflicts(
    bgp.map((adv, i) => ({ adv, obj: parsed.bgps[i]!.obj, ref: parsed.bgps[i]!.ref })),
    parsed.pools,
    nodes,
    rep,
  );
  checkBFDEchoWithIPv6(bgp, parsed.pools, parsed.peers, parsed.bfds, rep);

  if (rep.errors.length > 0) return { ok: false, errors: dedupe(rep.errors), warnings: rep.warnings };
  return { ok: true, config: assemble(parsed, namespace, l2, bgp, passwords), warnings: rep.warnings };
}
