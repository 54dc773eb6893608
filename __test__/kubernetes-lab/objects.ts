// The Kubernetes objects a real cluster would have around the speakers, made by hand because no
// kubelet or controller-manager runs: Nodes with their addresses and Ready condition, speaker
// Pods (hostNetwork, so podIP = node IP) that speakerlist finds by label, EndpointSlices, and the
// metallb.io configuration objects.
import {
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1EndpointSlice,
} from '@kubernetes/client-node';

import { METALLB_NS, type KubeEnv } from '../helpers/kube.js';

/** The labels of ferrolb's speaker DaemonSet pods (manifests/speaker/daemonset.yaml). */
export const SPEAKER_LABELS = {
  'app.kubernetes.io/name': 'ferrolb',
  'app.kubernetes.io/component': 'speaker',
};
export const SPEAKER_SELECTOR = Object.entries(SPEAKER_LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A Node named `name` with InternalIP addresses and Ready=True, as a kubelet would report. */
export async function createNode(
  env: KubeEnv,
  name: string,
  addresses: string[],
  labels: Record<string, string> = {},
): Promise<void> {
  await env.core.createNode({
    body: { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } },
  });
  const node = await env.core.readNode({ name });
  const now = new Date();
  node.status = {
    addresses: [
      ...addresses.map((address) => ({ type: 'InternalIP', address })),
      { type: 'Hostname', address: name },
    ],
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ],
  };
  await env.core.replaceNodeStatus({ name, body: node });
}

/** Sets (string) or removes (null) labels on a Node. */
export async function labelNode(env: KubeEnv, name: string, labels: Record<string, string | null>) {
  await env.core.patchNode({ name, body: { metadata: { labels } } }, mergePatch);
}

/** A Running speaker Pod on `node` whose podIP is the node's address (hostNetwork). */
export async function createSpeakerPod(env: KubeEnv, node: string, ips: string[]): Promise<void> {
  const name = `ferrolb-speaker-${node}`;
  await env.core.createNamespacedPod({
    namespace: METALLB_NS,
    body: {
      metadata: { name, labels: SPEAKER_LABELS },
      spec: {
        nodeName: node,
        hostNetwork: true,
        containers: [{ name: 'speaker', image: 'ferrolb', args: ['speaker'] }],
      },
    },
  });
  const pod = await env.core.readNamespacedPod({ name, namespace: METALLB_NS });
  pod.status = {
    phase: 'Running',
    hostIP: ips[0] as string,
    podIP: ips[0] as string,
    podIPs: ips.map((ip) => ({ ip })),
  };
  await env.core.replaceNamespacedPodStatus({ name, namespace: METALLB_NS, body: pod });
}

/** Creates or replaces the EndpointSlice of Service `svc`: one ready endpoint on each node given. */
export async function setEndpoints(
  env: KubeEnv,
  svc: string,
  endpoints: { node: string; ip: string }[],
  namespace = 'default',
): Promise<void> {
  const api = env.kc.makeApiClient(DiscoveryV1Api);
  const name = `${svc}-lab`;
  const body: V1EndpointSlice = {
    metadata: { name, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node,
      conditions: { ready: true, serving: true, terminating: false },
    })),
    ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
  };
  try {
    const cur = await api.readNamespacedEndpointSlice({ name, namespace });
    await api.replaceNamespacedEndpointSlice({
      name,
      namespace,
      body: { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } },
    });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
    await api.createNamespacedEndpointSlice({ namespace, body });
  }
}

const VERSION: Record<string, string> = { bgppeers: 'v1beta2' };

/** Creates a metallb.io object (kind from `plural`), in the MetalLB namespace. */
export async function createMetalLB(
  env: KubeEnv,
  kind: string,
  plural: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const version = VERSION[plural] ?? 'v1beta1';
  await env.custom.createNamespacedCustomObject({
    group: 'metallb.io',
    version,
    namespace: METALLB_NS,
    plural,
    body: { apiVersion: `metallb.io/${version}`, kind, metadata: { name }, spec },
  });
}

/** Merge-patches the spec of a metallb.io object (null removes a field). */
export async function patchMetalLB(
  env: KubeEnv,
  plural: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await env.custom.patchNamespacedCustomObject(
    {
      group: 'metallb.io',
      version: VERSION[plural] ?? 'v1beta1',
      namespace: METALLB_NS,
      plural,
      name,
      body: { spec },
    },
    mergePatch,
  );
}

export interface L2StatusObject {
  metadata?: { name?: string };
  status?: { node?: string; serviceName?: string; serviceNamespace?: string };
}

export async function listL2Statuses(env: KubeEnv): Promise<L2StatusObject[]> {
  const list = (await env.custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural: 'servicel2statuses',
  })) as { items: L2StatusObject[] };
  return list.items;
}

/** Sets one condition of a Node's status (as the kubelet or a CNI would), keeping the others. */
export async function setNodeCondition(env: KubeEnv, name: string, type: string, status: 'True' | 'False') {
  const node = await env.core.readNode({ name });
  const now = new Date();
  const others = (node.status?.conditions ?? []).filter((c) => c.type !== type);
  node.status = {
    ...node.status,
    conditions: [...others, { type, status, reason: 'Lab', lastHeartbeatTime: now, lastTransitionTime: now }],
  };
  await env.core.replaceNodeStatus({ name, body: node });
}
