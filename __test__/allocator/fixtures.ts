// Builders for allocator tests: plain Pool / ServiceInput objects with sensible defaults.
import type {
  IPAddress,
  LabelSelector,
  Pool,
  ServiceAllocation,
  ServiceInput,
} from '../../src/config/model.js';
import { formatIP, parseAddressRange, parseIP } from '../../src/config/ip.js';

export function ip(text: string): IPAddress {
  const a = parseIP(text);
  if (!a) throw new Error(`bad IP in test: ${text}`);
  return a;
}

export const text = (ips: readonly IPAddress[]) => ips.map(formatIP);

export function sel(matchLabels: Record<string, string>): LabelSelector {
  return { matchLabels, matchExpressions: [] };
}

export function pool(
  name: string,
  addresses: string[],
  opts: Partial<Pick<Pool, 'autoAssign' | 'avoidBuggyIPs' | 'labels'>> & {
    serviceAllocation?: Partial<ServiceAllocation>;
  } = {},
): Pool {
  const blocks = addresses.map((a) => {
    const r = parseAddressRange(a);
    if (!r.ok) throw new Error(r.reason);
    return { text: a, family: r.value.range.family, range: r.value.range, cidrs: r.value.cidrs };
  });
  return {
    name,
    namespace: 'metallb-system',
    labels: opts.labels ?? {},
    addresses: blocks,
    ipv4: blocks.filter((b) => b.family === 'IPv4'),
    ipv6: blocks.filter((b) => b.family === 'IPv6'),
    cidrs: blocks.flatMap((b) => b.cidrs),
    autoAssign: opts.autoAssign ?? true,
    avoidBuggyIPs: opts.avoidBuggyIPs ?? false,
    serviceAllocation: opts.serviceAllocation
      ? {
          priority: 0,
          namespaces: [],
          namespaceSelectors: [],
          serviceSelectors: [],
          ...opts.serviceAllocation,
        }
      : null,
    l2Advertisements: [],
    bgpAdvertisements: [],
  };
}

export type SvcOpts = Partial<Omit<ServiceInput, 'requestedIPs' | 'ingressIPs'>> & {
  requestedIPs?: string[];
  ingressIPs?: string[];
  tcp?: number[];
};

export function svc(name: string, o: SvcOpts = {}): ServiceInput {
  const [namespace, n] = name.includes('/') ? (name.split('/') as [string, string]) : ['default', name];
  return {
    namespace,
    name: n,
    uid: null,
    labels: o.labels ?? {},
    type: o.type ?? 'LoadBalancer',
    loadBalancerClass: o.loadBalancerClass ?? null,
    externalTrafficPolicy: o.externalTrafficPolicy ?? 'Cluster',
    ipFamilyPolicy: o.ipFamilyPolicy ?? null,
    ipFamilies: o.ipFamilies ?? ['IPv4'],
    clusterIPs: o.clusterIPs ?? [],
    ports: o.ports ?? (o.tcp ?? [80]).map((port) => ({ name: '', protocol: 'TCP' as const, port })),
    selector: o.selector === undefined ? { app: n } : o.selector,
    requestedIPs: (o.requestedIPs ?? []).map(ip),
    requestedPool: o.requestedPool ?? null,
    sharingKey: o.sharingKey ?? null,
    ingressIPs: (o.ingressIPs ?? []).map(ip),
    allocatedFromPool: o.allocatedFromPool ?? null,
  };
}
