// The speakerlist protocol as a deterministic state machine: SWIM (Das, Gupta, Motivala 2002)
// with its suspicion mechanism and incarnation-number refutation. No sockets and no clocks
// inside: the caller feeds messages and the current time, and gets back messages to send and
// membership events. Time and randomness are injected, so the in-memory simulation tests
// replay exactly.
//
// Failure detection, per probe period (probeIntervalMs):
//   1. ping one member (round robin over a shuffled list); an ack within probeTimeoutMs ends it;
//   2. otherwise ask indirectChecks other members to ping it for us (ping-req), and ping it once
//      more over the reliable (TCP) path in case only UDP is broken;
//   3. no ack by the end of the period → the member is suspect. The suspicion is gossiped and
//      also sent to the member itself, which refutes it by raising its incarnation number;
//   4. still suspect after suspicionTimeoutMs → dead: memberFailed, and the death is sent to
//      every live member at once (not only piggybacked) so they re-elect immediately.
// When the fallback TCP probe is refused (the host answers but nothing listens on the port: the
// speaker process is gone), the member is suspected at once with the short
// refusedSuspicionTimeoutMs: still long enough for a live member to refute over UDP.
// Membership updates ride on pings and acks (each retransmitted retransmitMult·⌈log10(n+1)⌉
// times); joins, deaths, leaves and refutations are also sent to every member at once. A
// periodic full-state sync over the reliable path repairs what gossip missed and lets partitions
// heal: it is also sent to recently dead members and to seeds not in the cluster.
// Leaving is a "left" update with a higher incarnation, sent to every member directly.

import { sameAddress, type Address, type MemberStatus, type Message, type Update } from './messages.js';

export interface SwimOptions {
  /** How often a probe starts. */
  readonly probeIntervalMs: number;
  /** How long the direct ping waits before indirect probes start (< probeIntervalMs). */
  readonly probeTimeoutMs: number;
  /** Members asked to probe indirectly. */
  readonly indirectChecks: number;
  /** How long a member stays suspect before it is declared dead. */
  readonly suspicionTimeoutMs: number;
  /** Suspicion timeout after the member's host refused our TCP probe (no speaker listening). */
  readonly refusedSuspicionTimeoutMs: number;
  /** Gossip retransmission multiplier (times ⌈log10(n+1)⌉). */
  readonly retransmitMult: number;
  /** Most updates piggybacked on one message. */
  readonly maxPiggyback: number;
  /** Full-state anti-entropy period. */
  readonly syncIntervalMs: number;
  /** How long dead/left members are remembered (to reject stale gossip and to heal partitions). */
  readonly deadRetentionMs: number;
}

/**
 * Defaults sized for the L2 failover goal on a LAN (owner killed → others know within ≈ 1 s):
 * detection takes at most one probe period to reach the dead member, one period to give up on it,
 * and the suspicion timeout: typically 100 + 200 + 400 ms.
 */
export const DEFAULT_SWIM_OPTIONS: SwimOptions = {
  probeIntervalMs: 200,
  probeTimeoutMs: 100,
  indirectChecks: 3,
  suspicionTimeoutMs: 400,
  refusedSuspicionTimeoutMs: 100,
  retransmitMult: 4,
  maxPiggyback: 16,
  syncIntervalMs: 5000,
  deadRetentionMs: 60_000,
};

/** Checks option values, naming the bad one. */
export function validateSwimOptions(o: SwimOptions): void {
  const positive: (keyof SwimOptions)[] = [
    'probeIntervalMs',
    'probeTimeoutMs',
    'suspicionTimeoutMs',
    'refusedSuspicionTimeoutMs',
    'retransmitMult',
    'maxPiggyback',
    'syncIntervalMs',
    'deadRetentionMs',
  ];
  for (const k of positive)
    if (!Number.isFinite(o[k]) || o[k] <= 0)
      throw new Error(`speakerlist option ${k} must be > 0, got ${o[k]}`);
  if (!Number.isInteger(o.indirectChecks) || o.indirectChecks < 0)
    throw new Error(`speakerlist option indirectChecks must be an integer ≥ 0, got ${o.indirectChecks}`);
  if (o.probeTimeoutMs >= o.probeIntervalMs)
    throw new Error(
      `speakerlist option probeTimeoutMs (${o.probeTimeoutMs}) must be below probeIntervalMs (${o.probeIntervalMs})`,
    );
}

