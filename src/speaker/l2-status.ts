// ServiceL2Status objects (metallb.io): one per Service this node announces over layer 2, saying
// which node and interfaces, as MetalLB's speaker publishes them. The desired set is a pure
// function of the plan; the writer keeps the API in line with it (create / update status /
// delete), one sync at a time, best effort: a failed write is retried on the next sync and
// never holds up announcements.

import { createHash } from 'node:crypto';

import { setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';

import type { NodePlan } from './node-plan.js';

export interface L2StatusBody {
  node: string;
  serviceName: string;
  serviceNamespace: string;
  interfaces: { name: string }[];
}

export const LABEL_NODE = 'metallb.io/node';
export const LABEL_SERVICE_NAME = 'metallb.io/service-name';
export const LABEL_SERVICE_NAMESPACE = 'metallb.io/service-namespace';

/** Deterministic object name per (node, service), valid as a DNS subdomain. */
export function l2StatusName(node: string, namespace: string, name: string): string {
  return `l2-${createHash('sha256').update(`${node}/${namespace}/${name}`).digest('hex').slice(0, 16)}`;
}

/** The statuses this node should publish, by object name. */
export function desiredL2Statuses(nodeName: string, plan: NodePlan): Map<string, L2StatusBody> {
  const out = new Map<string, L2StatusBody>();
  for (const [key, outcome] of plan.layer2.services) {
    if (!outcome.decision.announce || outcome.ips.length === 0) continue;
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const ips = new Set(outcome.ips);
    const ifs = new Set<string>();
    for (const a of plan.layer2.announcements) if (ips.has(a.ip)) for (const i of a.interfaces) ifs.add(i);
    out.set(l2StatusName(nodeName, ns, name), {
      node: nodeName,
      serviceName: name,
      serviceNamespace: ns,
      interfaces: [...ifs].sort().map((n) => ({ name: n })),
    });
  }
  return out;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', 'application/merge-patch+json');
const API = { group: 'metallb.io', version: 'v1beta1', plural: 'servicel2statuses' } as const;

export class L2StatusWriter {
  /** What the API holds for this node, by name (null until the first list). */
  private known: Map<string, string> | null = null;
  private desired = new Map<string, L2StatusBody>();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly api: CustomObjectsApi,
    private readonly namespace: string,
    private readonly nodeName: string,
    private readonly warn: (msg: string, fields?: Record<string, unknown>) => void,
  ) {}

  /** Sets the desired statuses and syncs (coalesced with a sync in flight). */
  update(plan: NodePlan): Promise<void> {
    return this.set(desiredL2Statuses(this.nodeName, plan));
  }

  /** Deletes every status of this node (the speaker is stopping). */
  clear(): Promise<void> {
    return this.set(new Map());
  }

  private set(desired: Map<string, L2StatusBody>): Promise<void> {
    this.desired = desired;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.sync().catch((e: unknown) => {
          this.known = null; // re-list next time
          this.warn('could not write ServiceL2Status', { err: String(e) });
        });
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  private async sync(): Promise<void> {
    const ns = this.namespace;
    if (this.known === null) {
      const list = (await this.api.listNamespacedCustomObject({
        ...API,
        namespace: ns,
        labelSelector: `${LABEL_NODE}=${this.nodeName}`,
      })) as { items?: { metadata?: { name?: string }; status?: unknown }[] };
      this.known = new Map(
        (list.items ?? []).map((o) => [o.metadata?.name ?? '', JSON.stringify(o.status ?? {})] as const),
      );
    }
    const known = this.known;
    for (const [name, body] of this.desired) {
      const text = JSON.stringify(body);
      if (known.get(name) === text) continue;
      if (!known.has(name)) {
        await this.api.createNamespacedCustomObject({
          ...API,
          namespace: ns,
          body: {
            apiVersion: `${API.group}/${API.version}`,
            kind: 'ServiceL2Status',
            metadata: {
              name,
              labels: {
                [LABEL_NODE]: this.nodeName,
                [LABEL_SERVICE_NAME]: body.serviceName,
                [LABEL_SERVICE_NAMESPACE]: body.serviceNamespace,
              },
            },
            spec: {},
          },
        });
      }
      await this.api.patchNamespacedCustomObjectStatus(
        { ...API, namespace: ns, name, body: { status: body } },
        MERGE_PATCH,
      );
      known.set(name, text);
    }
    for (const name of [...known.keys()]) {
      if (this.desired.has(name)) continue;
      await this.api.deleteNamespacedCustomObject({ ...API, namespace: ns, name }).catch((e: unknown) => {
        if ((e as { code?: number }).code !== 404) throw e;
      });
      known.delete(name);
    }
  }

  /** Waits for the sync in flight, if any. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }
}
