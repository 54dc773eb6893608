// Publishes whether a component's configuration is valid in a metallb.io ConfigurationState
// object (one per component: `controller`, `speaker-NODE`), written only when the result or the
// errors change. Labels say which component (and node) it is, as MetalLB labels them; a speaker's
// object is owned by its pod, so it goes away with it.
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type V1OwnerReference,
} from '@kubernetes/client-node';
import { formatError } from '../config/errors.js';
import type { ConfigError } from '../config/model.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const REF = { group: 'metallb.io', version: 'v1beta1', plural: 'configurationstates' } as const;

export const LABEL_COMPONENT_TYPE = 'metallb.io/component-type';
export const LABEL_NODE_NAME = 'metallb.io/node-name';

export interface ConfigurationStateOptions {
  readonly labels?: Readonly<Record<string, string>>;
  /** The component's pod; null/absent = no owner (standalone, tests, pod not found). */
  readonly owner?: V1OwnerReference | null;
}

interface StoredState {
  metadata?: { labels?: Record<string, string>; ownerReferences?: { uid?: string }[] };
  status?: { result?: string; errorSummary?: string };
}

export class ConfigurationStatePublisher {
  private last = '';
  /** API calls made. */
  calls = 0;

  constructor(
    private readonly api: CustomObjectsApi,
    private readonly namespace: string,
    private readonly name: string,
    private readonly options: ConfigurationStateOptions = {},
  ) {}

  private metadata() {
    const { labels, owner } = this.options;
    return {
      name: this.name,
      ...(labels ? { labels: { ...labels } } : {}),
      ...(owner ? { ownerReferences: [owner] } : {}),
    };
  }

  /** The stored object lacks our labels or owner (an older version or this node's previous pod wrote it). */
  private metadataStale(o: StoredState): boolean {
    const { labels = {}, owner } = this.options;
    if (Object.entries(labels).some(([k, v]) => o.metadata?.labels?.[k] !== v)) return true;
    const refs = o.metadata?.ownerReferences ?? [];
    return !!owner && !(refs.length === 1 && refs[0]?.uid === owner.uid);
  }

  async publish(errors: readonly ConfigError[]): Promise<void> {
    const result = errors.length === 0 ? 'Valid' : 'Invalid';
    const errorSummary = errors.map(formatError).join('\n');
    const fingerprint = `${result}\n${errorSummary}`;
    if (fingerprint === this.last) return;
    if (this.last === '') {
      const stored = await this.stored();
      if (stored && this.metadataStale(stored)) {
        // Adopt it before the garbage collector removes it with the previous pod.
        this.calls++;
        await this.api.patchNamespacedCustomObject(
          { ...REF, namespace: this.namespace, name: this.name, body: { metadata: this.metadata() } },
          mergePatch,
        );
      }
      if (stored?.status?.result === result && (stored.status.errorSummary ?? '') === errorSummary) {
        // A restarted component finding its own verdict in place leaves it (and its timestamp) alone.
        this.last = fingerprint;
        return;
      }
    }
    const status = {
      result,
      errorSummary,
      errors: errors.map((e) => ({ object: e.object, field: e.field, reason: e.reason })),
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const patch = () =>
      this.api.patchNamespacedCustomObjectStatus(
        { ...REF, namespace: this.namespace, name: this.name, body: { status } },
        mergePatch,
      );
    try {
      this.calls++;
      await patch();
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
      this.calls += 2;
      await this.api
        .createNamespacedCustomObject({
          ...REF,
          namespace: this.namespace,
          body: {
            apiVersion: 'metallb.io/v1beta1',
            kind: 'ConfigurationState',
            metadata: this.metadata(),
          },
        })
        .catch((e: unknown) => {
          if (!(e instanceof ApiException && e.code === 409)) throw e;
        });
      await patch();
    }
    this.last = fingerprint;
  }

  private async stored(): Promise<StoredState | null> {
    try {
      return (await this.api.getNamespacedCustomObject({
        ...REF,
        namespace: this.namespace,
        name: this.name,
      })) as StoredState;
    } catch {
      return null;
    }
  }
}
