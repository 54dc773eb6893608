// RawObjects → multi-document CRD YAML, as `ferrolb config convert` prints it: kinds in
// dependency order (pools, BFD profiles, communities, peers, advertisements), stable key order.
import { stringify } from 'yaml';
import type { RawObject } from './model.js';

const ORDER = ['IPAddressPool', 'BFDProfile', 'Community', 'BGPPeer', 'BGPAdvertisement', 'L2Advertisement'];
const rank = (o: RawObject): number => {
  const i = ORDER.indexOf(o.kind);
  return i < 0 ? ORDER.length : i;
};

export function toYamlDocuments(objects: readonly RawObject[]): string {
  const docs = objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i)
    .map(({ o }) => {
      const { apiVersion, kind, metadata, spec, ...rest } = o.raw as Record<string, unknown>;
      return stringify(
        { apiVersion, kind, metadata, ...(spec !== undefined ? { spec } : {}), ...rest },
        { lineWidth: 0 },
      );
    });
  return docs.map((d) => `---\n${d}`).join('');
}
