// `ferrolb config validate FILE...` and `ferrolb config convert FILE`.
import {
  buildConfig,
  formatError,
  parseDocuments,
  sortErrors,
  type BuildResult,
  type ConfigError,
  type RawObject,
} from '../config/index.js';
import { rangeSize } from '../config/ip.js';
import { toYamlDocuments } from '../config/emit.js';
import { legacyConfigMapToObjects } from '../config/legacy.js';
import { parseService } from '../config/service.js';
import { DEFAULT_NAMESPACE } from '../config/build.js';
import { parseArgs } from './args.js';
import { readInput } from './input.js';
import type { CommandIO } from './io.js';

export const CONFIG_USAGE = `Usage:
  ferrolb config validate [--namespace NS] FILE...
      Validate multi-document YAML (metallb.io objects, v1 Secrets, Namespaces, Nodes, Services,
      or a legacy MetalLB ConfigMap). "-" reads stdin. Exit 0 with a one-line summary when valid;
      exit 1 with every error as "file:doc-index Kind/namespace/name: field: reason" on stderr.
  ferrolb config convert [--namespace NS] FILE
      Convert a legacy MetalLB ConfigMap (the "config" key) to the equivalent CRD YAML on stdout.

Options:
  -n, --namespace NS   namespace MetalLB runs in (default ${DEFAULT_NAMESPACE})
  -h, --help           show this help
`;

const FLAGS = [
  { name: 'namespace', alias: 'n', takesValue: true },
  { name: 'help', alias: 'h', takesValue: false },
] as const;

interface Loaded {
  objects: RawObject[];
  errors: ConfigError[];
  documents: number;
}

function load(files: readonly string[]): Loaded {
  const out: Loaded = { objects: [], errors: [], documents: 0 };
  for (const file of files) {
    const input = readInput(file);
    if (!input.ok) {
      out.errors.push({ object: '//', field: '', reason: input.reason, source: { file, doc: 0 } });
      continue;
    }
    const parsed = parseDocuments(input.text, file);
    out.objects.push(...parsed.objects);
    out.errors.push(...parsed.errors);
  }
  out.documents = out.objects.length;
  return out;
}

/** Enough for any real configuration; garbage input does not flood the terminal. */
const MAX_PRINTED_ERRORS = 1000;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function summary(
  result: Extract<BuildResult, { ok: true }>,
  files: number,
  objects: number,
  services: number,
): string {
  const c = result.config;
  let v4 = 0n;
  let v6 = 0n;
  for (const p of c.pools) {
    for (const b of p.ipv4) v4 += rangeSize(b.range);
    for (const b of p.ipv6) v6 += rangeSize(b.range);
  }
  const parts = [
    `${plural(c.pools.length, 'IPAddressPool')} (${v4} IPv4 + ${v6} IPv6 addresses)`,
    plural(c.l2Advertisements.length, 'L2Advertisement'),
    plural(c.bgpAdvertisements.length, 'BGPAdvertisement'),
    plural(c.peers.length, 'BGPPeer'),
    plural(c.bfdProfiles.length, 'BFDProfile'),
    plural(Object.keys(c.communityAliases).length, 'community alias').replace(/aliass$/, 'aliases'),
    plural(services, 'Service'),
  ];
  return `valid: ${plural(files, 'file')}, ${plural(objects, 'object')}: ${parts.join(', ')}`;
}

