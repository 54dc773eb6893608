// Renders kustomize trees under manifests/ with the cached kustomize (scripts/kustomize.sh) and
// gives the objects as plain data for the structural and API-server tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** A Kubernetes object as rendered; fields are read through the small accessors below. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export function kustomizeBuild(dir: string): string {
  return execFileSync('bash', [join(root, 'scripts', 'kustomize.sh'), 'build', dir], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

export function parseObjects(yamlText: string): KubeObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export function render(relativeDir: string): KubeObject[] {
  return parseObjects(kustomizeBuild(join(root, relativeDir)));
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`rendered manifests have no ${kind} ${name}`);
  return found;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** Flattens RBAC rules to sorted "group/resource[/name]: verb" strings, easy to compare exactly. */
export function permissions(role: KubeObject): string[] {
  const out: string[] = [];
  for (const rule of (role.rules as PolicyRule[] | undefined) ?? []) {
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs)
          for (const name of rule.resourceNames ?? [''])
            out.push(`${group || 'core'}/${resource}${name ? `/${name}` : ''}: ${verb}`);
  }
  return out.sort();
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  securityContext?: Record<string, unknown> & {
    capabilities?: { add?: string[]; drop?: string[] };
  };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  hostNetwork?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  tolerations?: { key?: string; operator?: string; effect?: string }[];
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string } }[];
}

export function podTemplate(workload: KubeObject): { labels: Record<string, string>; spec: PodSpec } {
  const spec = workload.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
  return { labels: spec.template.metadata.labels, spec: spec.template.spec };
}
