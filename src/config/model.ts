// The immutable internal model that the allocator and the protocol controllers consume.
// Plain readonly data: everything is parsed, defaulted and cross-checked by buildConfig(), so
// consumers never look at raw YAML, never re-validate and never see an invalid value.
//
// Node selectors stay selectors here (MetalLB resolves them against the node list at config
// time): nodes change far more often than configuration, and each speaker only needs to know
// whether *its* node matches. Evaluate them with matchesSelector / matchesAnySelector.

import type { CIDR, IPAddress, IPFamily, IPRange } from './ip.js';

export type { CIDR, IPAddress, IPFamily, IPRange } from './ip.js';

// ---------------------------------------------------------------------------------------------
// Sources and errors

/** Where an object came from: file (or other source name) and 0-based document index. */
export interface SourceRef {
  readonly file: string;
  readonly doc: number;
}

/**
 * One reason a configuration is rejected. `object` is `Kind/namespace/name` (namespace empty for
 * cluster-scoped objects, `Kind//` parts left empty when unknown); `field` is a JSON-ish path such
 * as `spec.addresses[1]` or `spec.holdTime` (empty when the whole object is at fault).
 */
export interface ConfigError {
  readonly object: string;
  readonly field: string;
  readonly reason: string;
  readonly source?: SourceRef;
}

/** Same shape as an error; the configuration is still accepted (e.g. deprecated annotation). */
export type ConfigWarning = ConfigError;

// ---------------------------------------------------------------------------------------------
// Label selectors (metav1.LabelSelector semantics; see selector.ts)

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted, de-duplicated. Non-empty for In/NotIn, empty for Exists/DoesNotExist. */
  readonly values: readonly string[];
}

/** An empty selector (no labels, no expressions) matches everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

export type Labels = Readonly<Record<string, string>>;

// ---------------------------------------------------------------------------------------------
// Address pools

/** One entry of `spec.addresses`, parsed. `cidrs` is the exact CIDR decomposition of `range`. */
export interface AddressBlock {
  /** The text as written (`192.168.1.0/24`, `10.0.0.10-10.0.0.20`). */
  readonly text: string;
  readonly family: IPFamily;
  readonly range: IPRange;
  readonly cidrs: readonly CIDR[];
}

export interface ServiceAllocation {
  /**
   * Lower value = higher priority; 0 (unset) sorts after every positive value (MetalLB's
   * sortPools). Use comparePoolPriority from scope.ts.
   */
  readonly priority: number;
  /**
   * Explicit namespaces. With namespaces and/or namespaceSelectors set, the service's namespace
   * must be listed or its labels match a selector (see poolAcceptsService in scope.ts).
   */
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly LabelSelector[];
  /** Service label selectors; empty means any service (subject to the namespace rules). */
  readonly serviceSelectors: readonly LabelSelector[];
}

export interface Pool {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** `spec.addresses` in the order written. */
  readonly addresses: readonly AddressBlock[];
  /** The same blocks split by family, each in the order written. */
  readonly ipv4: readonly AddressBlock[];
  readonly ipv6: readonly AddressBlock[];
  /** All CIDRs of all blocks (MetalLB's Pool.CIDR). Never overlapping, within or across pools. */
  readonly cidrs: readonly CIDR[];
  /** Default true. */
  readonly autoAssign: boolean;
  /** Default false. Skip IPv4 addresses ending in .0 and .255. */
  readonly avoidBuggyIPs: boolean;
  /** null when `spec.serviceAllocation` is absent (the pool serves any service). */
  readonly serviceAllocation: ServiceAllocation | null;
  /** Names of the L2Advertisements / BGPAdvertisements that apply to this pool (sorted). */
  readonly l2Advertisements: readonly string[];
  readonly bgpAdvertisements: readonly string[];
  readonly source?: SourceRef;
}

// ---------------------------------------------------------------------------------------------
// Advertisements

export interface PreferredNodeSelector {
  /** 1..100; a node's preference is the sum of the weights of the selectors it matches. */
  readonly weight: number;
  readonly preference: LabelSelector;
}

export interface L2Advertisement {
  readonly name: string;
  readonly namespace: string;
  /** Pools this advertisement applies to (explicit names ∪ pool selector matches, or all pools). */
  readonly pools: readonly string[];
  readonly ipAddressPools: readonly string[];
  readonly ipAddressPoolSelectors: readonly LabelSelector[];
  /** Empty = all nodes. */
  readonly nodeSelectors: readonly LabelSelector[];
  /** Empty = all eligible interfaces. */
  readonly interfaces: readonly string[];
  /** Empty = all services. */
  readonly serviceSelectors: readonly LabelSelector[];
  readonly preferredNodeSelectors: readonly PreferredNodeSelector[];
  readonly source?: SourceRef;
}

