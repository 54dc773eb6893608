// Real BGP daemons for tests and benchmarks: BIRD 2, FRR bgpd (without zebra) and GoBGP, each started
// from a generated config in a temporary directory (optionally inside a network namespace), queried
// through its own CLI, and normalised to one RIB shape so the same assertions run against all three.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run, start } from './run.js';
import { freePort } from './ports.js';
import { sleep, waitFor } from './wait.js';

export type DaemonKind = 'bird' | 'frr' | 'gobgp';
export type Family = 'ipv4' | 'ipv6';

export interface NeighborSpec {
  address: string;
  asn: number;
  /** The daemon waits for us (default). When false it also connects out, to `port`. */
  passive?: boolean;
  port?: number;
  password?: string;
  holdTimeSecs?: number;
  families?: Family[];
  multihop?: boolean;
  /** Single-hop BFD to this neighbour tied to the BGP session (BIRD `bfd on`, FRR `neighbor X bfd`). */
  bfd?: BfdSpec;
}

/** BFD timers in milliseconds. */
export interface BfdSpec {
  receiveMs: number;
  transmitMs: number;
  multiplier: number;
}

/** A BFD session as the daemon's own CLI shows it. */
export interface DaemonBfdSession {
  peer: string;
  /** Lower case: 'up', 'down', 'init', 'admindown'. */
  state: string;
  /** FRR only: what the daemon learned from our packets, and its own discriminator. */
  detail?: {
    localDiscriminator: number;
    remoteDiscriminator: number;
    remoteReceiveMs: number;
    remoteTransmitMs: number;
    remoteMultiplier: number;
  };
}

export interface DaemonSpec {
  asn: number;
  routerId: string;
  /** Addresses the daemon listens on (and, for BIRD with a single address, its session source). */
  listenAddresses: string[];
  port: number;
  netns?: string;
  neighbors: NeighborSpec[];
  /** BIRD only: accept any peer from this range with this ASN (dynamic BGP). */
  dynamicRange?: { prefix: string; asn: number; multihop?: boolean; families?: Family[] };
  /** BIRD only: originate the static routes in `file` (`route P blackhole;` lines), for BIRD-vs-ferrolb comparisons. */
  staticRoutesV4?: { file: string; disabled?: boolean };
  /** BIRD only: the next hop written into exported routes (GoBGP drops loopback next hops). */
  exportNextHop?: string;
}

export interface RibEntry {
  prefix: string;
  nextHop: string;
  asPath: number[];
  origin: 'igp' | 'egp' | 'incomplete';
  localPref?: number;
  med?: number;
  communities: string[];
  largeCommunities: string[];
}

export interface PeerDaemon {
  kind: DaemonKind;
  spec: DaemonSpec;
  /** The routes the daemon holds for `family`, keyed by prefix (best path only). */
  rib(family: Family): Promise<Map<string, RibEntry>>;
  /** Number of prefixes received over BGP, cheap enough for a million routes. */
  ribCount(family: Family): Promise<number>;
  /** Whether the session to `neighbor` is Established, as the daemon itself reports. */
  established(neighbor: string): Promise<boolean>;
  /** BFD sessions as the daemon reports them (`birdc show bfd sessions`, `show bfd peers json`). */
  bfdSessions(): Promise<DaemonBfdSession[]>;
  /** SIGSTOP / SIGCONT (every process of the daemon): a peer that goes silent without closing anything. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** FRR only: applies config lines in `configure terminal` (one vtysh call). */
  configure(lines: string[]): Promise<void>;
  /** Runs one command of the daemon's own CLI (birdc, vtysh, gobgp) and returns its output. */
  cli(...args: string[]): Promise<string>;
  logs(): string;
  pid(): number;
}