export interface Member {
  readonly name: string;
  readonly addr: Address;
  readonly inc: number;
  readonly status: MemberStatus;
  /** When the status last changed (ms, caller's clock). */
  readonly since: number;
}

export type SwimEventType =
  'memberJoined' | 'memberLeft' | 'memberFailed' | 'memberSuspect' | 'memberUpdated';

export interface SwimEvent {
  readonly type: SwimEventType;
  readonly name: string;
  readonly addr: Address;
  readonly inc: number;
  readonly at: number;
}

export interface Outgoing {
  readonly to: Address;
  readonly msg: Message;
  /** Send over the reliable (TCP) path. */
  readonly reliable: boolean;
}

export interface StepResult {
  readonly out: Outgoing[];
  readonly events: SwimEvent[];
}

interface MutableMember {
  name: string;
  addr: Address;
  inc: number;
  status: MemberStatus;
  since: number;
  /** While suspect: when it is declared dead. */
  deadline: number;
}

interface Probe {
  seq: number;
  target: string;
  addr: Address;
  inc: number;
  started: number;
  indirect: boolean;
  acked: boolean;
}

const isLive = (s: MemberStatus): boolean => s === 'alive' || s === 'suspect';

export class SwimState {
  readonly name: string;
  private readonly self: MutableMember;
  private readonly opts: SwimOptions;
  private readonly random: () => number;
  private readonly members = new Map<string, MutableMember>();
  private readonly gossip = new Map<string, { update: Update; sent: number }>();
  private readonly relays = new Map<number, { requester: Address; origSeq: number; expires: number }>();
  private seeds: Address[] = [];
  private seq = 0;
  private probe: Probe | null = null;
  private order: string[] = [];
  private orderIdx = 0;
  private nextProbeAt = 0;
  private nextSyncAt = 0;
  private leaving = false;
  private out: Outgoing[] = [];
  private events: SwimEvent[] = [];

  constructor(
    self: { name: string; addr: Address; incarnation: number },
    opts: Partial<SwimOptions> = {},
    random: () => number = Math.random,
  ) {
    this.opts = { ...DEFAULT_SWIM_OPTIONS, ...opts };
    validateSwimOptions(this.opts);
    this.name = self.name;
    this.self = {
      name: self.name,
      addr: self.addr,
      inc: self.incarnation,
      status: 'alive',
      since: 0,
      deadline: 0,
    };
    this.members.set(self.name, this.self);
    this.random = random;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** Every known member (self included), dead and left ones until they are forgotten. */
  memberList(): Member[] {
    return [...this.members.values()].map(({ name, addr, inc, status, since }) => ({
      name,
      addr,
      inc,
      status,
      since,
    }));
  }

  /** Names of the members that count as running: alive or suspect (self included unless leaving). */
  liveMembers(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) if (isLive(m.status)) out.add(m.name);
    return out;
  }

  get incarnation(): number {
    return this.self.inc;
  }

  /** The next time tick() has something to do (Infinity when nothing is pending). */
  nextDeadline(): number {
    if (this.leaving) return Infinity;
    let d = Math.min(this.nextSyncAt, this.probe ? Infinity : this.nextProbeAt);
    if (this.probe) {
      if (!this.probe.indirect && !this.probe.acked)
        d = Math.min(d, this.probe.started + this.opts.probeTimeoutMs);
      d = Math.min(d, this.probe.started + this.opts.probeIntervalMs);
    }
    for (const m of this.members.values()) if (m.status === 'suspect') d = Math.min(d, m.deadline);
    return d;
  }

  // -------------------------------------------------------------------------------------------
  // Inputs

  /** Sends our full state to the seeds given last (MetalLB's Rejoin, e.g. after a Node change). */
  rejoin(now: number): StepResult {
    return this.join(this.seeds, now);
  }

  /** Contacts the seeds (addresses of possible members) with our full state. */
  join(seeds: readonly Address[], now: number): StepResult {
    this.seeds = seeds.filter((s) => !sameAddress(s, this.self.addr));
    for (const s of this.seeds) this.send(s, this.syncMessage('sync'), true);
    this.nextSyncAt = now + this.opts.syncIntervalMs;
    return this.flush();
  }

