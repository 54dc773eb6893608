#!/usr/bin/env node
// Installs CRD YAML files into an API server (server-side apply over REST, no kubectl needed) and
// waits until each CRD is Established. Used by scripts/kube-test-env.sh.
//   node scripts/kube-apply-crds.mjs KUBECONFIG FILE.yaml...
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse, parseAllDocuments } from 'yaml';

const [kubeconfigPath, ...files] = process.argv.slice(2);
if (!kubeconfigPath || files.length === 0) {
  console.error('usage: kube-apply-crds.mjs KUBECONFIG FILE.yaml...');
  process.exit(2);
}
const kubeconfig = parse(readFileSync(kubeconfigPath, 'utf8'));
const server = new URL(kubeconfig.clusters[0].cluster.server);
const token = kubeconfig.users[0].user.token;

function call(method, path, body, contentType) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.hostname,
        port: server.port,
        method,
        path,
        rejectUnauthorized: false, // the test apiserver uses a self-signed certificate on loopback
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const names = [];
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const obj = doc.toJSON();
    if (!obj) continue;
    const name = obj.metadata.name;
    const res = await call(
      'PATCH',
      `${base}/${name}?fieldManager=ferrolb-test-env&force=true`,
      JSON.stringify(obj),
      'application/apply-patch+yaml',
    );
    if (res.status >= 300) {
      console.error(`${file}: applying ${name} failed: HTTP ${res.status}: ${res.body}`);
      process.exit(1);
    }
    names.push(name);
  }
}

const deadline = Date.now() + 30_000;
for (const name of names) {
  for (;;) {
    const res = await call('GET', `${base}/${name}`);
    const conditions = res.status === 200 ? (JSON.parse(res.body).status?.conditions ?? []) : [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) {
      console.error(`CRD ${name} not Established after 30 s: ${res.body}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
console.error(`[kube-test-env] ${names.length} CRDs established`);
