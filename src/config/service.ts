// Service → ServiceInput: the MetalLB annotations (new `metallb.io/` prefix wins over the
// deprecated `metallb.universe.tf/` twin), spec.loadBalancerIP, loadBalancerClass, traffic and
// family policies, ports, current ingress IPs. Bad inputs become errors on the service only.
import { isRecord, typeName } from './fields.js';
import { formatIP, parseIP, type IPAddress } from './ip.js';
import type {
  ConfigError,
  ExternalTrafficPolicy,
  IPFamily,
  IPFamilyPolicy,
  Labels,
  PortProtocol,
  RawObject,
  ServiceInput,
  ServiceParseResult,
  ServicePort,
  SourceRef,
} from './model.js';

export const ANNOTATION_PREFIX = 'metallb.io/';
export const LEGACY_ANNOTATION_PREFIX = 'metallb.universe.tf/';
export const ANNOTATION_ADDRESS_POOL = 'address-pool';
export const ANNOTATION_LOAD_BALANCER_IPS = 'loadBalancerIPs';
export const ANNOTATION_ALLOW_SHARED_IP = 'allow-shared-ip';
export const ANNOTATION_ALLOCATED_FROM_POOL = 'ip-allocated-from-pool';

const POLICIES: readonly IPFamilyPolicy[] = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v))
    if (typeof val === 'string') Object.defineProperty(out, k, { value: val, enumerable: true });
  return out;
}

