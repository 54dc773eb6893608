// A throw-away network lab made of Linux network namespaces, veth pairs and bridges.
//
// Every lab has a unique prefix (pid + random), so parallel runs never collide; `destroy()`
// kills the processes the lab started and deletes its namespaces (which deletes their
// interfaces). A process `exit` hook and `removeStaleLabs()` clean up after crashed runs.
// Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  /** Resolve instead of rejecting when the command exits non-zero. */
  allowFail?: boolean;
  timeoutMs?: number;
  input?: string;
}

const PREFIX = 'flt';

/** Runs a command (not through a shell) and collects its output. */
export function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { stdout, stderr, code: code ?? (signal ? 128 : 1) };
      if (res.code !== 0 && !opts.allowFail) {
        reject(
          new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim() || stdout.trim()}`),
        );
      } else resolve(res);
    });
    child.stdin.on('error', () => {}); // EPIPE when the command does not read its input
    child.stdin.end(opts.input ?? '');
  });
}

export interface VethEnd {
  ns: string;
  ifname: string;
  mac?: string;
  /** Addresses with prefix length, e.g. "192.0.2.10/24" or "2001:db8::10/64". */
  addrs?: string[];
}

const liveLabs = new Set<NetnsLab>();
process.once('exit', () => {
  for (const lab of liveLabs) lab.destroySync();
});

export class NetnsLab {
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(tag: string) {
    this.prefix = `${PREFIX}-${process.pid}-${randomBytes(2).toString('hex')}-${tag}`;
  }

  /** A new, empty lab; `tag` only makes names easier to read. */
  static async create(tag: string): Promise<NetnsLab> {
    await removeStaleLabs();
    const lab = new NetnsLab(tag);
    liveLabs.add(lab);
    return lab;
  }

  /**
   * A namespace named `<prefix>-<role>` with loopback up and IPv6 DAD off by default (so
   * addresses are usable at once; a test can turn it back on per interface).
   */
  async addNamespace(role: string): Promise<string> {
    const ns = `${this.prefix}-${role}`;
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await this.exec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await this.sysctl(ns, 'net.ipv6.conf.default.accept_dad', '0');
    await this.sysctl(ns, 'net.ipv6.conf.all.accept_dad', '0');
    return ns;
  }

  /** Runs `cmd` inside `ns`. */
  exec(ns: string, cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** Starts a long-running process inside `ns`; it is killed by `destroy()`. */
  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'pipe', ...opts });
    this.children.add(child);
    child.stdin?.on('error', () => {}); // EPIPE after the process ended is not news
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  sysctl(ns: string, key: string, value: string): Promise<ExecResult> {
    return this.exec(ns, 'sysctl', ['-q', '-w', `${key}=${value}`]);
  }

  /** A veth pair with one end in each namespace, both up, with optional MACs and addresses. */
  async veth(a: VethEnd, b: VethEnd): Promise<void> {
    await run('ip', [
      'link',
      'add',
      'name',
      a.ifname,
      'netns',
      a.ns,
      'type',
      'veth',
      'peer',
      'name',
      b.ifname,
      'netns',
      b.ns,
    ]);
    for (const end of [a, b]) {
      if (end.mac) await this.exec(end.ns, 'ip', ['link', 'set', end.ifname, 'address', end.mac]);
      for (const addr of end.addrs ?? []) {
        const extra = addr.includes(':') ? ['nodad'] : [];
        await this.exec(end.ns, 'ip', ['addr', 'add', addr, 'dev', end.ifname, ...extra]);
      }
      await this.exec(end.ns, 'ip', ['link', 'set', end.ifname, 'up']);
    }
  }

  /** A bridge in `ns` (up, no STP delay, no multicast snooping surprises). */
  async bridge(ns: string, name: string): Promise<void> {
    await this.exec(ns, 'ip', [
      'link',
      'add',
      name,
      'type',
      'bridge',
      'forward_delay',
      '0',
      'stp_state',
      '0',
    ]);
    await this.exec(ns, 'ip', ['link', 'set', name, 'up']);
  }

  /** Connects a new host namespace to `bridge` in `lanNs` with a veth: host side `ifname`. */
  async plug(lanNs: string, bridge: string, host: VethEnd, port: string): Promise<void> {
    await this.veth(host, { ns: lanNs, ifname: port });
    await this.exec(lanNs, 'ip', ['link', 'set', port, 'master', bridge]);
  }

  /** The MAC of `ifname` in `ns`, lower case. */
  async mac(ns: string, ifname: string): Promise<string> {
    const { stdout } = await this.exec(ns, 'ip', ['-j', 'link', 'show', 'dev', ifname]);
    const [link] = JSON.parse(stdout) as Array<{ address: string }>;
    if (!link) throw new Error(`no interface ${ifname} in ${ns}`);
    return link.address.toLowerCase();
  }

  /** Kills what the lab started and deletes its namespaces. Safe to call more than once. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    await Promise.all([...this.children].map((c) => killAndWait(c)));
    for (const ns of this.namespaces.reverse()) {
      await run('ip', ['netns', 'pids', ns], { allowFail: true }).then(async ({ stdout }) => {
        for (const pid of stdout.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
      });
      await run('ip', ['netns', 'del', ns], { allowFail: true });
    }
  }

  /** The synchronous last resort used at process exit. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Deletes namespaces of labs whose process is gone (a crashed or killed earlier run). */
export async function removeStaleLabs(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true });
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await run('ip', ['netns', 'del', name], { allowFail: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates a lab, runs `fn`, and always destroys the lab. */
export async function withLab<T>(tag: string, fn: (lab: NetnsLab) => Promise<T>): Promise<T> {
  const lab = await NetnsLab.create(tag);
  try {
    return await fn(lab);
  } finally {
    await lab.destroy();
  }
}
