// Standalone mode's source of truth: multi-document YAML files holding the metallb.io objects,
// v1 Services and optionally Nodes, EndpointSlices, Namespaces and Secrets, turned into the same
// model the Kubernetes watcher produces. There is no controller in standalone mode, so IPs are
// allocated here by the pure allocator, deterministically: services that request addresses
// first, then the others, each group in file order — every host reading the same files gets
// the same addresses.
//
// Standalone has no pods either: a Service with no EndpointSlice in the files is served from
// every known node (so `externalTrafficPolicy: Local` behaves like Cluster until slices say
// otherwise).

import { Allocator } from '../allocator/allocator.js';
import {
  buildConfig,
  formatError,
  parseDocuments,
  parseService,
  sortErrors,
  type Config,
  type ConfigError,
  type IPAddress,
  type Labels,
  type RawObject,
  type ServiceInput,
} from '../config/index.js';
import {
  endpointsFromSlices,
  nodeInfoFromObject,
  type AnnounceService,
  type EndpointInfo,
  type NodeInfo,
} from '../layer2/announce-inputs.js';

export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** One Service of the files, in file order, with what the allocator gave it. */
export interface StandaloneService {
  readonly namespace: string;
  readonly name: string;
  readonly ips: readonly IPAddress[];
  readonly pool: string | null;
  /** Why it has no addresses (bad annotation, pool exhausted, …); null when allocated. */
  readonly error: string | null;
  /** Not ours to serve (not a LoadBalancer, other class); null when it is. */
  readonly ignored: string | null;
  /** The speaker's view; null unless it has addresses. */
  readonly announce: AnnounceService | null;
}

export interface ClusterView {
  readonly config: Config;
  readonly services: readonly StandaloneService[];
  /** Nodes from the files by name; when the files hold none, only `nodeName` (see loadCluster). */
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  /** Whether the files held Node objects. */
  readonly nodesFromFiles: boolean;
}

