// The one-host lab of ../standalone/lab.ts (BIRD router, client, node1..N on one bridge) joined
// to a real kube-apiserver + etcd: one `ferrolb controller` process in the root namespace and one
// `ferrolb speaker --node-name nodeK --kubeconfig …` process inside each node namespace, reaching
// the apiserver through ApiserverRelay. Nodes and speaker Pods are created as a kubelet would;
// the speakers read the controller's memberlist Secret from a directory laid out like the
// Secret volume of the DaemonSet. destroy() removes every process, namespace and file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { ApiserverRelay } from '../helpers/apiserver-relay.js';
import { METALLB_NS, ensureNamespace, repoRoot, startKubeEnv, type KubeEnv } from '../helpers/kube.js';
import { sleep, waitFor } from '../helpers/wait.js';
import {
  StandaloneLab,
  ferrolbNodeArgs,
  nodeIP,
  nodeIP6,
  nodeName,
  type Speaker,
} from '../standalone/lab.js';
import { SPEAKER_SELECTOR, createNode, createSpeakerPod } from './objects.js';

/** Where the speakers find the apiserver inside their namespace (each has its own loopback). */
const IN_NS_API_PORT = 6443;

export class KubernetesLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'flb-k8s-lab-'));
  /** The kubeconfig of the speakers: https://127.0.0.1:6443, TLS verified against the apiserver's CA. */
  readonly nodeKubeconfig = join(this.dir, 'kubeconfig');
  /** Laid out like the `memberlist` Secret volume: a directory holding `secretkey`. */
  readonly secretDir = join(this.dir, 'ml_secret_key');
  private kube: KubeEnv | null = null;
  relay: ApiserverRelay | null = null;
  controller: (ChildProcess & { log: string }) | null = null;

  private constructor(readonly net: StandaloneLab) {}

  static async create(nodes: number): Promise<KubernetesLab> {
    const l = new KubernetesLab(await StandaloneLab.create(nodes, ''));
    try {
      await l.build(nodes);
    } catch (e) {
      await l.destroy();
      throw e;
    }
    return l;
  }

  get env(): KubeEnv {
    if (!this.kube) throw new Error('the kube-apiserver is not running');
    return this.kube;
  }

  get speakers(): Speaker[] {
    return this.net.speakers;
  }

  private async build(nodes: number): Promise<void> {
    this.kube = await startKubeEnv();
    const server = new URL(this.env.kc.getCurrentCluster()?.server ?? '');
    this.relay = await ApiserverRelay.start(Number(server.port));
    for (const s of this.net.speakers) await this.relay.expose(this.net.lab, s.ns, IN_NS_API_PORT);
    this.writeNodeKubeconfig();

    await ensureNamespace(this.env, METALLB_NS);
    for (let i = 1; i <= nodes; i++) {
      await createNode(this.env, nodeName(i), [nodeIP(i), nodeIP6(i)]);
      await createSpeakerPod(this.env, nodeName(i), [nodeIP(i), nodeIP6(i)]);
    }
    this.startController();
    // The controller creates the memberlist Secret; the kubelet would mount it for the speakers.
    const key = await waitFor(
      'the memberlist Secret from the controller',
      async () => {
        const s = await this.env.core.readNamespacedSecret({ name: 'memberlist', namespace: METALLB_NS });
        return s.data?.secretkey;
      },
      { timeoutMs: 30_000 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\ncontroller log:\n${this.controller?.log ?? ''}`);
    });
    mkdirSync(this.secretDir);
    writeFileSync(join(this.secretDir, 'secretkey'), Buffer.from(key, 'base64'));
  }

  /** A copy of the test's kubeconfig pointing at the in-namespace forwarder, verifying TLS. */
  private writeNodeKubeconfig(): void {
    const ca = join(dirname(this.env.kubeconfig), 'certs', 'apiserver.crt');
    const text = readFileSync(this.env.kubeconfig, 'utf8')
      .replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${IN_NS_API_PORT}`)
      .replace(/insecure-skip-tls-verify: true/, `certificate-authority: ${ca}`);
    if (!text.includes(`127.0.0.1:${IN_NS_API_PORT}`) || !text.includes(ca))
      throw new Error(`unexpected kubeconfig layout in ${this.env.kubeconfig}`);
    writeFileSync(this.nodeKubeconfig, text);
  }

  private startController(): void {
    const child = spawn(
      process.execPath,
      [...ferrolbNodeArgs(), 'controller', '--kubeconfig', this.env.kubeconfig, '--port', '0'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    ) as ChildProcess & { log: string };
    child.log = '';
    child.stdout?.on('data', (d: Buffer) => (child.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (child.log += d.toString()));
    // It runs outside the lab's namespaces: if the test process dies, do not leave it behind.
    const orphan = () => child.kill('SIGKILL');
    process.once('exit', orphan);
    child.once('exit', () => process.off('exit', orphan));
    this.controller = child;
  }

  /**
   * Starts `ferrolb speaker --node-name nodeI --kubeconfig …` in node i's namespace with the
   * speakerlist settings of ferrolb's DaemonSet: as flags, or (`fromEnv`) as the METALLB_*
   * environment variables the DaemonSet sets.
   */
  startSpeaker(i: number, { fromEnv = false } = {}): Speaker {
    const settings: [flag: string, env: string, value: string][] = [
      ['--ml-bindaddr', 'METALLB_ML_BIND_ADDR', nodeIP(i)],
      ['--ml-bindport', 'METALLB_ML_BIND_PORT', '7946'],
      ['--ml-labels', 'METALLB_ML_LABELS', SPEAKER_SELECTOR],
      ['--ml-secret-key-path', 'METALLB_ML_SECRET_KEY_PATH', this.secretDir],
      ['--namespace', 'METALLB_NAMESPACE', METALLB_NS],
      ['--host', 'METALLB_HOST', nodeIP(i)],
    ];
    return this.net.spawnFerrolb(
      i,
      [
        'speaker',
        '--node-name',
        nodeName(i),
        '--kubeconfig',
        this.nodeKubeconfig,
        '--port=7472',
        '--log-level=info',
        ...(fromEnv ? [] : settings.flatMap(([flag, , value]) => [flag, value])),
      ],
      fromEnv ? Object.fromEntries(settings.map(([, env, value]) => [env, value])) : {},
    );
  }

  /** The last lines of every process's output, for failure messages. */
  logs(): string {
    return [
      `--- controller\n${this.controller?.log.slice(-2000) ?? ''}`,
      ...this.speakers.map((s) => `--- ${s.name}\n${s.log.slice(-3000)}`),
    ].join('\n');
  }

  async destroy(): Promise<void> {
    const steps: (() => Promise<unknown>)[] = [
      // A speaker that does not stop in time is killed with its namespace below.
      ...this.speakers.map((s) => () => Promise.race([this.net.signal(s.index, 'SIGTERM'), sleep(10_000)])),
      async () => {
        const c = this.controller;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const done = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      },
      () => this.relay?.stop() ?? Promise.resolve(),
      () => this.net.destroy(),
      () => this.kube?.stop() ?? Promise.resolve(),
    ];
    const errors: unknown[] = [];
    for (const step of steps) await step().catch((e: unknown) => errors.push(e));
    rmSync(this.dir, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, 'kubernetes lab cleanup failed');
  }
}
