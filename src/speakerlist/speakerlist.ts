// SpeakerList: gossip membership among speakers, the protocol state machine (swim.ts) driven by
// real sockets (transport.ts) and a monotonic clock. Its only job for the rest of ferrolb is
// `liveMembers()` and the events that say it changed, so layer 2 re-elects at once.
//
//   const sl = new SpeakerList({ name: 'node-a', bind: { host: '10.0.0.1', port: 7946 }, secret });
//   sl.on('change', (live) => reelect(live));
//   await sl.start(); sl.join([{ host: '10.0.0.2', port: 7946 }]);
//   ...; await sl.leave(); await sl.stop();

import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

import { deriveKey } from './crypto.js';
import type { Address, Message } from './messages.js';
import { SwimState, type Member, type StepResult, type SwimEvent, type SwimOptions } from './swim.js';
import { Transport, type TransportStats } from './transport.js';

export const DEFAULT_PORT = 7946;

export interface SpeakerListOptions {
  /** Member name: the Kubernetes node name. */
  readonly name: string;
  /** Where to listen (UDP and TCP). Port 0 picks a free port (tests). */
  readonly bind: Address;
  /** Address other members reach us at; default `bind` (with the real port). */
  readonly advertise?: Address;
  /** The shared secret (the `memberlist` Secret's key). */
  readonly secret: string | Uint8Array;
  readonly protocol?: Partial<SwimOptions>;
  /** Starting incarnation; default the wall clock in ms, so a restarted speaker out-bids its past. */
  readonly incarnation?: number;
}

export interface SpeakerListEvents {
  memberJoined: [SwimEvent];
  memberLeft: [SwimEvent];
  memberFailed: [SwimEvent];
  memberSuspect: [SwimEvent];
  memberUpdated: [SwimEvent];
  /** The live set changed (joined, left or failed); carries the new set. */
  change: [Set<string>];
}

export class SpeakerList extends EventEmitter<SpeakerListEvents> {
  private readonly transport: Transport;
  private state: SwimState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly t0 = performance.now();

  constructor(private readonly opts: SpeakerListOptions) {
    super();
    this.transport = new Transport(deriveKey(opts.secret), (msg, reliable) => this.onMessage(msg, reliable));
  }

  /** Binds the sockets; members can find us from now on. */
  async start(): Promise<void> {
    await this.transport.listen(this.opts.bind.host, this.opts.bind.port);
    const addr = this.opts.advertise ?? { host: this.opts.bind.host, port: this.transport.port };
    this.state = new SwimState(
      { name: this.opts.name, addr, incarnation: this.opts.incarnation ?? Date.now() },
      this.opts.protocol,
    );
    this.schedule();
  }

  /** The port actually bound. */
  get port(): number {
    return this.transport.port;
  }

  get stats(): TransportStats {
    return this.transport.stats;
  }

  /** Contacts seed addresses (other speakers); may be called again when seeds change. */
  join(seeds: readonly Address[]): void {
    if (!this.state) throw new Error('speakerlist: join() before start()');
    this.apply((s, now) => s.join(seeds, now));
  }

  /** Contacts the last seeds again (after this node's labels or addresses changed). */
  rejoin(): void {
    this.apply((s, now) => s.rejoin(now));
  }

  /** Alive and suspect members, self included: the nodes that may announce. */
  liveMembers(): Set<string> {
    return this.state ? this.state.liveMembers() : new Set();
  }

  members(): Member[] {
    return this.state ? this.state.memberList() : [];
  }

  /**
   * Graceful leave: tells every member directly, then waits `lingerMs` so the datagrams and
   * TCP frames are out before the caller closes the sockets.
   */
  async leave(lingerMs = 50): Promise<void> {
    this.apply((s, now) => s.leave(now));
    await new Promise((r) => setTimeout(r, lingerMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.transport.close();
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private onMessage(msg: Message, reliable: boolean): void {
    this.apply((s, now) => s.receive(msg, now, reliable));
  }

  private apply(step: (s: SwimState, now: number) => StepResult): void {
    const s = this.state;
    if (!s || this.stopped) return;
    const r = step(s, this.now());
    for (const o of r.out)
      this.transport.send(o.to, o.msg, o.reliable, () => this.apply((st, t) => st.refused(o.to, o.msg, t)));
    let changed = false;
    for (const e of r.events) {
      this.emit(e.type, e);
      if (e.type === 'memberJoined' || e.type === 'memberLeft' || e.type === 'memberFailed') changed = true;
    }
    if (changed) this.emit('change', s.liveMembers());
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || !this.state) return;
    if (this.timer) clearTimeout(this.timer);
    const deadline = this.state.nextDeadline();
    if (!Number.isFinite(deadline)) {
      this.timer = null;
      return;
    }
    const delay = Math.max(0, Math.ceil(deadline - this.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.apply((s, now) => s.tick(now));
    }, delay);
  }
}
