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
export { formatError, objectRef, sortErrors } from './errors.js';
