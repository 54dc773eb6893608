// A private kube-apiserver + etcd (scripts/kube-test-env.sh) on free loopback ports and its own
// state directory, so it never collides with another test's, and a tiny REST client for it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root } from './render.js';

export interface KubeResponse {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

export interface KubeEnv {
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse>;
  stop(): void;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port P with P and P+1 free (etcd uses P for clients and P+1 for peers). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 20000);
    if ((await portFree(p)) && (await portFree(p + 1))) return p;
  }
  throw new Error('no free loopback port pair');
}

export async function startKubeEnv(name: string): Promise<KubeEnv> {
  const env = {
    ...process.env,
    FERROLB_KUBE_DIR: `/dev/shm/ferrolb-kube-${name}-${process.pid}`,
    FERROLB_KUBE_PORT: String(await freePortPair()),
    FERROLB_ETCD_PORT: String(await freePortPair()),
  };
  const script = join(root, 'scripts', 'kube-test-env.sh');
  const stop = () => execFileSync('bash', [script, 'stop'], { env, stdio: 'inherit' });
  try {
    execFileSync('bash', [script, 'start'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    stop();
    throw e;
  }
  const token = readFileSync(join(env.FERROLB_KUBE_DIR, 'token'), 'utf8').trim();
  const port = Number(env.FERROLB_KUBE_PORT);

  const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<KubeResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          rejectUnauthorized: false, // the test apiserver's self-signed certificate, on loopback
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: data,
              json: () => JSON.parse(data) as Record<string, unknown>,
            }),
          );
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  return { call, stop };
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** REST paths for objects, found through the API server's discovery (no hard-coded table). */
export class ResourcePaths {
  private readonly lists = new Map<string, ApiResource[]>();
  constructor(private readonly kube: KubeEnv) {}

  async path(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }) {
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    let resources = this.lists.get(base);
    if (!resources) {
      const res = await this.kube.call('GET', base);
      if (res.status !== 200) throw new Error(`discovery ${base}: HTTP ${res.status} ${res.body}`);
      resources = (res.json().resources as ApiResource[]).filter((r) => !r.name.includes('/'));
      this.lists.set(base, resources);
    }
    const r = resources.find((x) => x.kind === obj.kind);
    if (!r) throw new Error(`the API server does not serve ${obj.kind} in ${obj.apiVersion}`);
    const ns = r.namespaced ? `/namespaces/${obj.metadata.namespace ?? 'default'}` : '';
    return `${base}${ns}/${r.name}/${obj.metadata.name}`;
  }
}
