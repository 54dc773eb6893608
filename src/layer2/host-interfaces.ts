// Reading the host's interfaces (the I/O edge of interface selection): /sys/class/net, which
// needs no extra tool and works in any network namespace the process runs in, and a parser for
// `ip -j link` output for callers that already have it.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

import type { HostInterface } from './interfaces.js';

// <linux/if.h>
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_NOARP = 0x80;

export function interfaceFromFlags(
  name: string,
  flags: number,
  master: string | null,
  mac: string | null,
): HostInterface {
  return {
    name,
    up: (flags & IFF_UP) !== 0,
    loopback: (flags & IFF_LOOPBACK) !== 0,
    broadcast: (flags & IFF_BROADCAST) !== 0,
    noArp: (flags & IFF_NOARP) !== 0,
    master,
    mac: mac && mac !== '00:00:00:00:00:00' ? mac.toLowerCase() : null,
  };
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

/**
 * Lists interfaces from a sysfs net class directory (default /sys/class/net). An interface that
 * vanishes while being read is skipped.
 */
export async function readSysInterfaces(root = '/sys/class/net'): Promise<HostInterface[]> {
  const out: HostInterface[] = [];
  for (const name of (await readdir(root)).sort()) {
    const dir = join(root, name);
    const flagsText = await readOptional(join(dir, 'flags'));
    if (flagsText === null) continue;
    const flags = Number.parseInt(flagsText, 16);
    if (!Number.isFinite(flags)) continue;
    let master: string | null = null;
    try {
      master = basename(await readlink(join(dir, 'master')));
    } catch {
      master = null;
    }
    out.push(interfaceFromFlags(name, flags, master, await readOptional(join(dir, 'address'))));
  }
  return out;
}

/** Parses `ip -j link show` output. */
export function parseIpJsonLink(json: string): HostInterface[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error('ip -j link: expected a JSON array');
  return data.map((l: unknown, i) => {
    const link = l as { ifname?: unknown; flags?: unknown; master?: unknown; address?: unknown };
    if (typeof link.ifname !== 'string') throw new Error(`ip -j link: entry [${i}] has no ifname`);
    const flags = Array.isArray(link.flags)
      ? link.flags.filter((f): f is string => typeof f === 'string')
      : [];
    return {
      name: link.ifname,
      up: flags.includes('UP'),
      loopback: flags.includes('LOOPBACK'),
      broadcast: flags.includes('BROADCAST'),
      noArp: flags.includes('NOARP'),
      master: typeof link.master === 'string' ? link.master : null,
      mac:
        typeof link.address === 'string' && link.address !== '00:00:00:00:00:00'
          ? link.address.toLowerCase()
          : null,
    };
  });
}

export interface InterfaceWatch {
  /** The list last read (empty until the first read completes). */
  current(): HostInterface[];
  stop(): void;
}

/**
 * Re-reads the interfaces every `intervalMs` (default 5 s) and calls `onChange` with the full
 * list whenever anything that matters changed (first read included), so announcements move to
 * interfaces that appear, come up or leave a bridge. Read errors are reported and retried.
 */
export function watchInterfaces(
  onChange: (ifs: HostInterface[]) => void,
  opts: { intervalMs?: number; root?: string; onError?: (e: Error) => void } = {},
): InterfaceWatch {
  let last: HostInterface[] = [];
  let lastKey = '';
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const poll = async () => {
    try {
      const now = await readSysInterfaces(opts.root);
      const key = JSON.stringify(now);
      if (!stopped && key !== lastKey) {
        last = now;
        lastKey = key;
        onChange(now);
      }
    } catch (e) {
      opts.onError?.(e as Error);
    }
    if (!stopped) timer = setTimeout(() => void poll(), opts.intervalMs ?? 5000);
  };
  void poll();
  return {
    current: () => last,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