function validate(files: readonly string[], namespace: string, io: CommandIO): number {
  const loaded = load(files);
  const result = buildConfig(loaded.objects, { namespace });
  const errors = [...loaded.errors];
  const warnings: ConfigError[] = [...result.warnings];
  if (!result.ok) errors.push(...result.errors);
  let services = 0;
  const poolNames = new Set(result.ok ? result.config.pools.map((p) => p.name) : []);
  for (const obj of loaded.objects) {
    if (obj.apiVersion !== 'v1' || obj.kind !== 'Service') continue;
    services++;
    const r = parseService(obj);
    errors.push(...r.errors);
    warnings.push(...r.warnings);
    const svc = r.service;
    if (result.ok && svc?.requestedPool && !poolNames.has(svc.requestedPool)) {
      warnings.push({
        object: `Service/${svc.namespace}/${svc.name}`,
        field: 'metadata.annotations[metallb.io/address-pool]',
        reason: `IPAddressPool "${svc.requestedPool}" does not exist; no IP will be allocated`,
        ...(obj.source ? { source: obj.source } : {}),
      });
    }
  }
  for (const w of sortErrors(warnings)) io.stderr(`warning: ${formatError(w)}`);
  if (errors.length > 0 || !result.ok) {
    const sortedErrors = sortErrors(errors);
    for (const e of sortedErrors.slice(0, MAX_PRINTED_ERRORS)) io.stderr(formatError(e));
    if (sortedErrors.length > MAX_PRINTED_ERRORS)
      io.stderr(`... and ${sortedErrors.length - MAX_PRINTED_ERRORS} more errors not shown`);
    io.stderr(`invalid: ${plural(errors.length, 'error')}`);
    return 1;
  }
  io.stdout(summary(result, files.length, loaded.objects.length, services));
  return 0;
}

function convert(file: string, namespace: string, io: CommandIO): number {
  const loaded = load([file]);
  const errors = [...loaded.errors];
  const out: RawObject[] = [];
  let legacyCount = 0;
  for (const obj of loaded.objects) {
    const data = obj.raw.data;
    const isLegacy =
      obj.apiVersion === 'v1' &&
      obj.kind === 'ConfigMap' &&
      typeof data === 'object' &&
      data !== null &&
      'config' in data;
    if (!isLegacy) {
      out.push(obj);
      continue;
    }
    legacyCount++;
    const r = legacyConfigMapToObjects(obj, namespace);
    errors.push(...r.errors);
    out.push(...r.objects);
  }
  if (errors.length === 0 && legacyCount === 0)
    errors.push({
      object: '//',
      field: '',
      reason: 'no legacy MetalLB ConfigMap (data.config) found',
      source: { file, doc: 0 },
    });
  if (errors.length === 0) {
    // Only print what validates: the converted objects must stand on their own.
    const check = buildConfig(out, { namespace });
    if (!check.ok) errors.push(...check.errors);
  }
  if (errors.length > 0) {
    for (const e of sortErrors(errors)) io.stderr(formatError(e));
    return 1;
  }
  io.stdout(toYamlDocuments(out).trimEnd());
  return 0;
}

export function configCommand(argv: readonly string[], io: CommandIO): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(CONFIG_USAGE.trimEnd());
    return sub === undefined ? 2 : 0;
  }
  const args = parseArgs(rest, FLAGS);
  if (!args.ok) {
    io.stderr(`ferrolb config ${sub}: ${args.reason}\n\n${CONFIG_USAGE.trimEnd()}`);
    return 2;
  }
  if (args.flags.has('help')) {
    io.stdout(CONFIG_USAGE.trimEnd());
    return 0;
  }
  const ns = args.flags.get('namespace');
  const namespace = typeof ns === 'string' && ns !== '' ? ns : DEFAULT_NAMESPACE;
  if (sub === 'validate') {
    if (args.positional.length === 0) {
      io.stderr(`ferrolb config validate: at least one FILE is required\n\n${CONFIG_USAGE.trimEnd()}`);
      return 2;
    }
    return validate(args.positional, namespace, io);
  }
  if (sub === 'convert') {
    if (args.positional.length !== 1) {
      io.stderr(`ferrolb config convert: exactly one FILE is required\n\n${CONFIG_USAGE.trimEnd()}`);
      return 2;
    }
    return convert(args.positional[0] as string, namespace, io);
  }
  io.stderr(`ferrolb config: unknown subcommand "${sub}"\n\n${CONFIG_USAGE.trimEnd()}`);
  return 2;
}
