// The speaker's Kubernetes source: informers for the MetalLB configuration (in its namespace),
// Nodes, Services and EndpointSlices. Any change schedules one rebuild of the speaker's inputs on
// the next turn of the event loop (a burst of 10,000 changes is one rebuild). An invalid
// configuration is logged and the last good one stays in force. The controller assigns the
// addresses; the speaker reads them from status.loadBalancer.ingress.

import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import {
  ConfigStore,
  formatError,
  parseService,
  toRawObject,
  type Config,
  type ConfigError,
  type RawObject,
} from '../config/index.js';
import type { ChangeKind, Watched } from '../k8s/informer.js';
import { watchKind, type KindName } from '../k8s/resources.js';
import {
  endpointsFromSlices,
  nodeInfoFromObject,
  readyNodeNames,
  type AnnounceService,
  type NodeInfo,
} from '../layer2/announce-inputs.js';
import { poolForIPs } from '../layer2/pool-of-ips.js';
import type { SpeakerState } from './speaker.js';

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
const LEGACY_CONFIGMAP = 'config';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface KubernetesSourceOptions {
  readonly namespace: string;
  readonly lbClass: string | null;
  /** When false (no speakerlist), live members are the Ready Nodes. */
  readonly membership: boolean;
  readonly log: {
    info(m: string, f?: Record<string, unknown>): void;
    warn(m: string, f?: Record<string, unknown>): void;
  };
  readonly onChange: (state: Partial<SpeakerState>) => void;
  /** Speaker pods (for speakerlist seeds): label selector in the namespace; null = none. */
  readonly speakerPodSelector?: string | null;
  readonly onSpeakerPods?: (ips: string[]) => void;
  /** The verdict on every configuration read: no errors = valid (ConfigurationState). */
  readonly onConfigVerdict?: (errors: readonly ConfigError[]) => void;
}

const plain = (o: KubernetesObject) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>;

export class KubernetesSource {
  private readonly config: Watched<KubernetesObject>[] = [];
  private readonly nodes: Watched<KubernetesObject>;
  private readonly services: Watched<KubernetesObject>;
  private readonly slices: Watched<KubernetesObject>;
  private readonly pods: Watched<KubernetesObject> | null = null;
  private readonly store: ConfigStore;
  private scheduled: NodeJS.Immediate | null = null;
  private configDirty = true;
  private current: Config | null = null;
  private lastErrors = '';

  constructor(
    kc: KubeConfig,
    private readonly opts: KubernetesSourceOptions,
  ) {
    this.store = new ConfigStore({ namespace: opts.namespace });
    const onError = (what: string) => (err: unknown, retryInMs: number) =>
      opts.log.warn(`watch of ${what} failed; retrying`, { err: String(err), retryInMs });
    const configChanged = (_k: ChangeKind, o: KubernetesObject) => {
      if (o.kind === 'ConfigMap' && o.metadata?.name !== LEGACY_CONFIGMAP) return;
      this.configDirty = true;
      this.schedule();
    };
    for (const kind of CONFIG_KINDS)
      this.config.push(
        watchKind(kc, kind, { namespace: opts.namespace, onChange: configChanged, onError: onError(kind) }),
      );
    const changed = () => this.schedule();
    // Nodes take part in configuration validation (localPref conflicts are decided on real nodes).
    this.nodes = watchKind(kc, 'Node', { onChange: configChanged, onError: onError('Node') });
    this.services = watchKind(kc, 'Service', { onChange: changed, onError: onError('Service') });
    this.slices = watchKind(kc, 'EndpointSlice', { onChange: changed, onError: onError('EndpointSlice') });
    if (opts.speakerPodSelector)
      this.pods = watchKind(kc, 'Pod', {
        namespace: opts.namespace,
        labelSelector: opts.speakerPodSelector,
        onChange: () => this.announcePods(),
        onError: onError('Pod'),
      });
  }

