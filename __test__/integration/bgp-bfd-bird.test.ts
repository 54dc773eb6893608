// BFD against BIRD's protocol bfd: see helpers/bgp-bfd-interop.ts.
import { bfdSuite } from '../helpers/bgp-bfd-interop.js';

bfdSuite('bird');
