// A hand-rolled BGP peer for malformed-input tests: builds messages byte by byte from the RFC 4271
// layouts (independently of the codec under test) and reads whole messages from a socket.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

export const TYPE = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

export function header(type: number, body: Buffer, opts: { marker?: Buffer; length?: number } = {}): Buffer {
  const h = Buffer.alloc(19, 0xff);
  opts.marker?.copy(h, 0);
  h.writeUInt16BE(opts.length ?? 19 + body.length, 16);
  h[18] = type;
  return Buffer.concat([h, body]);
}

export interface OpenFields {
  version?: number;
  myAs: number;
  holdTime?: number;
  bgpId?: string;
  /** Raw capability TLVs (code, value); default: MP IPv4 unicast + 4-octet AS when myAs4 is given. */
  capabilities?: Array<[number, Buffer]>;
  myAs4?: number;
}

export function open(f: OpenFields): Buffer {
  const caps: Array<[number, Buffer]> = f.capabilities ?? [[1, Buffer.from([0, 1, 0, 1])]];
  if (f.myAs4 !== undefined) {
    const v = Buffer.alloc(4);
    v.writeUInt32BE(f.myAs4);
    caps.push([65, v]);
  }
  const capBytes = Buffer.concat(
    caps.map(([code, value]) => Buffer.concat([Buffer.from([code, value.length]), value])),
  );
  const optParams = capBytes.length
    ? Buffer.concat([Buffer.from([2, capBytes.length]), capBytes])
    : Buffer.alloc(0);
  const body = Buffer.alloc(10);
  body[0] = f.version ?? 4;
  body.writeUInt16BE(f.myAs, 1);
  body.writeUInt16BE(f.holdTime ?? 90, 3);
  Buffer.from((f.bgpId ?? '10.9.9.9').split('.').map(Number)).copy(body, 5);
  body[9] = optParams.length;
  return header(TYPE.OPEN, Buffer.concat([body, optParams]));
}

export const keepalive = () => header(TYPE.KEEPALIVE, Buffer.alloc(0));

/** An UPDATE from raw parts: withdrawn routes, path attribute bytes, NLRI bytes. */
export function update(withdrawn: Buffer, attrs: Buffer, nlri: Buffer): Buffer {
  const w = Buffer.alloc(2);
  w.writeUInt16BE(withdrawn.length);
  const a = Buffer.alloc(2);
  a.writeUInt16BE(attrs.length);
  return header(TYPE.UPDATE, Buffer.concat([w, withdrawn, a, attrs, nlri]));
}

/** One path attribute TLV (flags, type, value), with the extended-length flag when needed. */
export function attr(flags: number, type: number, value: Buffer): Buffer {
  if (value.length > 255 || flags & 0x10) {
    const h = Buffer.from([flags | 0x10, type, 0, 0]);
    h.writeUInt16BE(value.length, 2);
    return Buffer.concat([h, value]);
  }
  return Buffer.concat([Buffer.from([flags, type, value.length]), value]);
}

export interface ReceivedMessage {
  type: number;
  body: Buffer;
}

/** A connected fake peer that collects whole BGP messages as they arrive. */
export class WirePeer {
  private buf = Buffer.alloc(0);
  readonly messages: ReceivedMessage[] = [];
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 19) {
        const len = this.buf.readUInt16BE(16);
        if (len < 19 || this.buf.length < len) break;
        this.messages.push({ type: this.buf[18]!, body: this.buf.subarray(19, len) });
        this.buf = this.buf.subarray(len);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  static async connect(host: string, port: number, localAddress: string): Promise<WirePeer> {
    const socket = connect({ host, port, localAddress });
    await once(socket, 'connect');
    return new WirePeer(socket);
  }

  send(bytes: Buffer) {
    this.socket.write(bytes);
  }

  /** Waits for the next message of `type` (removing it and everything before it), or throws. */
  async next(type: number, timeoutMs = 5000): Promise<ReceivedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex((m) => m.type === type);
      if (i >= 0) return this.messages.splice(0, i + 1)[i]!;
      if (this.closed) throw new Error(`connection closed before a message of type ${type} arrived`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message of type ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close() {
    this.socket.destroy();
  }
}

export function notificationOf(m: ReceivedMessage) {
  return { code: m.body[0]!, subcode: m.body[1]!, data: m.body.subarray(2) };
}
