// BGPPeer, metallb.io/v1beta2 (current) and v1beta1 (deprecated; subset of fields, converted the
// same way MetalLB's conversion webhook does). Timers follow MetalLB's parseTimers: the missing one
// of hold/keepalive is derived (keepalive = hold/3, hold = 3×keepalive), hold rounded down to whole
// seconds must be 0 or ≥ 3 s, and keepalive must not exceed hold.
import { parseGoDuration } from '../duration.js';
import {
  checkKnownKeys,
  hasLineBreak,
  readBool,
  readInt,
  readObject,
  readString,
  type Issues,
  type Obj,
} from '../fields.js';
import { parseIP } from '../ip.js';
import type { DynamicASN, IPAddress, LabelSelector, RawObject, SecretRef } from '../model.js';
import { selectors, specOf } from './common.js';

export interface PeerDraft {
  readonly myASN: number;
  readonly peerASN: number | null;
  readonly dynamicASN: DynamicASN | null;
  readonly peerAddress: IPAddress | null;
  readonly interface: string | null;
  readonly sourceAddress: IPAddress | null;
  readonly peerPort: number;
  readonly holdTimeSeconds: number;
  readonly keepaliveTimeSeconds: number;
  readonly timersExplicit: boolean;
  readonly connectTimeSeconds: number | null;
  readonly routerID: IPAddress | null;
  readonly nodeSelectors: LabelSelector[];
  readonly password: string | null;
  /** Namespace may be empty: resolved against the MetalLB namespace by the builder. */
  readonly passwordSecret: { name: string; namespace: string } | null;
  readonly bfdProfile: string | null;
  readonly enableGracefulRestart: boolean;
  readonly ebgpMultiHop: boolean;
  readonly vrf: string | null;
  readonly disableMP: boolean;
  readonly dualStackAddressFamily: boolean;
  readonly localASN: number | null;
}

export const DEFAULT_HOLD_SECONDS = 90;
export const DEFAULT_PORT = 179;

const V1BETA2_KEYS = [
  'myASN',
  'peerASN',
  'dynamicASN',
  'peerAddress',
  'interface',
  'sourceAddress',
  'peerPort',
  'holdTime',
  'keepaliveTime',
  'connectTime',
  'routerID',
  'nodeSelectors',
  'password',
  'passwordSecret',
  'bfdProfile',
  'enableGracefulRestart',
  'ebgpMultiHop',
  'vrf',
  'disableMP',
  'dualStackAddressFamily',
  'localASN',
];
const V1BETA1_KEYS = [
  'myASN',
  'peerASN',
  'peerAddress',
  'sourceAddress',
  'peerPort',
  'holdTime',
  'keepaliveTime',
  'routerID',
  'nodeSelectors',
  'password',
  'bfdProfile',
  'ebgpMultiHop',
];

/** A metav1.Duration field in milliseconds; undefined when absent. */
function readDuration(spec: Obj, key: string, issues: Issues): number | undefined {
  const v = spec[key];
  if (v === undefined || v === null) return undefined;
  const field = `spec.${key}`;
  if (typeof v !== 'string') {
    issues.push({ field, reason: `must be a duration string such as "90s" or "1m30s", got ${typeof v}` });
    return undefined;
  }
  const d = parseGoDuration(v);
  if (!d.ok) {
    issues.push({ field, reason: d.reason });
    return undefined;
  }
  if (d.ms < 0) {
    issues.push({ field, reason: `invalid duration "${v}": must not be negative` });
    return undefined;
  }
  return d.ms;
}

export interface Timers {
  holdTimeSeconds: number;
  keepaliveTimeSeconds: number;
  explicit: boolean;
}

