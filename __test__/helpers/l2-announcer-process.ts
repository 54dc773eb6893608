// Test-side handle on an L2Announcer running in a lab namespace (see l2-announcer-fixture.ts).
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type {
  L2Announcement,
  L2AnnouncementGroup,
  L2AnnouncerOptions,
  L2Event,
  L2InterfaceCounters,
  L2IpCounters,
} from '../../src/native/addon.js';
import type { NetnsLab } from './netns.js';

const fixture = fileURLToPath(new URL('./l2-announcer-fixture.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Pending {
  resolve: (v: { result: unknown; startUs: number; endUs: number }) => void;
  reject: (e: Error) => void;
}

export class AnnouncerProcess {
  readonly events: L2Event[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private exited: number | null = null;
  private eventWaiters: Array<() => void> = [];

  private constructor(private readonly child: ChildProcess) {}

  /** Starts the fixture in `ns`; `wrapper` runs it under another command (e.g. capsh). */
  static async start(
    lab: NetnsLab,
    ns: string,
    options: L2AnnouncerOptions = {},
    wrapper: string[] = [],
  ): Promise<AnnouncerProcess> {
    const node = [process.execPath, '--import', 'tsx', fixture, JSON.stringify(options)];
    const [cmd, ...args] = [...wrapper, ...node] as [string, ...string[]];
    const child = lab.spawn(ns, cmd, args, { cwd: repoRoot });
    const proc = new AnnouncerProcess(child);
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        let msg: {
          ready?: boolean;
          id?: number;
          result?: unknown;
          error?: string;
          startUs?: number;
          endUs?: number;
          event?: L2Event;
        };
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (msg.ready) resolve();
        else if (msg.event) {
          proc.events.push(msg.event);
          for (const w of proc.eventWaiters.splice(0)) w();
        } else if (msg.id !== undefined) {
          const p = proc.pending.get(msg.id);
          proc.pending.delete(msg.id);
          if (msg.error !== undefined) p?.reject(new Error(msg.error));
          else p?.resolve({ result: msg.result, startUs: msg.startUs ?? 0, endUs: msg.endUs ?? 0 });
        }
      });
      child.stderr!.on('data', (d: Buffer) => (proc.stderr += d.toString()));
      child.on('exit', (code, signal) => {
        proc.exited = code ?? (signal ? 128 : 1);
        const err = new Error(`announcer process exited (${code ?? signal}): ${proc.stderr.trim()}`);
        for (const p of proc.pending.values()) p.reject(err);
        proc.pending.clear();
        reject(err);
      });
    });
    await ready;
    return proc;
  }

  /** The announcer's process id (visible from the root namespace; no PID namespace). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exited === null;
  }

  /** Calls a method; resolves with its result and the monotonic µs when the call began and ended. */
  callTimed(
    method: string,
    ...args: unknown[]
  ): Promise<{ result: unknown; startUs: number; endUs: number }> {
    if (!this.alive) return Promise.reject(new Error(`announcer process is gone: ${this.stderr.trim()}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(JSON.stringify({ id, method, args }) + '\n');
    });
  }

  async call(method: string, ...args: unknown[]): Promise<unknown> {
    return (await this.callTimed(method, ...args)).result;
  }

  announce(ip: string, interfaces: string[]): Promise<unknown> {
    return this.call('announce', ip, interfaces);
  }
  release(ip: string): Promise<unknown> {
    return this.call('release', ip);
  }
  setAnnouncements(list: L2Announcement[]): Promise<unknown> {
    return this.call('setAnnouncements', list);
  }
  setAnnouncementGroups(groups: L2AnnouncementGroup[]): Promise<unknown> {
    return this.call('setAnnouncementGroups', groups);
  }
  async owned(): Promise<L2Announcement[]> {
    return (await this.call('owned')) as L2Announcement[];
  }
  async counters(): Promise<L2IpCounters[]> {
    return (await this.call('counters')) as L2IpCounters[];
  }
  async counter(ip: string, iface = 'eth0'): Promise<L2IpCounters | undefined> {
    return (await this.counters()).find((c) => c.ip === ip && c.interface === iface);
  }
  async interfaceCounters(iface = 'eth0'): Promise<L2InterfaceCounters | undefined> {
    const list = (await this.call('interfaceCounters')) as L2InterfaceCounters[];
    return list.find((c) => c.interface === iface);
  }

  /** Resolves with the first event (already seen or future) matching `pred`. */
  async waitForEvent(pred: (e: L2Event) => boolean, timeoutMs = 5000): Promise<L2Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.eventWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Closes the announcer and waits for the process to end. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