  /** Graceful leave: every live member hears it directly, over both paths. */
  leave(now: number): StepResult {
    if (this.leaving) return this.flush();
    this.leaving = true;
    this.self.inc += 1;
    this.self.status = 'left';
    this.self.since = now;
    const msg: Message = {
      t: 'gossip',
      from: this.name,
      fromAddr: this.self.addr,
      gossip: [this.updateOf(this.self)],
    };
    for (const m of this.others()) if (isLive(m.status)) this.urgent(m.addr, msg);
    this.probe = null;
    return this.flush();
  }

  receive(msg: Message, now: number, reliable = false): StepResult {
    if (this.leaving || msg.from === this.name) return this.flush();
    const senderWasLive = isLive(this.members.get(msg.from)?.status ?? 'dead');
    const refuted = this.applyAll(msg.t === 'sync' || msg.t === 'sync-ack' ? msg.members : msg.gossip, now);
    switch (msg.t) {
      case 'ping':
        if (msg.target === this.name)
          this.send(
            msg.fromAddr,
            { t: 'ack', seq: msg.seq, from: this.name, gossip: this.piggyback() },
            reliable,
          );
        break;
      case 'ack':
        if (this.probe && this.probe.seq === msg.seq) this.probe.acked = true;
        else {
          const relay = this.relays.get(msg.seq);
          if (relay) {
            this.relays.delete(msg.seq);
            this.send(
              relay.requester,
              { t: 'ack', seq: relay.origSeq, from: msg.from, gossip: this.piggyback() },
              false,
            );
          }
        }
        break;
      case 'ping-req': {
        const seq = this.nextSeq();
        this.relays.set(seq, {
          requester: msg.fromAddr,
          origSeq: msg.seq,
          expires: now + this.opts.probeIntervalMs,
        });
        this.send(
          msg.targetAddr,
          {
            t: 'ping',
            seq,
            from: this.name,
            fromAddr: this.self.addr,
            target: msg.target,
            gossip: this.piggyback(),
          },
          false,
        );
        break;
      }
      case 'sync': {
        this.send(msg.fromAddr, this.syncMessage('sync-ack'), true);
        // A member joining (or coming back) through us: everyone hears it now, not a few
        // gossip rounds later, so all speakers elect over the same membership.
        const sender = this.members.get(msg.from);
        if (!senderWasLive && sender && isLive(sender.status)) {
          const u = this.updateOf(sender);
          const note: Message = { t: 'gossip', from: this.name, fromAddr: this.self.addr, gossip: [u] };
          for (const m of this.others())
            if (isLive(m.status) && m.name !== sender.name) this.send(m.addr, note, false);
        }
        break;
      }
      case 'sync-ack':
      case 'gossip':
        break;
    }
    if (refuted) {
      const msg: Message = {
        t: 'gossip',
        from: this.name,
        fromAddr: this.self.addr,
        gossip: [this.updateOf(this.self)],
      };
      for (const m of this.others()) if (isLive(m.status)) this.urgent(m.addr, msg);
    }
    return this.flush();
  }

  /**
   * The reliable (TCP) send of `msg` to `to` was refused: the host is up but nothing listens.
   * For our current fallback probe this means the member's process is gone.
   */
  refused(to: Address, msg: Message, now: number): StepResult {
    const p = this.probe;
    if (this.leaving || !p || msg.t !== 'ping' || msg.seq !== p.seq || p.acked || !sameAddress(to, p.addr))
      return this.flush();
    const m = this.members.get(p.target);
    if (m && m.inc === p.inc) {
      const deadline = now + this.opts.refusedSuspicionTimeoutMs;
      if (m.status === 'alive') this.suspect(m, now, this.opts.refusedSuspicionTimeoutMs);
      else if (m.status === 'suspect' && deadline < m.deadline) m.deadline = deadline;
    }
    this.probe = null;
    return this.flush();
  }

  tick(now: number): StepResult {
    if (this.leaving) return this.flush();
    for (const m of this.members.values())
      if (m.status === 'suspect' && now >= m.deadline) this.declareDead(m, now);

    const p = this.probe;
    if (p && !p.acked && !p.indirect && now >= p.started + this.opts.probeTimeoutMs) this.indirectProbe(p);
    if (p && now >= p.started + this.opts.probeIntervalMs) {
      const m = this.members.get(p.target);
      if (!p.acked && m && m.status === 'alive' && m.inc === p.inc) this.suspect(m, now);
      this.probe = null;
    }
    if (!this.probe && now >= this.nextProbeAt) {
      this.startProbe(now);
      this.nextProbeAt = now + this.opts.probeIntervalMs;
    }
    for (const [seq, r] of this.relays) if (now >= r.expires) this.relays.delete(seq);
    if (now >= this.nextSyncAt) {
      this.nextSyncAt = now + this.opts.syncIntervalMs;
      this.antiEntropy(now);
    }
    return this.flush();
  }

