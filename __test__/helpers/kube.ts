// A private kube-apiserver + etcd for one test file (scripts/kube-test-env.sh with a unique state
// dir and ports), plus small helpers to create objects and wait for conditions.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type CoreV1Event,
  type V1Service,
} from '@kubernetes/client-node';

import { reuseConnections } from '../../src/k8s/client.js';
import { cliNodeFlags } from './cli-node-flags.js';

const run = promisify(execFile);
export const repoRoot = join(fileURLToPath(import.meta.url), '..', '..', '..');
const script = join(repoRoot, 'scripts', 'kube-test-env.sh');

export interface KubeEnv {
  readonly kubeconfig: string;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** Kills kube-apiserver (etcd keeps the data), waits `downMs`, starts it again. */
  restartApiserver(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubeEnv(): Promise<KubeEnv> {
  const dir = mkdtempSync('/dev/shm/ferrolb-kube-test-');
  // Ports the kernel says are free, so parallel runs (other worktrees, the e2e lab) never clash.
  const [apiPort, etcdPort, peerPort] = await freePorts(3);
  const env = {
    ...process.env,
    FERROLB_KUBE_DIR: dir,
    FERROLB_KUBE_PORT: String(apiPort),
    FERROLB_ETCD_PORT: String(etcdPort),
    FERROLB_ETCD_PEER_PORT: String(peerPort),
  };
  const stop = async () => {
    await run('bash', [script, 'stop'], { env }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('bash', [script, 'start'], { env, timeout: 900_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  const kubeconfig = join(dir, 'kubeconfig');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  reuseConnections(kc);
  const restartApiserver = async (downMs: number) => {
    const pid = Number(readFileSync(join(dir, 'apiserver.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor('kube-apiserver to exit', async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    await sleep(downMs);
    await run('bash', [script, 'start'], { env, timeout: 120_000 });
  };
  return {
    kubeconfig,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    restartApiserver,
    stop,
  };
}

/** Distinct loopback TCP ports that are free right now. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a non-undefined value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

export const METALLB_NS = 'metallb-system';

export async function ensureNamespace(env: KubeEnv, name: string, labels: Record<string, string> = {}) {
  try {
    await env.core.createNamespace({ body: { metadata: { name, labels } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

export async function createPool(env: KubeEnv, name: string, spec: Record<string, unknown>) {
  return env.custom.createNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural: 'ipaddresspools',
    body: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name }, spec },
  });
}

export async function deletePool(env: KubeEnv, name: string) {
  return env.custom.deleteNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural: 'ipaddresspools',
    name,
  });
}

export async function getPool(env: KubeEnv, name: string) {
  return (await env.custom.getNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace: METALLB_NS,
    plural: 'ipaddresspools',
    name,
  })) as { status?: Record<string, number> };
}

export interface SvcSpec {
  namespace?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ports?: { port: number; protocol?: string }[];
  loadBalancerIP?: string;
  ipFamilyPolicy?: string;
  ipFamilies?: string[];
  externalTrafficPolicy?: string;
  type?: string;
}

export async function createService(env: KubeEnv, name: string, s: SvcSpec = {}) {
  return env.core.createNamespacedService({
    namespace: s.namespace ?? 'default',
    body: {
      metadata: { name, annotations: s.annotations ?? {}, labels: s.labels ?? {} },
      spec: {
        type: s.type ?? 'LoadBalancer',
        selector: { app: name },
        ports: (s.ports ?? [{ port: 80 }]).map((p, i) => ({
          name: `p${i}`,
          port: p.port,
          protocol: p.protocol ?? 'TCP',
        })),
        ...(s.loadBalancerIP ? { loadBalancerIP: s.loadBalancerIP } : {}),
        ...(s.ipFamilyPolicy ? { ipFamilyPolicy: s.ipFamilyPolicy } : {}),
        ...(s.ipFamilies ? { ipFamilies: s.ipFamilies } : {}),
        ...(s.externalTrafficPolicy ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
      },
    },
  });
}

export const ingressOf = (svc: V1Service) => (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');

/** Waits until the Service shows ingress IPs satisfying `ok`, returns them. */
export async function waitForIngress(
  env: KubeEnv,
  name: string,
  ok: (ips: string[]) => boolean = (ips) => ips.length > 0,
  namespace = 'default',
  timeoutMs = 20_000,
): Promise<string[]> {
  return waitFor(
    `ingress of ${namespace}/${name}`,
    async () => {
      const svc = await env.core.readNamespacedService({ name, namespace });
      const ips = ingressOf(svc);
      return ok(ips) ? ips : undefined;
    },
    timeoutMs,
  );
}

export async function eventsFor(env: KubeEnv, namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await env.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items;
}

/** Waits for an Event with `reason` on the object whose message matches `pattern`. */
export async function waitForEvent(
  env: KubeEnv,
  namespace: string,
  name: string,
  reason: string,
  pattern: RegExp,
) {
  return waitFor(`${reason} event on ${namespace}/${name} matching ${pattern}`, async () =>
    (await eventsFor(env, namespace, name)).find((e) => e.reason === reason && pattern.test(e.message ?? '')),
  );
}

/** Spawns a controller process (src/controller/run.ts via tsx) with its stderr captured. */
export function spawnController(
  kubeconfig: string,
  identity: string,
  extra: string[] = [],
): ChildProcess & { logs: string[] } {
  const child = spawn(
    process.execPath,
    [
      ...cliNodeFlags(),
      '--import',
      'tsx',
      join(repoRoot, 'src', 'controller', 'run.ts'),
      '--kubeconfig',
      kubeconfig,
      '--identity',
      identity,
      // Replicas share this host: no monitoring endpoint, or the second could not bind 7472.
      '--port',
      '0',
      ...extra,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  ) as ChildProcess & { logs: string[] };
  child.logs = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => child.logs.push(...d.split('\n').filter(Boolean)));
  return child;
}

export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