const WELL_KNOWN: Record<string, string> = {
  '65535:65281': 'no-export',
  '65535:65282': 'no-advertise',
  '65535:65283': 'no-export-subconfed',
  '65535:65284': 'no-peer',
  '65535:666': 'blackhole',
  '65535:0': 'graceful-shutdown',
};
/** Communities in one spelling for comparisons: well-known names, else "A:B". */
export function normaliseCommunity(c: string): string {
  const named: Record<string, string> = {
    noExport: 'no-export',
    'no-export': 'no-export',
    noAdvertise: 'no-advertise',
    'no-advertise': 'no-advertise',
    'local-AS': 'no-export-subconfed',
    localAs: 'no-export-subconfed',
    'no-export-subconfed': 'no-export-subconfed',
    noPeer: 'no-peer',
    'no-peer': 'no-peer',
    blackhole: 'blackhole',
    gshut: 'graceful-shutdown',
    'graceful-shutdown': 'graceful-shutdown',
  };
  const name = named[c];
  if (name) return name;
  const n = /^(\d+)$/.exec(c);
  if (n) {
    const v = Number(n[1]);
    c = `${Math.floor(v / 65536)}:${v % 65536}`;
  }
  return WELL_KNOWN[c] ?? c;
}

export async function startDaemon(kind: DaemonKind, spec: DaemonSpec): Promise<PeerDaemon> {
  switch (kind) {
    case 'bird':
      return startBird(spec);
    case 'frr':
      return startFrr(spec);
    case 'gobgp':
      return startGobgp(spec);
  }
}

function familiesOf(n: { families?: Family[]; address: string }): Family[] {
  return n.families ?? [n.address.includes(':') ? 'ipv6' : 'ipv4'];
}

// Daemons still running when this process exits (a failed or interrupted test) are killed, so no
// test ever leaves a router behind.
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) killPid(pid, 'SIGKILL');
});

function waitForPid(pidFile: string): Promise<number> {
  return waitFor(
    `pid file ${pidFile}`,
    () => {
      if (!existsSync(pidFile)) return undefined;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return pid > 0 ? pid : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 50 },
  );
}

function killPid(pid: number, sig: NodeJS.Signals | 0) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number) {
  running.delete(pid);
  killPid(pid, 'SIGCONT');
  if (!killPid(pid, 'SIGTERM')) return;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (!killPid(pid, 0)) return;
  }
  killPid(pid, 'SIGKILL');
}

// ---------------------------------------------------------------- BIRD

function birdLocal(spec: DaemonSpec): string {
  return spec.listenAddresses.length === 1 ? ` ${spec.listenAddresses[0]}` : '';
}

function birdConfig(spec: DaemonSpec): string {
  const lines = [`router id ${spec.routerId};`, 'protocol device {}'];
  if (spec.staticRoutesV4) {
    // BIRD's `include` works between statements, not inside a protocol block: the routes file is
    // included at top level, so its lines go inside a protocol opened and closed around it.
    const disabled = spec.staticRoutesV4.disabled ? 'disabled;' : '';
    lines.push(`protocol static static4 { ${disabled} ipv4;`, `include "${spec.staticRoutesV4.file}";`, '}');
  }
  const nextHop = spec.exportNextHop ? ` next hop address ${spec.exportNextHop};` : '';
  const channels = (fams: Family[], exportAll: boolean) =>
    fams.map((f) => `  ${f} { import all; export ${exportAll ? 'all' : 'none'};${nextHop} };`).join('\n');
  const exportAll = !!spec.staticRoutesV4;
  spec.neighbors.forEach((n, i) => {
    lines.push(`protocol bgp n${i} {
  local${birdLocal(spec)} port ${spec.port} as ${spec.asn};
  neighbor ${n.address}${n.port ? ` port ${n.port}` : ''} as ${n.asn};
  ${n.passive === false ? 'connect retry time 1;' : 'passive on;'}
  error wait time 1, 5;
  ${n.multihop ? 'multihop;' : ''}
  ${n.holdTimeSecs !== undefined ? `hold time ${n.holdTimeSecs};` : ''}
  ${n.password ? `password "${n.password}";` : ''}
  ${n.bfd ? `bfd on;${n.multihop ? '' : ' direct;'}` : ''}
${channels(familiesOf(n), exportAll)}
}`);
  });
  // One BFD protocol serves every `bfd on` session; BIRD's timers are per interface.
  const bfd = spec.neighbors.find((n) => n.bfd)?.bfd;
  if (bfd)
    lines.push(`protocol bfd {
  interface "*" {
    min rx interval ${bfd.receiveMs} ms;
    min tx interval ${bfd.transmitMs} ms;
    multiplier ${bfd.multiplier};
  };
}`);
  if (spec.dynamicRange) {
    const d = spec.dynamicRange;
    lines.push(`protocol bgp dyn {
  local${birdLocal(spec)} port ${spec.port} as ${spec.asn};
  neighbor range ${d.prefix} as ${d.asn};
  dynamic name "dyn";
  ${d.multihop ? 'multihop;' : ''}
${channels(d.families ?? ['ipv4'], exportAll)}
}`);
  }
  return lines.join('\n') + '\n';
}

