// Public surface of src/config: parse → validate → immutable model.
export * from './model.js';
export * from './ip.js';
export {
  EVERYTHING,
  matchesSelector,
  matchesAnySelector,
  selectorToString,
  parseLabelSelector,
  parseLabelSelectorList,
} from './selector.js';
export { parseDocuments, toRawObject, MAX_INPUT_CHARS, MAX_ALIAS_COUNT } from './documents.js';
export { buildConfig } from './build.js';
export { ConfigStore, type UpdateResult } from './store.js';
export { parseService } from './service.js';
export { poolAcceptsService, comparePoolPriority, candidatePools } from './scope.js';
export { selectorsMayOverlap, selectorListsMayOverlap } from './selector.js';
export { parseGoDuration } from './duration.js';
export { parseCommunity } from './community.js';
export { legacyConfigMapToObjects } from './legacy.js';
export { toYamlDocuments } from './emit.js';
export { DEFAULT_NAMESPACE } from './build.js';
export { formatError, objectRef, sortErrors } from './errors.js';
