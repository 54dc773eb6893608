// Lets processes inside lab network namespaces reach the kube-apiserver, which listens on
// 127.0.0.1 of the root namespace only. Path-named unix sockets live in the filesystem, not in a
// network namespace, so: the test process serves a unix socket that pipes to the apiserver's TCP
// port, and inside each namespace a tiny forwarder listens on 127.0.0.1:PORT and pipes to that
// socket. Nothing gets an address on the lab's LAN; everything stays on loopback.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

import type { NetnsLab } from './netns.js';
import { waitFor } from './wait.js';

/** The in-namespace end: argv = [port, socketPath]; prints "ready" once listening. */
const FORWARDER = `
const net = require('node:net');
const [port, sock] = process.argv.slice(1);
net
  .createServer((c) => {
    const u = net.connect(sock);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
  })
  .listen(Number(port), '127.0.0.1', () => console.log('ready'));
`;

function splice(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

export class ApiserverRelay {
  private readonly dir = mkdtempSync(join(tmpdir(), 'flb-relay-'));
  readonly socketPath = join(this.dir, 'apiserver.sock');
  private readonly sockets = new Set<Socket>();
  private readonly forwarders: ChildProcess[] = [];

  private readonly server: Server;

  private constructor(apiPort: number) {
    this.server = createServer((c) => {
      const up = connect(apiPort, '127.0.0.1');
      for (const s of [c, up]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      }
      splice(c, up);
    });
  }

  /** Serves the unix socket in the root namespace, piping to 127.0.0.1:`apiPort`. */
  static async start(apiPort: number): Promise<ApiserverRelay> {
    const relay = new ApiserverRelay(apiPort);
    relay.server.listen(relay.socketPath);
    await once(relay.server, 'listening');
    return relay;
  }

  /** Starts a forwarder in `ns` on 127.0.0.1:`port` (killed by the lab's destroy() too). */
  async expose(lab: NetnsLab, ns: string, port: number): Promise<void> {
    const child = lab.spawn(ns, process.execPath, ['-e', FORWARDER, String(port), this.socketPath]);
    this.forwarders.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor(`apiserver forwarder in ${ns}`, () => {
      if (child.exitCode !== null) throw new Error(`forwarder exited: ${err}`);
      return out.includes('ready');
    });
  }

  async stop(): Promise<void> {
    for (const c of this.forwarders) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
