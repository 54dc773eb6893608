// Public surface of src/bgp (TypeScript side): eligibility, prefixes, the node's route groups.
export * from './prefixes.js';
export * from './route-groups.js';
