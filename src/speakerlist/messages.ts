// The speakerlist wire vocabulary (SWIM with piggybacked dissemination) and a strict decoder:
// every field is checked, so a packet that decrypts but is malformed is dropped, never trusted.

export interface Address {
  readonly host: string;
  readonly port: number;
}

export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/** One membership fact, gossiped and merged by incarnation number. */
export interface Update {
  readonly name: string;
  readonly addr: Address;
  readonly inc: number;
  readonly status: MemberStatus;
}

export type Message =
  /** Direct probe; `target` names the member expected at the address. */
  | { t: 'ping'; seq: number; from: string; fromAddr: Address; target: string; gossip: Update[] }
  | { t: 'ack'; seq: number; from: string; gossip: Update[] }
  /** Ask `from`'s peer to probe `target` on its behalf (indirect probe). */
  | {
      t: 'ping-req';
      seq: number;
      from: string;
      fromAddr: Address;
      target: string;
      targetAddr: Address;
      gossip: Update[];
    }
  /** Urgent dissemination (death, leave, refutation) sent directly rather than piggybacked. */
  | { t: 'gossip'; from: string; fromAddr: Address; gossip: Update[] }
  /** Full-state exchange (join and periodic anti-entropy); answered with sync-ack. */
  | { t: 'sync'; from: string; fromAddr: Address; members: Update[] }
  | { t: 'sync-ack'; from: string; fromAddr: Address; members: Update[] };

const STATUSES: readonly string[] = ['alive', 'suspect', 'dead', 'left'];
const MAX_NAME = 253;
const MAX_ENTRIES = 10_000;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME;
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function address(v: unknown): Address | null {
  if (!isObj(v) || typeof v.host !== 'string' || v.host.length === 0 || v.host.length > 255) return null;
  if (!isUint(v.port) || v.port === 0 || v.port > 65535) return null;
  return { host: v.host, port: v.port };
}

function updates(v: unknown): Update[] | null {
  if (!Array.isArray(v) || v.length > MAX_ENTRIES) return null;
  const out: Update[] = [];
  for (const u of v) {
    if (!isObj(u) || !isName(u.name) || !isUint(u.inc) || typeof u.status !== 'string') return null;
    if (!STATUSES.includes(u.status)) return null;
    const addr = address(u.addr);
    if (!addr) return null;
    out.push({ name: u.name, addr, inc: u.inc, status: u.status as MemberStatus });
  }
  return out;
}

/** Validates decoded JSON as a Message; null when anything is off. */
export function parseMessage(v: unknown): Message | null {
  if (!isObj(v) || typeof v.t !== 'string' || !isName(v.from)) return null;
  const from = v.from;
  switch (v.t) {
    case 'ping': {
      const fromAddr = address(v.fromAddr);
      const gossip = updates(v.gossip);
      if (!isUint(v.seq) || !fromAddr || !isName(v.target) || !gossip) return null;
      return { t: 'ping', seq: v.seq, from, fromAddr, target: v.target, gossip };
    }
    case 'ack': {
      const gossip = updates(v.gossip);
      if (!isUint(v.seq) || !gossip) return null;
      return { t: 'ack', seq: v.seq, from, gossip };
    }
    case 'ping-req': {
      const fromAddr = address(v.fromAddr);
      const targetAddr = address(v.targetAddr);
      const gossip = updates(v.gossip);
      if (!isUint(v.seq) || !fromAddr || !targetAddr || !isName(v.target) || !gossip) return null;
      return { t: 'ping-req', seq: v.seq, from, fromAddr, target: v.target, targetAddr, gossip };
    }
    case 'gossip': {
      const fromAddr = address(v.fromAddr);
      const gossip = updates(v.gossip);
      if (!fromAddr || !gossip) return null;
      return { t: 'gossip', from, fromAddr, gossip };
    }
    case 'sync':
    case 'sync-ack': {
      const fromAddr = address(v.fromAddr);
      const members = updates(v.members);
      if (!fromAddr || !members) return null;
      return { t: v.t, from, fromAddr, members };
    }
    default:
      return null;
  }
}

export const sameAddress = (a: Address, b: Address): boolean => a.host === b.host && a.port === b.port;
export const formatAddress = (a: Address): string =>
  a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