async function startBird(spec: DaemonSpec): Promise<PeerDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'flb-bird-'));
  const conf = join(dir, 'bird.conf');
  const sock = join(dir, 'bird.ctl');
  const pidFile = join(dir, 'bird.pid');
  writeFileSync(conf, birdConfig(spec));
  let proc: ReturnType<typeof start>;
  let pid = 0;
  const launch = async () => {
    rmSync(pidFile, { force: true });
    // -f: stay in the foreground so our process owns it and sees its log on stderr.
    proc = start('bird', ['-f', '-c', conf, '-s', sock, '-P', pidFile], { netns: spec.netns });
    pid = await waitForPid(pidFile);
    running.add(pid);
    await waitFor('birdc answering', () =>
      run('birdc', ['-s', sock, 'show', 'status']).then((o) => o.includes('Daemon is up')),
    );
  };
  await launch();
  const birdc = (...args: string[]) => run('birdc', ['-s', sock, ...args]);
  return {
    kind: 'bird',
    spec,
    async rib(family) {
      return parseBirdRoutes(
        await birdc('show', 'route', 'all', 'table', family === 'ipv4' ? 'master4' : 'master6'),
      );
    },
    async ribCount(family) {
      const out = await birdc('show', 'route', 'count', 'table', family === 'ipv4' ? 'master4' : 'master6');
      const m = /(\d+) of (\d+) routes/.exec(out);
      return m ? Number(m[2]) : 0;
    },
    async established(neighbor) {
      const out = await birdc('show', 'protocols', 'all');
      // Each protocol block names its neighbor address; find the one for `neighbor`.
      for (const block of out.split(/\n(?=\S)/)) {
        if (block.includes(`Neighbor address: ${neighbor}`) && /BGP state:\s+Established/.test(block))
          return true;
      }
      return false;
    },
    async bfdSessions() {
      return parseBirdBfdSessions(await birdc('show', 'bfd', 'sessions'));
    },
    configure: () => Promise.reject(new Error('configure() is FRR only')),
    freeze: async () => void killPid(pid, 'SIGSTOP'),
    thaw: async () => void killPid(pid, 'SIGCONT'),
    async restart() {
      await stopPid(pid);
      await launch();
    },
    async stop() {
      await stopPid(pid);
      rmSync(dir, { recursive: true, force: true });
    },
    cli: birdc,
    logs: () => proc.output(),
    pid: () => pid,
  };
}

/** Parses `birdc show bfd sessions`: per session a line "ADDRESS IFACE STATE SINCE INTERVAL TIMEOUT". */
export function parseBirdBfdSessions(text: string): DaemonBfdSession[] {
  const out: DaemonBfdSession[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-fA-F.:]+)\s+\S+\s+(Up|Down|Init|AdminDown)\b/.exec(line);
    if (m && m[1]!.match(/[.:]/)) out.push({ peer: m[1]!, state: m[2]!.toLowerCase() });
  }
  return out;
}

