// The speaker as a process, whatever feeds it (Kubernetes or standalone files): the native L2
// announcer and BGP speaker behind the two Protocol controllers, the main loop, speakerlist when
// configured, the interface watcher, and the graceful stop order (leave speakerlist first so the
// other speakers take over at once, then Cease to BGP peers and stop answering ARP/NDP).

import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';

import type { HostInterface } from '../layer2/interfaces.js';
import { watchInterfaces, type InterfaceWatch } from '../layer2/host-interfaces.js';
import { BgpSpeaker, L2Announcer } from '../native/addon.js';
import { startMonitoringServer } from '../observability/http-server.js';
import { speakerRegistry } from '../observability/speaker-metrics.js';
import { TakeoverTracker } from '../observability/takeover-tracker.js';
import { DEFAULT_PORT, ThreadedSpeakerList } from '../speakerlist/index.js';
import { BgpController } from './bgp-controller.js';
import { Layer2Controller } from './layer2-controller.js';
import { readMemberlistSecret } from './memberlist-secret-file.js';
import type { NodePlan, PlanOptions } from './node-plan.js';
import { Speaker, type SpeakerLog } from './speaker.js';

export interface MemberlistFlags {
  readonly bindAddr: string | null;
  readonly bindPort: string | null;
  readonly secretKeyPath: string | null;
  readonly join: string | null;
}

export interface SpeakerProcessOptions {
  readonly nodeName: string;
  readonly plan: PlanOptions;
  readonly routerId: string | null;
  readonly assumedInterfaces: HostInterface[] | null;
  readonly memberlist: MemberlistFlags;
  readonly log: ProcessLog;
  /** Periodic gratuitous ARP / NA after the initial burst (ms); 0 or absent = off. */
  readonly l2RefreshMs?: number;
  /** Called with every new plan (status publishing). */
  readonly onPlan?: (plan: NodePlan) => void;
  /** Serve /metrics, /healthz, /readyz here; null = no monitoring endpoint. */
  readonly monitoring?: { readonly host: string; readonly port: number } | null;
}

export interface ProcessLog extends SpeakerLog {
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface SpeakerProcess {
  readonly speaker: Speaker;
  /** null when speakerlist is off (the source then decides who is live). */
  readonly members: ThreadedSpeakerList | null;
  /** Contacts more seed members (e.g. speaker pods as they appear). */
  join(seeds: readonly { host: string; port: number }[]): void;
  /** The bound monitoring port, null when not serving. */
  readonly monitoringPort: number | null;
  /** Readiness for /readyz: the source has synced and the speaker is running. */
  setReady(ready: boolean): void;
  stop(): Promise<void>;
}

/** How long a starting speaker waits to hear from other members before trusting its own view. */
export const JOIN_SETTLE_MS = 1500;

/** The first global IPv4 address of the host, else a stable one derived from the node name. */
export function defaultRouterId(nodeName: string): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  const h = createHash('sha256').update(nodeName).digest();
  return `${h[0] ?? 1}.${h[1] ?? 1}.${h[2] ?? 1}.${h[3] ?? 1}`;
}

/** `host:port`, `[v6]:port` or a bare host (port 7946), comma separated. */
export function parseSeeds(text: string): { host: string; port: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m =
        /^\[(.+)\](?::(\d+))?$/.exec(s) ?? (s.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(s) : null);
      if (!m) return { host: s, port: DEFAULT_PORT };
      return { host: m[1] as string, port: m[2] !== undefined ? Number(m[2]) : DEFAULT_PORT };
    });
}

