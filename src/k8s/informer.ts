// A list+watch cache that survives the API server: @kubernetes/client-node's informer re-lists by
// itself on 410 Gone and re-watches when a watch ends, but stops for good on any other error
// (connection refused, 5xx, a list that fails). This wrapper restarts it with exponential
// backoff, reports when the first list has landed (synced), and hands every change to one
// callback as (kind of change, object).
import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';

export type ChangeKind = 'add' | 'update' | 'delete';

export interface WatchedOptions<T extends KubernetesObject> {
  /** For logs: e.g. "services". */
  readonly name: string;
  /** Watch path, e.g. /api/v1/services or /apis/metallb.io/v1beta1/namespaces/ns/ipaddresspools. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly onChange: (kind: ChangeKind, obj: T) => void;
  readonly onError?: (err: unknown, retryInMs: number) => void;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class Watched<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private backoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private markSynced!: () => void;
  /** Resolves after the first successful list has been delivered. */
  readonly synced: Promise<void>;
  private isSynced = false;
  /** Errors seen (watch or list), for diagnostics and tests. */
  errors = 0;
  /** Successful lists (the first one plus every re-list after an error or 410). */
  lists = 0;

  constructor(
    kc: KubeConfig,
    private readonly opts: WatchedOptions<T>,
  ) {
    this.backoffMs = opts.minBackoffMs ?? 200;
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
    const list = () =>
      opts.list().then((result) => {
        this.lists++;
        this.backoffMs = opts.minBackoffMs ?? 200;
        // The informer fills its cache synchronously right after this promise settles.
        setImmediate(() => {
          if (!this.isSynced) {
            this.isSynced = true;
            this.markSynced();
          }
        });
        return result;
      });
    this.informer = makeInformer<T>(kc, opts.path, list, opts.labelSelector);
    this.informer.on('add', (o) => opts.onChange('add', o));
    this.informer.on('update', (o) => opts.onChange('update', o));
    this.informer.on('delete', (o) => opts.onChange('delete', o));
    this.informer.on('error', (err) => this.restartLater(err));
  }

  private restartLater(err: unknown): void {
    this.errors++;
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 30_000);
    this.opts.onError?.(err, delay);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) this.informer.start().catch((e: unknown) => this.restartLater(e));
    }, delay);
  }

  start(): Promise<void> {
    this.stopped = false;
    this.informer.start().catch((e: unknown) => this.restartLater(e));
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }
}
