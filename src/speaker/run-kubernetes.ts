// `ferrolb speaker` as a process: the Kubernetes source feeds the speaker process; speaker pods
// found by label become speakerlist seeds. SIGTERM/SIGINT stop it gracefully.
import { CustomObjectsApi } from '@kubernetes/client-node';

import type { CommandIO } from '../cli/io.js';
import { loadKubeConfig } from '../k8s/client.js';
import type { HostInterface } from '../layer2/interfaces.js';
import { DEFAULT_PORT } from '../speakerlist/index.js';
import { KubernetesSource } from './kubernetes-source.js';
import { L2StatusWriter } from './l2-status.js';
import type { PlanOptions } from './node-plan.js';
import { createLogger, type LogLevel } from '../observability/logger.js';
import { startSpeakerProcess, untilSignal, type MemberlistFlags } from './process.js';

export interface KubernetesSpeakerOptions {
  readonly nodeName: string;
  readonly kubeconfig: string | null;
  readonly namespace: string;
  readonly lbClass: string | null;
  readonly plan: PlanOptions;
  readonly routerId: string | null;
  readonly assumedInterfaces: HostInterface[] | null;
  readonly memberlist: MemberlistFlags;
  readonly speakerPodSelector: string | null;
  readonly logLevel: LogLevel;
  /** Periodic gratuitous ARP / NA (ms), 0 = off. */
  readonly l2RefreshMs?: number;
  /** /metrics, /healthz, /readyz; null = off. */
  readonly monitoring?: { readonly host: string; readonly port: number } | null;
  readonly io: CommandIO;
}

export async function runKubernetesSpeaker(opts: KubernetesSpeakerOptions): Promise<number> {
  const log = createLogger({ level: opts.logLevel, base: { component: 'speaker', node: opts.nodeName } });
  let kc;
  try {
    kc = loadKubeConfig(opts.kubeconfig ?? undefined);
  } catch (e) {
    opts.io.stderr(`ferrolb speaker: ${(e as Error).message}`);
    return 2;
  }
  const statuses = new L2StatusWriter(
    kc.makeApiClient(CustomObjectsApi),
    opts.namespace,
    opts.nodeName,
    log.warn,
  );
  let proc;
  try {
    proc = await startSpeakerProcess({
      nodeName: opts.nodeName,
      plan: opts.plan,
      routerId: opts.routerId,
      assumedInterfaces: opts.assumedInterfaces,
      memberlist: opts.memberlist,
      log,
      ...(opts.l2RefreshMs ? { l2RefreshMs: opts.l2RefreshMs } : {}),
      onPlan: (plan) => void statuses.update(plan),
      monitoring: opts.monitoring ?? null,
    });
  } catch (e) {
    opts.io.stderr(`ferrolb speaker: ${(e as Error).message}`);
    return 2;
  }
  const p = proc;
  const port = opts.memberlist.bindPort === null ? DEFAULT_PORT : Number(opts.memberlist.bindPort);
  const source = new KubernetesSource(kc, {
    namespace: opts.namespace,
    lbClass: opts.lbClass,
    membership: p.members !== null,
    log,
    onChange: (state) => p.speaker.update(state),
    speakerPodSelector: p.members ? opts.speakerPodSelector : null,
    onSpeakerPods: (ips) => p.join(ips.map((host) => ({ host, port }))),
  });
  try {
    await source.start();
  } catch (e) {
    opts.io.stderr(`ferrolb speaker: ${(e as Error).message}`);
    await p.stop();
    return 1;
  }
  p.setReady(true);
  log.info('caches synced; speaker running');
  const signal = await untilSignal();
  log.info('stopping', { signal });
  await source.stop();
  await p.stop();
  await statuses.flush();
  await statuses.clear();
  log.info('stopped');
  return 0;
}
