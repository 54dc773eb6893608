// Everything the Kubernetes speaker tells the cluster about itself, besides the wire: its
// ServiceL2Status / ServiceBGPStatus objects, `nodeAssigned` Events on Services and its
// ConfigurationState `speaker-NODE`. All owned by the speaker's pod when known, all best effort:
// a failed write is logged and retried later, never holding up an announcement.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1OwnerReference } from '@kubernetes/client-node';

import type { ConfigError } from '../config/model.js';
import {
  ConfigurationStatePublisher,
  LABEL_COMPONENT_TYPE,
  LABEL_NODE_NAME,
} from '../k8s/configuration-state.js';
import { EventRecorder } from '../k8s/events.js';
import { NodeAssignedEvents } from './node-assigned.js';
import type { NodePlan } from './node-plan.js';
import { BGP_STATUS, L2_STATUS, type BgpStatusBody, type L2StatusBody } from './service-status.js';
import { ServiceStatusWriter } from './status-writer.js';

export const EVENT_COMPONENT = 'metallb-speaker';
const CONFIG_RETRY_MS = 5000;

export interface KubernetesReportsOptions {
  readonly namespace: string;
  readonly nodeName: string;
  /** The speaker's pod; null = objects without owner. */
  readonly owner: V1OwnerReference | null;
  /** The Service's uid by `namespace/name` (Events carry it so `kubectl describe` lists them). */
  readonly serviceUid?: (key: string) => string | undefined;
  readonly warn: (msg: string, fields?: Record<string, unknown>) => void;
}

export const speakerConfigurationStateName = (nodeName: string) => `speaker-${nodeName}`;

export class KubernetesReports {
  private readonly l2: ServiceStatusWriter<L2StatusBody>;
  private readonly bgp: ServiceStatusWriter<BgpStatusBody>;
  private readonly events: NodeAssignedEvents;
  private readonly configState: ConfigurationStatePublisher;
  private configWrite: Promise<void> = Promise.resolve();
  private eventsSent: Promise<void> = Promise.resolve();
  private configRetry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    kc: KubeConfig,
    private readonly opts: KubernetesReportsOptions,
  ) {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const { namespace, nodeName, owner, warn } = opts;
    this.l2 = new ServiceStatusWriter(custom, L2_STATUS, namespace, nodeName, owner, warn);
    this.bgp = new ServiceStatusWriter(custom, BGP_STATUS, namespace, nodeName, owner, warn);
    const recorder = new EventRecorder(kc.makeApiClient(CoreV1Api), EVENT_COMPONENT, nodeName, (m, e) =>
      warn(m, { err: String(e) }),
    );
    this.events = new NodeAssignedEvents(recorder, nodeName, opts.serviceUid);
    this.configState = new ConfigurationStatePublisher(
      custom,
      namespace,
      speakerConfigurationStateName(nodeName),
      {
        labels: { [LABEL_COMPONENT_TYPE]: 'speaker', [LABEL_NODE_NAME]: nodeName },
        owner,
      },
    );
  }

  /** A new plan was applied: statuses and Events follow it. */
  onPlan(plan: NodePlan): void {
    if (this.stopped) return;
    void this.l2.update(plan);
    void this.bgp.update(plan);
    this.eventsSent = this.events.update(plan); // queued behind the earlier ones
  }

  /** The configuration was read: publish the verdict (serialized; the publisher drops repeats). */
  onConfigVerdict(errors: readonly ConfigError[]): void {
    if (this.stopped) return;
    if (this.configRetry) clearTimeout(this.configRetry);
    this.configRetry = null;
    this.configWrite = this.configWrite
      .then(() => this.configState.publish(errors))
      .catch((e: unknown) => {
        this.opts.warn('could not write ConfigurationState; retrying', { err: String(e) });
        // The configuration may not change again for days: retry on our own.
        this.configRetry = setTimeout(() => this.onConfigVerdict(errors), CONFIG_RETRY_MS);
        this.configRetry.unref();
      });
  }

  /** Waits for writes in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([this.l2.flush(), this.bgp.flush(), this.configWrite, this.eventsSent]);
  }

  /**
   * Graceful stop: this node announces nothing any more, so its status objects go. The
   * ConfigurationState stays (its pod owns it; a restarted speaker finds and adopts it).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.configRetry) clearTimeout(this.configRetry);
    await this.flush();
    await Promise.all([this.l2.clear(), this.bgp.clear()]);
  }
}
