// Free TCP ports on loopback for daemons and listeners, so parallel test runs do not collide.
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A free loopback port in [10000, limit), for schemas that cap the port (MetalLB's peerPort ≤ 16384). */
export async function freePortBelow(limit: number, host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const candidate = 10000 + Math.floor(Math.random() * (limit - 10000));
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(candidate, host, () => srv.close(() => resolve(true)));
    });
    if (free) return candidate;
  }
  throw new Error(`no free port below ${limit}`);
}