/** A classic RFC 1997 community (32 bits, shown as `high:low`). */
export interface StandardCommunity {
  readonly kind: 'standard';
  readonly value: number;
  /** Canonical text `high:low`. */
  readonly text: string;
}

/** An RFC 8092 large community (three 32-bit values, written `large:A:B:C`). */
export interface LargeCommunity {
  readonly kind: 'large';
  readonly globalAdmin: number;
  readonly localData1: number;
  readonly localData2: number;
  /** Canonical text `large:A:B:C`. */
  readonly text: string;
}

export type BGPCommunity = StandardCommunity | LargeCommunity;

export interface BGPAdvertisement {
  readonly name: string;
  readonly namespace: string;
  readonly pools: readonly string[];
  readonly ipAddressPools: readonly string[];
  readonly ipAddressPoolSelectors: readonly LabelSelector[];
  /** Default 32. */
  readonly aggregationLength: number;
  /** Default 128. */
  readonly aggregationLengthV6: number;
  /** LOCAL_PREF for iBGP peers; null when not set (MetalLB's 0). */
  readonly localPref: number | null;
  /** Resolved (aliases replaced by values), de-duplicated, in the order written. */
  readonly communities: readonly BGPCommunity[];
  /** Peer names; empty = every peer. */
  readonly peers: readonly string[];
  readonly nodeSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
  readonly source?: SourceRef;
}

// ---------------------------------------------------------------------------------------------
// BGP peers and BFD

export type DynamicASN = 'internal' | 'external';

export interface SecretRef {
  readonly name: string;
  readonly namespace: string;
}

export interface Peer {
  readonly name: string;
  readonly namespace: string;
  /** metallb.io/v1beta1 or metallb.io/v1beta2 (or `legacy-configmap`). */
  readonly apiVersion: string;
  readonly myASN: number;
  /** null when dynamicASN is used. */
  readonly peerASN: number | null;
  readonly dynamicASN: DynamicASN | null;
  /** null for unnumbered peering over `interface`. */
  readonly peerAddress: IPAddress | null;
  readonly interface: string | null;
  readonly sourceAddress: IPAddress | null;
  /** Default 179. */
  readonly peerPort: number;
  /**
   * Whole seconds, always set: from holdTime/keepaliveTime with the missing one derived
   * (hold = 3 × keepalive, keepalive = hold / 3), default 90/30. Hold is 0 or ≥ 3.
   */
  readonly holdTimeSeconds: number;
  readonly keepaliveTimeSeconds: number;
  /** Whether the user set hold/keepalive (a BGP speaker may treat defaults differently). */
  readonly timersExplicit: boolean;
  /** Whole seconds, 1..65535; null = implementation default. */
  readonly connectTimeSeconds: number | null;
  readonly routerID: IPAddress | null;
  /** Empty = all nodes. */
  readonly nodeSelectors: readonly LabelSelector[];
  /** The TCP MD5 password, resolved from `password` or the referenced Secret; null = none. */
  readonly password: string | null;
  readonly passwordSecret: SecretRef | null;
  readonly bfdProfile: string | null;
  readonly enableGracefulRestart: boolean;
  readonly ebgpMultiHop: boolean;
  readonly vrf: string | null;
  readonly disableMP: boolean;
  readonly dualStackAddressFamily: boolean;
  /** ASN announced to the peer instead of myASN (`local-as … no-prepend replace-as`); null = myASN. */
  readonly localASN: number | null;
  readonly source?: SourceRef;
}

/** Intervals in milliseconds, defaults resolved (FRR/bfdd defaults, as MetalLB documents). */
export interface BFDProfile {
  readonly name: string;
  readonly namespace: string;
  /** Default 300, 10..60000. */
  readonly receiveInterval: number;
  /** Default 300, 10..60000. */
  readonly transmitInterval: number;
  /** Default 3, 2..255. */
  readonly detectMultiplier: number;
  /** Default 50, 10..60000. */
  readonly echoInterval: number;
  readonly echoMode: boolean;
  readonly passiveMode: boolean;
  /** Default 254, 1..254. */
  readonly minimumTtl: number;
  readonly source?: SourceRef;
}

