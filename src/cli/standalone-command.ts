// `ferrolb standalone [--dry-run] --node-name NAME FILE...`: the speaker without a cluster.
import { parseLogLevel, type LogLevel } from '../observability/logger.js';
import { monitoringFlag } from '../observability/monitoring-flag.js';
import { DEFAULT_NAMESPACE } from '../config/build.js';
import type { HostInterface } from '../layer2/interfaces.js';
import { readSysInterfaces } from '../layer2/host-interfaces.js';
import { loadCluster } from '../standalone/cluster.js';
import { readSources } from '../standalone/sources.js';
import { dryRun } from '../standalone/dry-run.js';
import { parseArgs } from './args.js';
import type { CommandIO } from './io.js';

export const STANDALONE_USAGE = `Usage:
  ferrolb standalone --node-name NAME [options] FILE...
      Run the speaker for node NAME from multi-document YAML (metallb.io objects, v1 Services,
      and optionally Nodes, EndpointSlices, Namespaces, Secrets). IPs are allocated
      deterministically (same files, same addresses on every host). The files are watched:
      valid edits apply live, invalid ones are reported on stderr and ignored.
  ferrolb standalone --dry-run --node-name NAME [options] FILE...
      Print what node NAME would announce, as JSON, and exit (1 when the files are invalid).

Options:
  --node-name NAME            this node (default: $METALLB_NODE_NAME)
  -n, --namespace NS          namespace of the MetalLB objects (default ${DEFAULT_NAMESPACE})
  --lb-class CLASS            only serve Services of this loadBalancerClass
  --ignore-exclude-lb         ignore the exclude-from-external-load-balancers node label
  --assume-interfaces A,B     take these as the host's interfaces instead of reading them
  --router-id IP              BGP router id (default: the first IPv4 address of the host)
  --ml-bindaddr IP            speakerlist: listen address (enables speakerlist with a secret)
  --ml-bindport PORT          speakerlist: port (default 7946)
  --ml-secret-key-path FILE   speakerlist: file holding the shared secret
  --ml-join HOST:PORT,...     speakerlist: seed members
  --l2-refresh-interval MS    re-send gratuitous ARP/NA every MS after the burst (0 = off)
  --host ADDR                 monitoring listen address (default all)
  --port PORT                 serve /metrics, /healthz, /readyz on PORT (default off)
  --log-level LEVEL           all, debug, info, warn, error, none (default info)
  -h, --help                  show this help
`;

export const STANDALONE_FLAGS = [
  { name: 'node-name', takesValue: true },
  { name: 'dry-run', takesValue: false },
  { name: 'namespace', alias: 'n', takesValue: true },
  { name: 'lb-class', takesValue: true },
  { name: 'ignore-exclude-lb', takesValue: false },
  { name: 'assume-interfaces', takesValue: true },
  { name: 'router-id', takesValue: true },
  { name: 'ml-bindaddr', takesValue: true },
  { name: 'ml-bindport', takesValue: true },
  { name: 'ml-secret-key-path', takesValue: true },
  { name: 'ml-join', takesValue: true },
  { name: 'l2-refresh-interval', takesValue: true },
  { name: 'host', takesValue: true },
  { name: 'port', takesValue: true },
  { name: 'log-level', takesValue: true },
  { name: 'help', alias: 'h', takesValue: false },
] as const;

/** Interfaces named on the command line, as up Ethernet-like links. */
export function assumedInterfaces(list: string): HostInterface[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((name) => ({
      name,
      up: true,
      loopback: false,
      broadcast: true,
      noArp: false,
      master: null,
      mac: null,
    }));
}

export async function standaloneCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const args = parseArgs(argv, STANDALONE_FLAGS);
  if (!args.ok) {
    io.stderr(`ferrolb standalone: ${args.reason}\n\n${STANDALONE_USAGE.trimEnd()}`);
    return 2;
  }
  if (args.flags.has('help')) {
    io.stdout(STANDALONE_USAGE.trimEnd());
    return 0;
  }
  const str = (k: string): string | undefined => {
    const v = args.flags.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const nodeName = str('node-name') ?? process.env.METALLB_NODE_NAME ?? '';
  if (nodeName === '') {
    io.stderr(
      `ferrolb standalone: --node-name (or METALLB_NODE_NAME) is required\n\n${STANDALONE_USAGE.trimEnd()}`,
    );
    return 2;
  }
  if (args.positional.length === 0) {
    io.stderr(`ferrolb standalone: at least one FILE is required\n\n${STANDALONE_USAGE.trimEnd()}`);
    return 2;
  }
  const loadOpts = {
    nodeName,
    namespace: str('namespace') ?? DEFAULT_NAMESPACE,
    lbClass: str('lb-class') ?? null,
  };
  const planOpts = { ignoreExcludeLB: args.flags.has('ignore-exclude-lb') };
  const refresh = str('l2-refresh-interval');
  if (refresh !== undefined && !/^\d+$/.test(refresh)) {
    io.stderr(`ferrolb standalone: --l2-refresh-interval: ${refresh} is not a number of milliseconds`);
    return 2;
  }
  const assumed = str('assume-interfaces');

  if (args.flags.has('dry-run')) {
    const read = readSources(args.positional);
    if (!read.ok) {
      for (const e of read.errors) io.stderr(e);
      return 1;
    }
    const loaded = loadCluster(read.sources, loadOpts);
    if (!loaded.ok) {
      for (const e of loaded.errors) io.stderr(e);
      io.stderr(`invalid: ${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'}`);
      return 1;
    }
    for (const w of loaded.warnings) io.stderr(w);
    const interfaces = assumed !== undefined ? assumedInterfaces(assumed) : await readSysInterfaces();
    io.stdout(JSON.stringify(dryRun(loaded.view, nodeName, { interfaces }, planOpts), null, 2));
    return 0;
  }

  const monitoring = monitoringFlag(str('host') ?? null, str('port') ?? null);
  if (typeof monitoring === 'string') {
    io.stderr(`ferrolb standalone: ${monitoring}`);
    return 2;
  }
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(str('log-level') ?? 'info');
  } catch (e) {
    io.stderr(`ferrolb standalone: ${(e as Error).message}`);
    return 2;
  }
  const { runStandalone } = await import('../standalone/run.js');
  return runStandalone({
    files: args.positional,
    load: loadOpts,
    plan: planOpts,
    assumedInterfaces: assumed !== undefined ? assumedInterfaces(assumed) : null,
    routerId: str('router-id') ?? null,
    memberlist: {
      bindAddr: str('ml-bindaddr') ?? null,
      bindPort: str('ml-bindport') ?? null,
      secretKeyPath: str('ml-secret-key-path') ?? null,
      join: str('ml-join') ?? null,
    },
    l2RefreshMs: Number(str('l2-refresh-interval') ?? 0),
    logLevel,
    monitoring,
    io,
  });
}
