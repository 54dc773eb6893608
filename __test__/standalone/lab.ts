// A one-host lab for speakers: a `lan` namespace with a bridge; a `router` namespace running BIRD
// (iBGP, passive, one neighbor per node); a `client` namespace; N `nodeK` namespaces, each
// running a ferrolb speaker as a child process with speakerlist on the LAN (`ferrolb standalone`
// here, `ferrolb speaker` in ../kubernetes-lab). Hosts have IPv4 and IPv6 addresses on the LAN.
// Everything lives in namespaces the lab created and is removed by destroy().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseBirdRoutes, type RibEntry } from '../helpers/bgp-daemons.js';
import { run } from '../helpers/run.js';
import { waitFor } from '../helpers/wait.js';
import { cliNodeFlags } from '../helpers/cli-node-flags.js';
import { NetnsLab } from '../helpers/netns.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'src/cli/main.ts');
// FERROLB_LAB_BUILT=1 runs the compiled CLI (dist/, `npm run build:ts`) with plain node, as
// deployed; otherwise the sources under tsx.
const builtCli = join(repoRoot, 'dist/cli/main.js');

/** The arguments of `node` that run the `ferrolb` command (before its own arguments). */
export function ferrolbNodeArgs(): string[] {
  return [
    ...cliNodeFlags(),
    ...(process.env.FERROLB_LAB_BUILT === '1' ? [builtCli] : ['--import', 'tsx', cli]),
  ];
}

export const SUBNET = '10.77.0';
export const ROUTER_IP = `${SUBNET}.1`;
export const CLIENT_IP = `${SUBNET}.100`;
export const SUBNET6 = 'fd00:77::';
export const CLIENT_IP6 = `${SUBNET6}100`;
export const ASN = 64512;
export const nodeIP = (i: number) => `${SUBNET}.${10 + i}`;
export const nodeIP6 = (i: number) => `${SUBNET6}${10 + i}`;
export const nodeName = (i: number) => `node${i}`;

export interface Speaker {
  readonly index: number;
  readonly name: string;
  readonly ns: string;
  child: ChildProcess | null;
  log: string;
}

