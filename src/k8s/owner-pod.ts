// The Pod a component runs in, as an owner reference for the objects it publishes, so that
// Kubernetes garbage-collects them with the pod (a speaker that dies without a graceful stop
// leaves no stale status behind). The pod is named by the downward API (METALLB_POD_NAME /
// --pod-name) or found by label selector on this node. Running outside a pod (standalone,
// tests) is normal: no owner, never an error.
import type { CoreV1Api, V1OwnerReference, V1Pod } from '@kubernetes/client-node';

export interface OwnPodQuery {
  readonly namespace: string;
  /** The pod's name when known (downward API); null = search by selector on the node. */
  readonly podName: string | null;
  readonly nodeName: string;
  readonly labelSelector: string;
  /** This process's host name: inside a pod without host networking, the pod's name. */
  readonly hostname: string;
}

export type OwnPodResult =
  | { readonly owner: V1OwnerReference; readonly how: string }
  | { readonly owner: null; readonly reason: string };

/** The owner reference to `pod` (no blockOwnerDeletion: it needs pods/finalizers rights). */
export function ownerReferenceTo(pod: V1Pod): V1OwnerReference | null {
  const name = pod.metadata?.name;
  const uid = pod.metadata?.uid;
  if (!name || !uid) return null;
  return { apiVersion: 'v1', kind: 'Pod', name, uid };
}

/**
 * Picks this process's pod among the selector's pods on the node: the one named like the host,
 * else the only one not being deleted (during a rolling update the old pod is terminating).
 */
export function pickOwnPod(pods: readonly V1Pod[], nodeName: string, hostname: string): V1Pod | string {
  const onNode = pods.filter((p) => p.spec?.nodeName === nodeName);
  const named = onNode.find((p) => p.metadata?.name === hostname);
  if (named) return named;
  const live = onNode.filter((p) => !p.metadata?.deletionTimestamp);
  if (live.length === 1) return live[0] as V1Pod;
  return live.length === 0
    ? `no pod on node ${nodeName} matches the selector`
    : `${live.length} pods on node ${nodeName} match the selector (${live.map((p) => p.metadata?.name).join(', ')})`;
}

export async function findOwnPod(core: CoreV1Api, q: OwnPodQuery): Promise<OwnPodResult> {
  try {
    let pod: V1Pod | string;
    let how: string;
    if (q.podName !== null) {
      pod = await core.readNamespacedPod({ namespace: q.namespace, name: q.podName });
      how = `pod ${q.namespace}/${q.podName} (by name)`;
    } else {
      const list = await core.listNamespacedPod({
        namespace: q.namespace,
        labelSelector: q.labelSelector,
        fieldSelector: `spec.nodeName=${q.nodeName}`,
      });
      pod = pickOwnPod(list.items, q.nodeName, q.hostname);
      how =
        typeof pod === 'string'
          ? ''
          : `pod ${q.namespace}/${pod.metadata?.name} (${q.labelSelector} on ${q.nodeName})`;
    }
    if (typeof pod === 'string') return { owner: null, reason: pod };
    const owner = ownerReferenceTo(pod);
    return owner ? { owner, how } : { owner: null, reason: 'the pod has no uid' };
  } catch (e) {
    const code = (e as { code?: number }).code;
    return {
      owner: null,
      reason: code === 404 ? `pod ${q.namespace}/${q.podName} not found` : `pod lookup failed: ${String(e)}`,
    };
  }
}
