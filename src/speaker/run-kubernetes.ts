// `ferrolb speaker` as a process: the Kubernetes source feeds the speaker process; speaker pods
// found by label become speakerlist seeds; statuses, Events and the ConfigurationState report
// back (owned by the speaker's pod). SIGTERM/SIGINT stop it gracefully.
import { hostname } from 'node:os';

import { CoreV1Api } from '@kubernetes/client-node';

import type { CommandIO } from '../cli/io.js';
import { loadKubeConfig } from '../k8s/client.js';
import { findOwnPod } from '../k8s/owner-pod.js';
import type { HostInterface } from '../layer2/interfaces.js';
import { DEFAULT_PORT } from '../speakerlist/index.js';
import { KubernetesSource } from './kubernetes-source.js';
import { KubernetesReports } from './kubernetes-reports.js';
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
  /** This speaker's pod (downward API); null = find it by selector on this node. */
  readonly podName?: string | null;
  readonly logLevel: LogLevel;
  /** MetalLB flags given but meaningless here, reported once. */
  readonly ignoredFlags?: readonly { readonly flag: string; readonly reason: string }[];
  /** Periodic gratuitous ARP / NA (ms), 0 = off. */
  readonly l2RefreshMs?: number;
  /** /metrics, /healthz, /readyz; null = off. */
  readonly monitoring?: { readonly host: string; readonly port: number } | null;
  readonly io: CommandIO;
}

/** The speaker pods' labels in manifests/speaker when --ml-labels is not given. */
export const DEFAULT_SPEAKER_POD_SELECTOR =
  'app.kubernetes.io/name=ferrolb,app.kubernetes.io/component=speaker';

export async function runKubernetesSpeaker(opts: KubernetesSpeakerOptions): Promise<number> {
  const log = createLogger({ level: opts.logLevel, base: { component: 'speaker', node: opts.nodeName } });
  for (const f of opts.ignoredFlags ?? [])
    log.warn('MetalLB flag ignored', { flag: f.flag, reason: f.reason });
  let kc;
  try {
    kc = loadKubeConfig(opts.kubeconfig ?? undefined);
  } catch (e) {
    opts.io.stderr(`ferrolb speaker: ${(e as Error).message}`);
    return 2;
  }
  // Status objects are owned by our pod so they vanish with it; outside a pod there is no owner.
  const own = await findOwnPod(kc.makeApiClient(CoreV1Api), {
    namespace: opts.namespace,
    podName: opts.podName ?? null,
    nodeName: opts.nodeName,
    labelSelector: opts.speakerPodSelector ?? DEFAULT_SPEAKER_POD_SELECTOR,
    hostname: hostname(),
  });
  if (own.owner) log.info('status objects owned by the speaker pod', { pod: own.how });
  else log.info('status objects without owner: speaker pod not found', { reason: own.reason });
  let source: KubernetesSource | null = null;
  const reports = new KubernetesReports(kc, {
    namespace: opts.namespace,
    nodeName: opts.nodeName,
    owner: own.owner,
    serviceUid: (key) => source?.serviceUid(key),
    warn: log.warn,
  });
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
      onPlan: (plan) => reports.onPlan(plan),
      monitoring: opts.monitoring ?? null,
    });
  } catch (e) {
    opts.io.stderr(`ferrolb speaker: ${(e as Error).message}`);
    return 2;
  }
  const p = proc;
  const port = opts.memberlist.bindPort === null ? DEFAULT_PORT : Number(opts.memberlist.bindPort);
  source = new KubernetesSource(kc, {
    namespace: opts.namespace,
    lbClass: opts.lbClass,
    membership: p.members !== null,
    log,
    onChange: (state) => p.speaker.update(state),
    speakerPodSelector: p.members ? opts.speakerPodSelector : null,
    onSpeakerPods: (ips) => p.join(ips.map((host) => ({ host, port }))),
    onConfigVerdict: (errors) => reports.onConfigVerdict(errors),
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
  await reports.stop();
  log.info('stopped');
  return 0;
}