/** Parses `birdc show route all`: a route line (prefix only on the first route of a prefix; `*` marks
 *  the best), then tab-indented attribute lines. Keeps the best route per prefix. */
export function parseBirdRoutes(text: string): Map<string, RibEntry> {
  const out = new Map<string, RibEntry>();
  let prefix = '';
  let current: RibEntry | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+\/\d+)?\s+(?:unicast|unreachable|blackhole|prohibit)\s+\[[^\]]*\](\s+\*)?/.exec(line);
    if (head) {
      if (head[1]) prefix = head[1];
      current = { prefix, nextHop: '', asPath: [], origin: 'igp', communities: [], largeCommunities: [] };
      if (head[2] || !out.has(prefix)) out.set(prefix, current);
      continue;
    }
    const attr = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!current || !attr) continue;
    const name = attr[1];
    const value = attr[2] ?? '';
    switch (name) {
      case 'origin':
        current.origin = value.toLowerCase() as RibEntry['origin'];
        break;
      case 'as_path':
        current.asPath = value.split(/\s+/).filter(Boolean).map(Number);
        break;
      case 'next_hop':
        current.nextHop = value.split(/\s+/)[0] ?? '';
        break;
      case 'local_pref':
        current.localPref = Number(value);
        break;
      case 'med':
        current.med = Number(value);
        break;
      case 'community':
        current.communities = [...value.matchAll(/\((\d+),(\d+)\)/g)].map((m) =>
          normaliseCommunity(`${m[1]}:${m[2]}`),
        );
        break;
      case 'large_community':
        current.largeCommunities = [...value.matchAll(/\((\d+), (\d+), (\d+)\)/g)].map(
          (m) => `${m[1]}:${m[2]}:${m[3]}`,
        );
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- FRR

function frrConfig(spec: DaemonSpec, name: string, logFile: string): string {
  const l = ['frr defaults traditional', `hostname ${name}`, `log file ${logFile}`, `router bgp ${spec.asn}`];
  l.push(` bgp router-id ${spec.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  l.push(' no bgp network import-check');
  for (const n of spec.neighbors) {
    l.push(` neighbor ${n.address} remote-as ${n.asn}`);
    if (n.port) l.push(` neighbor ${n.address} port ${n.port}`);
    if (n.passive !== false) l.push(` neighbor ${n.address} passive`);
    l.push(` neighbor ${n.address} timers connect 1`);
    if (n.holdTimeSecs !== undefined) {
      l.push(` neighbor ${n.address} timers ${Math.floor(n.holdTimeSecs / 3)} ${n.holdTimeSecs}`);
    }
    if (n.password) l.push(` neighbor ${n.address} password ${n.password}`);
    if (n.multihop) l.push(` neighbor ${n.address} ebgp-multihop 255`);
    if (n.bfd)
      l.push(` neighbor ${n.address} bfd`, ` neighbor ${n.address} bfd profile ${frrBfdProfile(n.bfd)}`);
  }
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const members = spec.neighbors.filter((n) => familiesOf(n).includes(fam));
    if (!members.length) continue;
    l.push(` address-family ${fam} unicast`);
    for (const n of members) l.push(`  neighbor ${n.address} activate`);
    l.push(' exit-address-family');
  }
  return l.join('\n') + '\n';
}

/** The name of the bfdd profile the FRR daemon uses for these timers. */
export function frrBfdProfile(b: BfdSpec): string {
  return `p${b.receiveMs}x${b.transmitMs}x${b.multiplier}`;
}

/** bfdd's config: one profile per distinct timer set the neighbours ask for. */
function frrBfdConfig(spec: DaemonSpec, logFile: string): string {
  const l = ['frr defaults traditional', `log file ${logFile}`, 'bfd'];
  const seen = new Set<string>();
  for (const n of spec.neighbors) {
    if (!n.bfd || seen.has(frrBfdProfile(n.bfd))) continue;
    seen.add(frrBfdProfile(n.bfd));
    l.push(` profile ${frrBfdProfile(n.bfd)}`);
    l.push(`  receive-interval ${n.bfd.receiveMs}`, `  transmit-interval ${n.bfd.transmitMs}`);
    l.push(`  detect-multiplier ${n.bfd.multiplier}`, ' exit');
  }
  return l.join('\n') + '\n';
}

async function startFrr(spec: DaemonSpec): Promise<PeerDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'flb-frr-'));
  const name = `flb${randomBytes(4).toString('hex')}`;
  const conf = join(dir, 'bgpd.conf');
  const pidFile = join(dir, 'bgpd.pid');
  const logFile = join(dir, 'bgpd.log');
  const vtyDir = `/var/run/frr/${name}`;
  writeFileSync(conf, frrConfig(spec, name, logFile));
  mkdirSync(vtyDir, { recursive: true });
  // BFD needs bfdd, and bgpd reaches bfdd only through zebra: with BFD all three run.
  const withBfd = spec.neighbors.some((n) => n.bfd);
  const helpers: number[] = [];
  const helper = async (daemon: 'zebra' | 'bfdd', config: string) => {
    const file = join(dir, `${daemon}.conf`);
    const pidPath = join(dir, `${daemon}.pid`);
    writeFileSync(file, config);
    // Group frrvty: these daemons insist the user be in FRR's vty group, and -g counts.
    const args = ['-d', '-u', 'root', '-g', 'frrvty', '-N', name, '-f', file, '-i', pidPath];
    await run(`/usr/lib/frr/${daemon}`, args, { netns: spec.netns });
    const p = await waitForPid(pidPath);
    running.add(p);
    helpers.push(p);
  };
  if (withBfd) {
    await helper('zebra', `hostname ${name}\nlog file ${join(dir, 'zebra.log')}\n`);
    await helper('bfdd', frrBfdConfig(spec, join(dir, 'bfdd.log')));
  }
  let pid = 0;
  const launch = async () => {
    rmSync(pidFile, { force: true });
    // -Z: no zebra (unless BFD needs it); -S: no kernel routes; -N: own path space (vty socket under
    // /var/run/frr/NAME).
    await run(
      '/usr/lib/frr/bgpd',
      [
        '-d',
        ...(withBfd ? [] : ['-Z']),
        '-S',
        '-u',
        'root',
        '-g',
        'root',
        '-N',
        name,
        '-f',
        conf,
        '-i',
        pidFile,
        '-p',
        String(spec.port),
        ...spec.listenAddresses.flatMap((a) => ['-l', a]),
      ],
      { netns: spec.netns },
    );
    pid = await waitForPid(pidFile);
    running.add(pid);
    await waitFor('vtysh answering', () => vtysh('show bgp summary json').then(() => true));
  };
  const vtysh = (cmd: string) => run('vtysh', ['-N', name, '-c', cmd]);
  const vtyshJson = async (cmd: string) => JSON.parse(await vtysh(cmd)) as Record<string, unknown>;
  await launch();
  return {
    kind: 'frr',
    spec,
    async rib(family) {
      const table = (await vtyshJson(`show bgp ${family} unicast json`)) as {
        routes?: Record<string, unknown>;
      };
      const out = new Map<string, RibEntry>();
      for (const prefix of Object.keys(table.routes ?? {})) {
        const detail = (await vtyshJson(`show bgp ${family} unicast ${prefix} json`)) as {
          paths?: FrrPath[];
        };
        const path = detail.paths?.find((p) => p.bestpath?.overall) ?? detail.paths?.[0];
        if (path) out.set(prefix, frrEntry(prefix, path));
      }
      return out;
    },
    async ribCount(family) {
      const sum = (await vtyshJson(`show bgp ${family} unicast summary json`)) as {
        peers?: Record<string, { pfxRcd?: number }>;
      };
      return Object.values(sum.peers ?? {}).reduce((a, p) => a + (p.pfxRcd ?? 0), 0);
    },
    async established(neighbor) {
      const j = (await vtyshJson(`show bgp neighbors ${neighbor} json`)) as Record<
        string,
        { bgpState?: string }
      >;
      return j[neighbor]?.bgpState === 'Established';
    },
    async bfdSessions() {
      if (!withBfd) return [];
      const peers = JSON.parse(await vtysh('show bfd peers json')) as Record<string, string | number>[];
      return peers.map((p) => ({
        peer: String(p['peer'] ?? ''),
        state: String(p['status'] ?? '').toLowerCase(),
        detail: {
          localDiscriminator: Number(p['id']),
          remoteDiscriminator: Number(p['remote-id']),
          remoteReceiveMs: Number(p['remote-receive-interval']),
          remoteTransmitMs: Number(p['remote-transmit-interval']),
          remoteMultiplier: Number(p['remote-detect-multiplier']),
        },
      }));
    },
    async configure(lines) {
      await run('vtysh', ['-N', name, '-c', 'configure terminal', ...lines.flatMap((l) => ['-c', l])]);
    },
    freeze: async () => {
      for (const p of [pid, ...helpers]) killPid(p, 'SIGSTOP');
    },
    thaw: async () => {
      for (const p of [pid, ...helpers]) killPid(p, 'SIGCONT');
    },
    async restart() {
      await stopPid(pid);
      await launch();
    },
    async stop() {
      await stopPid(pid);
      for (const p of helpers) await stopPid(p);
      rmSync(dir, { recursive: true, force: true });
      rmSync(vtyDir, { recursive: true, force: true });
    },
    cli: (...args) => vtysh(args.join(' ')),
    logs: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    pid: () => pid,
  };
}

interface FrrPath {
  bestpath?: { overall?: boolean };
  aspath?: { string?: string; segments?: Array<{ list?: number[] }> };
  origin?: string;
  med?: number;
  metric?: number;
  locPrf?: number;
  localpref?: number;
  community?: { string?: string; list?: string[] };
  largeCommunity?: { string?: string; list?: string[] };
  nexthops?: Array<{ ip?: string; scope?: string; used?: boolean }>;
}

function frrEntry(prefix: string, p: FrrPath): RibEntry {
  const asPath = (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []);
  const origin = (p.origin ?? 'IGP').toLowerCase();
  const nh = p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0];
  return {
    prefix,
    nextHop: nh?.ip ?? '',
    asPath,
    origin: (origin === '?' ? 'incomplete' : origin) as RibEntry['origin'],
    localPref: p.locPrf ?? p.localpref,
    med: p.med ?? p.metric,
    communities: (p.community?.string ?? '').split(/\s+/).filter(Boolean).map(normaliseCommunity),
    largeCommunities: (p.largeCommunity?.string ?? '').split(/\s+/).filter(Boolean),
  };
}

// ---------------------------------------------------------------- GoBGP

function gobgpConfig(spec: DaemonSpec): string {
  const l = [
    '[global.config]',
    `  as = ${spec.asn}`,
    `  router-id = "${spec.routerId}"`,
    `  port = ${spec.port}`,
    `  local-address-list = [${spec.listenAddresses.map((a) => `"${a}"`).join(', ')}]`,
  ];
  for (const n of spec.neighbors) {
    l.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.asn}`,
    );
    if (n.password) l.push(`    auth-password = "${n.password}"`);
    l.push('  [neighbors.timers.config]', '    connect-retry = 1');
    if (n.holdTimeSecs !== undefined) {
      l.push(
        `    hold-time = ${n.holdTimeSecs}`,
        `    keepalive-interval = ${Math.max(1, Math.floor(n.holdTimeSecs / 3))}`,
      );
    }
    l.push('  [neighbors.transport.config]', `    passive-mode = ${n.passive !== false}`);
    if (n.port) l.push(`    remote-port = ${n.port}`);
    if (n.multihop)
      l.push('  [neighbors.ebgp-multihop.config]', '    enabled = true', '    multihop-ttl = 255');
    for (const f of familiesOf(n)) {
      l.push(
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        `      afi-safi-name = "${f}-unicast"`,
      );
    }
  }
  return l.join('\n') + '\n';
}

