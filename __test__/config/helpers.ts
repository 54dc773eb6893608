// Test helpers: build metallb.io objects as plain data and run them through the real pipeline.
import {
  buildConfig,
  toRawObject,
  type BuildResult,
  type ConfigError,
  type RawObject,
} from '../../src/config/index.js';

export const NS = 'metallb-system';

export function obj(
  kind: string,
  name: string,
  spec?: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const apiVersion =
    kind === 'Secret' || kind === 'Node' || kind === 'Service' || kind === 'ConfigMap'
      ? 'v1'
      : 'metallb.io/v1beta1';
  return {
    apiVersion: kind === 'BGPPeer' ? 'metallb.io/v1beta2' : apiVersion,
    kind,
    metadata: { name, namespace: NS },
    ...(spec === undefined ? {} : { spec }),
    ...extra,
  };
}

export const pool = (name: string, addresses: unknown, more: Record<string, unknown> = {}) =>
  obj('IPAddressPool', name, { addresses, ...more });
export const peer = (name: string, spec: Record<string, unknown>) =>
  obj('BGPPeer', name, { myASN: 64500, peerASN: 64501, peerAddress: '10.0.0.1', ...spec });

export function raw(values: readonly unknown[]): RawObject[] {
  return values.map((v, i) => {
    const r = toRawObject(v, { file: 'test.yaml', doc: i });
    if (!r.object) throw new Error(`bad test object: ${JSON.stringify(r.errors)}`);
    return r.object;
  });
}

export const build = (values: readonly unknown[]): BuildResult => buildConfig(raw(values));

export function okConfig(values: readonly unknown[]) {
  const r = build(values);
  if (!r.ok)
    throw new Error(
      `expected a valid config, got:\n${r.errors.map((e) => `${e.object} ${e.field}: ${e.reason}`).join('\n')}`,
    );
  return r.config;
}

export const describeErrors = (errors: readonly ConfigError[]): string =>
  errors.map((e) => `  ${e.object} ${e.field}: ${e.reason}`).join('\n');

/** JSON with bigints as strings, to compare models in assertions and messages. */
export const toJSON = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/** The model without source references (objects from different files compare equal). */
export function withoutSources<T>(v: T): T {
  return JSON.parse(
    JSON.stringify(v, (k, x) => (k === 'source' ? undefined : typeof x === 'bigint' ? `${x}n` : x)),
  ) as T;
}
