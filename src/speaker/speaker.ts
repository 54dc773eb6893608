// The speaker's main loop. Sources (Kubernetes informers or standalone files, speakerlist,
// the interface watcher) push what changed; the loop coalesces bursts into one recompute on the
// next turn of the event loop, computes the node's plan with the pure decision functions and
// hands it to every Protocol. Nothing here does I/O itself.

import type { Config } from '../config/model.js';
import type { AnnounceService, NodeInfo } from '../layer2/announce-inputs.js';
import type { HostInterface } from '../layer2/interfaces.js';
import { planNode, type NodePlan, type PlanOptions } from './node-plan.js';
import type { Protocol, ProtocolProblem } from './protocol.js';

export interface SpeakerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface SpeakerOptions extends PlanOptions {
  readonly nodeName: string;
  readonly protocols: readonly Protocol[];
  readonly log: SpeakerLog;
  /** Compiled interface exclusion patterns; undefined = defaults. */
  readonly excludeInterfaces?: readonly RegExp[];
  /** Called with every new plan after the protocols applied it (status publishing). */
  readonly onPlan?: (plan: NodePlan) => void;
}

export interface SpeakerState {
  config: Config | null;
  services: readonly AnnounceService[];
  nodes: ReadonlyMap<string, NodeInfo>;
  /** null = no speakerlist: every known Node is live. */
  liveMembers: ReadonlySet<string> | null;
  interfaces: readonly HostInterface[];
}

export class Speaker {
  private readonly state: SpeakerState = {
    config: null,
    services: [],
    nodes: new Map(),
    liveMembers: null,
    interfaces: [],
  };
  private scheduled: NodeJS.Immediate | null = null;
  private stopped = false;
  private lastPlan: NodePlan | null = null;
  private owners = new Map<string, string | null>();
  private problems = new Set<string>();
  /** Recomputations done (for tests and metrics). */
  recomputations = 0;

  constructor(private readonly opts: SpeakerOptions) {}

  /** Replaces parts of the state and schedules one recompute for the whole burst. */
  update(change: Partial<SpeakerState>): void {
    Object.assign(this.state, change);
    this.schedule();
  }

  get plan(): NodePlan | null {
    return this.lastPlan;
  }

  private schedule(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.recompute();
    });
  }

  /** Computes and applies now (sources call update(); this is for tests and shutdown paths). */
  recompute(): void {
    if (this.stopped || this.state.config === null) return;
    this.recomputations++;
    const plan = planNode(
      this.opts.nodeName,
      {
        config: this.state.config,
        services: this.state.services,
        nodes: this.state.nodes,
        liveMembers: this.state.liveMembers,
      },
      {
        interfaces: this.state.interfaces,
        ...(this.opts.excludeInterfaces ? { exclude: this.opts.excludeInterfaces } : {}),
      },
      this.opts,
    );
    this.lastPlan = plan;
    for (const p of this.opts.protocols) p.apply(plan);
    this.logElections(plan);
    this.opts.onPlan?.(plan);
    // Forget logged problems now and then so one that persists is repeated, not lost.
    if (this.recomputations % 100 === 0) this.problems.clear();
  }

  /** Problems from protocols, each logged once until it goes away and comes back. */
  problem(p: ProtocolProblem): void {
    const key = `${p.protocol}: ${p.message}`;
    if (this.problems.has(key)) return;
    this.problems.add(key);
    this.opts.log.warn(p.message, { protocol: p.protocol });
  }

  private logElections(plan: NodePlan): void {
    const next = new Map<string, string | null>();
    for (const [key, out] of plan.layer2.services) {
      const owner = out.decision.announce ? this.opts.nodeName : out.decision.owner;
      next.set(key, owner);
      if (this.owners.get(key) !== owner) {
        if (owner === this.opts.nodeName)
          this.opts.log.info('layer2: announcing', { service: key, ips: out.ips, event: 'nodeAssigned' });
        else if (this.owners.get(key) === this.opts.nodeName)
          this.opts.log.info('layer2: stopped announcing', { service: key, owner });
      }
    }
    this.owners = next;
  }

  /**
   * Graceful stop: no more recomputes, then every protocol withdraws on the wire (BGP Cease,
   * L2 stops answering). Leaving speakerlist first is the caller's job, so peers take over
   * while we are still closing.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    await Promise.allSettled(this.opts.protocols.map((p) => p.close()));
  }
}