export function parseService(input: RawObject | unknown, source?: SourceRef): ServiceParseResult {
  const raw: Record<string, unknown> =
    isRecord(input) && isRecord(input.raw) ? input.raw : isRecord(input) ? input : {};
  const src =
    source ??
    (isRecord(input) && isRecord(input.source) ? (input.source as unknown as SourceRef) : undefined);
  const md = isRecord(raw.metadata) ? raw.metadata : {};
  const namespace = typeof md.namespace === 'string' && md.namespace ? md.namespace : 'default';
  const name = typeof md.name === 'string' ? md.name : '';
  const ref = `Service/${namespace}/${name}`;
  const errors: ConfigError[] = [];
  const warnings: ConfigError[] = [];
  const err = (field: string, reason: string) =>
    errors.push(src ? { object: ref, field, reason, source: src } : { object: ref, field, reason });
  const warn = (field: string, reason: string) =>
    warnings.push(src ? { object: ref, field, reason, source: src } : { object: ref, field, reason });

  if (raw.kind !== 'Service' || name === '') {
    err('', 'not a Service object with a name');
    return { service: null, errors, warnings };
  }
  const annotations = stringMap(md.annotations);
  const labels: Labels = stringMap(md.labels);
  const spec = isRecord(raw.spec) ? raw.spec : {};
  if (raw.spec !== undefined && !isRecord(raw.spec))
    err('spec', `must be a mapping, got ${typeName(raw.spec)}`);

  /** Reads one MetalLB annotation, preferring the current prefix and flagging the legacy one. */
  const annotation = (key: string): { value: string; field: string; name: string } | null => {
    const current = `${ANNOTATION_PREFIX}${key}`;
    const legacy = `${LEGACY_ANNOTATION_PREFIX}${key}`;
    const hasCurrent = Object.hasOwn(annotations, current);
    const hasLegacy = Object.hasOwn(annotations, legacy);
    if (hasLegacy) {
      const why = hasCurrent
        ? `ignored because ${current} is also set`
        : `deprecated annotation prefix, use ${current}`;
      warn(`metadata.annotations[${legacy}]`, why);
    }
    if (!hasCurrent && !hasLegacy) return null;
    const name = hasCurrent ? current : legacy;
    return { value: annotations[name] as string, field: `metadata.annotations[${name}]`, name };
  };

  // Requested IPs: the annotation (up to one address per family) or spec.loadBalancerIP, never both.
  const requestedIPs: IPAddress[] = [];
  const lbIPs = annotation(ANNOTATION_LOAD_BALANCER_IPS);
  const specIP = typeof spec.loadBalancerIP === 'string' ? spec.loadBalancerIP.trim() : '';
  if (lbIPs && lbIPs.value.trim() !== '') {
    const parts = lbIPs.value.split(',').map((s) => s.trim());
    const parsed: IPAddress[] = [];
    for (const p of parts) {
      const ip = parseIP(p);
      if (!ip) err(lbIPs.field, `invalid IP "${p}"`);
      else parsed.push(ip);
    }
    if (parsed.length === parts.length) {
      if (parsed.length > 2)
        err(lbIPs.field, `at most two addresses (one per family) can be requested, got ${parsed.length}`);
      else if (parsed.length === 2 && parsed[0]?.family === parsed[1]?.family)
        err(lbIPs.field, `the two requested addresses must be of different families (${parts.join(', ')})`);
      else requestedIPs.push(...parsed);
    }
    if (specIP !== '')
      err('spec.loadBalancerIP', `service can not have both ${lbIPs.name} and spec.loadBalancerIP`);
  } else if (specIP !== '') {
    const ip = parseIP(specIP);
    if (!ip) err('spec.loadBalancerIP', `invalid IP "${specIP}"`);
    else requestedIPs.push(ip);
  }

  const pool = annotation(ANNOTATION_ADDRESS_POOL);
  const requestedPool = pool && pool.value !== '' ? pool.value : null;
  const share = annotation(ANNOTATION_ALLOW_SHARED_IP);
  const sharingKey = share && share.value !== '' ? share.value : null;
  const from = annotation(ANNOTATION_ALLOCATED_FROM_POOL);

  let externalTrafficPolicy: ExternalTrafficPolicy = 'Cluster';
  const etp = spec.externalTrafficPolicy;
  if (etp === 'Local' || etp === 'Cluster') externalTrafficPolicy = etp;
  else if (etp !== undefined && etp !== null && etp !== '')
    err('spec.externalTrafficPolicy', `must be Cluster or Local, got "${String(etp)}"`);

  let ipFamilyPolicy: IPFamilyPolicy | null = null;
  const pol = spec.ipFamilyPolicy;
  if (typeof pol === 'string' && (POLICIES as readonly string[]).includes(pol))
    ipFamilyPolicy = pol as IPFamilyPolicy;
  else if (pol !== undefined && pol !== null)
    err('spec.ipFamilyPolicy', `must be one of ${POLICIES.join(', ')}, got "${String(pol)}"`);

  const ipFamilies: IPFamily[] = [];
  if (spec.ipFamilies !== undefined && spec.ipFamilies !== null) {
    if (!Array.isArray(spec.ipFamilies)) err('spec.ipFamilies', 'must be a list');
    else
      spec.ipFamilies.forEach((f: unknown, i) => {
        if (f !== 'IPv4' && f !== 'IPv6')
          err(`spec.ipFamilies[${i}]`, `must be IPv4 or IPv6, got "${String(f)}"`);
        else if (ipFamilies.includes(f)) err(`spec.ipFamilies[${i}]`, `duplicate family ${f}`);
        else ipFamilies.push(f);
      });
  }
  if (ipFamilyPolicy === 'SingleStack' && ipFamilies.length > 1)
    err('spec.ipFamilies', 'SingleStack services must have exactly one IP family');

  const clusterIPs: IPAddress[] = [];
  const cips = Array.isArray(spec.clusterIPs)
    ? spec.clusterIPs
    : typeof spec.clusterIP === 'string'
      ? [spec.clusterIP]
      : [];
  for (const c of cips) {
    const ip = typeof c === 'string' ? parseIP(c) : null;
    if (ip) clusterIPs.push(ip); // "None" and "" are legitimate values that carry no address
  }

  const ports: ServicePort[] = [];
  if (spec.ports !== undefined && spec.ports !== null) {
    if (!Array.isArray(spec.ports)) err('spec.ports', 'must be a list');
    else
      spec.ports.forEach((p: unknown, i) => {
        const f = `spec.ports[${i}]`;
        if (!isRecord(p)) return err(f, `must be a mapping, got ${typeName(p)}`);
        const protocol = p.protocol ?? 'TCP';
        if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP')
          return err(`${f}.protocol`, `must be TCP, UDP or SCTP, got "${String(protocol)}"`);
        const port = p.port;
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
          return err(
            `${f}.port`,
            `must be an integer between 1 and 65535, got ${JSON.stringify(port) ?? 'nothing'}`,
          );
        ports.push({
          name: typeof p.name === 'string' ? p.name : '',
          protocol: protocol as PortProtocol,
          port,
        });
      });
  }

  const ingressIPs: IPAddress[] = [];
  const status = isRecord(raw.status) && isRecord(raw.status.loadBalancer) ? raw.status.loadBalancer : {};
  if (Array.isArray(status.ingress)) {
    status.ingress.forEach((ing: unknown, i) => {
      if (!isRecord(ing) || typeof ing.ip !== 'string') return;
      const ip = parseIP(ing.ip);
      if (!ip) err(`status.loadBalancer.ingress[${i}].ip`, `invalid IP "${ing.ip}"`);
      else if (!ingressIPs.some((x) => x.family === ip.family && x.value === ip.value)) ingressIPs.push(ip);
    });
  }

  const selector = isRecord(spec.selector) ? stringMap(spec.selector) : null;
  const service: ServiceInput = {
    namespace,
    name,
    uid: typeof md.uid === 'string' ? md.uid : null,
    labels,
    type: typeof spec.type === 'string' ? spec.type : 'ClusterIP',
    loadBalancerClass:
      typeof spec.loadBalancerClass === 'string' && spec.loadBalancerClass ? spec.loadBalancerClass : null,
    externalTrafficPolicy,
    ipFamilyPolicy,
    ipFamilies,
    clusterIPs,
    ports,
    selector,
    requestedIPs,
    requestedPool,
    sharingKey,
    ingressIPs,
    allocatedFromPool: from && from.value !== '' ? from.value : null,
    ...(src ? { source: src } : {}),
  };
  return { service, errors, warnings };
}

/** The annotation value MetalLB users write for requested IPs. */
export const formatRequestedIPs = (ips: readonly IPAddress[]): string => ips.map(formatIP).join(',');
