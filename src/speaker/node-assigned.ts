// `nodeAssigned` Events on Services, as MetalLB's speaker sends them: one Normal event when this
// node starts announcing a Service with a protocol, `announcing from node "N" with protocol
// "layer2"` (or "bgp"). Only transitions count: a resync that changes nothing sends nothing,
// and a Service withdrawn and announced again gets a new event.

import type { EventRecorder } from '../k8s/events.js';
import type { NodePlan } from './node-plan.js';
import { bgpAnnouncedPeers } from './service-status.js';

export type AnnounceProtocol = 'layer2' | 'bgp';

export interface Announced {
  /** `namespace/name` */
  readonly service: string;
  readonly protocol: AnnounceProtocol;
}

const pairKey = (a: Announced) => `${a.protocol} ${a.service}`;

/** Every (service, protocol) this node announces in the plan. */
export function announcedByNode(plan: NodePlan): Announced[] {
  const out: Announced[] = [];
  for (const [service, o] of plan.layer2.services)
    if (o.decision.announce && o.ips.length > 0) out.push({ service, protocol: 'layer2' });
  for (const service of bgpAnnouncedPeers(plan).keys()) out.push({ service, protocol: 'bgp' });
  return out;
}

/** What started and what stopped between two sets of announcements. */
export function announceTransitions(
  before: readonly Announced[],
  after: readonly Announced[],
): { started: Announced[]; stopped: Announced[] } {
  const was = new Set(before.map(pairKey));
  const is = new Set(after.map(pairKey));
  return {
    started: after.filter((a) => !was.has(pairKey(a))),
    stopped: before.filter((a) => !is.has(pairKey(a))),
  };
}

export const nodeAssignedMessage = (node: string, protocol: AnnounceProtocol) =>
  `announcing from node "${node}" with protocol "${protocol}"`;

export class NodeAssignedEvents {
  private current: Announced[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly recorder: EventRecorder,
    private readonly nodeName: string,
    /** The Service's uid when known (kubectl describe matches events by uid). */
    private readonly uidOf: (service: string) => string | undefined = () => undefined,
  ) {}

  /** Sends the events for what changed since the previous plan (best effort, never throws). */
  update(plan: NodePlan): Promise<void> {
    const next = announcedByNode(plan);
    const { started, stopped } = announceTransitions(this.current, next);
    this.current = next;
    const target = (service: string) => {
      const slash = service.indexOf('/');
      return {
        kind: 'Service',
        apiVersion: 'v1',
        namespace: service.slice(0, slash),
        name: service.slice(slash + 1),
        uid: this.uidOf(service),
      };
    };
    // One queue, in plan order, one request at a time: a first plan with 10,000 Services must
    // not open 10,000 requests at once, and a withdrawal must not overtake an earlier start.
    this.queue = this.queue.then(async () => {
      // The recorder drops a repeat of an object's last event; a withdrawal ends that repetition.
      for (const s of stopped) this.recorder.forget(target(s.service));
      for (const a of started)
        await this.recorder.record(
          target(a.service),
          'Normal',
          'nodeAssigned',
          nodeAssignedMessage(this.nodeName, a.protocol),
        );
    });
    return this.queue;
  }
}
