// Ethernet/ARP/NDP frames written independently of the Rust codecs, to build probes and
// malformed input and to state exactly which bytes a test expects on the wire.
import { isIPv4 } from 'node:net';
import { macBytes } from './l2-tools.js';

export const BROADCAST = 'ff:ff:ff:ff:ff:ff';

export function ipv4Bytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new Error(`not IPv4: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

export function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  if (all.length !== 8 || all.some((w) => !(w >= 0 && w <= 0xffff))) throw new Error(`not IPv6: ${ip}`);
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

export function solicitedNode(ip: string): Buffer {
  const t = ipv6Bytes(ip);
  return Buffer.concat([ipv6Bytes('ff02::1:ff00:0').subarray(0, 13), t.subarray(13)]);
}

export function multicastMac(group: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x33, 0x33]), group.subarray(12)]);
}

function ether(dst: Buffer, src: Buffer, type: number, payload: Buffer): Buffer {
  const t = Buffer.alloc(2);
  t.writeUInt16BE(type);
  return Buffer.concat([dst, src, t, payload]);
}

export interface ArpFields {
  ethDst: string;
  ethSrc: string;
  op: number;
  sha: string;
  spa: string;
  tha: string;
  tpa: string;
  htype?: number;
  ptype?: number;
  hlen?: number;
  plen?: number;
}

/** An ARP frame, padded to 60 bytes like the announcer pads its own. */
export function arpFrame(f: ArpFields): Buffer {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt16BE(f.htype ?? 1, 0);
  hdr.writeUInt16BE(f.ptype ?? 0x0800, 2);
  hdr[4] = f.hlen ?? 6;
  hdr[5] = f.plen ?? 4;
  hdr.writeUInt16BE(f.op, 6);
  const body = Buffer.concat([hdr, macBytes(f.sha), ipv4Bytes(f.spa), macBytes(f.tha), ipv4Bytes(f.tpa)]);
  const frame = ether(macBytes(f.ethDst), macBytes(f.ethSrc), 0x0806, body);
  return Buffer.concat([frame, Buffer.alloc(Math.max(0, 60 - frame.length))]);
}

/** RFC 4443 checksum over the IPv6 pseudo-header and `icmp` (0 when `icmp` is correct). */
export function icmpv6Checksum(src: Buffer, dst: Buffer, icmp: Buffer): number {
  const len = Buffer.alloc(8);
  len.writeUInt32BE(icmp.length, 0);
  len[7] = 58;
  const all = Buffer.concat([src, dst, len, icmp, Buffer.alloc(icmp.length % 2)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv6IcmpFields {
  ethDst: Buffer;
  ethSrc: Buffer;
  src: Buffer;
  dst: Buffer;
  icmp: Buffer;
  hopLimit?: number;
  /** Leave the checksum as given in `icmp` instead of computing it. */
  rawChecksum?: boolean;
}

export function ipv6IcmpFrame(f: Ipv6IcmpFields): Buffer {
  const icmp = Buffer.from(f.icmp);
  if (!f.rawChecksum) {
    icmp.writeUInt16BE(0, 2);
    icmp.writeUInt16BE(icmpv6Checksum(f.src, f.dst, icmp), 2);
  }
  const ip = Buffer.alloc(8);
  ip[0] = 0x60;
  ip.writeUInt16BE(icmp.length, 4);
  ip[6] = 58;
  ip[7] = f.hopLimit ?? 255;
  return ether(f.ethDst, f.ethSrc, 0x86dd, Buffer.concat([ip, f.src, f.dst, icmp]));
}

/** ICMPv6 NS/NA body: type, code, checksum 0, flags byte, target, options. */
export function ndBody(
  type: number,
  flags: number,
  target: string,
  options: Buffer[] = [],
  code = 0,
): Buffer {
  const head = Buffer.from([type, code, 0, 0, flags, 0, 0, 0]);
  return Buffer.concat([head, ipv6Bytes(target), ...options]);
}

export function llaOption(type: 1 | 2, mac: string): Buffer {
  return Buffer.concat([Buffer.from([type, 1]), macBytes(mac)]);
}

/** A Neighbor Solicitation for `target` from `src` (`::` for DAD) sent to its solicited-node group. */
export function neighborSolicitation(opts: {
  mac: string;
  src: string;
  target: string;
  slla?: boolean;
  hopLimit?: number;
}): Buffer {
  const group = solicitedNode(opts.target);
  const options = opts.slla === false ? [] : [llaOption(1, opts.mac)];
  return ipv6IcmpFrame({
    ethDst: multicastMac(group),
    ethSrc: macBytes(opts.mac),
    src: ipv6Bytes(opts.src),
    dst: group,
    icmp: ndBody(135, 0, opts.target, options),
    hopLimit: opts.hopLimit,
  });
}

/** The Neighbor Advertisement the announcer must send. */
export function neighborAdvertisement(opts: {
  mac: string;
  target: string;
  ethDst: string;
  dst: string;
  flags: number;
}): Buffer {
  return ipv6IcmpFrame({
    ethDst: macBytes(opts.ethDst),
    ethSrc: macBytes(opts.mac),
    src: ipv6Bytes(opts.target),
    dst: ipv6Bytes(opts.dst),
    icmp: ndBody(136, opts.flags, opts.target, [llaOption(2, opts.mac)]),
  });
}
