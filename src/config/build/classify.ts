// Sorting input objects: metallb.io configuration (checked for kind, version, namespace, name,
// duplicates), password Secrets, Nodes, and legacy ConfigMaps (expanded into CRD objects).
import { isRecord, objectNameError } from '../fields.js';
import { parseSecret, type SecretInfo } from '../kinds/secret.js';
import { legacyConfigMapToObjects } from '../legacy.js';
import type { Labels, RawObject } from '../model.js';
import type { Reporter } from './reporter.js';

export const METALLB_KINDS: Readonly<Record<string, readonly string[]>> = {
  IPAddressPool: ['metallb.io/v1beta1'],
  L2Advertisement: ['metallb.io/v1beta1'],
  BGPAdvertisement: ['metallb.io/v1beta1'],
  BGPPeer: ['metallb.io/v1beta1', 'metallb.io/v1beta2'],
  BFDProfile: ['metallb.io/v1beta1'],
  Community: ['metallb.io/v1beta1'],
};

/** metallb.io kinds that carry status; they are not configuration. */
const METALLB_STATUS_KINDS = new Set([
  'ServiceL2Status',
  'ServiceBGPStatus',
  'ConfigurationState',
  'ConfigurationStatus',
]);
/** Kinds a config file may legitimately hold next to the configuration. */
const CORE_IGNORED = new Set(['Namespace', 'Service', 'EndpointSlice', 'Endpoints', 'Pod']);

export interface Classified {
  /** Accepted metallb.io objects, in input order. */
  readonly metallb: RawObject[];
  /** Secrets in the MetalLB namespace, by name. */
  readonly secrets: Map<string, SecretInfo>;
  /** Node labels when Node objects were given, else null (node sets unknown). */
  readonly nodes: Labels[] | null;
}

const OWN_NAMESPACE_ONLY = (ns: string) =>
  `must be "${ns}": MetalLB only reads configuration from its own namespace`;

export function classify(objects: readonly RawObject[], namespace: string, rep: Reporter): Classified {
  const metallb: RawObject[] = [];
  const secrets = new Map<string, SecretInfo>();
  let nodes: Labels[] | null = null;
  const seenNames = new Map<string, RawObject>();

  const accept = (obj: RawObject) => {
    const ns = obj.metadata.namespace || namespace;
    const ref = `${obj.kind}/${ns}/${obj.metadata.name}`;
    const isMetalLB = obj.apiVersion.startsWith('metallb.io/');
    const versions = METALLB_KINDS[obj.kind];
    if (!versions) {
      if (isMetalLB && METALLB_STATUS_KINDS.has(obj.kind)) return;
      if (isMetalLB && obj.kind === 'AddressPool')
        rep.fail(
          obj,
          ref,
          'kind',
          'AddressPool was removed from MetalLB; use IPAddressPool with L2Advertisement/BGPAdvertisement',
        );
      else if (isMetalLB)
        // A misspelt kind would otherwise silently drop part of the configuration.
        rep.fail(
          obj,
          ref,
          'kind',
          `unknown metallb.io kind "${obj.kind}" (known: ${Object.keys(METALLB_KINDS).join(', ')})`,
        );
      else rep.warn(obj, ref, 'kind', `${obj.apiVersion} ${obj.kind} is not MetalLB configuration; ignored`);
      return;
    }
    if (!versions.includes(obj.apiVersion)) {
      rep.fail(
        obj,
        ref,
        'apiVersion',
        `unsupported apiVersion "${obj.apiVersion}" for ${obj.kind} (supported: ${versions.join(', ')})`,
      );
      return;
    }
    if (ns !== namespace) {
      rep.fail(obj, ref, 'metadata.namespace', OWN_NAMESPACE_ONLY(namespace));
      return;
    }
    const nameErr = objectNameError(obj.metadata.name);
    if (nameErr) rep.fail(obj, ref, 'metadata.name', nameErr);
    const key = `${obj.kind}/${obj.metadata.name}`;
    const prev = seenNames.get(key);
    if (prev) {
      const where = prev.source ? ` (${prev.source.file}:${prev.source.doc})` : '';
      rep.fail(
        obj,
        ref,
        'metadata.name',
        `duplicate definition of ${obj.kind} "${obj.metadata.name}"${where}`,
      );
      return;
    }
    seenNames.set(key, obj);
    if (obj.kind === 'BGPPeer' && obj.apiVersion === 'metallb.io/v1beta1')
      rep.warn(
        obj,
        ref,
        'apiVersion',
        'metallb.io/v1beta1 BGPPeer is deprecated, please use metallb.io/v1beta2',
      );
    metallb.push(obj);
  };

  for (const obj of objects) {
    const ns = obj.metadata.namespace || namespace;
    const ref = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const core = obj.apiVersion === 'v1';
    if (core && obj.kind === 'Secret') {
      const { secret, issues } = parseSecret(obj);
      rep.issues(obj, ref, issues);
      if (ns === namespace) secrets.set(obj.metadata.name, secret);
    } else if (core && obj.kind === 'Node') {
      (nodes ??= []).push(obj.metadata.labels);
    } else if (core && obj.kind === 'ConfigMap') {
      const data = obj.raw.data;
      if (!isRecord(data) || data.config === undefined) continue; // not MetalLB's legacy config
      if (ns !== namespace) {
        rep.fail(obj, ref, 'metadata.namespace', OWN_NAMESPACE_ONLY(namespace));
        continue;
      }
      const legacy = legacyConfigMapToObjects(obj, namespace);
      rep.errors.push(...legacy.errors);
      rep.warn(
        obj,
        ref,
        'data.config',
        'the legacy ConfigMap format is deprecated; `ferrolb config convert` writes the equivalent CRDs',
      );
      legacy.objects.forEach(accept);
    } else if (!(CORE_IGNORED.has(obj.kind) && !obj.apiVersion.startsWith('metallb.io/'))) {
      accept(obj);
    }
  }
  return { metallb, secrets, nodes };
}
