// Kubernetes Events for the objects ferrolb acts on (core/v1 Events, as `kubectl describe`
// shows them). Repeats of the same reason and message for the same object are dropped, so a
// periodic resync of a failing Service does not flood the Event stream.
import type { CoreV1Api } from '@kubernetes/client-node';

export interface EventTarget {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

export type EventType = 'Normal' | 'Warning';

export class EventRecorder {
  private readonly last = new Map<string, string>();
  /** Events actually sent. */
  sent = 0;

  constructor(
    private readonly api: CoreV1Api,
    private readonly component: string,
    private readonly instance: string,
    private readonly log: (msg: string, err?: unknown) => void = () => {},
  ) {}

  /** Sends the event unless the object's previous event had the same type, reason and message. */
  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const id = `${target.kind}/${target.namespace}/${target.name}`;
    const fingerprint = `${type}|${reason}|${message}`;
    if (this.last.get(id) === fingerprint) return;
    this.last.set(id, fingerprint);
    const now = new Date();
    try {
      await this.api.createNamespacedEvent({
        namespace: target.namespace,
        body: {
          metadata: { generateName: `${target.name}.`, namespace: target.namespace },
          involvedObject: {
            kind: target.kind,
            apiVersion: target.apiVersion,
            namespace: target.namespace,
            name: target.name,
            ...(target.uid ? { uid: target.uid } : {}),
          },
          type,
          reason,
          message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.sent++;
    } catch (err) {
      // An Event is best effort: losing one must never fail the reconcile that produced it.
      this.last.delete(id);
      this.log(`could not record event ${reason} on ${id}`, err);
    }
  }

  /** Forgets the object (deleted), so a new object of the same name gets its events. */
  forget(target: Pick<EventTarget, 'kind' | 'namespace' | 'name'>): void {
    this.last.delete(`${target.kind}/${target.namespace}/${target.name}`);
  }
}
