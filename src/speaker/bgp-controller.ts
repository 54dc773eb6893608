// The BGP Protocol: the node's peers (nodeSelectors matched, passwords resolved) and route groups
// go to the native BgpSpeaker as whole desired sets; the core adds/removes/resets only the peers
// that changed and sends only the routes that changed, so an attribute edit does not reset any
// session.

import type { BgpPeerConfig, BgpRouteGroup, BgpSpeaker } from '../native/addon.js';
import { peerConfig, type PeerDefaults } from './bgp-peer-config.js';
import type { NodePlan } from './node-plan.js';
import type { Protocol, ProtocolProblem, ShouldAnnounce } from './protocol.js';

/** The part of the native BgpSpeaker the controller uses (tests may pass a fake). */
export type BgpPort = Pick<BgpSpeaker, 'setPeers' | 'setRoutes' | 'close'>;

export class BgpController implements Protocol {
  readonly name = 'bgp' as const;
  private plan: NodePlan | null = null;
  private peersKey = '';
  private routesKey = '';
  private closed = false;

  constructor(
    private readonly speaker: BgpPort,
    private readonly onProblem: (p: ProtocolProblem) => void = () => {},
    private readonly defaults: PeerDefaults = {},
  ) {}

  shouldAnnounce(serviceKey: string): ShouldAnnounce {
    const out = this.plan?.bgp.services.get(serviceKey);
    if (!out) return { announce: false, reason: 'unknownService' };
    if (!out.decision.announce) return { announce: false, reason: out.decision.reason };
    return this.plan && this.plan.bgp.peers.length > 0
      ? { announce: true }
      : { announce: false, reason: 'noPeers' };
  }

  apply(plan: NodePlan): void {
    if (this.closed) return;
    this.plan = plan;
    const peers: BgpPeerConfig[] = [];
    for (const p of plan.bgp.peers) {
      const m = peerConfig(p, this.defaults, plan.bgp.bfdProfiles);
      if (m.ok) {
        peers.push(m.config);
        for (const w of m.warnings ?? []) this.onProblem({ protocol: 'bgp', message: w });
      } else this.onProblem({ protocol: 'bgp', message: m.reason });
    }
    for (const c of plan.bgp.conflicts)
      this.onProblem({
        protocol: 'bgp',
        message: `prefix ${c.prefix} has conflicting attributes from ${c.advertisements.join(', ')}; one wins`,
      });
    const served = new Set(peers.map((p) => p.name));
    const groups: BgpRouteGroup[] = plan.bgp.routeGroups.flatMap((g) => {
      // A group filtered to peers this node does not have goes nowhere (an empty list would mean all).
      const targets = g.peers?.filter((p) => served.has(p));
      if (g.peers && targets?.length === 0) return [];
      return [
        {
          attributes: { ...g.attributes },
          prefixes: [...g.prefixes],
          ...(targets ? { peers: targets } : {}),
        },
      ];
    });
    const peersKey = JSON.stringify(peers);
    if (peersKey !== this.peersKey) {
      try {
        this.speaker.setPeers(peers);
        this.peersKey = peersKey;
      } catch (e) {
        this.peersKey = '';
        this.onProblem({ protocol: 'bgp', message: (e as Error).message });
      }
    }
    const routesKey = JSON.stringify(groups);
    if (routesKey !== this.routesKey) {
      try {
        this.speaker.setRoutes(groups);
        this.routesKey = routesKey;
      } catch (e) {
        this.routesKey = '';
        this.onProblem({ protocol: 'bgp', message: (e as Error).message });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.speaker.close();
  }
}