/** Validates the speakerlist flags; null when speakerlist is off. Throws with the flag named. */
function memberlistFrom(nodeName: string, ml: MemberlistFlags): ThreadedSpeakerList | null {
  if (ml.bindAddr === null) return null;
  if (ml.secretKeyPath === null) throw new Error('--ml-bindaddr needs --ml-secret-key-path');
  const secret = readMemberlistSecret(ml.secretKeyPath);
  const port = ml.bindPort === null ? DEFAULT_PORT : Number(ml.bindPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--ml-bindport: ${ml.bindPort} is not a port number`);
  return new ThreadedSpeakerList({ name: nodeName, bind: { host: ml.bindAddr, port }, secret });
}

export async function startSpeakerProcess(opts: SpeakerProcessOptions): Promise<SpeakerProcess> {
  const { log, nodeName } = opts;
  const members = memberlistFrom(nodeName, opts.memberlist);

  const l2 = new L2Announcer(opts.l2RefreshMs ? { refreshIntervalMs: opts.l2RefreshMs } : {}, (err, ev) => {
    if (err) log.warn(`layer2: ${err.message}`);
    else log.info(`layer2: ${ev.kind} ${ev.interface}`, { message: ev.message });
  });
  const routerId = opts.routerId ?? defaultRouterId(nodeName);
  const bgp = new BgpSpeaker({ routerId }, (err, ev) => {
    if (err) log.warn(`bgp: ${err.message}`);
    else if (ev.kind === 'state')
      log.info(
        `bgp: peer ${ev.peer} ${ev.previousState ?? '?'} -> ${ev.state ?? '?'}`,
        ev.message ? { message: ev.message } : {},
      );
    else if (ev.kind === 'error') log.warn(`bgp: peer ${ev.peer}: ${ev.message ?? 'error'}`);
  });
  let speaker: Speaker | null = null;
  const problem = (p: { protocol: 'layer2' | 'bgp'; message: string }) => speaker?.problem(p);
  // Metrics exist before the speaker so the first plan's takeovers are counted too.
  const takeovers = new TakeoverTracker();
  const metrics = opts.monitoring
    ? speakerRegistry({
        nodeName,
        l2,
        bgp,
        announced: () => announcedServices(speaker?.plan ?? null),
        liveMembers: () => members?.liveMembers() ?? null,
        takeovers,
      })
    : null;
  speaker = new Speaker({
    nodeName,
    ...opts.plan,
    log,
    protocols: [new Layer2Controller(l2, problem), new BgpController(bgp, problem)],
    onPlan: (plan) => {
      for (const t of takeovers.update(new Set(plan.layer2.announcements.map((a) => a.ip)), Date.now())) {
        log.info('took over a layer 2 address', { ip: t.ip, afterMs: Math.round(t.seconds * 1000) });
        metrics?.observeTakeover(t.seconds);
      }
      opts.onPlan?.(plan);
    },
  });
  const sp = speaker;
  log.info('speaker starting', { routerId, speakerlist: members !== null });

  let ifWatch: InterfaceWatch | null = null;
  if (opts.assumedInterfaces) sp.update({ interfaces: opts.assumedInterfaces });
  else
    ifWatch = watchInterfaces((ifs) => sp.update({ interfaces: ifs }), {
      intervalMs: 2000,
      onError: (e) => log.warn(`interfaces: ${e.message}`),
    });

  if (members) {
    try {
      await members.start();
    } catch (e) {
      ifWatch?.stop();
      await sp.stop();
      throw new Error(`speakerlist: ${(e as Error).message}`);
    }
    // Until the first exchange with the other members (or JOIN_SETTLE_MS), this speaker does not
    // know who is alive. Believing "only me" would make it claim every layer 2 address for a
    // moment (gratuitous ARP included) each time it restarts; so meanwhile every known Node
    // counts as live (liveMembers stays null), which never takes an address from a live owner.
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(settleTimer);
      sp.update({ liveMembers: members.liveMembers() });
    };
    const settleTimer = setTimeout(settle, JOIN_SETTLE_MS);
    settleTimer.unref();
    members.on('memberFailed', () => takeovers.memberGone(Date.now()));
    members.on('memberLeft', () => takeovers.memberGone(Date.now()));
    members.on('change', (live) => {
      log.info('members changed', { live: [...live].sort() });
      if (!settled) {
        if (live.size > 1) settle();
        return;
      }
      sp.update({ liveMembers: live });
    });
    if (opts.memberlist.join) members.join(parseSeeds(opts.memberlist.join));
  }

  let ready = false;
  const monitoring = opts.monitoring
    ? await startMonitoringServer({
        ...opts.monitoring,
        registry: metrics!.registry,
        isReady: () => ready,
      })
    : null;

  let stopped = false;
  return {
    speaker: sp,
    members,
    join: (seeds) => members?.join(seeds),
    monitoringPort: monitoring?.port ?? null,
    setReady: (r) => void (ready = r),
    async stop() {
      if (stopped) return;
      stopped = true;
      ready = false;
      await monitoring?.close();
      ifWatch?.stop();
      if (members) await members.leave().catch(() => {});
      await sp.stop();
      if (members) await members.stop().catch(() => {});
    },
  };
}

/** What this node announces, per protocol, for `metallb_speaker_announced`. */
export function announcedServices(
  plan: NodePlan | null,
): { protocol: 'layer2' | 'bgp'; service: string; ip: string }[] {
  if (!plan) return [];
  const out: { protocol: 'layer2' | 'bgp'; service: string; ip: string }[] = [];
  for (const [service, o] of plan.layer2.services)
    for (const ip of o.ips) out.push({ protocol: 'layer2', service, ip });
  for (const [service, o] of plan.bgp.services) {
    if (!o.decision.announce) continue;
    for (const r of o.routes)
      out.push({ protocol: 'bgp', service, ip: r.prefix.slice(0, r.prefix.indexOf('/')) });
  }
  return out;
}

/** Resolves with the signal's name on the first SIGTERM/SIGINT. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      resolve(sig);
    };
    const term = on('SIGTERM');
    const int = on('SIGINT');
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
  });
}
