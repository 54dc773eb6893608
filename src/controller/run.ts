// Runs the allocation controller as a process: informers, leader election through a Lease, and
// a clean shutdown on SIGTERM/SIGINT (the lease is released so a standby takes over at once).
// Losing the lease ends the process: a controller that may have missed writes must not keep
// acting on stale state, and Kubernetes restarts it as a fresh standby.
import { ensureMemberlistSecret } from './memberlist-secret.js';
import { controllerRegistry } from '../observability/controller-metrics.js';
import { startMonitoringServer } from '../observability/http-server.js';
import { monitoringFlag } from '../observability/monitoring-flag.js';
import { createLogger, parseLogLevel } from '../observability/logger.js';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '../k8s/client.js';
import { LeaderElector } from '../k8s/leader-election.js';
import { AllocationController, type Logger } from './allocation-controller.js';

export interface ControllerProcessOptions {
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly lbClass?: string | null;
  readonly identity?: string;
  readonly leaseName?: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly log?: Logger;
}

export interface RunningController {
  readonly controller: AllocationController;
  readonly elector: LeaderElector;
  /** Resolves when the controller has stopped (lease lost or shutdown()). */
  readonly done: Promise<'lost' | 'shutdown'>;
  shutdown(): Promise<void>;
}

export async function runController(opts: ControllerProcessOptions = {}): Promise<RunningController> {
  const identity = opts.identity ?? `${hostname()}_${process.pid}`;
  const log = opts.log ?? createLogger({ level: 'info', base: { component: 'controller', identity } });
  const kc = loadKubeConfig(opts.kubeconfig);
  const namespace = opts.namespace ?? process.env.METALLB_NAMESPACE ?? 'metallb-system';
  const controller = new AllocationController(kc, {
    namespace,
    lbClass: opts.lbClass ?? null,
    identity,
    log,
  });
  let finish!: (why: 'lost' | 'shutdown') => void;
  const done = new Promise<'lost' | 'shutdown'>((r) => (finish = r));
  let shuttingDown = false;

  const core = kc.makeApiClient(CoreV1Api);
  const elector = new LeaderElector(kc.makeApiClient(CoordinationV1Api), {
    namespace,
    name: opts.leaseName ?? 'ferrolb-controller',
    identity,
    ...(opts.leaseDurationMs ? { leaseDurationMs: opts.leaseDurationMs } : {}),
    ...(opts.renewDeadlineMs ? { renewDeadlineMs: opts.renewDeadlineMs } : {}),
    ...(opts.retryPeriodMs ? { retryPeriodMs: opts.retryPeriodMs } : {}),
    onStartedLeading: () => {
      log.info('became leader');
      ensureMemberlistSecret(core, namespace).then(
        (r) => r === 'created' && log.info('created the memberlist Secret', { namespace }),
        (err: unknown) => log.warn('could not create the memberlist Secret', { err: String(err) }),
      );
      controller.startLeading().catch((err: unknown) => {
        log.error('could not start leading', { err: String(err) });
        void controller.stop().then(() => finish('lost'));
      });
    },
    onStoppedLeading: () => {
      if (shuttingDown) return;
      log.error('lost the lease; stopping');
      void controller.stop().then(() => finish('lost'));
    },
    onNewLeader: (who) => log.info('leader observed', { leader: who }),
    log: (msg, err) => log.warn(msg, { err: String(err) }),
  });

  log.info('starting informers', { namespace, lbClass: opts.lbClass ?? null });
  await controller.startWatching();
  log.info('caches synced; campaigning for the lease');
  elector.start();

  return {
    controller,
    elector,
    done,
    async shutdown() {
      shuttingDown = true;
      await elector.stop();
      await controller.stop();
      finish('shutdown');
    },
  };
}

/** `node src/controller/run.ts [--kubeconfig F] [--namespace NS] [--lb-class C] ...` */
export async function main(
  argv: string[],
  /** MetalLB flags given but meaningless here (stripped by the CLI), reported once. */
  ignored: readonly { readonly flag: string; readonly reason: string }[] = [],
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'lb-class': { type: 'string' },
      identity: { type: 'string' },
      'lease-name': { type: 'string' },
      'lease-duration-ms': { type: 'string' },
      'renew-deadline-ms': { type: 'string' },
      'retry-period-ms': { type: 'string' },
      'log-level': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
    },
  });
  const level = parseLogLevel(values['log-level'] ?? 'info');
  const endpoint = monitoringFlag(values.host ?? null, values.port ?? '7472');
  if (typeof endpoint === 'string') throw new Error(endpoint);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const identity = values.identity ?? `${hostname()}_${process.pid}`;
  const log = createLogger({ level, base: { component: 'controller', identity } });
  for (const f of ignored) log.warn('MetalLB flag ignored', { flag: f.flag, reason: f.reason });
  // The monitoring endpoint comes up first, so a taken port fails the start before any lease or
  // write; it reports ready once the informers have synced.
  let running: RunningController | null = null;
  const monitoring =
    endpoint === null
      ? null
      : await startMonitoringServer({
          ...endpoint,
          registry: controllerRegistry(
            () => running?.controller.poolStats() ?? [],
            () => running?.elector.isLeader ?? false,
          ),
          isReady: () => running !== null,
        });
  try {
    running = await runController({
      log,
      identity,
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
      lbClass: values['lb-class'] ?? null,
      ...(values['lease-name'] ? { leaseName: values['lease-name'] } : {}),
      ...(values['lease-duration-ms'] ? { leaseDurationMs: num(values['lease-duration-ms']) as number } : {}),
      ...(values['renew-deadline-ms'] ? { renewDeadlineMs: num(values['renew-deadline-ms']) as number } : {}),
      ...(values['retry-period-ms'] ? { retryPeriodMs: num(values['retry-period-ms']) as number } : {}),
    });
  } catch (err) {
    await monitoring?.close();
    throw err;
  }
  const started = running;
  started.done.then(
    () => monitoring?.close(),
    () => monitoring?.close(),
  );
  const stop = () => void started.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const why = await started.done;
  return why === 'lost' ? 1 : 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`ferrolb controller: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
