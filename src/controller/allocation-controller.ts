// The allocation controller: watches Services, Namespaces and the MetalLB configuration, keeps
// the allocator in step, and writes status.loadBalancer.ingress, the
// metallb.io/ip-allocated-from-pool annotation, Events and IPAddressPool status counters.
//
// Informers always run (so a standby has a warm cache); reconciling and writing happen only
// while this replica leads. Every change becomes a key on one work queue: "config" for any
// configuration object, "svc/<ns>/<name>" per Service. Bursts coalesce per key, failures retry
// with backoff.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';
import { Allocator, restoreOrder, serviceKey } from '../allocator/allocator.js';
import { toRawObject } from '../config/documents.js';
import { formatError } from '../config/errors.js';
import type { Config, ConfigError, Labels, Pool, RawObject, ServiceInput } from '../config/model.js';
import { parseService } from '../config/service.js';
import { ConfigStore } from '../config/store.js';
import { ConfigurationStatePublisher, LABEL_COMPONENT_TYPE } from '../k8s/configuration-state.js';
import { EventRecorder, type EventTarget } from '../k8s/events.js';
import type { ChangeKind, Watched } from '../k8s/informer.js';
import { apiVersionOfKind, KINDS, watchKind, type KindName } from '../k8s/resources.js';
import { WorkQueue } from '../k8s/work-queue.js';
import {
  annotationPatch,
  cleared,
  desired,
  statusPatch,
  viewOf,
  type DesiredService,
} from './service-status.js';

