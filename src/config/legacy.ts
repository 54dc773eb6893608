// The pre-0.13 MetalLB ConfigMap (`config` key holding YAML with peers, address-pools,
// bgp-communities, bfd-profiles) → the equivalent metallb.io objects. Everything after this goes
// through the same validation as CRDs, so both formats give the same model; `ferrolb config
// convert` prints these objects. Errors found in generated objects are reported against the
// ConfigMap field they came from (see legacyOrigin).
import { parse as parseYAML } from 'yaml';
import { MAX_ALIAS_COUNT } from './documents.js';
import {
  checkKnownKeys,
  isRecord,
  readList,
  readObject,
  readString,
  typeName,
  type Issues,
  type Obj,
} from './fields.js';
import type { ConfigError, RawObject } from './model.js';

export interface LegacyOrigin {
  /** `ConfigMap/ns/name` */
  readonly ref: string;
  /** Path of the legacy entry, e.g. `data.config.address-pools[1]`. */
  readonly path: string;
  /** CRD spec key → legacy key, for translating field paths. */
  readonly keys: Readonly<Record<string, string>>;
  /** For the generated Community: alias names by index (spec.communities[i] → bgp-communities.NAME). */
  readonly aliasNames?: readonly string[];
}

const origins = new WeakMap<RawObject, LegacyOrigin>();

/** Where a generated object came from, or undefined for objects written as CRDs. */
export const legacyOrigin = (obj: RawObject): LegacyOrigin | undefined => origins.get(obj);

/** Translates `spec.peerASN` on a generated object to `data.config.peers[0].peer-asn`. */
export function legacyField(origin: LegacyOrigin, field: string): string {
  if (field === 'spec' || field === '' || field === 'metadata.name') return origin.path;
  if (!field.startsWith('spec.')) return `${origin.path} (${field})`;
  const rest = field.slice(5);
  const alias = /^communities\[(\d+)\]/.exec(rest);
  if (origin.aliasNames && alias) return `${origin.path}.${origin.aliasNames[Number(alias[1])] ?? ''}`;
  const m = /^([A-Za-z0-9]+)(.*)$/.exec(rest);
  if (!m) return `${origin.path}.${rest}`;
  const key = m[1] as string;
  return `${origin.path}.${origin.keys[key] ?? key}${m[2] ?? ''}`;
}

const PEER_KEYS: Record<string, string> = {
  myASN: 'my-asn',
  peerASN: 'peer-asn',
  peerAddress: 'peer-address',
  peerPort: 'peer-port',
  sourceAddress: 'source-address',
  holdTime: 'hold-time',
  keepaliveTime: 'keepalive-time',
  routerID: 'router-id',
  nodeSelectors: 'node-selectors',
  password: 'password',
  bfdProfile: 'bfd-profile',
  ebgpMultiHop: 'ebgp-multihop',
};
const POOL_KEYS: Record<string, string> = {
  addresses: 'addresses',
  autoAssign: 'auto-assign',
  avoidBuggyIPs: 'avoid-buggy-ips',
};
const BGPADV_KEYS: Record<string, string> = {
  aggregationLength: 'aggregation-length',
  aggregationLengthV6: 'aggregation-length-v6',
  localPref: 'localpref',
  communities: 'communities',
};
const BFD_KEYS: Record<string, string> = {
  receiveInterval: 'receive-interval',
  transmitInterval: 'transmit-interval',
  detectMultiplier: 'detect-multiplier',
  echoInterval: 'echo-interval',
  echoMode: 'echo-mode',
  passiveMode: 'passive-mode',
  minimumTtl: 'minimum-ttl',
};

const invert = (m: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));

/** Copies legacy keys to CRD keys; unknown legacy keys are reported. */
function renameKeys(
  src: Obj,
  map: Record<string, string>,
  path: string,
  issues: Issues,
  extra: string[] = [],
): Record<string, unknown> {
  const back = invert(map);
  checkKnownKeys(src, [...Object.keys(back), ...extra], path, issues);
  const out: Record<string, unknown> = {};
  for (const [legacyKey, crdKey] of Object.entries(back)) {
    if (src[legacyKey] !== undefined && src[legacyKey] !== null) out[crdKey] = src[legacyKey];
  }
  return out;
}

function convertSelectors(value: unknown, path: string, issues: Issues): unknown {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    issues.push({ field: path, reason: `must be a list of node selectors, got ${typeName(value)}` });
    return undefined;
  }
  return value.map((sel: unknown, i) => {
    if (!isRecord(sel)) return sel; // the CRD validation reports the type
    const out: Record<string, unknown> = {};
    checkKnownKeys(sel, ['match-labels', 'match-expressions'], `${path}[${i}]`, issues);
    if (sel['match-labels'] !== undefined) out.matchLabels = sel['match-labels'];
    if (sel['match-expressions'] !== undefined) out.matchExpressions = sel['match-expressions'];
    return out;
  });
}

export interface LegacyResult {
  readonly objects: RawObject[];
  readonly errors: ConfigError[];
}

