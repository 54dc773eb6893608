// Raw REST access to the private kube-apiserver of __test__/helpers/kube.ts: server-side apply
// with dryRun and fieldValidation, SubjectAccessReview, discovery — requests the typed client does
// not expose as plainly.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';
import { startKubeEnv as startSharedKubeEnv } from '../helpers/kube.js';

export interface KubeResponse {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

export interface KubeEnv {
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse>;
  stop(): Promise<void>;
}

export async function startKubeEnv(): Promise<KubeEnv> {
  const shared = await startSharedKubeEnv();
  const kubeconfig = parse(readFileSync(shared.kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string } }[];
    users: { user: { token: string } }[];
  };
  const server = new URL(kubeconfig.clusters[0]?.cluster.server ?? '');
  const token = kubeconfig.users[0]?.user.token ?? '';

  const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<KubeResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          host: server.hostname,
          port: server.port,
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
  return { call, stop: () => shared.stop() };
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