/** MetalLB's timer rules, with both values resolved to whole seconds. */
export function resolveTimers(
  holdMs: number | undefined,
  keepaliveMs: number | undefined,
  issues: Issues,
): Timers | null {
  if (holdMs === undefined && keepaliveMs === undefined)
    return {
      holdTimeSeconds: DEFAULT_HOLD_SECONDS,
      keepaliveTimeSeconds: DEFAULT_HOLD_SECONDS / 3,
      explicit: false,
    };
  const hold = holdMs ?? (keepaliveMs as number) * 3;
  const keepalive = keepaliveMs ?? hold / 3;
  const holdSeconds = Math.floor(hold / 1000);
  let ok = true;
  if (holdSeconds !== 0 && holdSeconds < 3) {
    issues.push({
      field: holdMs !== undefined ? 'spec.holdTime' : 'spec.keepaliveTime',
      reason:
        holdMs !== undefined
          ? `invalid hold time ${hold / 1000}s: must be 0 or >=3s`
          : `invalid keepaliveTime ${keepalive / 1000}s: the derived hold time (3 × keepalive = ${hold / 1000}s) must be 0 or >=3s`,
    });
    ok = false;
  }
  if (keepalive > hold) {
    issues.push({
      field: 'spec.keepaliveTime',
      reason: `invalid keepaliveTime ${keepalive / 1000}s, must be lower than holdTime ${hold / 1000}s`,
    });
    ok = false;
  }
  if (!ok) return null;
  return { holdTimeSeconds: holdSeconds, keepaliveTimeSeconds: Math.floor(keepalive / 1000), explicit: true };
}

function readIP(spec: Obj, key: string, issues: Issues, what: string): IPAddress | null {
  const text = readString(spec, key, 'spec', issues);
  if (text === undefined || text === '') return null;
  const ip = parseIP(text);
  if (!ip) issues.push({ field: `spec.${key}`, reason: `invalid ${what} "${text}"` });
  return ip;
}

function noLineBreak(value: string | undefined, field: string, what: string, issues: Issues): void {
  if (value !== undefined && hasLineBreak(value))
    issues.push({ field, reason: `${what} contains invalid characters` });
}

