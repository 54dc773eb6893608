// Interoperability with frr: see helpers/bgp-interop.ts for the scenarios.
import { interopSuite } from '../helpers/bgp-interop.js';

interopSuite('frr');