/** Converts a ConfigMap holding `data.config`. Objects are produced in a stable order. */
export function legacyConfigMapToObjects(cm: RawObject, namespace: string): LegacyResult {
  const ref = `ConfigMap/${cm.metadata.namespace || namespace}/${cm.metadata.name}`;
  const errors: ConfigError[] = [];
  const objects: RawObject[] = [];
  const issues: Issues = [];
  const data = isRecord(cm.raw.data) ? cm.raw.data : {};
  const text = data.config;
  const err = (field: string, reason: string) =>
    errors.push(
      cm.source ? { object: ref, field, reason, source: cm.source } : { object: ref, field, reason },
    );
  if (typeof text !== 'string') {
    err('data.config', `must be a string holding YAML, got ${typeName(text)}`);
    return { objects, errors };
  }
  let cfg: unknown;
  try {
    cfg = parseYAML(text, { maxAliasCount: MAX_ALIAS_COUNT, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    err('data.config', `not valid YAML: ${String((e as Error).message).split('\n')[0]}`);
    return { objects, errors };
  }
  if (cfg === null || cfg === undefined) cfg = {};
  if (!isRecord(cfg)) {
    err('data.config', `must be a mapping, got ${typeName(cfg)}`);
    return { objects, errors };
  }
  const base = 'data.config';
  checkKnownKeys(cfg, ['peers', 'address-pools', 'bgp-communities', 'bfd-profiles'], base, issues);

  const make = (
    apiVersion: string,
    kind: string,
    name: string,
    spec: Record<string, unknown>,
    origin: LegacyOrigin,
  ) => {
    const raw = { apiVersion, kind, metadata: { name, namespace }, spec };
    const obj: RawObject = {
      apiVersion,
      kind,
      metadata: { name, namespace, labels: {}, annotations: {} },
      raw,
      ...(cm.source ? { source: cm.source } : {}),
    };
    origins.set(obj, origin);
    objects.push(obj);
  };

  // Pools first, then the objects that refer to them (the order `convert` prints).
  const l2Pools: string[] = [];
  const bgpAdvs: { name: string; spec: Record<string, unknown>; path: string }[] = [];
  (readList(cfg, 'address-pools', base, issues) ?? []).forEach((p, i) => {
    const path = `${base}.address-pools[${i}]`;
    if (!isRecord(p)) {
      issues.push({ field: path, reason: `must be a mapping, got ${typeName(p)}` });
      return;
    }
    const name = readString(p, 'name', path, issues);
    const protocol = readString(p, 'protocol', path, issues);
    if (!name) issues.push({ field: `${path}.name`, reason: 'missing pool name' });
    if (protocol !== 'layer2' && protocol !== 'bgp')
      issues.push({
        field: `${path}.protocol`,
        reason: `unknown protocol "${protocol ?? ''}": must be layer2 or bgp`,
      });
    if (!name) return;
    const spec = renameKeys(p, POOL_KEYS, path, issues, ['name', 'protocol', 'bgp-advertisements']);
    make('metallb.io/v1beta1', 'IPAddressPool', name, spec, { ref, path, keys: POOL_KEYS });
    const advs = readList(p, 'bgp-advertisements', path, issues);
    if (protocol === 'layer2') {
      if (advs && advs.length > 0)
        issues.push({
          field: `${path}.bgp-advertisements`,
          reason: 'bgp-advertisements are only valid for protocol bgp',
        });
      l2Pools.push(name);
    } else if (protocol === 'bgp') {
      if (!advs || advs.length === 0) {
        bgpAdvs.push({ name, spec: { ipAddressPools: [name] }, path });
      } else {
        advs.forEach((a, j) => {
          const apath = `${path}.bgp-advertisements[${j}]`;
          if (!isRecord(a)) {
            issues.push({ field: apath, reason: `must be a mapping, got ${typeName(a)}` });
            return;
          }
          bgpAdvs.push({
            name,
            spec: { ...renameKeys(a, BGPADV_KEYS, apath, issues), ipAddressPools: [name] },
            path: apath,
          });
        });
      }
    }
  });

  (readList(cfg, 'bfd-profiles', base, issues) ?? []).forEach((b, i) => {
    const path = `${base}.bfd-profiles[${i}]`;
    if (!isRecord(b)) {
      issues.push({ field: path, reason: `must be a mapping, got ${typeName(b)}` });
      return;
    }
    const name = readString(b, 'name', path, issues);
    if (!name) {
      issues.push({ field: `${path}.name`, reason: 'missing bfd profile name' });
      return;
    }
    make('metallb.io/v1beta1', 'BFDProfile', name, renameKeys(b, BFD_KEYS, path, issues, ['name']), {
      ref,
      path,
      keys: BFD_KEYS,
    });
  });

  const communities = readObject(cfg, 'bgp-communities', base, issues);
  if (communities && Object.keys(communities).length > 0) {
    const list = Object.entries(communities).map(([name, value]) => ({ name, value }));
    make(
      'metallb.io/v1beta1',
      'Community',
      'communities',
      { communities: list },
      {
        ref,
        path: `${base}.bgp-communities`,
        keys: {},
        aliasNames: list.map((c) => c.name),
      },
    );
  }

  (readList(cfg, 'peers', base, issues) ?? []).forEach((p, i) => {
    const path = `${base}.peers[${i}]`;
    if (!isRecord(p)) {
      issues.push({ field: path, reason: `must be a mapping, got ${typeName(p)}` });
      return;
    }
    const spec = renameKeys(p, PEER_KEYS, path, issues);
    const sels = convertSelectors(p['node-selectors'], `${path}.node-selectors`, issues);
    if (sels !== undefined) spec.nodeSelectors = sels;
    make('metallb.io/v1beta2', 'BGPPeer', `peer${i + 1}`, spec, { ref, path, keys: PEER_KEYS });
  });

  bgpAdvs.forEach((a, i) =>
    make('metallb.io/v1beta1', 'BGPAdvertisement', `bgpadvertisement${i + 1}`, a.spec, {
      ref,
      path: a.path,
      keys: BGPADV_KEYS,
    }),
  );
  if (l2Pools.length > 0)
    make(
      'metallb.io/v1beta1',
      'L2Advertisement',
      'l2advertisement1',
      { ipAddressPools: l2Pools },
      {
        ref,
        path: `${base}.address-pools`,
        keys: {},
      },
    );

  for (const i of issues) err(i.field, i.reason);
  return { objects, errors };
}
