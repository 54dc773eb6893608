// MetalLB's own command-line flags that mean nothing here. They are accepted, so MetalLB's
// manifests and Helm values start ferrolb unchanged, and each is reported once at start-up with
// the reason, instead of failing as an unknown option.

export interface IgnoredFlag {
  /** Go-style boolean flags also take `--flag=true|false`. */
  readonly takesValue: boolean;
  readonly reason: string;
}

const NO_WEBHOOK = 'ferrolb has no admission webhook (use `ferrolb config validate`)';
const NO_PPROF = 'no pprof endpoint in a Node.js process';

export const SPEAKER_IGNORED_FLAGS: Readonly<Record<string, IgnoredFlag>> = {
  'disable-epslices': { takesValue: false, reason: 'ferrolb always reads EndpointSlices' },
  'enable-pprof': { takesValue: false, reason: NO_PPROF },
};

export const CONTROLLER_IGNORED_FLAGS: Readonly<Record<string, IgnoredFlag>> = {
  'webhook-mode': { takesValue: true, reason: NO_WEBHOOK },
  'cert-service-name': { takesValue: true, reason: NO_WEBHOOK },
  'cert-dir': { takesValue: true, reason: NO_WEBHOOK },
  'disable-cert-rotation': { takesValue: false, reason: NO_WEBHOOK },
  deployment: { takesValue: true, reason: NO_WEBHOOK },
  'tls-min-version': { takesValue: true, reason: NO_WEBHOOK },
  'tls-cipher-suites': { takesValue: true, reason: NO_WEBHOOK },
  'enable-pprof': { takesValue: false, reason: NO_PPROF },
};

export interface IgnoredFlagNote {
  readonly flag: string;
  readonly reason: string;
}

/** `argv` without the ignored flags (and their values), plus one note per flag removed. */
export function stripIgnoredFlags(
  argv: readonly string[],
  table: Readonly<Record<string, IgnoredFlag>>,
): { argv: string[]; ignored: IgnoredFlagNote[] } {
  const out: string[] = [];
  const ignored: IgnoredFlagNote[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    // Go's flag package takes one dash or two.
    const m = /^--?([a-z][a-z0-9-]*)(=.*)?$/.exec(arg);
    const spec = m ? table[m[1] as string] : undefined;
    if (!m || !spec) {
      out.push(arg);
      continue;
    }
    if (spec.takesValue && m[2] === undefined) i++; // `--flag value`
    ignored.push({ flag: `--${m[1]}`, reason: spec.reason });
  }
  return { argv: out, ignored };
}
