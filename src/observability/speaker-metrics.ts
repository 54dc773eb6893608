// The speaker's Prometheus metrics, with MetalLB's names, read from the native objects at scrape
// time (no per-packet or per-route calls into JS).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BgpSpeaker, L2Announcer } from '../native/addon.js';
import { CounterTotals } from './counter-totals.js';
import type { TakeoverTracker } from './takeover-tracker.js';

export interface SpeakerMetricsSources {
  readonly nodeName: string;
  readonly l2: Pick<L2Announcer, 'counters' | 'owned'>;
  readonly bgp: Pick<BgpSpeaker, 'peerStatus'>;
  /** Announced services per protocol: `{protocol, service, ip}`. */
  readonly announced: () => readonly { protocol: 'layer2' | 'bgp'; service: string; ip: string }[];
  /** Live speakerlist members; null when speakerlist is off. */
  readonly liveMembers: () => ReadonlySet<string> | null;
  readonly takeovers: Pick<TakeoverTracker, 'gained' | 'lost'>;
}

export interface SpeakerMetrics {
  readonly registry: Registry;
  /** Records one layer 2 takeover (seconds from a member's departure to owning its address). */
  observeTakeover(seconds: number): void;
}

export function speakerRegistry(src: SpeakerMetricsSources): SpeakerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ferrolb_' });

  const l2Totals = {
    requests: new CounterTotals(),
    responses: new CounterTotals(),
    gratuitous: new CounterTotals(),
  };
  const readL2 = () => {
    const seen = new Set<string>();
    for (const c of src.l2.counters()) {
      const source = `${c.ip}%${c.interface}`;
      seen.add(source);
      l2Totals.requests.observe(source, c.ip, c.requestsReceived);
      l2Totals.responses.observe(source, c.ip, c.responsesSent);
      l2Totals.gratuitous.observe(source, c.ip, c.gratuitousSent);
    }
    for (const t of Object.values(l2Totals)) t.retain(seen);
  };
  const l2Counter = (name: string, help: string, totals: CounterTotals) =>
    new Counter({
      name,
      help,
      labelNames: ['ip'],
      registers: [registry],
      collect() {
        readL2();
        this.reset();
        for (const [ip, v] of totals.entries()) this.inc({ ip }, v);
      },
    });
  l2Counter('metallb_layer2_requests_received', 'ARP/NDP requests received for owned IPs', l2Totals.requests);
  l2Counter('metallb_layer2_responses_sent', 'ARP/NDP responses sent for owned IPs', l2Totals.responses);
  l2Counter(
    'metallb_layer2_gratuitous_sent',
    'Gratuitous ARP / unsolicited NA packets sent',
    l2Totals.gratuitous,
  );

  new Gauge({
    name: 'metallb_speaker_announced',
    help: 'Services being announced from this node (1 per service, IP and protocol)',
    labelNames: ['ip', 'node', 'protocol', 'service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of src.announced())
        this.set({ ip: a.ip, node: src.nodeName, protocol: a.protocol, service: a.service }, 1);
    },
  });

  const peerGauge = (
    name: string,
    help: string,
    value: (p: ReturnType<BgpSpeaker['peerStatus']>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of src.bgp.peerStatus()) this.set({ peer: p.address }, value(p));
      },
    });
  peerGauge('metallb_bgp_session_up', 'BGP session state (1 = Established)', (p) =>
    p.state === 'Established' ? 1 : 0,
  );
  peerGauge(
    'metallb_bgp_announced_prefixes_total',
    'Prefixes currently advertised to the peer',
    (p) => p.prefixesAdvertised,
  );
  peerGauge('metallb_bgp_updates_total', 'BGP UPDATE messages sent to the peer', (p) => p.updatesOut);
  peerGauge(
    'ferrolb_bgp_established_transitions_total',
    'Times the session reached Established',
    (p) => p.establishedTransitions,
  );

  // BFD, as MetalLB's FRR mode names it; only peers with a BFD profile appear.
  type PeerStatus = ReturnType<BgpSpeaker['peerStatus']>[number];
  type BfdStatus = NonNullable<PeerStatus['bfd']>;
  const bfdPeers = () =>
    src.bgp.peerStatus().flatMap((p) => (p.bfd ? [{ peer: p.address, bfd: p.bfd }] : []));
  new Gauge({
    name: 'metallb_bfd_session_up',
    help: 'BFD session state (1 = Up)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { peer, bfd } of bfdPeers()) this.set({ peer }, bfd.state === 'Up' ? 1 : 0);
    },
  });
  const bfdCounter = (name: string, help: string, value: (b: BfdStatus) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { peer, bfd } of bfdPeers()) this.inc({ peer }, value(bfd));
      },
    });
  bfdCounter('metallb_bfd_session_down_events', 'BFD session Up → Down transitions', (b) => b.downEvents);
  bfdCounter('metallb_bfd_control_packet_input', 'BFD control packets received', (b) => b.controlPacketsIn);
  bfdCounter('metallb_bfd_control_packet_output', 'BFD control packets sent', (b) => b.controlPacketsOut);
  bfdCounter(
    'ferrolb_bfd_control_packet_discarded',
    'BFD control packets dropped by the RFC 5880/5881 checks',
    (b) => b.controlPacketsDiscarded,
  );

  new Gauge({
    name: 'ferrolb_speakerlist_live_members',
    help: 'Speakers this node sees alive (absent when speakerlist is off)',
    registers: [registry],
    collect() {
      const live = src.liveMembers();
      if (live) this.set(live.size);
    },
  });
  new Gauge({
    name: 'ferrolb_layer2_election_changes_total',
    help: 'Layer 2 addresses this node gained or lost through elections',
    labelNames: ['change'],
    registers: [registry],
    collect() {
      this.set({ change: 'gained' }, src.takeovers.gained);
      this.set({ change: 'lost' }, src.takeovers.lost);
    },
  });
  const takeover = new Histogram({
    name: 'ferrolb_layer2_takeover_seconds',
    help: 'Time from a speaker failing or leaving to this node owning its layer 2 address',
    buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
    registers: [registry],
  });
  return { registry, observeTakeover: (seconds) => takeover.observe(seconds) };
}
