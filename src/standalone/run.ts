// `ferrolb standalone` as a process: the files feed the speaker process (src/speaker/process.ts).
// The files are polled (this survives editors that replace them): a valid edit is applied live,
// an invalid one is reported on stderr and the last good configuration stays in force. Without
// speakerlist the live members are the Nodes of the files.

import { unwatchFile, watchFile } from 'node:fs';

import type { CommandIO } from '../cli/io.js';
import type { HostInterface } from '../layer2/interfaces.js';
import type { PlanOptions } from '../speaker/node-plan.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { startSpeakerProcess, untilSignal, type MemberlistFlags } from '../speaker/process.js';
import { loadCluster, type ClusterView, type LoadOptions } from './cluster.js';
import { readSources } from './sources.js';

export interface StandaloneOptions {
  readonly files: readonly string[];
  readonly load: LoadOptions;
  readonly plan: PlanOptions;
  readonly assumedInterfaces: HostInterface[] | null;
  readonly routerId: string | null;
  readonly memberlist: MemberlistFlags;
  readonly logLevel: LogLevel;
  /** /metrics, /healthz, /readyz; null = off. */
  readonly monitoring?: { readonly host: string; readonly port: number } | null;
  /** Periodic gratuitous ARP / NA (ms), 0 = off. */
  readonly l2RefreshMs?: number;
  readonly io: CommandIO;
  /** File poll interval (ms). */
  readonly pollMs?: number;
}

type Loaded = { view: ClusterView; warnings: readonly string[] } | { errors: readonly string[] };

const plural = (n: number) => `${n} error${n === 1 ? '' : 's'}`;

export async function runStandalone(opts: StandaloneOptions): Promise<number> {
  const { io } = opts;
  const nodeName = opts.load.nodeName;
  const log = createLogger({ level: opts.logLevel, base: { component: 'standalone', node: nodeName } });

  const load = (): Loaded => {
    const read = readSources(opts.files);
    if (!read.ok) return { errors: read.errors };
    const r = loadCluster(read.sources, opts.load);
    return r.ok ? { view: r.view, warnings: r.warnings } : { errors: r.errors };
  };
  const first = load();
  if ('errors' in first) {
    for (const e of first.errors) io.stderr(e);
    io.stderr(`invalid: ${plural(first.errors.length)}`);
    return 1;
  }

  let proc;
  try {
    proc = await startSpeakerProcess({
      nodeName,
      plan: opts.plan,
      routerId: opts.routerId,
      assumedInterfaces: opts.assumedInterfaces,
      memberlist: opts.memberlist,
      log,
      ...(opts.l2RefreshMs ? { l2RefreshMs: opts.l2RefreshMs } : {}),
      monitoring: opts.monitoring ?? null,
    });
  } catch (e) {
    io.stderr(`ferrolb standalone: ${(e as Error).message}`);
    return 2;
  }
  const { speaker, members } = proc;
  const applyView = (view: ClusterView) =>
    speaker.update({
      config: view.config,
      services: view.services.flatMap((s) => (s.announce ? [s.announce] : [])),
      nodes: view.nodes,
      ...(members ? {} : { liveMembers: new Set(view.nodes.keys()) }),
    });
  for (const w of first.warnings) io.stderr(w);
  applyView(first.view);
  proc.setReady(true);
  log.info('standalone speaker started', {
    files: opts.files,
    services: first.view.services.length,
    monitoringPort: proc.monitoringPort,
  });

  let reloadTimer: NodeJS.Timeout | null = null;
  const reload = () => {
    reloadTimer = null;
    const r = load();
    if ('errors' in r) {
      for (const e of r.errors) io.stderr(e);
      io.stderr(`invalid configuration ignored (${plural(r.errors.length)}); keeping the last good one`);
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

  const signal = await untilSignal();
  log.info('stopping', { signal });
  for (const f of opts.files) unwatchFile(f);
  if (reloadTimer) clearTimeout(reloadTimer);
  await proc.stop();
  log.info('stopped');
  return 0;
}
