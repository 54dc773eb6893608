// BGPPeer (config model) → the native speaker's peer configuration. Pure; peers the native core
// cannot serve (unnumbered `interface` peering, dynamicASN external, VRFs) come back as problems
// naming the peer and field instead of being silently dropped. Parts it serves only in part
// (a BFD profile asking for echo mode) come back as warnings next to the config.

import { formatIP } from '../config/ip.js';
import type { BFDProfile, Peer } from '../config/model.js';
import type { BgpPeerBfdConfig, BgpPeerConfig } from '../native/addon.js';

export type PeerMapping =
  { ok: true; config: BgpPeerConfig; warnings?: string[] } | { ok: false; reason: string };

export interface PeerDefaults {
  /** Initial connect retry in seconds (native default 5). */
  readonly connectRetrySecs?: number;
}

/** A BFDProfile as the native session's options (MetalLB's FRR mode meaning of each field). */
export function bfdOptions(b: BFDProfile): BgpPeerBfdConfig {
  return {
    receiveIntervalMs: b.receiveInterval,
    transmitIntervalMs: b.transmitInterval,
    detectMultiplier: b.detectMultiplier,
    passive: b.passiveMode,
  };
}

export function peerConfig(
  p: Peer,
  defaults: PeerDefaults = {},
  bfdProfiles: ReadonlyMap<string, BFDProfile> = new Map(),
): PeerMapping {
  const ref = `BGPPeer/${p.namespace}/${p.name}`;
  if (p.peerAddress === null)
    return { ok: false, reason: `${ref}: spec.interface: unnumbered peering is not supported yet` };
  if (p.vrf !== null && p.vrf !== '')
    return { ok: false, reason: `${ref}: spec.vrf: VRFs are not supported yet` };
  let peerAsn: number;
  if (p.peerASN !== null) peerAsn = p.peerASN;
  else if (p.dynamicASN === 'internal') peerAsn = p.localASN ?? p.myASN;
  else
    return {
      ok: false,
      reason: `${ref}: spec.dynamicASN: "external" needs the peer's ASN, which the native speaker must know up front`,
    };
  const v4 = p.peerAddress.family === 'IPv4';
  const cfg: BgpPeerConfig = {
    name: p.name,
    address: formatIP(p.peerAddress),
    port: p.peerPort,
    localAsn: p.localASN ?? p.myASN,
    peerAsn,
    holdTimeSecs: p.holdTimeSeconds,
    keepaliveSecs: p.keepaliveTimeSeconds,
    ebgpMultihop: p.ebgpMultiHop,
    gracefulRestart: p.enableGracefulRestart,
    // disableMP: each session carries only its own family (MetalLB's meaning).
    ipv4: p.disableMP ? v4 : true,
    ipv6: p.disableMP ? !v4 : true,
  };
  if (p.routerID !== null) cfg.routerId = formatIP(p.routerID);
  if (p.sourceAddress !== null) cfg.sourceAddress = formatIP(p.sourceAddress);
  if (p.password !== null) cfg.password = p.password;
  if (defaults.connectRetrySecs !== undefined) cfg.connectRetrySecs = defaults.connectRetrySecs;
  const warnings: string[] = [];
  if (p.bfdProfile !== null) {
    const profile = bfdProfiles.get(p.bfdProfile);
    if (profile === undefined) {
      // Config validation rejects unknown profiles; this only guards a caller without them.
      warnings.push(`${ref}: spec.bfdProfile: profile "${p.bfdProfile}" not found; BFD is off for this peer`);
    } else {
      cfg.bfd = bfdOptions(profile);
      if (p.ebgpMultiHop)
        warnings.push(
          `${ref}: spec.ebgpMultiHop: BFD runs single-hop only (RFC 5881, TTL 255); with a peer more than one hop away it never comes Up, and so never closes the session`,
        );
      if (profile.echoMode)
        warnings.push(
          `BFDProfile/${profile.namespace}/${profile.name}: spec.echoMode: the echo function is not supported; BFD runs with control packets only`,
        );
    }
  }
  return warnings.length ? { ok: true, config: cfg, warnings } : { ok: true, config: cfg };
}
