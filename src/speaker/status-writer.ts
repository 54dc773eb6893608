// Keeps one kind of per-Service status object (ServiceL2Status or ServiceBGPStatus) in the API
// in line with the desired set from the plan: create, update status, delete. One sync at a time
// (bursts coalesce), best effort: a failed write is retried on the next sync and never holds up
// announcements. Objects carry an owner reference to the speaker's pod when it is known, so they
// are garbage-collected with it; objects left by an earlier pod of this node are adopted.

import { setHeaderOptions, type CustomObjectsApi, type V1OwnerReference } from '@kubernetes/client-node';

import type { NodePlan } from './node-plan.js';
import {
  LABEL_NODE,
  LABEL_SERVICE_NAME,
  LABEL_SERVICE_NAMESPACE,
  type ServiceStatusKind,
  type StatusBody,
} from './service-status.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', 'application/merge-patch+json');

interface Known {
  status: string;
  /** The object's owner references already are ours. */
  owned: boolean;
}

interface ListedObject {
  metadata?: { name?: string; ownerReferences?: { uid?: string }[] };
  status?: unknown;
}

const isNotFound = (e: unknown) => (e as { code?: number }).code === 404;
const isConflict = (e: unknown) => (e as { code?: number }).code === 409;

/** Writes in flight per kind: thousands of Services after a restart, without a request storm. */
const WRITE_CONCURRENCY = 8;

export class ServiceStatusWriter<B extends StatusBody> {
  /** What the API holds for this node, by name (null until the first list). */
  private known: Map<string, Known> | null = null;
  private desired = new Map<string, B>();
  private running: Promise<void> | null = null;
  private again = false;
  private lastError = '';
  private readonly api: { group: string; version: string; plural: string };

  constructor(
    private readonly client: CustomObjectsApi,
    private readonly kind: ServiceStatusKind<B>,
    private readonly namespace: string,
    private readonly nodeName: string,
    private readonly owner: V1OwnerReference | null,
    private readonly warn: (msg: string, fields?: Record<string, unknown>) => void,
  ) {
    this.api = { group: 'metallb.io', version: 'v1beta1', plural: kind.plural };
  }

  /** Sets the desired statuses from the plan and syncs (coalesced with a sync in flight). */
  update(plan: NodePlan): Promise<void> {
    return this.set(this.kind.desired(this.nodeName, plan));
  }

  /** Deletes every status of this node (the speaker is stopping). */
  clear(): Promise<void> {
    return this.set(new Map());
  }

  /** Waits for the sync in flight, if any. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private set(desired: Map<string, B>): Promise<void> {
    this.desired = desired;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.sync().then(
          () => void (this.lastError = ''),
          (e: unknown) => {
            this.known = null; // re-list next time
            // Every recompute retries: say it once, not on every plan, until it changes.
            if (String(e) === this.lastError) return;
            this.lastError = String(e);
            this.warn(`could not write ${this.kind.kind}`, { err: String(e) });
          },
        );
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  private ownedBy(o: ListedObject): boolean {
    const refs = o.metadata?.ownerReferences ?? [];
    return this.owner === null ? true : refs.length === 1 && refs[0]?.uid === this.owner.uid;
  }

  private async list(): Promise<Map<string, Known>> {
    const list = (await this.client.listNamespacedCustomObject({
      ...this.api,
      namespace: this.namespace,
      labelSelector: `${LABEL_NODE}=${this.nodeName}`,
    })) as { items?: ListedObject[] };
    return new Map(
      (list.items ?? []).map(
        (o) =>
          [
            o.metadata?.name ?? '',
            { status: JSON.stringify(o.status ?? {}), owned: this.ownedBy(o) },
          ] as const,
      ),
    );
  }

  private metadata(name: string, body: B) {
    return {
      name,
      labels: {
        [LABEL_NODE]: this.nodeName,
        [LABEL_SERVICE_NAME]: body.serviceName,
        [LABEL_SERVICE_NAMESPACE]: body.serviceNamespace,
      },
      ...(this.owner ? { ownerReferences: [this.owner] } : {}),
    };
  }

  private async create(name: string, body: B): Promise<void> {
    await this.client.createNamespacedCustomObject({
      ...this.api,
      namespace: this.namespace,
      body: {
        apiVersion: `${this.api.group}/${this.api.version}`,
        kind: this.kind.kind,
        metadata: this.metadata(name, body),
        spec: {},
      },
    });
  }

  private async write(name: string, body: B, known: Known | undefined): Promise<void> {
    const ns = this.namespace;
    // Labels and owner onto an object we did not create (this node's previous pod, or one
    // without our node label): take it over before the garbage collector removes it.
    const adopt = () =>
      this.client.patchNamespacedCustomObject(
        { ...this.api, namespace: ns, name, body: { metadata: this.metadata(name, body) } },
        MERGE_PATCH,
      );
    if (!known)
      await this.create(name, body).catch(async (e: unknown) => {
        if (!isConflict(e)) throw e;
        await adopt();
      });
    else if (!known.owned)
      await adopt().catch(async (e: unknown) => {
        if (!isNotFound(e)) throw e;
        await this.create(name, body);
      });
    const patchStatus = () =>
      this.client.patchNamespacedCustomObjectStatus(
        { ...this.api, namespace: ns, name, body: { status: body } },
        MERGE_PATCH,
      );
    await patchStatus().catch(async (e: unknown) => {
      // Deleted behind our back (garbage collector, an operator): create it again.
      if (!isNotFound(e)) throw e;
      await this.create(name, body);
      await patchStatus();
    });
  }

  private async sync(): Promise<void> {
    this.known ??= await this.list();
    const known = this.known;
    // Snapshot: a newer desired set arriving meanwhile is handled by the next pass.
    const desired = this.desired;
    const jobs: (() => Promise<void>)[] = [];
    for (const [name, body] of desired) {
      const text = JSON.stringify(body);
      const k = known.get(name);
      if (k && k.owned && k.status === text) continue;
      jobs.push(async () => {
        await this.write(name, body, k);
        known.set(name, { status: text, owned: true });
      });
    }
    for (const name of known.keys()) {
      if (desired.has(name)) continue;
      jobs.push(async () => {
        await this.client
          .deleteNamespacedCustomObject({ ...this.api, namespace: this.namespace, name })
          .catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
        known.delete(name);
      });
    }
    await runLimited(jobs, WRITE_CONCURRENCY);
  }
}

/** Runs the jobs, at most `limit` at a time; after a failure starts no more and rethrows it. */
async function runLimited(jobs: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async () => {
    while (!failed && next < jobs.length) {
      const job = jobs[next++] as () => Promise<void>;
      await job().catch((error: unknown) => void (failed ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failed) throw (failed as { error: unknown }).error;
}
