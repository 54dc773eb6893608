// Resilient informers for every kind ferrolb reads, by kind name, so the controller and the
// speaker watch the same way: core objects through CoreV1Api, everything with a group
// (discovery.k8s.io EndpointSlices, metallb.io kinds) through the generic custom-objects client.
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { Watched, type ChangeKind } from './informer.js';

export interface KindInfo {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export const KINDS = {
  Service: { group: '', version: 'v1', plural: 'services', namespaced: true },
  Node: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  Namespace: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  Secret: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  Pod: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  EndpointSlice: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
  IPAddressPool: { group: 'metallb.io', version: 'v1beta1', plural: 'ipaddresspools', namespaced: true },
  L2Advertisement: { group: 'metallb.io', version: 'v1beta1', plural: 'l2advertisements', namespaced: true },
  BGPAdvertisement: {
    group: 'metallb.io',
    version: 'v1beta1',
    plural: 'bgpadvertisements',
    namespaced: true,
  },
  BGPPeer: { group: 'metallb.io', version: 'v1beta2', plural: 'bgppeers', namespaced: true },
  BFDProfile: { group: 'metallb.io', version: 'v1beta1', plural: 'bfdprofiles', namespaced: true },
  Community: { group: 'metallb.io', version: 'v1beta1', plural: 'communities', namespaced: true },
  ServiceL2Status: { group: 'metallb.io', version: 'v1beta1', plural: 'servicel2statuses', namespaced: true },
  ServiceBGPStatus: {
    group: 'metallb.io',
    version: 'v1beta1',
    plural: 'servicebgpstatuses',
    namespaced: true,
  },
  ConfigurationState: {
    group: 'metallb.io',
    version: 'v1beta1',
    plural: 'configurationstates',
    namespaced: true,
  },
} as const satisfies Record<string, KindInfo>;

export type KindName = keyof typeof KINDS;

export const apiVersionOfKind = (kind: KindName): string => {
  const k = KINDS[kind];
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
};

/** The collection path; `namespace` limits a namespaced kind to one namespace. */
export function collectionPath(kind: KindName, namespace?: string): string {
  const k = KINDS[kind];
  const base = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  return namespace && k.namespaced ? `${base}/namespaces/${namespace}/${k.plural}` : `${base}/${k.plural}`;
}

export interface WatchKindOptions<T extends KubernetesObject> {
  /** Only this namespace (namespaced kinds); all namespaces when omitted. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly onChange: (kind: ChangeKind, obj: T) => void;
  readonly onError?: (err: unknown, retryInMs: number) => void;
}

/** A Watched informer for `kind`. Objects carry apiVersion and kind even when listed. */
export function watchKind<T extends KubernetesObject = KubernetesObject>(
  kc: KubeConfig,
  kind: KindName,
  opts: WatchKindOptions<T>,
): Watched<T> {
  const k: KindInfo = KINDS[kind];
  const apiVersion = apiVersionOfKind(kind);
  const path = collectionPath(kind, opts.namespace);
  let list: () => Promise<KubernetesListObject<T>>;
  if (k.group === '') {
    const core = kc.makeApiClient(CoreV1Api);
    list = () => coreList(core, kind, opts.namespace, opts.labelSelector) as Promise<KubernetesListObject<T>>;
  } else {
    const custom = kc.makeApiClient(CustomObjectsApi);
    list = () =>
      (opts.namespace && k.namespaced
        ? custom.listNamespacedCustomObject({
            group: k.group,
            version: k.version,
            plural: k.plural,
            namespace: opts.namespace,
            ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
          })
        : custom.listClusterCustomObject({
            group: k.group,
            version: k.version,
            plural: k.plural,
            ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
          })) as Promise<KubernetesListObject<T>>;
  }
  const withKind = (o: T): T => (o.kind ? o : ({ ...o, apiVersion, kind } as T));
  return new Watched<T>(kc, {
    name: kind,
    path,
    list: async () => {
      const l = await list();
      return { ...l, items: l.items.map(withKind) };
    },
    ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
    onChange: (change, o) => opts.onChange(change, withKind(o)),
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
}

function coreList(
  core: CoreV1Api,
  kind: KindName,
  namespace?: string,
  labelSelector?: string,
): Promise<unknown> {
  const sel = labelSelector ? { labelSelector } : {};
  const ns = namespace ? { namespace, ...sel } : undefined;
  switch (kind) {
    case 'Service':
      return ns ? core.listNamespacedService(ns) : core.listServiceForAllNamespaces(sel);
    case 'Secret':
      return ns ? core.listNamespacedSecret(ns) : core.listSecretForAllNamespaces(sel);
    case 'ConfigMap':
      return ns ? core.listNamespacedConfigMap(ns) : core.listConfigMapForAllNamespaces(sel);
    case 'Pod':
      return ns ? core.listNamespacedPod(ns) : core.listPodForAllNamespaces(sel);
    case 'Node':
      return core.listNode(sel);
    case 'Namespace':
      return core.listNamespace(sel);
    default:
      throw new Error(`${kind} is not a core kind`);
  }
}