export interface Logger {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export interface AllocationControllerOptions {
  /** Namespace of the MetalLB configuration objects (default metallb-system). */
  readonly namespace?: string;
  /** `--lb-class` (null: only Services without a loadBalancerClass). */
  readonly lbClass?: string | null;
  /** Identity for Events' reportingInstance. */
  readonly identity?: string;
  /** Full re-enqueue of every Service, in ms (client-go's resync); 0 disables. */
  readonly resyncMs?: number;
  /** Concurrent reconciles (API round trips in flight); default 16. */
  readonly workers?: number;
  /** Debounce for IPAddressPool status writes, in ms. */
  readonly poolStatusDelayMs?: number;
  readonly log?: Logger;
}

const CONFIG_KEY = 'config';
/** Everything the configuration is built from, in the MetalLB namespace. */
const CONFIG_KINDS: readonly KindName[] = [
  'IPAddressPool',
  'L2Advertisement',
  'BGPAdvertisement',
  'BGPPeer',
  'BFDProfile',
  'Community',
  'Secret',
  'ConfigMap',
];
const SVC_PREFIX = 'svc/';
const LEGACY_CONFIGMAP = 'config';
const silent: Logger = { info() {}, warn() {}, error() {} };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class AllocationController {
  readonly namespace: string;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly log: Logger;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;
  private readonly store: ConfigStore;
  private readonly configState: ConfigurationStatePublisher;
  private readonly allocator: Allocator;
  private readonly services: Watched<V1Service>;
  private readonly namespaces: Watched<V1Namespace>;
  private readonly configWatches: Watched<KubernetesObject>[] = [];
  private config: Config | null = null;
  private poolsSignature = '';
  private lastConfigErrors = '';
  private leading = false;
  private running: Promise<void> | null = null;
  private resyncTimer: NodeJS.Timeout | undefined;
  private poolStatusTimer: NodeJS.Timeout | undefined;
  private readonly dirtyPools = new Set<string>();
  private readonly writtenPoolStatus = new Map<string, string>();
  /** Service and pool status patches made (see apiCallCount()). */
  private apiCalls = 0;

  constructor(
    kc: KubeConfig,
    private readonly opts: AllocationControllerOptions = {},
  ) {
    this.namespace = opts.namespace ?? 'metallb-system';
    this.log = opts.log ?? silent;
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.events = new EventRecorder(
      this.core,
      'ferrolb-controller',
      opts.identity ?? 'ferrolb-controller',
      (m, e) => this.log.warn(m, { err: String(e) }),
    );
    this.store = new ConfigStore({ namespace: this.namespace });
    this.configState = new ConfigurationStatePublisher(this.custom, this.namespace, 'controller', {
      labels: { [LABEL_COMPONENT_TYPE]: 'controller' },
    });
    this.allocator = new Allocator([], {
      lbClass: opts.lbClass ?? null,
      namespaceLabels: (ns) => this.namespaceLabels(ns),
    });

    const onWatchError = (what: string) => (err: unknown, retryInMs: number) =>
      this.log.warn(`watch of ${what} failed; retrying`, { err: String(err), retryInMs });

    this.services = watchKind<V1Service>(kc, 'Service', {
      onChange: (_kind, svc) =>
        this.queue.add(`${SVC_PREFIX}${svc.metadata?.namespace}/${svc.metadata?.name}`),
      onError: onWatchError('services'),
    });
    this.namespaces = watchKind<V1Namespace>(kc, 'Namespace', {
      // namespaceSelectors depend on namespace labels: re-check that namespace's services.
      onChange: (_kind, ns) => this.enqueueServices(ns.metadata?.name),
      onError: onWatchError('namespaces'),
    });
    const generations = new Map<string, string>();
    const configChanged = (change: ChangeKind, o: KubernetesObject) => {
      // Of all ConfigMaps only `config` (the legacy format) is configuration.
      if (o.kind === 'ConfigMap' && o.metadata?.name !== LEGACY_CONFIGMAP) return;
      // metallb.io objects bump metadata.generation on spec changes only: our own status writes
      // (IPAddressPool counters) must not trigger a configuration rebuild. Labels count too
      // (pool selectors read them).
      const id = `${o.kind}/${o.metadata?.name}`;
      const gen = o.metadata?.generation;
      if (change === 'delete') generations.delete(id);
      else if (gen !== undefined) {
        const fingerprint = `${gen}|${JSON.stringify(o.metadata?.labels ?? {})}`;
        if (change === 'update' && generations.get(id) === fingerprint) return;
        generations.set(id, fingerprint);
      }
      this.queue.add(CONFIG_KEY);
    };
    // Secrets hold BGP passwords (validation checks the references).
    for (const kind of CONFIG_KINDS) {
      this.configWatches.push(
        watchKind<KubernetesObject>(kc, kind, {
          namespace: this.namespace,
          onChange: configChanged,
          onError: onWatchError(kind),
        }),
      );
    }
  }

  /** Starts the informers; resolves once every cache holds its first list. */
  async startWatching(): Promise<void> {
    await Promise.all([
      this.services.start(),
      this.namespaces.start(),
      ...this.configWatches.map((w) => w.start()),
    ]);
  }

  /**
   * Starts acting (this replica became leader): load the configuration, take back the addresses
   * Services already show (those first, so nobody else grabs them), then process changes.
   */
  async startLeading(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    await this.reconcileConfig();
    const inputs: ServiceInput[] = [];
    for (const svc of this.services.list()) {
      const parsed = parseService(asService(svc));
      if (parsed.service) inputs.push(parsed.service);
    }
    // Allocation is synchronous: settle every address in restore order first, then let the
    // workers write what differs (the assignment is kept, so each reconcile finds it again).
    if (this.config) {
      for (const s of restoreOrder(inputs)) {
        const r = this.allocator.assign(s);
        if (r.kind === 'assigned') this.poolChanged(r.pool);
      }
    }
    for (const s of restoreOrder(inputs)) this.queue.add(`${SVC_PREFIX}${serviceKey(s)}`);
    // Several workers overlap the API calls of different keys; allocation itself is synchronous
    // in each handler's first step, so decisions stay in queue order and never interleave.
    this.running = this.queue.run((key) => this.handle(key), {
      concurrency: this.opts.workers ?? 16,
      onError: (key, err, retryInMs) =>
        this.log.warn('reconcile failed; retrying', { key, err: String(err), retryInMs }),
    });
    const resyncMs = this.opts.resyncMs ?? 300_000;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.enqueueServices(), resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.leading = false;
    clearInterval(this.resyncTimer);
    clearTimeout(this.poolStatusTimer);
    this.queue.shutdown();
    await Promise.all([
      this.services.stop(),
      this.namespaces.stop(),
      ...this.configWatches.map((w) => w.stop()),
    ]);
    await this.running;
  }

  /** Every API write so far: Service patches, pool status, Events, ConfigurationState. */
  apiCallCount(): number {
    return this.apiCalls + this.events.sent + this.configState.calls;
  }

  /** Resolves once the queue is empty (tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.drained();
  }

  /**
   * Per pool: addresses in use and capacity, per family (for metrics such as
   * metallb_allocator_addresses_in_use_total / metallb_allocator_addresses_total).
   */
  poolStats(): { pool: string; family: 'IPv4' | 'IPv6'; inUse: bigint; total: bigint }[] {
    const out: { pool: string; family: 'IPv4' | 'IPv6'; inUse: bigint; total: bigint }[] = [];
    for (const p of this.config?.pools ?? []) {
      const c = this.allocator.poolCounters(p.name);
      if (!c) continue;
      out.push({
        pool: p.name,
        family: 'IPv4',
        inUse: c.assignedIPv4,
        total: c.assignedIPv4 + c.availableIPv4,
      });
      out.push({
        pool: p.name,
        family: 'IPv6',
        inUse: c.assignedIPv6,
        total: c.assignedIPv6 + c.availableIPv6,
      });
    }
    return out;
  }

  /** The active configuration (last good one), or null. */
  activeConfig(): Config | null {
    return this.config;
  }

  private namespaceLabels(ns: string): Labels | undefined {
    const labels = this.namespaces.get(ns)?.metadata?.labels;
    return labels ?? (this.namespaces.get(ns) ? {} : undefined);
  }

  private enqueueServices(namespace?: string): void {
    for (const svc of this.services.list(namespace))
      this.queue.add(`${SVC_PREFIX}${svc.metadata?.namespace}/${svc.metadata?.name}`);
  }

  private async handle(key: string): Promise<void> {
    if (!this.leading) return;
    if (key === CONFIG_KEY) await this.reconcileConfig();
    else if (key.startsWith(SVC_PREFIX)) await this.reconcileService(key.slice(SVC_PREFIX.length));
  }

  // --- configuration -----------------------------------------------------------------------------

  private async reconcileConfig(): Promise<void> {
    const objects: RawObject[] = [];
    for (const w of this.configWatches) {
      for (const o of w.list()) {
        if (o.kind === 'ConfigMap' && o.metadata?.name !== LEGACY_CONFIGMAP) continue;
        const { object } = toRawObject(JSON.parse(JSON.stringify(o)) as unknown);
        if (object) objects.push(object);
      }
    }
    const result = this.store.update(objects);
    if (result.accepted) this.applyConfig(result.config);
    // Best effort, like Events: the allocation must not wait on a status object.
    await this.configState
      .publish(result.errors)
      .catch((err: unknown) => this.log.warn('could not publish ConfigurationState', { err: String(err) }));
    if (!result.accepted) await this.reportInvalidConfig(result.errors);
    else if (this.lastConfigErrors !== '') {
      this.lastConfigErrors = '';
      this.log.info('configuration valid again');
    }
  }

  /** Synchronous, so no reconcile ever sees half a configuration. */
  private applyConfig(config: Config | null): void {
    this.config = config;
    const pools = config?.pools ?? [];
    const signature = poolsSignature(pools);
    if (signature === this.poolsSignature) return;
    this.poolsSignature = signature;
    const lost = this.allocator.setPools(pools);
    this.log.info('address pools changed', { pools: pools.map((p) => p.name), displaced: lost.length });
    for (const p of pools) this.dirtyPools.add(p.name);
    this.schedulePoolStatus();
    // Eligibility may have changed for everyone; displaced services first.
    for (const k of lost) this.queue.add(`${SVC_PREFIX}${k}`);
    this.enqueueServices();
  }

  private async reportInvalidConfig(errors: readonly ConfigError[]): Promise<void> {
    const text = errors.map(formatError).join('\n');
    if (text === this.lastConfigErrors) return;
    this.lastConfigErrors = text;
    this.log.error('configuration rejected; keeping the last good one', {
      errors: errors.map(formatError),
      active: this.config !== null,
    });
    for (const e of errors) {
      const [kind = '', ns = '', name = ''] = e.object.split('/');
      if (!kind || !name) continue;
      const target: EventTarget = {
        kind,
        apiVersion: kind in KINDS ? apiVersionOfKind(kind as KindName) : 'v1',
        namespace: ns || this.namespace,
        name,
      };
      await this.events.record(
        target,
        'Warning',
        'InvalidConfig',
        `${e.field ? `${e.field}: ` : ''}${e.reason} (configuration rejected; the previous valid configuration stays active)`,
      );
    }
  }

  // --- services ----------------------------------------------------------------------------------

  private async reconcileService(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const obj = this.services.get(name, namespace);
    const held = this.allocator.holding(key);
    if (!obj) {
      if (this.allocator.release(key) && held) this.poolChanged(held.pool);
      this.events.forget({ kind: 'Service', namespace, name });
      return;
    }
    if (!this.config) return; // nothing to allocate from yet; config arrival re-enqueues everyone
    const target: EventTarget = {
      kind: 'Service',
      apiVersion: 'v1',
      namespace,
      name,
      uid: obj.metadata?.uid,
    };
    const parsed = parseService(asService(obj));
    const view = viewOf(obj);
    if (parsed.errors.length > 0 || !parsed.service) {
      const ours =
        obj.spec?.type === 'LoadBalancer' &&
        (obj.spec.loadBalancerClass ?? null) === (this.opts.lbClass ?? null);
      if (!ours) return;
      if (this.allocator.release(key) && held) this.poolChanged(held.pool);
      await this.write(namespace, name, view, cleared);
      const why = parsed.errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
      await this.events.record(
        target,
        'Warning',
        'AllocationFailed',
        `Failed to allocate IP for ${key}: ${why}`,
      );
      return;
    }
    const result = this.allocator.assign(parsed.service);
    if (held) this.poolChanged(held.pool);
    switch (result.kind) {
      case 'ignored':
        // Only undo what we wrote: another implementation may own this Service's status.
        if (held) await this.write(namespace, name, view, cleared);
        return;
      case 'failed':
        await this.write(namespace, name, view, cleared);
        await this.events.record(
          target,
          'Warning',
          'AllocationFailed',
          `Failed to allocate IP for ${key}: ${result.reason}`,
        );
        return;
      case 'assigned': {
        this.poolChanged(result.pool);
        const want = desired(result.ips, result.pool);
        const wrote = await this.write(namespace, name, view, want);
        // Only news is an Event: a restarted controller finding the same IPs stays quiet.
        if (wrote)
          await this.events.record(
            target,
            'Normal',
            'IPAllocated',
            `Assigned IP ${JSON.stringify(want.ingressIPs)} from IPAddressPool ${result.pool}`,
          );
      }
    }
  }

  private async write(
    namespace: string,
    name: string,
    view: ReturnType<typeof viewOf>,
    want: DesiredService,
  ): Promise<boolean> {
    const status = statusPatch(view, want);
    const annotation = annotationPatch(view, want);
    // The annotation first: a consumer that sees the ingress IP can then rely on the pool name.
    if (annotation) {
      this.apiCalls++;
      await ignoreNotFound(
        this.core.patchNamespacedService({ name, namespace, body: annotation }, mergePatch),
      );
    }
    if (status) {
      this.apiCalls++;
      await ignoreNotFound(
        this.core.patchNamespacedServiceStatus({ name, namespace, body: status }, mergePatch),
      );
    }
    // True when the ingress changed: what users see as a new allocation.
    return status !== null;
  }

  // --- pool status -------------------------------------------------------------------------------

  private poolChanged(pool: string): void {
    this.dirtyPools.add(pool);
    this.schedulePoolStatus();
  }

  private schedulePoolStatus(): void {
    if (this.poolStatusTimer) return;
    this.poolStatusTimer = setTimeout(() => {
      this.poolStatusTimer = undefined;
      void this.writePoolStatus().catch((err: unknown) => {
        this.log.warn('IPAddressPool status update failed; retrying', { err: String(err) });
        this.schedulePoolStatus();
      });
    }, this.opts.poolStatusDelayMs ?? 500);
    this.poolStatusTimer.unref();
  }

  private poolsWatch(): Watched<KubernetesObject> | undefined {
    return this.configWatches[CONFIG_KINDS.indexOf('IPAddressPool')];
  }

  private async writePoolStatus(): Promise<void> {
    if (!this.leading) return;
    const pools = [...this.dirtyPools];
    this.dirtyPools.clear();
    for (const name of pools) {
      const c = this.allocator.poolCounters(name);
      if (!c) continue;
      const cap = (n: bigint) =>
        Number(n > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : n);
      const status = {
        assignedIPv4: cap(c.assignedIPv4),
        assignedIPv6: cap(c.assignedIPv6),
        availableIPv4: cap(c.availableIPv4),
        availableIPv6: cap(c.availableIPv6),
      };
      const text = JSON.stringify(status);
      if (this.writtenPoolStatus.get(name) === text) continue;
      // After a restart the object usually shows the right counters already.
      const shown = this.poolsWatch()?.get(name, this.namespace) as
        { status?: Record<string, unknown> } | undefined;
      if (shown?.status && JSON.stringify(pick(shown.status, Object.keys(status))) === text) {
        this.writtenPoolStatus.set(name, text);
        continue;
      }
      try {
        this.apiCalls++;
        await this.custom.patchNamespacedCustomObjectStatus(
          {
            group: 'metallb.io',
            version: 'v1beta1',
            namespace: this.namespace,
            plural: 'ipaddresspools',
            name,
            body: { status },
          },
          mergePatch,
        );
        this.writtenPoolStatus.set(name, text);
      } catch (err) {
        if (isNotFound(err)) continue;
        this.dirtyPools.add(name);
        throw err;
      }
    }
  }
}

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

/** Core objects from a list lack kind/apiVersion; parseService wants a whole object. */
function asService(svc: V1Service): Record<string, unknown> {
  return {
    ...(JSON.parse(JSON.stringify(svc)) as Record<string, unknown>),
    kind: 'Service',
    apiVersion: 'v1',
  };
}

function poolsSignature(pools: readonly Pool[]): string {
  return JSON.stringify(
    pools.map((p) => ({
      n: p.name,
      a: p.addresses.map((b) => b.text),
      auto: p.autoAssign,
      bug: p.avoidBuggyIPs,
      sa: p.serviceAllocation,
    })),
  );
}

const isNotFound = (err: unknown) => (err as { code?: number } | null)?.code === 404;

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
