// Each accepted metallb.io object through its kind's parser; community aliases collected.
import type { Issues } from '../fields.js';
import { parseBFDProfile, type BFDDraft } from '../kinds/bfdprofile.js';
import { parseBGPAdvertisement, type BGPAdvDraft } from '../kinds/bgpadvertisement.js';
import { parseCommunityObject } from '../kinds/community.js';
import { parseL2Advertisement, type L2Draft } from '../kinds/l2advertisement.js';
import { parsePeer, type PeerDraft } from '../kinds/peer.js';
import { parsePool, type PoolDraft } from '../kinds/pool.js';
import type { BGPCommunity, RawObject } from '../model.js';
import type { Reporter } from './reporter.js';

/** One parsed object: the source object, its `Kind/ns/name`, and the parsed fields. */
export interface Entry<D> {
  readonly obj: RawObject;
  readonly ref: string;
  readonly name: string;
  readonly draft: D;
}

export interface ParsedObjects {
  readonly pools: Entry<PoolDraft>[];
  readonly l2s: Entry<L2Draft>[];
  readonly bgps: Entry<BGPAdvDraft>[];
  readonly peers: Entry<PeerDraft>[];
  readonly bfds: Entry<BFDDraft>[];
  readonly aliases: Map<string, { value: BGPCommunity; ref: string }>;
}

export function parseObjects(metallb: readonly RawObject[], namespace: string, rep: Reporter): ParsedObjects {
  const out: ParsedObjects = { pools: [], l2s: [], bgps: [], peers: [], bfds: [], aliases: new Map() };
  for (const obj of metallb) {
    const name = obj.metadata.name;
    const ref = `${obj.kind}/${namespace}/${name}`;
    const issues: Issues = [];
    const entry = <D>(draft: D): Entry<D> => ({ obj, ref, name, draft });
    switch (obj.kind) {
      case 'IPAddressPool': {
        const warnings: Issues = [];
        out.pools.push(entry(parsePool(obj, issues, warnings)));
        rep.issues(obj, ref, warnings, 'warning');
        break;
      }
      case 'L2Advertisement':
        out.l2s.push(entry(parseL2Advertisement(obj, issues)));
        break;
      case 'BGPAdvertisement':
        out.bgps.push(entry(parseBGPAdvertisement(obj, issues)));
        break;
      case 'BGPPeer':
        out.peers.push(entry(parsePeer(obj, issues)));
        break;
      case 'BFDProfile':
        out.bfds.push(entry(parseBFDProfile(obj, issues)));
        break;
      case 'Community':
        for (const a of parseCommunityObject(obj, issues)) {
          const prev = out.aliases.get(a.name);
          if (prev)
            issues.push({
              field: a.field,
              reason: `duplicate definition of community "${a.name}" (also in ${prev.ref})`,
            });
          else out.aliases.set(a.name, { value: a.value, ref });
        }
        break;
    }
    rep.issues(obj, ref, issues);
  }
  return out;
}