async function startGobgp(spec: DaemonSpec): Promise<PeerDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'flb-gobgp-'));
  const conf = join(dir, 'gobgpd.toml');
  writeFileSync(conf, gobgpConfig(spec));
  // The API listens inside the daemon's namespace; the CLI runs there too.
  const apiPort = spec.netns ? 50051 : await freePort();
  let proc: ReturnType<typeof start>;
  const gobgp = (...args: string[]) => run('gobgp', ['-p', String(apiPort), ...args], { netns: spec.netns });
  const launch = async () => {
    proc = start('gobgpd', ['-f', conf, '-p', '--api-hosts', `127.0.0.1:${apiPort}`, '-l', 'info'], {
      netns: spec.netns,
    });
    await waitFor('gobgp API answering', () => gobgp('global').then(() => true));
  };
  await launch();
  return {
    kind: 'gobgp',
    spec,
    async rib(family) {
      const text = await gobgp('-j', 'global', 'rib', '-a', family);
      return parseGobgpRib(text);
    },
    async ribCount(family) {
      const out = await gobgp('global', 'rib', 'summary', '-a', family);
      const m = /Destination:\s*(\d+)/.exec(out);
      return m ? Number(m[1]) : 0;
    },
    async established(neighbor) {
      const j = JSON.parse(await gobgp('-j', 'neighbor', neighbor)) as { state?: { session_state?: number } };
      return j.state?.session_state === 6;
    },
    bfdSessions: () => Promise.reject(new Error('GoBGP has no BFD')),
    configure: () => Promise.reject(new Error('configure() is FRR only')),
    freeze: async () => void killPid(proc.pid!, 'SIGSTOP'),
    thaw: async () => void killPid(proc.pid!, 'SIGCONT'),
    async restart() {
      await stopPid(proc.pid!);
      await launch();
    },
    async stop() {
      await stopPid(proc.pid!);
      rmSync(dir, { recursive: true, force: true });
    },
    cli: gobgp,
    logs: () => proc.output(),
    pid: () => proc.pid!,
  };
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ asns?: number[] }>;
  nexthop?: string;
  communities?: number[];
  metric?: number;
  local_pref?: number;
}

