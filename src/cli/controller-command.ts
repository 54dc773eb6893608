// `ferrolb controller [...]`: thin wrapper over the controller process (src/controller/run.ts),
// loaded lazily so other subcommands do not pay for the Kubernetes client.
import type { CommandIO } from './io.js';
import { CONTROLLER_IGNORED_FLAGS, stripIgnoredFlags } from './metallb-flags.js';

export const CONTROLLER_USAGE = `Usage:
  ferrolb controller [--kubeconfig FILE] [--namespace NS] [--lb-class CLASS] [--identity ID]
                     [--lease-name NAME] [--lease-duration-ms N] [--renew-deadline-ms N] [--retry-period-ms N]
                     [--host ADDR] [--port PORT] [--log-level LEVEL]
      Assign IPs to LoadBalancer Services from the IPAddressPools (one active replica, Lease-elected).
      In-cluster configuration by default. --port (default 7472, 0 = off) serves /metrics,
      /healthz and /readyz; --log-level is one of all, debug, info, warn, error, none (default info).`;

export async function controllerCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(CONTROLLER_USAGE);
    return 0;
  }
  const { main } = await import('../controller/run.js');
  const { argv: own, ignored } = stripIgnoredFlags(argv, CONTROLLER_IGNORED_FLAGS);
  try {
    return await main(own, ignored);
  } catch (e) {
    io.stderr(`ferrolb controller: ${(e as Error).message}`);
    return 1;
  }
}
