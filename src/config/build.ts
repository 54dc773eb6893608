// RawObjects → validated, immutable Config. Every object is parsed on its own first (field
// errors), then the cross-object rules run (references, overlaps, conflicts). All errors are
// collected; a Config is returned only when there are none.
import { parseCommunity } from './community.js';
import { isRecord, objectNameError, type Issues } from './fields.js';
import { formatCIDR, formatRange, rangesOverlap } from './ip.js';
import { parseBFDProfile, type BFDDraft } from './kinds/bfdprofile.js';
import { parseBGPAdvertisement, type BGPAdvDraft } from './kinds/bgpadvertisement.js';
import { parseCommunityObject } from './kinds/community.js';
import { parseL2Advertisement, type L2Draft } from './kinds/l2advertisement.js';
import { parsePeer, type PeerDraft } from './kinds/peer.js';
import { parsePool, type PoolDraft } from './kinds/pool.js';
import { parseSecret, type SecretInfo } from './kinds/secret.js';
import { legacyConfigMapToObjects, legacyField, legacyOrigin } from './legacy.js';
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPCommunity,
  BuildOptions,
  BuildResult,
  Config,
  ConfigError,
  ConfigWarning,
  L2Advertisement,
  Labels,
  LabelSelector,
  Peer,
  Pool,
  RawObject,
} from './model.js';
import { matchesAnySelector, selectorListsMayOverlap } from './selector.js';

export const DEFAULT_NAMESPACE = 'metallb-system';

const METALLB_KINDS: Readonly<Record<string, readonly string[]>> = {
  IPAddressPool: ['metallb.io/v1beta1'],
  L2Advertisement: ['metallb.io/v1beta1'],
  BGPAdvertisement: ['metallb.io/v1beta1'],
  BGPPeer: ['metallb.io/v1beta1', 'metallb.io/v1beta2'],
  BFDProfile: ['metallb.io/v1beta1'],
  Community: ['metallb.io/v1beta1'],
};

/** metallb.io kinds that carry status or are gone; they are not configuration. */
const METALLB_IGNORED = new Set([
  'ServiceL2Status',
  'ServiceBGPStatus',
  'ConfigurationState',
  'ConfigurationStatus',
]);
/** Kinds a config file may legitimately contain next to the configuration. */
const CORE_IGNORED = new Set(['Namespace', 'Service', 'EndpointSlice', 'Endpoints', 'Pod']);

interface Entry<D> {
  readonly obj: RawObject;
  readonly ref: string;
  readonly draft: D;
}