export function parseGobgpRib(text: string): Map<string, RibEntry> {
  const out = new Map<string, RibEntry>();
  if (!text.trim()) return out;
  const rib = JSON.parse(text) as Record<
    string,
    Array<{ nlri?: { prefix?: string }; best?: boolean; attrs?: GobgpAttr[] }>
  >;
  for (const [prefix, paths] of Object.entries(rib)) {
    const p = paths.find((x) => x.best) ?? paths[0];
    if (!p) continue;
    const e: RibEntry = {
      prefix,
      nextHop: '',
      asPath: [],
      origin: 'igp',
      communities: [],
      largeCommunities: [],
    };
    for (const a of p.attrs ?? []) {
      switch (a.type) {
        case 1:
          e.origin = (['igp', 'egp', 'incomplete'] as const)[Number(a.value)] ?? 'igp';
          break;
        case 2:
          e.asPath = (a.as_paths ?? []).flatMap((s) => s.asns ?? []);
          break;
        case 3:
        case 14:
          e.nextHop = a.nexthop ?? e.nextHop;
          break;
        case 4:
          e.med = a.metric;
          break;
        case 5:
          e.localPref = a.value as number;
          break;
        case 8:
          e.communities = (a.communities ?? []).map((c) => normaliseCommunity(`${c >>> 16}:${c & 0xffff}`));
          break;
        case 32:
          e.largeCommunities = (
            (a.value as Array<{ ASN: number; LocalData1: number; LocalData2: number }>) ?? []
          ).map((v) => `${v.ASN}:${v.LocalData1}:${v.LocalData2}`);
          break;
      }
    }
    out.set(prefix, e);
  }
  return out;
}