  // -------------------------------------------------------------------------------------------
  // Membership rules

  /** Applies updates; returns true when one of them had to be refuted. */
  private applyAll(updates: readonly Update[], now: number): boolean {
    let refuted = false;
    for (const u of updates) refuted = this.apply(u, now) || refuted;
    return refuted;
  }

  private apply(u: Update, now: number): boolean {
    if (u.name === this.name) {
      // Someone believes we are suspect, dead or gone: out-bid that belief.
      if (u.status !== 'alive' && u.inc >= this.self.inc) {
        this.self.inc = u.inc + 1;
        this.enqueue(this.updateOf(this.self));
        return true;
      }
      return false;
    }
    const cur = this.members.get(u.name);
    if (!cur) {
      const m: MutableMember = {
        name: u.name,
        addr: u.addr,
        inc: u.inc,
        status: u.status,
        since: now,
        deadline: now + this.opts.suspicionTimeoutMs,
      };
      this.members.set(u.name, m);
      if (isLive(u.status)) this.emit('memberJoined', m, now);
      this.enqueue(u);
      return false;
    }
    switch (u.status) {
      case 'alive': {
        if (u.inc <= cur.inc) return false;
        const wasLive = isLive(cur.status);
        const moved = !sameAddress(cur.addr, u.addr);
        Object.assign(cur, { inc: u.inc, addr: u.addr, status: 'alive', since: now });
        if (!wasLive) this.emit('memberJoined', cur, now);
        else if (moved) this.emit('memberUpdated', cur, now);
        break;
      }
      case 'suspect':
        if (u.inc < cur.inc || !isLive(cur.status)) return false;
        if (cur.status === 'alive') {
          Object.assign(cur, {
            inc: u.inc,
            status: 'suspect',
            since: now,
            deadline: now + this.opts.suspicionTimeoutMs,
          });
          this.emit('memberSuspect', cur, now);
        } else if (u.inc > cur.inc) cur.inc = u.inc;
        else return false;
        break;
      case 'dead':
        if (u.inc < cur.inc || !isLive(cur.status)) return false;
        Object.assign(cur, { inc: u.inc, status: 'dead', since: now });
        this.emit('memberFailed', cur, now);
        break;
      case 'left':
        if (u.inc < cur.inc || cur.status === 'left') return false;
        {
          const wasLive = isLive(cur.status);
          Object.assign(cur, { inc: u.inc, status: 'left', since: now });
          if (wasLive) this.emit('memberLeft', cur, now);
        }
        break;
    }
    this.enqueue(this.updateOf(cur));
    return false;
  }

  private suspect(m: MutableMember, now: number, timeoutMs = this.opts.suspicionTimeoutMs): void {
    m.status = 'suspect';
    m.since = now;
    m.deadline = now + timeoutMs;
    this.emit('memberSuspect', m, now);
    const u = this.updateOf(m);
    this.enqueue(u);
    // Tell the suspect itself, over both paths, so it can refute before the timeout.
    const msg: Message = { t: 'gossip', from: this.name, fromAddr: this.self.addr, gossip: [u] };
    this.urgent(m.addr, msg);
  }

  private declareDead(m: MutableMember, now: number): void {
    m.status = 'dead';
    m.since = now;
    this.emit('memberFailed', m, now);
    const u = this.updateOf(m);
    this.enqueue(u);
    this.broadcast([u]);
  }

  // -------------------------------------------------------------------------------------------
  // Probing

  private startProbe(now: number): void {
    const live = new Set([...this.others()].filter((m) => isLive(m.status)).map((m) => m.name));
    if (live.size === 0) return;
    let target: MutableMember | undefined;
    for (let tries = 0; tries <= live.size * 2 && !target; tries++) {
      if (this.orderIdx >= this.order.length) {
        this.order = this.shuffle([...live]);
        this.orderIdx = 0;
      }
      const name = this.order[this.orderIdx++];
      const m = name === undefined ? undefined : this.members.get(name);
      if (m && isLive(m.status) && m.name !== this.name) target = m;
    }
    if (!target) return;
    const seq = this.nextSeq();
    this.probe = {
      seq,
      target: target.name,
      addr: target.addr,
      inc: target.inc,
      started: now,
      indirect: false,
      acked: false,
    };
    this.send(target.addr, this.pingTo(seq, target.name), false);
  }