const byName = <T extends { name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

export function buildConfig(objects: readonly RawObject[], opts: BuildOptions = {}): BuildResult {
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];

  // Errors in objects generated from a legacy ConfigMap point at the ConfigMap field they came from.
  const located = (obj: RawObject | null, ref: string, field: string, reason: string): ConfigError => {
    const origin = obj ? legacyOrigin(obj) : undefined;
    const object = origin ? origin.ref : ref;
    const at = origin ? legacyField(origin, field) : field;
    return obj?.source ? { object, field: at, reason, source: obj.source } : { object, field: at, reason };
  };
  const fail = (obj: RawObject | null, ref: string, field: string, reason: string) =>
    errors.push(located(obj, ref, field, reason));
  const warn = (obj: RawObject | null, ref: string, field: string, reason: string) =>
    warnings.push(located(obj, ref, field, reason));
  const report = (obj: RawObject, ref: string, issues: Issues, into: 'error' | 'warning' = 'error') => {
    for (const i of issues) (into === 'error' ? fail : warn)(obj, ref, i.field, i.reason);
  };

  // ---- classify (legacy ConfigMaps expand into the equivalent CRD objects) ----
  const metallb: RawObject[] = [];
  const secrets = new Map<string, SecretInfo>();
  const nodes: Labels[] = [];
  let sawNodes = false;
  const seenNames = new Map<string, RawObject>();

  const accept = (obj: RawObject) => {
    const ns = obj.metadata.namespace || namespace;
    const ref = `${obj.kind}/${ns}/${obj.metadata.name}`;
    const versions = METALLB_KINDS[obj.kind];
    if (!versions) {
      if (obj.apiVersion.startsWith('metallb.io/') && METALLB_IGNORED.has(obj.kind)) return;
      if (obj.kind === 'AddressPool' && obj.apiVersion.startsWith('metallb.io/')) {
        fail(
          obj,
          ref,
          'kind',
          'AddressPool was removed from MetalLB; use IPAddressPool with L2Advertisement/BGPAdvertisement',
        );
        return;
      }
      warn(obj, ref, 'kind', `${obj.apiVersion} ${obj.kind} is not MetalLB configuration; ignored`);
      return;
    }
    if (!versions.includes(obj.apiVersion)) {
      fail(
        obj,
        ref,
        'apiVersion',
        `unsupported apiVersion "${obj.apiVersion}" for ${obj.kind} (supported: ${versions.join(', ')})`,
      );
      return;
    }
    if (ns !== namespace) {
      fail(
        obj,
        ref,
        'metadata.namespace',
        `must be "${namespace}": MetalLB only reads configuration from its own namespace`,
      );
      return;
    }
    const nameErr = objectNameError(obj.metadata.name);
    if (nameErr) fail(obj, ref, 'metadata.name', nameErr);
    const key = `${obj.kind}/${obj.metadata.name}`;
    const prev = seenNames.get(key);
    if (prev) {
      const where = prev.source ? ` (${prev.source.file}:${prev.source.doc})` : '';
      fail(obj, ref, 'metadata.name', `duplicate definition of ${obj.kind} "${obj.metadata.name}"${where}`);
      return;
    }
    seenNames.set(key, obj);
    if (obj.kind === 'BGPPeer' && obj.apiVersion === 'metallb.io/v1beta1')
      warn(obj, ref, 'apiVersion', 'metallb.io/v1beta1 BGPPeer is deprecated, please use metallb.io/v1beta2');
    metallb.push(obj);
  };

  for (const obj of objects) {
    const ns = obj.metadata.namespace || namespace;
    const ref = `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    if (obj.apiVersion === 'v1' && obj.kind === 'Secret') {
      const { secret, issues } = parseSecret(obj);
      report(obj, ref, issues);
      if (ns === namespace) secrets.set(obj.metadata.name, secret);
      continue;
    }
    if (obj.apiVersion === 'v1' && obj.kind === 'Node') {
      sawNodes = true;
      nodes.push(obj.metadata.labels);
      continue;
    }
    if (obj.apiVersion === 'v1' && obj.kind === 'ConfigMap') {
      const data = obj.raw.data;
      if (!isRecord(data) || data.config === undefined) continue; // not MetalLB's legacy config
      if (ns !== namespace) {
        fail(
          obj,
          ref,
          'metadata.namespace',
          `must be "${namespace}": MetalLB only reads configuration from its own namespace`,
        );
        continue;
      }
      const legacy = legacyConfigMapToObjects(obj, namespace);
      errors.push(...legacy.errors);
      warn(
        obj,
        ref,
        'data.config',
        'the legacy ConfigMap format is deprecated; `ferrolb config convert` writes the equivalent CRDs',
      );
      legacy.objects.forEach(accept);
      continue;
    }
    if (CORE_IGNORED.has(obj.kind) && !obj.apiVersion.startsWith('metallb.io/')) continue;
    accept(obj);
  }

  // ---- per-object parsing ----
  const pools: Entry<PoolDraft>[] = [];
  const l2s: Entry<L2Draft>[] = [];
  const bgps: Entry<BGPAdvDraft>[] = [];
  const peers: Entry<PeerDraft>[] = [];
  const bfds: Entry<BFDDraft>[] = [];
  const aliases = new Map<string, { value: BGPCommunity; ref: string }>();

  for (const obj of metallb) {
    const ref = `${obj.kind}/${namespace}/${obj.metadata.name}`;
    const issues: Issues = [];
    switch (obj.kind) {
      case 'IPAddressPool': {
        const warnIssues: Issues = [];
        pools.push({ obj, ref, draft: parsePool(obj, issues, warnIssues) });
        report(obj, ref, warnIssues, 'warning');
        break;
      }
      case 'L2Advertisement':
        l2s.push({ obj, ref, draft: parseL2Advertisement(obj, issues) });
        break;
      case 'BGPAdvertisement':
        bgps.push({ obj, ref, draft: parseBGPAdvertisement(obj, issues) });
        break;
      case 'BGPPeer':
        peers.push({ obj, ref, draft: parsePeer(obj, issues) });
        break;
      case 'BFDProfile':
        bfds.push({ obj, ref, draft: parseBFDProfile(obj, issues) });
        break;
      case 'Community':
        for (const a of parseCommunityObject(obj, issues)) {
          const prev = aliases.get(a.name);
          if (prev)
            issues.push({
              field: a.field,
              reason: `duplicate definition of community "${a.name}" (also in ${prev.ref})`,
            });
          else aliases.set(a.name, { value: a.value, ref });
        }
        break;
    }
    report(obj, ref, issues);
  }

  // ---- pools: overlaps across pools ----
  const poolNames = new Set(pools.map((p) => p.obj.metadata.name));
  const poolsSorted = [...pools].sort((a, b) => byName(a.obj.metadata, b.obj.metadata));
  for (let i = 0; i < poolsSorted.length; i++) {
    const a = poolsSorted[i] as Entry<PoolDraft>;
    for (let j = 0; j < i; j++) {
      const b = poolsSorted[j] as Entry<PoolDraft>;
      a.draft.addresses.forEach((blockA, ia) => {
        for (const blockB of b.draft.addresses) {
          if (rangesOverlap(blockA.range, blockB.range))
            fail(
              a.obj,
              a.ref,
              `spec.addresses[${ia}]`,
              `CIDR "${blockA.text}" overlaps with "${blockB.text}" in IPAddressPool "${b.obj.metadata.name}"`,
            );
        }
      });
    }
  }

  // ---- BFD profiles, peers ----
  const bfdNames = new Set(bfds.map((b) => b.obj.metadata.name));
  const bfdEcho = new Set(bfds.filter((b) => b.draft.echoMode).map((b) => b.obj.metadata.name));
  const peerNames = new Set(peers.map((p) => p.obj.metadata.name));
  const resolvedPasswords = new Map<string, string | null>();
  for (const p of peers) {
    const d = p.draft;
    if (d.bfdProfile !== null && !bfdNames.has(d.bfdProfile))
      fail(p.obj, p.ref, 'spec.bfdProfile', `peer references non existing bfd profile "${d.bfdProfile}"`);
    let password = d.password;
    if (d.passwordSecret) {
      const s = d.passwordSecret;
      const f = 'spec.passwordSecret';
      const secret = secrets.get(s.name);
      if (s.namespace !== '' && s.namespace !== namespace) {
        fail(
          p.obj,
          p.ref,
          `${f}.namespace`,
          `the password Secret must be in the MetalLB namespace "${namespace}"`,
        );
      } else if (!secret) {
        fail(p.obj, p.ref, f, `secret ref not found for peer config: Secret "${namespace}/${s.name}"`);
      } else if (secret.type !== 'kubernetes.io/basic-auth') {
        fail(
          p.obj,
          p.ref,
          f,
          `secret type mismatch on "${namespace}/${s.name}": type "kubernetes.io/basic-auth" is expected, got "${secret.type}"`,
        );
      } else if (!secret.data.has('password')) {
        fail(p.obj, p.ref, f, `password not specified in the secret "${namespace}/${s.name}"`);
      } else {
        password = secret.data.get('password') as string;
        if (/[\r\n]/.test(password))
          fail(p.obj, p.ref, f, `password secret "${namespace}/${s.name}" contains invalid characters`);
        if (Buffer.byteLength(password) > 80)
          fail(p.obj, p.ref, f, 'password is longer than 80 bytes (TCP MD5 key limit)');
      }
    } else if (password !== null && Buffer.byteLength(password) > 80) {
      fail(p.obj, p.ref, 'spec.password', 'password is longer than 80 bytes (TCP MD5 key limit)');
    }
    resolvedPasswords.set(p.obj.metadata.name, password);
  }
  const peersSorted = [...peers].sort((a, b) => byName(a.obj.metadata, b.obj.metadata));
  for (let i = 0; i < peersSorted.length; i++) {
    const a = peersSorted[i] as Entry<PeerDraft>;
    for (let j = 0; j < i; j++) {
      const b = peersSorted[j] as Entry<PeerDraft>;
      const sameEndpoint =
        (a.draft.peerAddress !== null &&
          b.draft.peerAddress !== null &&
          a.draft.peerAddress.family === b.draft.peerAddress.family &&
          a.draft.peerAddress.value === b.draft.peerAddress.value &&
          a.draft.peerPort === b.draft.peerPort) ||
        (a.draft.interface !== null && a.draft.interface === b.draft.interface);
      if (!sameEndpoint || a.draft.vrf !== b.draft.vrf) continue;
      if (!nodeSetsMayOverlap(a.draft.nodeSelectors, b.draft.nodeSelectors, sawNodes, nodes)) continue;
      fail(
        a.obj,
        a.ref,
        a.draft.interface !== null ? 'spec.interface' : 'spec.peerAddress',
        `peer ${b.obj.metadata.name} already exists for the same address and VRF on overlapping nodes (both would open the same BGP session)`,
      );
    }
  }

  // ---- advertisements: references, pools they apply to ----
  const poolLabels = new Map(pools.map((p) => [p.obj.metadata.name, p.obj.metadata.labels] as const));
  const selectPools = (names: readonly string[], sels: readonly LabelSelector[]): string[] => {
    if (names.length === 0 && sels.length === 0) return sorted(poolNames);
    const out = new Set(names.filter((n) => poolNames.has(n)));
    for (const [name, labels] of poolLabels) if (matchesAnySelector(sels, labels, false)) out.add(name);
    return sorted(out);
  };
  const checkPoolRefs = (e: Entry<{ ipAddressPools: string[] }>) =>
    e.draft.ipAddressPools.forEach((n, i) => {
      if (!poolNames.has(n)) fail(e.obj, e.ref, `spec.ipAddressPools[${i}]`, `unknown IPAddressPool "${n}"`);
    });

  const l2Model: L2Advertisement[] = l2s.map((e) => {
    checkPoolRefs(e);
    return {
      name: e.obj.metadata.name,
      namespace,
      pools: selectPools(e.draft.ipAddressPools, e.draft.ipAddressPoolSelectors),
      ipAddressPools: e.draft.ipAddressPools,
      ipAddressPoolSelectors: e.draft.ipAddressPoolSelectors,
      nodeSelectors: e.draft.nodeSelectors,
      interfaces: e.draft.interfaces,
      serviceSelectors: e.draft.serviceSelectors,
      preferredNodeSelectors: e.draft.preferredNodeSelectors,
      ...(e.obj.source ? { source: e.obj.source } : {}),
    };
  });

  const poolDrafts = new Map(pools.map((p) => [p.obj.metadata.name, p.draft] as const));
  const bgpModel: BGPAdvertisement[] = bgps.map((e) => {
    checkPoolRefs(e);
    e.draft.peers.forEach((n, i) => {
      if (!peerNames.has(n)) fail(e.obj, e.ref, `spec.peers[${i}]`, `unknown BGPPeer "${n}"`);
    });
    const communities: BGPCommunity[] = [];
    const seen = new Set<string>();
    e.draft.communities.forEach((text, i) => {
      const alias = aliases.get(text);
      let value: BGPCommunity | null = alias?.value ?? null;
      if (!value) {
        const parsed = parseCommunity(text);
        if (parsed.ok) value = parsed.community;
        else if (parsed.kind === 'value') fail(e.obj, e.ref, `spec.communities[${i}]`, parsed.reason);
        else
          fail(
            e.obj,
            e.ref,
            `spec.communities[${i}]`,
            `invalid community "${text}": neither a value (A:B or large:A:B:C) nor an alias defined in a Community object`,
          );
      }
      if (value && !seen.has(value.text)) {
        seen.add(value.text);
        communities.push(value);
      }
    });
    const adv: BGPAdvertisement = {
      name: e.obj.metadata.name,
      namespace,
      pools: selectPools(e.draft.ipAddressPools, e.draft.ipAddressPoolSelectors),
      ipAddressPools: e.draft.ipAddressPools,
      ipAddressPoolSelectors: e.draft.ipAddressPoolSelectors,
      aggregationLength: e.draft.aggregationLength,
      aggregationLengthV6: e.draft.aggregationLengthV6,
      localPref: e.draft.localPref,
      communities,
      peers: e.draft.peers,
      nodeSelectors: e.draft.nodeSelectors,
      serviceSelectors: e.draft.serviceSelectors,
      ...(e.obj.source ? { source: e.obj.source } : {}),
    };
    // Aggregation may not be wider than a pool block's own prefix (MetalLB's validateBGPAdvPerPool).
    for (const poolName of adv.pools) {
      const pool = poolDrafts.get(poolName);
      if (!pool) continue;
      for (const block of pool.addresses) {
        const lowest = Math.min(...block.cidrs.map((c) => c.prefixLength));
        const isV4 = block.family === 'IPv4';
        const length = isV4 ? adv.aggregationLength : adv.aggregationLengthV6;
        if (length < lowest)
          fail(
            e.obj,
            e.ref,
            isV4 ? 'spec.aggregationLength' : 'spec.aggregationLengthV6',
            `invalid aggregation length ${length}: prefix ${lowest} in IPAddressPool "${poolName}" is more specific than the aggregation length for addresses ${block.text}`,
          );
      }
    }
    return adv;
  });

  // ---- localPref conflicts: two advertisements that would send the same prefix to the same peer
  // from the same node with different LOCAL_PREF (MetalLB's BGPAdvertisementsHaveCompatibleLocalPref).
  const bgpByPool = new Map<string, { adv: BGPAdvertisement; entry: Entry<BGPAdvDraft> }[]>();
  bgpModel.forEach((adv, i) => {
    for (const p of adv.pools) {
      const list = bgpByPool.get(p) ?? [];
      list.push({ adv, entry: bgps[i] as Entry<BGPAdvDraft> });
      bgpByPool.set(p, list);
    }
  });
  const reported = new Set<string>();
  for (const [poolName, list] of bgpByPool) {
    const pool = poolDrafts.get(poolName);
    if (!pool) continue;
    const hasV4 = pool.addresses.some((b) => b.family === 'IPv4');
    const hasV6 = pool.addresses.some((b) => b.family === 'IPv6');
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as (typeof list)[number];
      if (a.adv.serviceSelectors.length > 0) continue;
      for (let j = 0; j < i; j++) {
        const b = list[j] as (typeof list)[number];
        if (b.adv.serviceSelectors.length > 0) continue;
        if ((a.adv.localPref ?? 0) === (b.adv.localPref ?? 0)) continue;
        const v4Differs = a.adv.aggregationLength !== b.adv.aggregationLength;
        const v6Differs = a.adv.aggregationLengthV6 !== b.adv.aggregationLengthV6;
        if (!hasV4 && !hasV6) continue;
        if ((v4Differs || !hasV4) && (v6Differs || !hasV6)) continue;
        if (
          a.adv.peers.length > 0 &&
          b.adv.peers.length > 0 &&
          !a.adv.peers.some((p) => b.adv.peers.includes(p))
        )
          continue;
        if (!nodeSetsMayOverlap(a.adv.nodeSelectors, b.adv.nodeSelectors, sawNodes, nodes)) continue;
        const key = `${a.adv.name}\u0000${b.adv.name}`;
        if (reported.has(key)) continue;
        reported.add(key);
        fail(
          a.entry.obj,
          a.entry.ref,
          'spec.localPref',
          `invalid local preference ${a.adv.localPref ?? 0}: BGPAdvertisement "${b.adv.name}" sets local preference ${b.adv.localPref ?? 0} for the same prefixes of IPAddressPool "${poolName}" (same aggregation length, peers and nodes)`,
        );
      }
    }
  }

  // ---- BFD echo mode cannot run over IPv6 sessions carrying IPv6 pools (MetalLB's validateConfig) ----
  for (const adv of bgpModel) {
    const v6Pools = adv.pools.filter((p) => poolDrafts.get(p)?.addresses.some((b) => b.family === 'IPv6'));
    if (v6Pools.length === 0) continue;
    const targets =
      adv.peers.length > 0 ? peers.filter((p) => adv.peers.includes(p.obj.metadata.name)) : peers;
    for (const p of targets) {
      if (p.draft.bfdProfile !== null && bfdEcho.has(p.draft.bfdProfile))
        fail(
          p.obj,
          p.ref,
          'spec.bfdProfile',
          `IPAddressPool "${v6Pools[0]}" has BGPAdvertisement "${adv.name}" which references this peer, whose BFD profile "${p.draft.bfdProfile}" has echo mode enabled, which is not possible with IPv6`,
        );
    }
  }

  if (errors.length > 0) return { ok: false, errors: dedupe(errors), warnings };

  // ---- assemble the immutable model ----
  const poolModel: Pool[] = poolsSorted.map((e) => {
    const name = e.obj.metadata.name;
    const addresses = e.draft.addresses;
    return {
      name,
      namespace,
      labels: e.obj.metadata.labels,
      addresses,
      ipv4: addresses.filter((b) => b.family === 'IPv4'),
      ipv6: addresses.filter((b) => b.family === 'IPv6'),
      cidrs: addresses.flatMap((b) => b.cidrs),
      autoAssign: e.draft.autoAssign,
      avoidBuggyIPs: e.draft.avoidBuggyIPs,
      serviceAllocation: e.draft.serviceAllocation,
      l2Advertisements: sorted(l2Model.filter((a) => a.pools.includes(name)).map((a) => a.name)),
      bgpAdvertisements: sorted(bgpModel.filter((a) => a.pools.includes(name)).map((a) => a.name)),
      ...(e.obj.source ? { source: e.obj.source } : {}),
    };
  });
  const peerModel: Peer[] = peersSorted.map((e) => {
    const d = e.draft;
    return {
      name: e.obj.metadata.name,
      namespace,
      apiVersion: e.obj.apiVersion,
      myASN: d.myASN,
      peerASN: d.peerASN,
      dynamicASN: d.dynamicASN,
      peerAddress: d.peerAddress,
      interface: d.interface,
      sourceAddress: d.sourceAddress,
      peerPort: d.peerPort,
      holdTimeSeconds: d.holdTimeSeconds,
      keepaliveTimeSeconds: d.keepaliveTimeSeconds,
      timersExplicit: d.timersExplicit,
      connectTimeSeconds: d.connectTimeSeconds,
      routerID: d.routerID,
      nodeSelectors: d.nodeSelectors,
      password: resolvedPasswords.get(e.obj.metadata.name) ?? null,
      passwordSecret: d.passwordSecret ? { name: d.passwordSecret.name, namespace } : null,
      bfdProfile: d.bfdProfile,
      enableGracefulRestart: d.enableGracefulRestart,
      ebgpMultiHop: d.ebgpMultiHop,
      vrf: d.vrf,
      disableMP: d.disableMP,
      dualStackAddressFamily: d.dualStackAddressFamily,
      ...(e.obj.source ? { source: e.obj.source } : {}),
    };
  });
  const bfdModel: BFDProfile[] = bfds
    .map((e) => ({
      name: e.obj.metadata.name,
      namespace,
      ...e.draft,
      ...(e.obj.source ? { source: e.obj.source } : {}),
    }))
    .sort(byName);
  const communityAliases: Record<string, BGPCommunity> = {};
  for (const name of sorted(aliases.keys()))
    Object.defineProperty(communityAliases, name, { value: aliases.get(name)?.value, enumerable: true });

  const config: Config = deepFreeze({
    pools: poolModel,
    l2Advertisements: [...l2Model].sort(byName),
    bgpAdvertisements: [...bgpModel].sort(byName),
    peers: peerModel,
    bfdProfiles: bfdModel,
    communityAliases,
  });
  return { ok: true, config, warnings };
}

/** With Node objects at hand, compare the real node sets (as MetalLB does); otherwise ask
 * whether any label set could satisfy both selector lists. */
function nodeSetsMayOverlap(
  a: readonly LabelSelector[],
  b: readonly LabelSelector[],
  haveNodes: boolean,
  nodes: readonly Labels[],
): boolean {
  if (!haveNodes) return selectorListsMayOverlap(a, b);
  return nodes.some((labels) => matchesAnySelector(a, labels) && matchesAnySelector(b, labels));
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.source?.file}\u0000${e.source?.doc}\u0000${e.object}\u0000${e.field}\u0000${e.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// Re-exported for the CLI's summary line.
export const describeBlock = (b: {
  range: { family: 'IPv4' | 'IPv6'; first: bigint; last: bigint };
}): string => formatRange(b.range);
export { formatCIDR };