export function parsePeer(obj: RawObject, issues: Issues): PeerDraft {
  const v1beta1 = obj.apiVersion === 'metallb.io/v1beta1';
  const spec = specOf(obj, issues, true);
  checkKnownKeys(spec, v1beta1 ? V1BETA1_KEYS : V1BETA2_KEYS, 'spec', issues);

  const myASN = readInt(spec, 'myASN', 'spec', issues, 0, 4294967295);
  if ((myASN ?? 0) === 0 && !issues.some((i) => i.field === 'spec.myASN'))
    issues.push({ field: 'spec.myASN', reason: 'missing local ASN' });
  const peerASNRaw = readInt(spec, 'peerASN', 'spec', issues, 0, 4294967295);
  const peerASN = peerASNRaw === undefined || peerASNRaw === 0 ? null : peerASNRaw;
  const dynRaw = v1beta1 ? undefined : readString(spec, 'dynamicASN', 'spec', issues);
  let dynamicASN: DynamicASN | null = null;
  if (dynRaw !== undefined && dynRaw !== '') {
    if (dynRaw === 'internal' || dynRaw === 'external') dynamicASN = dynRaw;
    else
      issues.push({
        field: 'spec.dynamicASN',
        reason: `invalid dynamicASN "${dynRaw}": must be internal or external`,
      });
  }
  if (peerASN === null && dynRaw === undefined && !issues.some((i) => i.field === 'spec.peerASN'))
    issues.push({ field: 'spec.peerASN', reason: 'missing peer ASN and dynamicASN' });
  if (peerASN !== null && dynRaw !== undefined && dynRaw !== '')
    issues.push({ field: 'spec.dynamicASN', reason: 'both peer ASN and dynamicASN specified' });

  const peerAddress = readIP(spec, 'peerAddress', issues, 'BGPPeer address');
  const iface = v1beta1 ? undefined : readString(spec, 'interface', 'spec', issues);
  const addressText = readString(spec, 'peerAddress', 'spec', []);
  if (!addressText && !iface)
    issues.push({ field: 'spec.peerAddress', reason: 'peer has no Address or Interface specified' });
  if (addressText && iface)
    issues.push({ field: 'spec.interface', reason: 'peer has both Address and Interface specified' });
  noLineBreak(iface, 'spec.interface', 'interface', issues);

  const ebgpMultiHop = readBool(spec, 'ebgpMultiHop', 'spec', issues) ?? false;
  const ibgp = (peerASN !== null && myASN !== undefined && peerASN === myASN) || dynamicASN === 'internal';
  if (ebgpMultiHop && ibgp)
    issues.push({
      field: 'spec.ebgpMultiHop',
      reason: 'invalid ebgp-multihop parameter set for an ibgp peer',
    });

  const sourceAddress = readIP(spec, 'sourceAddress', issues, 'source IP');
  if (sourceAddress && peerAddress && sourceAddress.family !== peerAddress.family)
    issues.push({
      field: 'spec.sourceAddress',
      reason: 'source address and peer address are of different IP families',
    });
  const routerID = readIP(spec, 'routerID', issues, 'router ID');
  if (routerID && routerID.family !== 'IPv4')
    issues.push({
      field: 'spec.routerID',
      reason: 'invalid router ID: a BGP identifier is a 32-bit value written as an IPv4 address',
    });

  // Older CRDs allowed 0 (meaning the default) in both versions; newer ones default to 179.
  const port = readInt(spec, 'peerPort', 'spec', issues, 0, 16384);
  const holdMs = readDuration(spec, 'holdTime', issues);
  const keepaliveMs = readDuration(spec, 'keepaliveTime', issues);
  const timers = resolveTimers(holdMs, keepaliveMs, issues);
  let connectTimeSeconds: number | null = null;
  const connectMs = v1beta1 ? undefined : readDuration(spec, 'connectTime', issues);
  if (connectMs !== undefined) {
    if (connectMs % 1000 !== 0)
      issues.push({
        field: 'spec.connectTime',
        reason: 'connect time should contain a whole number of seconds',
      });
    else if (connectMs < 1000 || connectMs > 65535_000)
      issues.push({ field: 'spec.connectTime', reason: 'connect time should be between 1 seconds to 65535' });
    else connectTimeSeconds = connectMs / 1000;
  }

  const password = readString(spec, 'password', 'spec', issues);
  noLineBreak(password, 'spec.password', 'password', issues);
  let passwordSecret: PeerDraft['passwordSecret'] = null;
  const ps = v1beta1 ? undefined : readObject(spec, 'passwordSecret', 'spec', issues);
  if (ps) {
    checkKnownKeys(ps, ['name', 'namespace'], 'spec.passwordSecret', issues);
    const name = readString(ps, 'name', 'spec.passwordSecret', issues) ?? '';
    const namespace = readString(ps, 'namespace', 'spec.passwordSecret', issues) ?? '';
    if (name !== '') passwordSecret = { name, namespace };
  }
  if (password && passwordSecret)
    issues.push({
      field: 'spec.passwordSecret',
      reason: 'can not have both password and secret ref set in peer config',
    });

  const vrf = v1beta1 ? undefined : readString(spec, 'vrf', 'spec', issues);
  noLineBreak(vrf, 'spec.vrf', 'VRF name', issues);
  const bfdProfile = readString(spec, 'bfdProfile', 'spec', issues);

  return {
    myASN: myASN ?? 0,
    peerASN,
    dynamicASN,
    peerAddress,
    interface: iface ? iface : null,
    sourceAddress,
    peerPort: port === undefined || port === 0 ? DEFAULT_PORT : port,
    holdTimeSeconds: timers?.holdTimeSeconds ?? DEFAULT_HOLD_SECONDS,
    keepaliveTimeSeconds: timers?.keepaliveTimeSeconds ?? DEFAULT_HOLD_SECONDS / 3,
    timersExplicit: timers?.explicit ?? false,
    connectTimeSeconds,
    routerID,
    nodeSelectors: selectors(spec, 'nodeSelectors', 'spec', issues),
    password: password ? password : null,
    passwordSecret,
    bfdProfile: bfdProfile ? bfdProfile : null,
    enableGracefulRestart:
      (v1beta1 ? undefined : readBool(spec, 'enableGracefulRestart', 'spec', issues)) ?? false,
    ebgpMultiHop,
    vrf: vrf ? vrf : null,
    disableMP: (v1beta1 ? undefined : readBool(spec, 'disableMP', 'spec', issues)) ?? false,
    dualStackAddressFamily:
      (v1beta1 ? undefined : readBool(spec, 'dualStackAddressFamily', 'spec', issues)) ?? false,
    localASN: (v1beta1 ? undefined : readInt(spec, 'localASN', 'spec', issues, 1, 4294967295)) ?? null,
  };
}

/** The password as stored: SecretRef with the namespace resolved. */
export const secretRef = (name: string, namespace: string): SecretRef => ({ name, namespace });
