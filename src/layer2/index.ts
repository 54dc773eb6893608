// Public surface of src/layer2: announcer election, interface selection, the node's L2 plan.
export * from './announce-inputs.js';
export * from './election.js';
export * from './interfaces.js';
export * from './host-interfaces.js';
export * from './decide.js';
export * from './announcement-groups.js';
export { poolForIPs } from './pool-of-ips.js';
