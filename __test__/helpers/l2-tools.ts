// Probes for L2 tests, run inside lab namespaces: arping, ndisc6, the kernel neighbour table,
// tcpdump captures and raw frame injection.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetnsLab } from './netns.js';
import { parsePcap, type PcapFrame } from './pcap.js';

const injector = fileURLToPath(new URL('./inject-frames.py', import.meta.url));

/** `arping -c 1` from `ns`: the MAC that answered for `ip`, or null when nobody did. */
export async function arping(lab: NetnsLab, ns: string, iface: string, ip: string): Promise<string | null> {
  const res = await lab.exec(ns, 'arping', ['-c', '1', '-w', '1', '-r', '-i', iface, ip], {
    allowFail: true,
  });
  const mac = res.stdout.trim().split('\n')[0]?.trim().toLowerCase() ?? '';
  return res.code === 0 && /^[0-9a-f:]{17}$/.test(mac) ? mac : null;
}

/** `ndisc6` from `ns`: the link-layer address in the NA for `ip`, or null when none came. */
export async function ndisc6(lab: NetnsLab, ns: string, iface: string, ip: string): Promise<string | null> {
  const res = await lab.exec(ns, 'ndisc6', ['-q', '-1', '-r', '1', '-w', '1000', ip, iface], {
    allowFail: true,
  });
  const mac = res.stdout.trim().split('\n')[0]?.trim().toLowerCase() ?? '';
  return res.code === 0 && /^[0-9a-f:]{17}$/.test(mac) ? mac : null;
}

export interface NeighEntry {
  dst: string;
  lladdr?: string;
  state: string[];
}

/** The kernel's neighbour entry for `ip` on `iface` in `ns`, if any. */
export async function neigh(
  lab: NetnsLab,
  ns: string,
  iface: string,
  ip: string,
): Promise<NeighEntry | undefined> {
  const family = ip.includes(':') ? '-6' : '-4';
  const { stdout } = await lab.exec(ns, 'ip', ['-j', family, 'neigh', 'show', 'to', ip, 'dev', iface]);
  const list = JSON.parse(stdout || '[]') as NeighEntry[];
  return list.find((e) => e.dst === ip);
}

/** Makes the kernel in `ns` resolve `ip` by sending it one UDP datagram (via bash /dev/udp). */
export async function kernelResolve(lab: NetnsLab, ns: string, ip: string): Promise<void> {
  await lab.exec(ns, 'bash', ['-c', `echo x > /dev/udp/${ip}/9`], { allowFail: true });
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then returns the last). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Sends raw frames (hex) out of `iface` in `ns`. */
export async function inject(lab: NetnsLab, ns: string, iface: string, frames: Buffer[]): Promise<void> {
  await lab.exec(ns, 'python3', [injector, iface, ...frames.map((f) => f.toString('hex'))]);
}

/** A running tcpdump in a lab namespace, writing a pcap file. */
export class Capture {
  private constructor(
    private readonly stop: () => Promise<void>,
    private readonly dir: string,
  ) {}

  /** Starts capturing on `iface` in `ns` with the BPF `filter`; resolves once it listens. */
  static async start(lab: NetnsLab, ns: string, iface: string, filter: string): Promise<Capture> {
    const dir = mkdtempSync(join(tmpdir(), 'ferrolb-cap-'));
    const child = lab.spawn(ns, 'tcpdump', [
      '-i',
      iface,
      '-U',
      '--immediate-mode',
      '-w',
      join(dir, 'c.pcap'),
      filter,
    ]);
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`tcpdump exited: ${stderr}`)));
    });
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      });
    return new Capture(stop, dir);
  }

  /** Stops the capture and returns what it saw. */
  async frames(): Promise<PcapFrame[]> {
    await this.stop();
    try {
      return parsePcap(readFileSync(join(this.dir, 'c.pcap')));
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** "aa:bb:..." → 6 bytes. */
export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function macString(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
