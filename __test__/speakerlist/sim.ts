// A deterministic in-memory network for the speakerlist state machine: virtual time, seeded
// randomness, per-packet latency, datagram loss, partitions, crashes and restarts. Reliable
// (TCP) messages are never lost, but a "lost" one arrives a TCP retransmission later (1 s, the
// initial SYN/RTO), and they are still cut by partitions and crashes.
import type { Address, Message } from '../../src/speakerlist/messages.js';
import { SwimState, type StepResult, type SwimEvent, type SwimOptions } from '../../src/speakerlist/swim.js';

/** mulberry32: small, seedable, good enough for test randomness. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Delivery {
  /** 'refused': the TCP send `msg` to `to` bounced off a host with no listener. */
  kind: 'msg' | 'refused';
  at: number;
  order: number;
  from: string;
  to: Address;
  msg: Message;
  reliable: boolean;
}

export interface SimNode {
  name: string;
  state: SwimState;
  up: boolean;
  /** When down: does the host still answer (refusing TCP), or is it gone entirely? */
  hostUp: boolean;
  events: SwimEvent[];
}

export class SimNet {
  now = 0;
  loss = 0;
  latencyMs = 1;
  readonly nodes = new Map<string, SimNode>();
  readonly sent = { total: 0, lost: 0 };
  private queue: Delivery[] = [];
  private order = 0;
  private readonly random: () => number;
  /** Members whose host refuses TCP although the member runs (a firewall REJECT rule). */
  readonly tcpRefused = new Set<string>();
  /** Node name → partition group; nodes in different groups cannot talk. */
  private groups = new Map<string, number>();

  constructor(
    seed: number,
    private readonly opts: Partial<SwimOptions> = {},
  ) {
    this.random = rng(seed);
  }

  static addr(name: string): Address {
    return { host: name, port: 7946 };
  }

  add(name: string, incarnation = 1): SimNode {
    const state = new SwimState(
      { name, addr: SimNet.addr(name), incarnation },
      this.opts,
      rng(Math.floor(this.random() * 2 ** 32)),
    );
    const node: SimNode = { name, state, up: true, hostUp: true, events: [] };
    this.nodes.set(name, node);
    return node;
  }

  join(name: string, seeds: string[]): void {
    const n = this.must(name);
    this.handle(n, n.state.join(seeds.map(SimNet.addr), this.now));
  }

  rejoin(name: string): void {
    const n = this.must(name);
    this.handle(n, n.state.rejoin(this.now));
  }

  leave(name: string): void {
    const n = this.must(name);
    this.handle(n, n.state.leave(this.now));
  }

  /** The member's process dies; with `hostUp` its host refuses TCP (a killed speaker), else silence. */
  crash(name: string, hostUp = false): void {
    const n = this.must(name);
    n.up = false;
    n.hostUp = hostUp;
  }

  partition(...groups: string[][]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((n) => this.groups.set(n, i)));
  }

  heal(): void {
    this.groups = new Map();
  }

  /** Runs the network until `until` (virtual ms). */
  runUntil(until: number): void {
    for (;;) {
      let next = Infinity;
      for (const n of this.nodes.values()) if (n.up) next = Math.min(next, n.state.nextDeadline());
      const d = this.queue[0];
      if (d) next = Math.min(next, d.at);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      while (this.queue[0] && this.queue[0].at <= this.now) {
        const msg = this.queue.shift() as Delivery;
        if (msg.kind === 'refused') {
          const sender = this.nodes.get(msg.from);
          if (sender?.up) this.handle(sender, sender.state.refused(msg.to, msg.msg, this.now));
          continue;
        }
        const dest = this.nodes.get(msg.to.host);
        if (!dest || !this.canTalk(msg.from, dest.name)) continue;
        if (!dest.up) {
          if (msg.reliable && dest.hostUp)
            this.enqueue({ ...msg, kind: 'refused', at: this.now + this.latencyMs });
          continue;
        }
        this.handle(dest, dest.state.receive(msg.msg, this.now, msg.reliable));
      }
      for (const n of this.nodes.values())
        if (n.up && n.state.nextDeadline() <= this.now) this.handle(n, n.state.tick(this.now));
    }
    this.now = until;
  }

  run(ms: number): void {
    this.runUntil(this.now + ms);
  }

  live(name: string): string[] {
    return [...this.must(name).state.liveMembers()].sort();
  }

  eventsAbout(observer: string, subject: string, type: SwimEvent['type']): SwimEvent[] {
    return this.must(observer).events.filter((e) => e.name === subject && e.type === type);
  }

  /** The member's current incarnation number. */
  incarnationOf(name: string): number {
    return this.must(name).state.incarnation;
  }

  private canTalk(a: string, b: string): boolean {
    if (this.groups.size === 0) return true;
    return this.groups.get(a) === this.groups.get(b);
  }

  private handle(n: SimNode, r: StepResult): void {
    n.events.push(...r.events);
    for (const o of r.out) {
      this.sent.total++;
      if (!n.up) continue;
      let retransmit = 0;
      if (this.random() < this.loss) {
        this.sent.lost++;
        if (!o.reliable) continue;
        retransmit = 1000;
      }
      // Round-trip the message through JSON like the real transport, so no object is shared.
      const msg = JSON.parse(JSON.stringify(o.msg)) as Message;
      const jitter = this.random() * this.latencyMs;
      const at = this.now + this.latencyMs + jitter + (o.reliable ? this.latencyMs : 0) + retransmit;
      this.enqueue({ kind: 'msg', at, order: 0, from: n.name, to: o.to, msg, reliable: o.reliable });
    }
  }

  private enqueue(d: Delivery): void {
    d.order = this.order++;
    const i = this.queue.findIndex((q) => q.at > d.at);
    if (i < 0) this.queue.push(d);
    else this.queue.splice(i, 0, d);
  }

  private must(name: string): SimNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }
}
