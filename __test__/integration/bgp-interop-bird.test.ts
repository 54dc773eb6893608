// Interoperability with bird: see helpers/bgp-interop.ts for the scenarios.
import { interopSuite } from '../helpers/bgp-interop.js';

interopSuite('bird');