  /** Starts every informer; resolves once all caches hold their first list (then one rebuild). */
  async start(): Promise<void> {
    await Promise.all(
      [...this.config, this.nodes, this.services, this.slices, ...(this.pods ? [this.pods] : [])].map((w) =>
        w.start(),
      ),
    );
    this.rebuild();
  }

  async stop(): Promise<void> {
    if (this.scheduled) clearImmediate(this.scheduled);
    await Promise.all(
      [...this.config, this.nodes, this.services, this.slices, ...(this.pods ? [this.pods] : [])].map((w) =>
        w.stop(),
      ),
    );
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.rebuild();
    });
  }

  /** The Service's metadata.uid from the cache (Events name it), undefined when unknown. */
  serviceUid(key: string): string | undefined {
    const slash = key.indexOf('/');
    return this.services.get(key.slice(slash + 1), key.slice(0, slash))?.metadata?.uid;
  }

  private announcePods(): void {
    if (!this.pods) return;
    const ips = this.pods
      .list()
      .map((p) => (plain(p).status as { podIP?: string } | undefined)?.podIP)
      .filter((ip): ip is string => typeof ip === 'string' && ip !== '');
    this.opts.onSpeakerPods?.(ips);
  }

  private reloadConfig(): void {
    this.configDirty = false;
    const objects: RawObject[] = [];
    for (const w of [...this.config, this.nodes])
      for (const o of w.list()) {
        if (o.kind === 'ConfigMap' && o.metadata?.name !== LEGACY_CONFIGMAP) continue;
        const { object } = toRawObject(plain(o));
        if (object) objects.push(object);
      }
    const r = this.store.update(objects);
    this.opts.onConfigVerdict?.(r.accepted ? [] : r.errors);
    if (!r.accepted) {
      const text = r.errors.map(formatError).join('\n');
      if (text !== this.lastErrors) {
        this.lastErrors = text;
        this.opts.log.warn('configuration invalid; keeping the last good one', {
          errors: r.errors.map(formatError),
        });
      }
      return;
    }
    if (this.lastErrors !== '') this.opts.log.info('configuration valid again');
    this.lastErrors = '';
    this.current = r.config;
  }

  /** Rebuilds the speaker's inputs from the caches. */
  private rebuild(): void {
    if (this.configDirty) this.reloadConfig();
    const config = this.current;
    const nodes = new Map<string, NodeInfo>();
    for (const n of this.nodes.list()) {
      const info = nodeInfoFromObject(plain(n) as Parameters<typeof nodeInfoFromObject>[0]);
      nodes.set(info.name, info);
    }
    const slicesBySvc = new Map<string, Record<string, unknown>[]>();
    for (const s of this.slices.list()) {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (!svc) continue;
      const key = `${s.metadata?.namespace}/${svc}`;
      let list = slicesBySvc.get(key);
      if (!list) slicesBySvc.set(key, (list = []));
      list.push(plain(s));
    }
    const services: AnnounceService[] = [];
    if (config) {
      for (const o of this.services.list()) {
        const { service } = parseService({ ...plain(o), apiVersion: 'v1', kind: 'Service' });
        if (!service || service.type !== 'LoadBalancer' || service.ingressIPs.length === 0) continue;
        if ((service.loadBalancerClass ?? null) !== this.opts.lbClass) continue;
        const key = `${service.namespace}/${service.name}`;
        services.push({
          namespace: service.namespace,
          name: service.name,
          labels: service.labels,
          externalTrafficPolicy: service.externalTrafficPolicy,
          ips: service.ingressIPs,
          pool: poolForIPs(config.pools, service.ingressIPs),
          endpoints: endpointsFromSlices(
            (slicesBySvc.get(key) ?? []) as Parameters<typeof endpointsFromSlices>[0],
          ),
        });
      }
    }
    this.opts.onChange({
      ...(config ? { config } : {}),
      services,
      nodes,
      ...(this.opts.membership ? {} : { liveMembers: readyNodeNames(nodes.values()) }),
    });
  }
}
