// Minimal argument parsing shared by subcommands: `--flag value`, `--flag=value`, booleans, and
// positional arguments; `--` ends options. Unknown flags are usage errors.

export interface FlagSpec {
  readonly name: string;
  readonly alias?: string;
  readonly takesValue: boolean;
}

export type ParsedArgs =
  { ok: true; flags: Map<string, string | true>; positional: string[] } | { ok: false; reason: string };

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = specs.find((s) => `--${s.name}` === key || (s.alias !== undefined && `-${s.alias}` === key));
    if (!spec) return { ok: false, reason: `unknown option ${key}` };
    if (!spec.takesValue) {
      if (eq >= 0) return { ok: false, reason: `option --${spec.name} takes no value` };
      flags.set(spec.name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return { ok: false, reason: `option --${spec.name} needs a value` };
    flags.set(spec.name, value);
  }
  return { ok: true, flags, positional };
}
