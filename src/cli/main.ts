#!/usr/bin/env -S node --max-semi-space-size=2
// (A small young generation: the daemons are idle between bursts of work, and V8's default 16 MiB
// semi-spaces stay committed after a burst, ~60 MiB of RSS for nothing. Tests and benchmarks
// start node with these same flags, read from this line: cliNodeFlags() in __test__/helpers.)
// The `ferrolb` command: a small dispatcher. Each subcommand is `(argv, io) => exit code` (sync or
// async); `speaker`, `controller` and `standalone` register here the same way as `config`.
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { configCommand } from './config-command.js';
import { processIO, type CommandIO } from './io.js';
import { standaloneCommand } from './standalone-command.js';
import { controllerCommand } from './controller-command.js';
import { speakerCommand } from './speaker-command.js';

export type Command = (argv: readonly string[], io: CommandIO) => number | Promise<number>;

interface Entry {
  readonly summary: string;
  readonly run: Command;
}

export const COMMANDS: Readonly<Record<string, Entry>> = {
  config: {
    summary: 'validate MetalLB configuration, convert the legacy ConfigMap to CRDs',
    run: configCommand,
  },
  standalone: {
    summary: 'run the speaker from YAML files, without a cluster (--dry-run prints the plan)',
    run: standaloneCommand,
  },
  speaker: {
    summary: 'announce the LoadBalancer Services of a cluster from this node (layer 2, BGP)',
    run: speakerCommand,
  },
  controller: {
    summary: 'run the IP allocation controller (Kubernetes, leader-elected)',
    run: controllerCommand,
  },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`);
  return [
    'Usage: ferrolb COMMAND [ARGS...]',
    '',
    'Bare-metal load balancer for Kubernetes that reads MetalLB configuration.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help      show this help (or `ferrolb COMMAND --help`)',
    '  -V, --version   print the version',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(usage());
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout(usage());
    return 0;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout(`ferrolb ${version()}`);
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!cmd) {
    io.stderr(`ferrolb: unknown command "${first}"\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest, io);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

// Run when executed directly (node dist/cli/main.js, the npm bin symlink, or tsx src/cli/main.ts).
if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `ferrolb: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
