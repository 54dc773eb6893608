// BFD against FRR's bfdd (with zebra and bgpd): see helpers/bgp-bfd-interop.ts.
import { bfdSuite } from '../helpers/bgp-bfd-interop.js';

bfdSuite('frr');
