// Small builders for announcement-decision tests: plain model objects with defaults.
import { parseIP } from '../../src/config/ip.js';
import type {
  BGPAdvertisement,
  BGPCommunity,
  IPAddress,
  L2Advertisement,
  LabelSelector,
  Peer,
} from '../../src/config/model.js';
import type { AnnounceService, EndpointInfo, NodeInfo } from '../../src/layer2/announce-inputs.js';

export function ip(text: string): IPAddress {
  const a = parseIP(text);
  if (!a) throw new Error(`bad IP in test: ${text}`);
  return a;
}

export const sel = (matchLabels: Record<string, string>): LabelSelector => ({
  matchLabels,
  matchExpressions: [],
});

export function l2ad(name: string, over: Partial<L2Advertisement> = {}): L2Advertisement {
  return {
    name,
    namespace: 'metallb-system',
    pools: ['pool'],
    ipAddressPools: [],
    ipAddressPoolSelectors: [],
    nodeSelectors: [],
    interfaces: [],
    serviceSelectors: [],
    preferredNodeSelectors: [],
    ...over,
  };
}

export function bgpad(name: string, over: Partial<BGPAdvertisement> = {}): BGPAdvertisement {
  return {
    name,
    namespace: 'metallb-system',
    pools: ['pool'],
    ipAddressPools: [],
    ipAddressPoolSelectors: [],
    aggregationLength: 32,
    aggregationLengthV6: 128,
    localPref: null,
    communities: [],
    peers: [],
    nodeSelectors: [],
    serviceSelectors: [],
    ...over,
  };
}

export function std(high: number, low: number): BGPCommunity {
  return { kind: 'standard', value: high * 65536 + low, text: `${high}:${low}` };
}

export function large(a: number, b: number, c: number): BGPCommunity {
  return { kind: 'large', globalAdmin: a, localData1: b, localData2: c, text: `large:${a}:${b}:${c}` };
}

export function peer(name: string, over: Partial<Peer> = {}): Peer {
  return {
    name,
    namespace: 'metallb-system',
    apiVersion: 'metallb.io/v1beta2',
    myASN: 64500,
    peerASN: 64501,
    dynamicASN: null,
    peerAddress: ip('192.0.2.1'),
    interface: null,
    sourceAddress: null,
    peerPort: 179,
    holdTimeSeconds: 90,
    keepaliveTimeSeconds: 30,
    timersExplicit: false,
    connectTimeSeconds: null,
    routerID: null,
    nodeSelectors: [],
    password: null,
    passwordSecret: null,
    bfdProfile: null,
    enableGracefulRestart: false,
    ebgpMultiHop: false,
    vrf: null,
    disableMP: false,
    dualStackAddressFamily: false,
    localASN: null,
    ...over,
  };
}

export function node(
  name: string,
  labels: Record<string, string> = {},
  networkUnavailable = false,
): NodeInfo {
  return { name, labels: { 'kubernetes.io/hostname': name, ...labels }, networkUnavailable, ready: true };
}

export const nodeMap = (...nodes: NodeInfo[]): Map<string, NodeInfo> =>
  new Map(nodes.map((n) => [n.name, n]));

export function ep(nodeName: string | null, over: Partial<EndpointInfo> = {}): EndpointInfo {
  return {
    nodeName,
    addresses: [`10.244.0.${nodeName?.length ?? 9}`],
    ready: true,
    serving: true,
    terminating: false,
    ...over,
  };
}

export function svc(ips: string[], over: Partial<AnnounceService> = {}): AnnounceService {
  return {
    namespace: 'default',
    name: 'web',
    labels: {},
    externalTrafficPolicy: 'Cluster',
    ips: ips.map(ip),
    pool: 'pool',
    endpoints: [ep('node-a')],
    ...over,
  };
}