export type LoadResult =
  | { readonly ok: true; readonly view: ClusterView; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export interface LoadOptions {
  /** This node; stands in as the only Node when the files have no Node objects. */
  readonly nodeName: string;
  /** Namespace MetalLB objects live in (default metallb-system). */
  readonly namespace?: string;
  /** `--lb-class`. */
  readonly lbClass?: string | null;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const isKind = (o: RawObject, apiVersion: string, kind: string) =>
  o.apiVersion === apiVersion && o.kind === kind;

/** The Node that stands for this host when the files name none (labels as the kubelet sets). */
export function implicitNode(nodeName: string): NodeInfo {
  return {
    name: nodeName,
    labels: { 'kubernetes.io/hostname': nodeName },
    networkUnavailable: false,
    ready: true,
  };
}

function endpointsByService(objects: readonly RawObject[]): Map<string, EndpointInfo[]> {
  const slices = new Map<string, Record<string, unknown>[]>();
  for (const o of objects) {
    if (!isKind(o, 'discovery.k8s.io/v1', 'EndpointSlice')) continue;
    const svc = o.metadata.labels[SERVICE_NAME_LABEL];
    if (svc === undefined) continue;
    const key = `${o.metadata.namespace}/${svc}`;
    let list = slices.get(key);
    if (!list) slices.set(key, (list = []));
    list.push(o.raw as Record<string, unknown>);
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, list] of slices)
    out.set(key, endpointsFromSlices(list as Parameters<typeof endpointsFromSlices>[0]));
  return out;
}

/** Standalone endpoints when the files have no slice: one serving endpoint per known node. */
function everyNodeServes(nodes: ReadonlyMap<string, NodeInfo>): EndpointInfo[] {
  return [...nodes.keys()].map((n) => ({
    nodeName: n,
    addresses: [`standalone:${n}`],
    ready: true,
    serving: true,
    terminating: false,
  }));
}

const errorsText = (errors: readonly ConfigError[]) => sortErrors(errors).map(formatError);

export function loadCluster(files: readonly SourceFile[], opts: LoadOptions): LoadResult {
  const objects: RawObject[] = [];
  const parseErrors: ConfigError[] = [];
  for (const f of files) {
    const r = parseDocuments(f.text, f.file);
    objects.push(...r.objects);
    parseErrors.push(...r.errors);
  }
  if (parseErrors.length > 0) return { ok: false, errors: errorsText(parseErrors) };
  const built = buildConfig(objects, { namespace: opts.namespace ?? 'metallb-system' });
  if (!built.ok) return { ok: false, errors: errorsText(built.errors) };
  const warnings = errorsText(built.warnings).map((w) => `warning: ${w}`);

  const fileNodes = objects.filter((o) => isKind(o, 'v1', 'Node'));
  const nodes = new Map<string, NodeInfo>();
  for (const n of fileNodes) {
    const info = nodeInfoFromObject(n.raw as Parameters<typeof nodeInfoFromObject>[0]);
    nodes.set(info.name, info);
  }
  if (fileNodes.length === 0) nodes.set(opts.nodeName, implicitNode(opts.nodeName));
  else if (!nodes.has(opts.nodeName))
    warnings.push(
      `warning: node ${opts.nodeName} is not among the Node objects of the files; it announces nothing`,
    );

  const namespaceLabels = new Map<string, Labels>();
  for (const o of objects)
    if (isKind(o, 'v1', 'Namespace')) namespaceLabels.set(o.metadata.name, o.metadata.labels);

  const parsed: { svc: ServiceInput | null; ns: string; name: string; error: string | null }[] = [];
  for (const o of objects) {
    if (!isKind(o, 'v1', 'Service')) continue;
    const r = parseService(o);
    const ns = o.metadata.namespace || 'default';
    const error = r.errors.length > 0 ? errorsText(r.errors).join('; ') : null;
    parsed.push({
      svc: r.service,
      ns,
      name: o.metadata.name,
      error: r.service ? error : (error ?? 'not a valid Service'),
    });
  }

  const allocator = new Allocator(built.config.pools, {
    lbClass: opts.lbClass ?? null,
    namespaceLabels: (ns) => namespaceLabels.get(ns),
  });
  // Requested addresses first so an automatic pick never takes an address someone asked for.
  const results = new Map<number, ReturnType<Allocator['assign']>>();
  const order = [
    ...parsed
      .map((p, i) => [p, i] as const)
      .filter(([p]) => p.svc && p.error === null && p.svc.requestedIPs.length > 0),
    ...parsed
      .map((p, i) => [p, i] as const)
      .filter(([p]) => p.svc && p.error === null && p.svc.requestedIPs.length === 0),
  ];
  for (const [p, i] of order) results.set(i, allocator.assign(p.svc as ServiceInput));

  const endpoints = endpointsByService(objects);
  // One shared (read-only) list for every Service without slices: 10,000 Services, one array.
  const servedEverywhere = everyNodeServes(nodes);
  const services: StandaloneService[] = parsed.map((p, i) => {
    const base = { namespace: p.ns, name: p.name };
    const res = results.get(i);
    if (!p.svc || p.error !== null || !res)
      return {
        ...base,
        ips: [],
        pool: null,
        error: p.error ?? 'not a valid Service',
        ignored: null,
        announce: null,
      };
    if (res.kind === 'ignored')
      return { ...base, ips: [], pool: null, error: null, ignored: res.reason, announce: null };
    if (res.kind === 'failed')
      return { ...base, ips: [], pool: null, error: res.reason, ignored: null, announce: null };
    const svc = p.svc;
    return {
      ...base,
      ips: res.ips,
      pool: res.pool,
      error: null,
      ignored: null,
      announce: {
        namespace: p.ns,
        name: p.name,
        labels: svc.labels,
        externalTrafficPolicy: svc.externalTrafficPolicy,
        ips: res.ips,
        pool: res.pool,
        endpoints: endpoints.get(`${p.ns}/${p.name}`) ?? servedEverywhere,
      },
    };
  });

  return {
    ok: true,
    view: { config: built.config, services, nodes, nodesFromFiles: fileNodes.length > 0 },
    warnings,
  };
}
