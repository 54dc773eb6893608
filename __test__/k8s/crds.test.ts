// The committed CRD YAML is what the generator produces, and every schema is structural (every
// node typed), which the API server requires for pruning and defaulting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const dir = join(root, 'manifests', 'crds');

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
};

function untyped(s: Schema, path: string): string[] {
  const out = s.type ? [] : [path];
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...untyped(v, `${path}.${k}`));
  if (s.items) out.push(...untyped(s.items, `${path}[]`));
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.push(...untyped(s.additionalProperties, `${path}{}`));
  return out;
}

describe('metallb.io CRDs', () => {
  it('are up to date with scripts/kube-gen-crds.mjs', () => {
    const res = spawnSync(process.execPath, [join(root, 'scripts', 'kube-gen-crds.mjs'), '--check'], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
  });

  it('cover every metallb.io kind with structural schemas and one storage version', () => {
    const kinds = new Map<string, string[]>();
    for (const f of readdirSync(dir)) {
      const crd = parse(readFileSync(join(dir, f), 'utf8'));
      const versions = crd.spec.versions as {
        name: string;
        storage: boolean;
        schema: { openAPIV3Schema: Schema };
      }[];
      kinds.set(
        crd.spec.names.kind,
        versions.map((v) => v.name),
      );
      assert.equal(versions.filter((v) => v.storage).length, 1, f);
      for (const v of versions) assert.deepEqual(untyped(v.schema.openAPIV3Schema, `${f}:${v.name}`), []);
    }
    assert.deepEqual(Object.fromEntries([...kinds].sort()), {
      BFDProfile: ['v1beta1'],
      BGPAdvertisement: ['v1beta1'],
      BGPPeer: ['v1beta1', 'v1beta2'],
      Community: ['v1beta1'],
      ConfigurationState: ['v1beta1'],
      IPAddressPool: ['v1beta1'],
      L2Advertisement: ['v1beta1'],
      ServiceBGPStatus: ['v1beta1'],
      ServiceL2Status: ['v1beta1'],
    });
  });
});
