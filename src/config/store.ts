// Keeps the last configuration that validated. A failed update reports its errors and leaves the
// active configuration untouched, so a typo in one object never takes a working cluster down.
import { buildConfig } from './build.js';
import type { BuildOptions, Config, ConfigError, ConfigWarning, RawObject } from './model.js';

export interface UpdateResult {
  /** True when the new objects validated and are now active. */
  readonly accepted: boolean;
  /** The active configuration after the update (the previous one when rejected; null if none yet). */
  readonly config: Config | null;
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly ConfigWarning[];
}

export class ConfigStore {
  #current: Config | null = null;
  #lastErrors: readonly ConfigError[] = [];

  constructor(private readonly options: BuildOptions = {}) {}

  /** The last good configuration, or null before the first valid one. */
  current(): Config | null {
    return this.#current;
  }

  /** Errors of the most recent rejected update (empty after an accepted one). */
  lastErrors(): readonly ConfigError[] {
    return this.#lastErrors;
  }

  update(objects: readonly RawObject[]): UpdateResult {
    const result = buildConfig(objects, this.options);
    if (!result.ok) {
      this.#lastErrors = result.errors;
      return { accepted: false, config: this.#current, errors: result.errors, warnings: result.warnings };
    }
    this.#current = result.config;
    this.#lastErrors = [];
    return { accepted: true, config: result.config, errors: [], warnings: result.warnings };
  }
}