  private indirectProbe(p: Probe): void {
    p.indirect = true;
    const helpers = this.shuffle(
      [...this.others()].filter((m) => m.status === 'alive' && m.name !== p.target),
    ).slice(0, this.opts.indirectChecks);
    for (const h of helpers)
      this.send(
        h.addr,
        {
          t: 'ping-req',
          seq: p.seq,
          from: this.name,
          fromAddr: this.self.addr,
          target: p.target,
          targetAddr: p.addr,
          gossip: this.piggyback(),
        },
        false,
      );
    this.send(p.addr, this.pingTo(p.seq, p.target), true);
  }

  private antiEntropy(now: number): void {
    const others = [...this.others()];
    const live = others.filter((m) => isLive(m.status));
    const dead = others.filter((m) => m.status === 'dead');
    const pick = <T>(l: T[]): T | undefined => l[Math.floor(this.random() * l.length)];
    const sync = this.syncMessage('sync');
    const a = pick(live);
    if (a) this.send(a.addr, sync, true);
    const d = pick(dead);
    if (d) this.send(d.addr, sync, true);
    for (const s of this.seeds) if (!live.some((m) => sameAddress(m.addr, s))) this.send(s, sync, true);
    for (const m of others)
      if (!isLive(m.status) && now >= m.since + this.opts.deadRetentionMs) {
        this.members.delete(m.name);
        this.gossip.delete(m.name);
      }
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  private *others(): Iterable<MutableMember> {
    for (const m of this.members.values()) if (m.name !== this.name) yield m;
  }

  private pingTo(seq: number, target: string): Message {
    return { t: 'ping', seq, from: this.name, fromAddr: this.self.addr, target, gossip: this.piggyback() };
  }

  private syncMessage(t: 'sync' | 'sync-ack'): Message {
    return {
      t,
      from: this.name,
      fromAddr: this.self.addr,
      members: [...this.members.values()].map((m) => this.updateOf(m)),
    };
  }

  /**
   * Messages whose loss costs a false failure (suspicion notices, refutations, leaves): two
   * datagrams and one TCP copy, so a single lost packet cannot stop them.
   */
  private urgent(to: Address, msg: Message): void {
    this.send(to, msg, false);
    this.send(to, msg, false);
    this.send(to, msg, true);
  }

  private broadcast(gossip: Update[]): void {
    const msg: Message = { t: 'gossip', from: this.name, fromAddr: this.self.addr, gossip };
    for (const m of this.others()) if (isLive(m.status)) this.send(m.addr, msg, false);
  }

  private updateOf(m: MutableMember): Update {
    return { name: m.name, addr: m.addr, inc: m.inc, status: m.status };
  }

  private enqueue(u: Update): void {
    this.gossip.set(u.name, { update: u, sent: 0 });
  }

  private piggyback(): Update[] {
    if (this.gossip.size === 0) return [];
    const live = this.liveMembers().size;
    const limit = this.opts.retransmitMult * Math.max(1, Math.ceil(Math.log10(live + 1)));
    const entries = [...this.gossip.values()]
      .sort((a, b) => a.sent - b.sent)
      .slice(0, this.opts.maxPiggyback);
    for (const e of entries) {
      e.sent += 1;
      if (e.sent >= limit) this.gossip.delete(e.update.name);
    }
    return entries.map((e) => e.update);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER;
    return this.seq;
  }

  private shuffle<T>(l: T[]): T[] {
    for (let i = l.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [l[i], l[j]] = [l[j] as T, l[i] as T];
    }
    return l;
  }

  private send(to: Address, msg: Message, reliable: boolean): void {
    this.out.push({ to, msg, reliable });
  }

  private emit(type: SwimEventType, m: MutableMember, at: number): void {
    this.events.push({ type, name: m.name, addr: m.addr, inc: m.inc, at });
  }

  private flush(): StepResult {
    const r = { out: this.out, events: this.events };
    this.out = [];
    this.events = [];
    return r;
  }
}
