// `ferrolb speaker --node-name NAME [...]`: the speaker fed by the Kubernetes API (in-cluster
// configuration by default), with MetalLB's flags and environment variables where they apply.
import { DEFAULT_NAMESPACE } from '../config/build.js';
import { parseArgs } from './args.js';
import type { CommandIO } from './io.js';
import { parseLogLevel, type LogLevel } from '../observability/logger.js';
import { SPEAKER_IGNORED_FLAGS, stripIgnoredFlags } from './metallb-flags.js';
import { monitoringFlag } from '../observability/monitoring-flag.js';
import { assumedInterfaces } from './standalone-command.js';

export const SPEAKER_USAGE = `Usage:
  ferrolb speaker --node-name NAME [options]
      Announce the LoadBalancer Services of the cluster from this node (layer 2 and BGP).

Options (environment variable in brackets):
  --node-name NAME            this node [METALLB_NODE_NAME]
  --kubeconfig FILE           kubeconfig (default: in-cluster) [KUBECONFIG]
  -n, --namespace NS          namespace of the MetalLB objects (default ${DEFAULT_NAMESPACE}) [METALLB_NAMESPACE]
  --pod-name NAME             this speaker's pod, owner of its status objects [METALLB_POD_NAME]
                              (default: the --ml-labels pod on this node)
  --lb-class CLASS            only serve Services of this loadBalancerClass
  --ignore-exclude-lb         ignore the exclude-from-external-load-balancers node label
  --router-id IP              BGP router id (default: the first IPv4 address of the host)
  --assume-interfaces A,B     take these as the host's interfaces instead of reading them
  --ml-bindaddr IP            speakerlist listen address [METALLB_ML_BIND_ADDR]
  --ml-bindport PORT          speakerlist port (default 7946) [METALLB_ML_BIND_PORT]
  --ml-secret-key-path FILE   speakerlist shared secret [METALLB_ML_SECRET_KEY_PATH]
  --ml-labels SELECTOR        label selector of the speaker pods (seeds) [METALLB_ML_LABELS]
  --ml-join HOST:PORT,...     extra seed members
  --l2-refresh-interval MS    re-send gratuitous ARP/NA every MS after the burst (0 = off)
  --host ADDR                 monitoring listen address (default all) [METALLB_HOST]
  --port PORT                 /metrics, /healthz, /readyz port (default 7472, 0 = off) [METALLB_PORT]
  --log-level LEVEL           all, debug, info, warn, error, none (default info)
  -h, --help                  show this help`;

const FLAGS = [
  { name: 'node-name', takesValue: true },
  { name: 'kubeconfig', takesValue: true },
  { name: 'namespace', alias: 'n', takesValue: true },
  { name: 'pod-name', takesValue: true },
  { name: 'lb-class', takesValue: true },
  { name: 'ignore-exclude-lb', takesValue: false },
  { name: 'router-id', takesValue: true },
  { name: 'assume-interfaces', takesValue: true },
  { name: 'ml-bindaddr', takesValue: true },
  { name: 'ml-bindport', takesValue: true },
  { name: 'ml-secret-key-path', takesValue: true },
  { name: 'ml-labels', takesValue: true },
  { name: 'ml-join', takesValue: true },
  { name: 'l2-refresh-interval', takesValue: true },
  { name: 'host', takesValue: true },
  { name: 'port', takesValue: true },
  { name: 'log-level', takesValue: true },
  { name: 'help', alias: 'h', takesValue: false },
] as const;

export async function speakerCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { argv: own, ignored } = stripIgnoredFlags(argv, SPEAKER_IGNORED_FLAGS);
  const args = parseArgs(own, FLAGS);
  if (!args.ok) {
    io.stderr(`ferrolb speaker: ${args.reason}\n\n${SPEAKER_USAGE}`);
    return 2;
  }
  if (args.flags.has('help')) {
    io.stdout(SPEAKER_USAGE);
    return 0;
  }
  const env = process.env;
  const str = (k: string, envName?: string): string | null => {
    const v = args.flags.get(k);
    if (typeof v === 'string') return v;
    const e = envName ? env[envName] : undefined;
    return e !== undefined && e !== '' ? e : null;
  };
  const nodeName = str('node-name', 'METALLB_NODE_NAME');
  if (nodeName === null) {
    io.stderr(`ferrolb speaker: --node-name (or METALLB_NODE_NAME) is required\n\n${SPEAKER_USAGE}`);
    return 2;
  }
  const refresh = str('l2-refresh-interval');
  if (refresh !== null && !/^\d+$/.test(refresh)) {
    io.stderr(`ferrolb speaker: --l2-refresh-interval: ${refresh} is not a number of milliseconds`);
    return 2;
  }
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(str('log-level', 'METALLB_LOG_LEVEL') ?? 'info');
  } catch (e) {
    io.stderr(`ferrolb speaker: ${(e as Error).message}`);
    return 2;
  }
  const monitoring = monitoringFlag(str('host', 'METALLB_HOST'), str('port', 'METALLB_PORT') ?? '7472');
  if (typeof monitoring === 'string') {
    io.stderr(`ferrolb speaker: ${monitoring}`);
    return 2;
  }
  const { runKubernetesSpeaker } = await import('../speaker/run-kubernetes.js');
  const assumed = str('assume-interfaces');
  return runKubernetesSpeaker({
    ignoredFlags: ignored,
    nodeName,
    kubeconfig: str('kubeconfig', 'KUBECONFIG'),
    namespace: str('namespace', 'METALLB_NAMESPACE') ?? DEFAULT_NAMESPACE,
    lbClass: str('lb-class'),
    plan: { ignoreExcludeLB: args.flags.has('ignore-exclude-lb') },
    routerId: str('router-id'),
    assumedInterfaces: assumed === null ? null : assumedInterfaces(assumed),
    memberlist: {
      bindAddr: str('ml-bindaddr', 'METALLB_ML_BIND_ADDR'),
      bindPort: str('ml-bindport', 'METALLB_ML_BIND_PORT'),
      secretKeyPath: str('ml-secret-key-path', 'METALLB_ML_SECRET_KEY_PATH'),
      join: str('ml-join'),
    },
    speakerPodSelector: str('ml-labels', 'METALLB_ML_LABELS'),
    podName: str('pod-name', 'METALLB_POD_NAME'),
    l2RefreshMs: Number(str('l2-refresh-interval') ?? 0),
    logLevel,
    monitoring,
    io,
  });
}
