// Publishes whether a component's configuration is valid in a metallb.io ConfigurationState
// object (one per component), written only when the result or the errors change.
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
} from '@kubernetes/client-node';
import { formatError } from '../config/errors.js';
import type { ConfigError } from '../config/model.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const REF = { group: 'metallb.io', version: 'v1beta1', plural: 'configurationstates' } as const;

export class ConfigurationStatePublisher {
  private last = '';
  /** API calls made. */
  calls = 0;

  constructor(
    private readonly api: CustomObjectsApi,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async publish(errors: readonly ConfigError[]): Promise<void> {
    const result = errors.length === 0 ? 'Valid' : 'Invalid';
    const errorSummary = errors.map(formatError).join('\n');
    const fingerprint = `${result}\n${errorSummary}`;
    if (fingerprint === this.last) return;
    if (this.last === '' && (await this.shows(result, errorSummary))) {
      // A restarted component finding its own verdict in place leaves it (and its timestamp) alone.
      this.last = fingerprint;
      return;
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
            metadata: { name: this.name },
          },
        })
        .catch((e: unknown) => {
          if (!(e instanceof ApiException && e.code === 409)) throw e;
        });
      await patch();
    }
    this.last = fingerprint;
  }

  private async shows(result: string, errorSummary: string): Promise<boolean> {
    try {
      const o = (await this.api.getNamespacedCustomObject({
        ...REF,
        namespace: this.namespace,
        name: this.name,
      })) as {
        status?: { result?: string; errorSummary?: string };
      };
      return o.status?.result === result && (o.status.errorSummary ?? '') === errorSummary;
    } catch {
      return false;
    }
  }
}
