// Public surface of src/speakerlist: gossip membership among speakers.
export { SpeakerList, DEFAULT_PORT, type SpeakerListOptions, type SpeakerListEvents } from './speakerlist.js';
export { ThreadedSpeakerList } from './threaded.js';
export {
  DEFAULT_SWIM_OPTIONS,
  validateSwimOptions,
  type SwimOptions,
  type SwimEvent,
  type Member,
} from './swim.js';
export type { Address } from './messages.js';
export type { TransportStats } from './transport.js';
