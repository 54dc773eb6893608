// ThreadedSpeakerList: the SpeakerList API with the protocol running in a worker thread. The
// main thread keeps a copy of the live set, refreshed by the worker's `change` messages, so
// `liveMembers()` stays synchronous for the election.

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

import type { Address } from './messages.js';
import type { SpeakerListEvents, SpeakerListOptions } from './speakerlist.js';
import type { Member, SwimEvent, SwimEventType } from './swim.js';
import type { TransportStats } from './transport.js';
import type { WorkerCommand } from './worker.js';

type FromWorker =
  | { type: 'started'; port: number; live: string[] }
  | { type: 'error'; message: string }
  | { type: 'event'; name: SwimEventType; event: SwimEvent }
  | { type: 'change'; live: string[] }
  | { type: 'answer'; id: number; members: Member[]; stats: TransportStats }
  | { type: 'left' }
  | { type: 'stopped' };

// Built, the worker is the .js next to this file. Run from source (tests, under tsx) it is a .ts
// file, and the worker thread first registers tsx's loader, then imports it.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);

function spawnWorker(workerData: SpeakerListOptions): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export class ThreadedSpeakerList extends EventEmitter<SpeakerListEvents> {
  private worker: Worker | null = null;
  private live = new Set<string>();
  private boundPort = 0;
  private queryId = 0;
  private readonly pending = new Map<number, (a: { members: Member[]; stats: TransportStats }) => void>();
  private readonly replies = new Map<'left' | 'stopped', () => void>();

  constructor(private readonly opts: SpeakerListOptions) {
    super();
  }

  async start(): Promise<void> {
    const w = spawnWorker(this.opts);
    this.worker = w;
    await new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'started') {
          this.boundPort = m.port;
          this.live = new Set(m.live);
          resolve();
        } else if (m.type === 'error') reject(new Error(`speakerlist worker: ${m.message}`));
        else this.onMessage(m);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  join(seeds: readonly Address[]): void {
    this.post({ cmd: 'join', seeds: [...seeds] });
  }

  /** Contacts the last seeds again (after this node's labels or addresses changed). */
  rejoin(): void {
    this.post({ cmd: 'rejoin' });
  }

  liveMembers(): Set<string> {
    return new Set(this.live);
  }

  /** Members and transport counters, asked from the worker. */
  async inspect(): Promise<{ members: Member[]; stats: TransportStats }> {
    const id = ++this.queryId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post({ cmd: 'query', id });
    });
  }

  async leave(lingerMs = 50): Promise<void> {
    await this.roundTrip('left', { cmd: 'leave', lingerMs });
  }

  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    await this.roundTrip('stopped', { cmd: 'stop' });
    await w.terminate();
    this.worker = null;
  }

  private roundTrip(reply: 'left' | 'stopped', cmd: WorkerCommand): Promise<void> {
    return new Promise((resolve) => {
      this.replies.set(reply, resolve);
      this.post(cmd);
    });
  }

  private post(cmd: WorkerCommand): void {
    if (!this.worker) throw new Error('speakerlist is not started');
    this.worker.postMessage(cmd);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'event':
        this.emit(m.name, m.event);
        break;
      case 'change':
        this.live = new Set(m.live);
        this.emit('change', this.liveMembers());
        break;
      case 'answer':
        this.pending.get(m.id)?.({ members: m.members, stats: m.stats });
        this.pending.delete(m.id);
        break;
      case 'left':
      case 'stopped':
        this.replies.get(m.type)?.();
        this.replies.delete(m.type);
        break;
      default:
        break;
    }
  }
}