// ---------------------------------------------------------------------------------------------
// The whole configuration

export interface Config {
  /** Sorted by name. */
  readonly pools: readonly Pool[];
  readonly l2Advertisements: readonly L2Advertisement[];
  readonly bgpAdvertisements: readonly BGPAdvertisement[];
  readonly peers: readonly Peer[];
  readonly bfdProfiles: readonly BFDProfile[];
  /** Community aliases from Community objects (and legacy `bgp-communities`), by alias name. */
  readonly communityAliases: Readonly<Record<string, BGPCommunity>>;
}

// ---------------------------------------------------------------------------------------------
// Service-side input (what the allocator and the speakers read from a Service)

export type ExternalTrafficPolicy = 'Cluster' | 'Local';
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  readonly name: string;
  readonly protocol: PortProtocol;
  readonly port: number;
}

export interface ServiceInput {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string | null;
  readonly labels: Labels;
  readonly type: string;
  readonly loadBalancerClass: string | null;
  /** Default Cluster. */
  readonly externalTrafficPolicy: ExternalTrafficPolicy;
  /** null when unset (Kubernetes then behaves as SingleStack). */
  readonly ipFamilyPolicy: IPFamilyPolicy | null;
  /** As written; ipFamilies[0] is the primary family. */
  readonly ipFamilies: readonly IPFamily[];
  readonly clusterIPs: readonly IPAddress[];
  readonly ports: readonly ServicePort[];
  /** Pod selector (null when the service has none); used for IP-sharing compatibility. */
  readonly selector: Labels | null;
  /** From metallb.io/loadBalancerIPs (or the legacy twin), else spec.loadBalancerIP. */
  readonly requestedIPs: readonly IPAddress[];
  /** metallb.io/address-pool (or the legacy twin). */
  readonly requestedPool: string | null;
  /** metallb.io/allow-shared-ip (or the legacy twin). */
  readonly sharingKey: string | null;
  /** Current status.loadBalancer.ingress IPs (assignment to keep across restarts). */
  readonly ingressIPs: readonly IPAddress[];
  /** metallb.io/ip-allocated-from-pool, if present. */
  readonly allocatedFromPool: string | null;
  readonly source?: SourceRef;
}

export interface ServiceParseResult {
  /** Present whenever the object is recognisably a Service, even if some inputs were rejected. */
  readonly service: ServiceInput | null;
  /** Unusable inputs (bad annotation, bad IP); the allocator reports them as AllocationFailed. */
  readonly errors: readonly ConfigError[];
  /** Deprecated annotation prefixes and similar. */
  readonly warnings: readonly ConfigWarning[];
}

// ---------------------------------------------------------------------------------------------
// Raw objects as read from YAML / the API server

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly annotations: Labels;
}

/** A Kubernetes-style object after YAML parsing; `raw` is the untouched plain data. */
export interface RawObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly source?: SourceRef;
}

export interface ParseDocumentsResult {
  readonly objects: readonly RawObject[];
  readonly errors: readonly ConfigError[];
}

export interface BuildOptions {
  /** Namespace MetalLB objects and password Secrets live in. Default `metallb-system`. */
  readonly namespace?: string;
}

export type BuildResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly ConfigWarning[] }
  | {
      readonly ok: false;
      readonly errors: readonly ConfigError[];
      readonly warnings: readonly ConfigWarning[];
    };

// ---------------------------------------------------------------------------------------------
// Signatures implemented elsewhere in src/config (re-exported from index.ts):
//
//   parseDocuments(yamlText: string, source: string): ParseDocumentsResult      (documents.ts)
//   buildConfig(objects: readonly RawObject[], opts?: BuildOptions): BuildResult  (build.ts)
//   parseService(obj: RawObject | unknown, source?: SourceRef): ServiceParseResult (service.ts)
//   class ConfigStore { current(): Config | null; update(objects): UpdateResult } (store.ts)
//   matchesSelector(sel: LabelSelector, labels: Labels): boolean                 (selector.ts)
//   matchesAnySelector(sels: readonly LabelSelector[], labels, emptyMatches=true) (selector.ts)
//   formatError(e: ConfigError): string  → "file:doc kind/ns/name: field: reason" (errors.ts)
//   poolAcceptsService / candidatePools (MetalLB's serviceAllocation semantics)  (scope.ts)
//   toYamlDocuments(objects): string (what `ferrolb config convert` prints)      (emit.ts)
