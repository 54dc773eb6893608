// `ferrolb standalone` as a process: the files feed the speaker's main loop, the native L2
// announcer and BGP speaker do the I/O, speakerlist (when configured) decides who is live.
// The files are polled: a valid edit is applied live, an invalid one is reported on stderr and
// the last good configuration stays in force. SIGTERM/SIGINT: leave speakerlist first (the other
// speakers take over at once), then Cease to BGP peers and stop answering ARP/NDP.

import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { createHash } from 'node:crypto';

import type { CommandIO } from '../cli/io.js';
import type { HostInterface } from '../layer2/interfaces.js';
import { watchInterfaces, type InterfaceWatch } from '../layer2/host-interfaces.js';
import { BgpSpeaker, L2Announcer } from '../native/addon.js';
import { BgpController } from '../speaker/bgp-controller.js';
import { Layer2Controller } from '../speaker/layer2-controller.js';
import type { PlanOptions } from '../speaker/node-plan.js';
import { Speaker, type SpeakerLog } from '../speaker/speaker.js';
import { DEFAULT_PORT, ThreadedSpeakerList } from '../speakerlist/index.js';
import { loadCluster, type ClusterView, type LoadOptions } from './cluster.js';
import { readSources } from './sources.js';

export interface StandaloneOptions {
  readonly files: readonly string[];
  readonly load: LoadOptions;
  readonly plan: PlanOptions;
  readonly assumedInterfaces: HostInterface[] | null;
  readonly routerId: string | null;
  readonly memberlist: {
    readonly bindAddr: string | null;
    readonly bindPort: string | null;
    readonly secretKeyPath: string | null;
    readonly join: string | null;
  };
  readonly logLevel: string;
  readonly io: CommandIO;
  /** File poll interval (ms). */
  readonly pollMs?: number;
}

const LEVELS = ['debug', 'info', 'warn', 'error'];

function makeLog(
  level: string,
  node: string,
): SpeakerLog & { error(msg: string, f?: Record<string, unknown>): void } {
  const min = Math.max(0, LEVELS.indexOf(level));
  const line = (lvl: string) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(lvl) < min) return;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: lvl, node, msg, ...fields })}\n`,
    );
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

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

export async function runStandalone(opts: StandaloneOptions): Promise<number> {
  const { io } = opts;
  const nodeName = opts.load.nodeName;
  const log = makeLog(opts.logLevel, nodeName);

  const load = (): { view: ClusterView; warnings: readonly string[] } | { errors: readonly string[] } => {
    const read = readSources(opts.files);
    if (!read.ok) return { errors: read.errors };
    const r = loadCluster(read.sources, opts.load);
    return r.ok ? { view: r.view, warnings: r.warnings } : { errors: r.errors };
  };
  const first = load();
  if ('errors' in first) {
    for (const e of first.errors) io.stderr(e);
    io.stderr(`invalid: ${first.errors.length} error${first.errors.length === 1 ? '' : 's'}`);
    return 1;
  }

  // speakerlist: needs a bind address and the shared secret.
  const ml = opts.memberlist;
  let members: ThreadedSpeakerList | null = null;
  if (ml.bindAddr !== null) {
    if (ml.secretKeyPath === null) {
      io.stderr('ferrolb standalone: --ml-bindaddr needs --ml-secret-key-path');
      return 2;
    }
    let secret: string;
    try {
      secret = readFileSync(ml.secretKeyPath, 'utf8').trim();
    } catch (e) {
      io.stderr(`ferrolb standalone: --ml-secret-key-path: ${(e as Error).message}`);
      return 2;
    }
    const port = ml.bindPort === null ? DEFAULT_PORT : Number(ml.bindPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.stderr(`ferrolb standalone: --ml-bindport: ${ml.bindPort} is not a port number`);
      return 2;
    }
    members = new ThreadedSpeakerList({ name: nodeName, bind: { host: ml.bindAddr, port }, secret });
  }

  const l2 = new L2Announcer({}, (err, ev) => {
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
  speaker = new Speaker({
    nodeName,
    ...opts.plan,
    log,
    protocols: [new Layer2Controller(l2, problem), new BgpController(bgp, problem)],
  });
  const sp = speaker;

  const applyView = (view: ClusterView) =>
    sp.update({
      config: view.config,
      services: view.services.flatMap((s) => (s.announce ? [s.announce] : [])),
      nodes: view.nodes,
      ...(members ? {} : { liveMembers: new Set(view.nodes.keys()) }),
    });
  for (const w of first.warnings) io.stderr(w);
  applyView(first.view);
  log.info('standalone speaker started', {
    files: opts.files,
    routerId,
    services: first.view.services.length,
  });

  // Files: poll (survives editors that replace the file); each change reloads all of them.
  let reloadTimer: NodeJS.Timeout | null = null;
  const reload = () => {
    reloadTimer = null;
    const r = load();
    if ('errors' in r) {
      for (const e of r.errors) io.stderr(e);
      io.stderr(
        `invalid configuration ignored (${r.errors.length} error${r.errors.length === 1 ? '' : 's'}); keeping the last good one`,
      );
      return;
    }
    for (const w of r.warnings) io.stderr(w);
    log.info('configuration reloaded', { services: r.view.services.length });
    applyView(r.view);
  };
  const onFileChange = () => {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 50); // coalesce write bursts
  };
  for (const f of opts.files) watchFile(f, { interval: opts.pollMs ?? 250 }, onFileChange);

  // Interfaces.
  let ifWatch: InterfaceWatch | null = null;
  if (opts.assumedInterfaces) sp.update({ interfaces: opts.assumedInterfaces });
  else
    ifWatch = watchInterfaces((ifs) => sp.update({ interfaces: ifs }), {
      intervalMs: 2000,
      onError: (e) => log.warn(`interfaces: ${e.message}`),
    });

  if (members) {
    const m = members;
    try {
      await m.start();
    } catch (e) {
      io.stderr(`ferrolb standalone: speakerlist: ${(e as Error).message}`);
      await sp.stop();
      return 1;
    }
    sp.update({ liveMembers: m.liveMembers() });
    m.on('change', (live) => {
      log.info('members changed', { live: [...live].sort() });
      sp.update({ liveMembers: live });
    });
    if (ml.join) m.join(parseSeeds(ml.join));
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal });
      void (async () => {
        for (const f of opts.files) unwatchFile(f);
        if (reloadTimer) clearTimeout(reloadTimer);
        ifWatch?.stop();
        if (members) await members.leave().catch(() => {});
        await sp.stop();
        if (members) await members.stop().catch(() => {});
        log.info('stopped');
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        resolve(0);
      })();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}
