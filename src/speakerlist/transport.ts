// The I/O edge of speakerlist: one UDP socket and one TCP listener on the same address and
// port (7946 by default, like memberlist). Datagrams carry probes and gossip; the reliable path
// is one short TCP connection per message (4-byte big-endian length, then the sealed packet),
// used for full-state syncs, fallback probes and anything too large for one datagram.
// Everything arriving is authenticated first; what fails is counted and dropped.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, isIPv6, type Server, type Socket } from 'node:net';

import { open, seal, type Key } from './crypto.js';
import { parseMessage, type Address, type Message } from './messages.js';

/** Datagrams above this go over TCP instead (stays under a 1500-byte Ethernet MTU). */
export const MAX_DATAGRAM = 1400;
/** Largest reliable frame accepted (a full-state sync of thousands of members fits). */
export const MAX_FRAME = 4 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 1000;

export interface TransportStats {
  packetsReceived: number;
  packetsSent: number;
  /** Failed authentication: wrong key, corrupted or foreign packets. */
  droppedAuth: number;
  /** Authenticated but not a valid message. */
  droppedMalformed: number;
  sendErrors: number;
}

export type Receiver = (msg: Message, reliable: boolean) => void;

/** Splits a TCP byte stream into length-prefixed frames. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrame = MAX_FRAME) {}

  /** Frames completed by `chunk`; throws on an oversized length (the caller drops the connection). */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > this.maxFrame) throw new Error(`frame of ${len} bytes exceeds ${this.maxFrame}`);
      if (this.buf.length < 4 + len) break;
      frames.push(this.buf.subarray(4, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return frames;
  }
}

export function encodeFrame(packet: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(packet.length, 0);
  return Buffer.concat([head, packet]);
}

export class Transport {
  readonly stats: TransportStats = {
    packetsReceived: 0,
    packetsSent: 0,
    droppedAuth: 0,
    droppedMalformed: 0,
    sendErrors: 0,
  };
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private readonly conns = new Set<Socket>();
  private boundPort = 0;

  constructor(
    private readonly key: Key,
    private readonly onMessage: Receiver,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  /** Binds UDP and TCP on host:port; port 0 picks a port free for both. */
  async listen(host: string, port: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
      udp.on('message', (data) => this.onPacket(data, false));
      udp.on('error', () => {
        this.stats.sendErrors++;
      });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const actual = udp.address().port;
      const tcp = createServer((sock) => this.onConnection(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(actual, host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        if (port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 10) continue;
        throw e;
      }
      this.udp = udp;
      this.tcp = tcp;
      this.boundPort = actual;
      return;
    }
  }

  /** `onRefused` runs when a TCP send finds the port closed (ECONNREFUSED). */
  send(to: Address, msg: Message, reliable: boolean, onRefused?: () => void): void {
    const packet = seal(this.key, Buffer.from(JSON.stringify(msg)));
    if (!reliable && packet.length <= MAX_DATAGRAM && this.udp) {
      this.udp.send(packet, to.port, to.host, (err) => {
        if (err) this.stats.sendErrors++;
        else this.stats.packetsSent++;
      });
      return;
    }
    const sock = createConnection({ host: to.host, port: to.port });
    sock.setTimeout(CONNECT_TIMEOUT_MS, () => sock.destroy());
    sock.on('error', (err: NodeJS.ErrnoException) => {
      this.stats.sendErrors++;
      if (err.code === 'ECONNREFUSED') onRefused?.();
    });
    sock.on('connect', () => {
      sock.setTimeout(0);
      this.stats.packetsSent++;
    });
    // Replies come back on a connection of their own; this one only carries our frame.
    sock.end(encodeFrame(packet));
    sock.resume();
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = null;
    this.tcp = null;
    await Promise.all([
      udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }

  private onConnection(sock: Socket): void {
    this.conns.add(sock);
    const dec = new FrameDecoder();
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of dec.push(chunk)) this.onPacket(f, true);
      } catch {
        this.stats.droppedMalformed++;
        sock.destroy();
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('end', () => sock.end());
  }

  private onPacket(data: Buffer, reliable: boolean): void {
    const plain = open(this.key, data);
    if (!plain) {
      this.stats.droppedAuth++;
      return;
    }
    let msg: Message | null = null;
    try {
      msg = parseMessage(JSON.parse(plain.toString('utf8')));
    } catch {
      msg = null;
    }
    if (!msg) {
      this.stats.droppedMalformed++;
      return;
    }
    this.stats.packetsReceived++;
    this.onMessage(msg, reliable);
  }
}