export class StandaloneLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'flb-standalone-'));
  readonly configFile = join(this.dir, 'config.yaml');
  readonly secretFile = join(this.dir, 'memberlist.key');
  speakers: Speaker[] = [];
  readonly birdConf = join(this.dir, 'bird.conf');
  readonly birdSock = join(this.dir, 'bird.ctl');
  birdLog = '';
  lanNs = '';
  routerNs = '';
  clientNs = '';
  readonly macs = new Map<string, string>();

  private constructor(readonly lab: NetnsLab) {}

  static async create(nodes: number, config: string): Promise<StandaloneLab> {
    const l = new StandaloneLab(await NetnsLab.create('sa'));
    try {
      await l.build(nodes, config);
    } catch (e) {
      await l.destroy();
      throw e;
    }
    return l;
  }

  private async build(nodes: number, config: string): Promise<void> {
    const lab = this.lab;
    writeFileSync(this.configFile, config);
    writeFileSync(this.secretFile, 'e2e-shared-secret-0123456789abcdef\n');
    this.lanNs = await lab.addNamespace('lan');
    await lab.bridge(this.lanNs, 'br0');
    this.routerNs = await lab.addNamespace('router');
    await lab.plug(
      this.lanNs,
      'br0',
      { ns: this.routerNs, ifname: 'eth0', addrs: [`${ROUTER_IP}/24`, `${SUBNET6}1/64`] },
      'p-router',
    );
    this.clientNs = await lab.addNamespace('client');
    await lab.plug(
      this.lanNs,
      'br0',
      { ns: this.clientNs, ifname: 'eth0', addrs: [`${CLIENT_IP}/24`, `${CLIENT_IP6}/64`] },
      'p-client',
    );
    for (let i = 1; i <= nodes; i++) {
      const ns = await lab.addNamespace(nodeName(i));
      const addrs = [`${nodeIP(i)}/24`, `${nodeIP6(i)}/64`];
      await lab.plug(this.lanNs, 'br0', { ns, ifname: 'eth0', addrs }, `p-node${i}`);
      this.macs.set(nodeName(i), await lab.mac(ns, 'eth0'));
      this.speakers.push({ index: i, name: nodeName(i), ns, child: null, log: '' });
    }
    writeFileSync(this.birdConf, this.birdConfig(null));
    const bird = lab.spawn(this.routerNs, 'bird', ['-f', '-c', this.birdConf, '-s', this.birdSock]);
    bird.stderr?.on('data', (d: Buffer) => (this.birdLog += d.toString()));
    bird.stdout?.on('data', (d: Buffer) => (this.birdLog += d.toString()));
    await waitFor('birdc answering', () =>
      this.birdc('show', 'status').then((o) => o.includes('Daemon is up')),
    );
  }

  /**
   * Our own BIRD config: iBGP to every node, next hops resolved on the LAN (`direct`), and the
   * multipath result exported to the router's kernel, so ECMP is visible in `ip route`; with a
   * `password`, every session needs TCP MD5 (RFC 2385) with it.
   */
  private birdConfig(password: string | null): string {
    const neighbors = this.speakers
      .map(
        (s) => `protocol bgp ${s.name} {
  local ${ROUTER_IP} as ${ASN};
  neighbor ${nodeIP(s.index)} as ${ASN};
  passive on;
  direct;
  error wait time 1, 5;${password === null ? '' : `\n  password "${password}";`}
  ipv4 { import all; export none; };
}`,
      )
      .join('\n');
    return `router id ${ROUTER_IP};
protocol device {}
protocol direct { ipv4; interface "eth0"; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; merge paths on; }
${neighbors}
`;
  }

  /** Rewrites BIRD's config with (or without) an MD5 password on every session and reloads it. */
  async setBirdPassword(password: string | null): Promise<void> {
    writeFileSync(this.birdConf, this.birdConfig(password));
    const out = await this.birdc('configure');
    if (!/Reconfigur(ed|ation in progress)/.test(out)) throw new Error(`birdc configure: ${out}`);
  }

  birdc(...args: string[]): Promise<string> {
    return run('birdc', ['-s', this.birdSock, ...args]);
  }

  /** Starts `ferrolb standalone` for node i inside its namespace. */
  start(i: number, extra: string[] = []): Speaker {
    const seeds = this.speakers.map((o) => `${nodeIP(o.index)}:7946`).join(',');
    return this.spawnFerrolb(i, [
      'standalone',
      '--node-name',
      nodeName(i),
      '--ml-bindaddr',
      nodeIP(i),
      '--ml-bindport',
      '7946',
      '--ml-secret-key-path',
      this.secretFile,
      '--ml-join',
      seeds,
      ...extra,
      this.configFile,
    ]);
  }

  /** Runs `ferrolb ARGV...` as node i's speaker inside its namespace, output kept in its log. */
  spawnFerrolb(i: number, argv: string[], env: Record<string, string> = {}): Speaker {
    const s = this.speakers[i - 1] as Speaker;
    s.log = '';
    const child = this.lab.spawn(s.ns, process.execPath, [...ferrolbNodeArgs(), ...argv], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    child.stdout?.on('data', (d: Buffer) => (s.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (s.log += d.toString()));
    s.child = child;
    return s;
  }

  /** Sends `signal` and waits for the process to end. */
  async signal(i: number, signal: NodeJS.Signals): Promise<void> {
    const s = this.speakers[i - 1] as Speaker;
    const c = s.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const done = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(signal);
    await done;
  }

  /** `ip netns exec` delivers the signal to `ip`, which execs the command: same pid. */
  pid(i: number): number | undefined {
    return this.speakers[i - 1]?.child?.pid;
  }

  writeConfig(config: string): void {
    writeFileSync(this.configFile, config);
  }

  /** Every path BIRD holds for `prefix` (one per node announcing it). */
  async paths(prefix: string): Promise<RibEntry[]> {
    // The whole table (asking for one prefix fails when it is absent).
    const out = await this.birdc('show', 'route', 'all');
    // parseBirdRoutes keeps the best path per prefix: parse one route block at a time instead.
    const blocks: string[] = [];
    let current = '';
    for (const line of out.split('\n')) {
      const head = /^(\S*)\s+unicast\s+\[/.exec(line);
      if (head) {
        if (head[1]) current = head[1];
        blocks.push(
          `${current} ${line
            .trimStart()
            .slice(head[1]?.length ?? 0)
            .trimStart()}`,
        );
      } else if (blocks.length) blocks[blocks.length - 1] += `\n${line}`;
    }
    return blocks.filter((b) => b.startsWith(`${prefix} `)).flatMap((b) => [...parseBirdRoutes(b).values()]);
  }

  /** BIRD's "since" time of each session: unchanged means the session was not reset. */
  async sessionSince(): Promise<string[]> {
    const out = await this.birdc('show', 'protocols');
    return out
      .split('\n')
      .filter((l) => /^node\d+\s+BGP/.test(l))
      .map((l) => l.split(/\s+/).slice(0, 5).join(' '));
  }

  /** The next hops of the router's kernel route for `prefix` (ECMP: one per node). */
  async kernelNextHops(prefix: string): Promise<string[]> {
    const { stdout } = await this.lab.exec(this.routerNs, 'ip', ['-j', 'route', 'show', prefix]);
    const routes = JSON.parse(stdout || '[]') as { gateway?: string; nexthops?: { gateway: string }[] }[];
    return routes
      .flatMap((r) => (r.nexthops ? r.nexthops.map((n) => n.gateway) : r.gateway ? [r.gateway] : []))
      .sort();
  }

  async destroy(): Promise<void> {
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** MetalLB's election order for `ip` among `nodes` (sha256(node#ip) ascending), independently. */
export function electionOrder(nodes: string[], ip: string): string[] {
  const h = (n: string) => createHash('sha256').update(`${n}#${ip}`).digest();
  return [...nodes].sort((a, b) => Buffer.compare(h(a), h(b)));
}
