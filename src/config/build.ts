// RawObjects → validated Config. (Work in progress: the validation rules land in the next commits.)
import type { BuildOptions, BuildResult, RawObject } from './model.js';

export function buildConfig(objects: readonly RawObject[], _opts: BuildOptions = {}): BuildResult {
  return {
    ok: false,
    errors: [
      { object: '//', field: '', reason: `buildConfig not implemented yet (${objects.length} objects)` },
    ],
    warnings: [],
  };
}
