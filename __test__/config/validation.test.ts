// Every validation rule, as a table: the objects, and for invalid ones the exact object, field
// and reason fragment each error must carry. Valid rows must build with no error at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, describeErrors, NS, obj, peer, pool } from './helpers.js';

interface Expect {
  object: string;
  field: string;
  reason: string;
}
interface Case {
  name: string;
  objects: unknown[];
  errors?: Expect[];
  warnings?: Expect[];
}

const P = `IPAddressPool/${NS}`;
const L2 = `L2Advertisement/${NS}`;
const BA = `BGPAdvertisement/${NS}`;
const PR = `BGPPeer/${NS}`;
const BFD = `BFDProfile/${NS}`;
const CM = `Community/${NS}`;
const e = (object: string, field: string, reason: string): Expect => ({ object, field, reason });

const basicAuth = (name: string, password: string, type = 'kubernetes.io/basic-auth') =>
  obj('Secret', name, undefined, { type, data: { password: Buffer.from(password).toString('base64') } });

const cases: Case[] = [
  // ---------------- IPAddressPool ----------------
  { name: 'a minimal pool is valid', objects: [pool('a', ['10.0.0.0/24'])] },
  {
    name: 'pool without addresses',
    objects: [pool('a', [])],
    errors: [e(`${P}/a`, 'spec.addresses', 'pool has no prefixes defined')],
  },
  {
    name: 'pool without spec',
    objects: [obj('IPAddressPool', 'a')],
    errors: [e(`${P}/a`, 'spec', 'required'), e(`${P}/a`, 'spec.addresses', 'pool has no prefixes defined')],
  },
  {
    name: 'invalid CIDR prefix length',
    objects: [pool('a', ['10.0.0.0/33'])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'invalid CIDR "10.0.0.0/33": prefix length exceeds 32')],
  },
  {
    name: 'invalid CIDR address',
    objects: [pool('a', ['10.0.0.300/24'])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'invalid CIDR "10.0.0.300/24": invalid address')],
  },
  {
    name: 'bare address without prefix length',
    objects: [pool('a', ['10.0.0.1'])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'missing prefix length')],
  },
  {
    name: 'range with start after end',
    objects: [pool('a', ['10.0.0.20-10.0.0.10'])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'start IP "10.0.0.20" is after the end IP "10.0.0.10"')],
  },
  {
    name: 'range mixing families',
    objects: [pool('a', ['10.0.0.1-fc00::1'])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'start and end are of different IP families')],
  },
  {
    name: 'range with an invalid start',
    objects: [pool('a', ['10.0.0-10.0.0.5'])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'invalid start IP "10.0.0"')],
  },
  {
    name: 'address that is not a string',
    objects: [pool('a', [42])],
    errors: [e(`${P}/a`, 'spec.addresses[0]', 'must be a string, got number')],
  },
  {
    name: 'overlap within a pool',
    objects: [pool('a', ['10.0.0.0/24', '10.0.0.128-10.0.0.130'])],
    errors: [
      e(`${P}/a`, 'spec.addresses[1]', 'overlaps with "10.0.0.0/24" (spec.addresses[0]) in the same pool'),
    ],
  },
  {
    name: 'overlap across pools (IPv4)',
    objects: [pool('a', ['10.0.0.0/24']), pool('b', ['10.0.0.255-10.0.1.5'])],
    errors: [
      e(
        `${P}/b`,
        'spec.addresses[0]',
        'CIDR "10.0.0.255-10.0.1.5" overlaps with "10.0.0.0/24" in IPAddressPool "a"',
      ),
    ],
  },
  {
    name: 'overlap across pools (IPv6)',
    objects: [pool('a', ['fc00::/64']), pool('b', ['fc00::ffff-fc00::1:0'])],
    errors: [e(`${P}/b`, 'spec.addresses[0]', 'overlaps with "fc00::/64" in IPAddressPool "a"')],
  },
  {
    name: 'adjacent pools and same numbers in different families do not overlap',
    objects: [pool('a', ['10.0.0.0/25', '::a00:0/120']), pool('b', ['10.0.0.128/25'])],
  },
  {
    name: 'host bits set is accepted like MetalLB, with a warning',
    objects: [pool('a', ['10.0.0.1/24'])],
    warnings: [e(`${P}/a`, 'spec.addresses[0]', 'has host bits set; the pool covers 10.0.0.0/24')],
  },
  {
    name: 'autoAssign must be a boolean',
    objects: [pool('a', ['10.0.0.0/24'], { autoAssign: 'false' })],
    errors: [e(`${P}/a`, 'spec.autoAssign', 'must be a boolean (true or false), got string')],
  },
  {
    name: 'unknown spec field (typo)',
    objects: [pool('a', ['10.0.0.0/24'], { avoidBuggyIps: true })],
    errors: [e(`${P}/a`, 'spec.avoidBuggyIps', 'unknown field "avoidBuggyIps"')],
  },
  {
    name: 'serviceAllocation: duplicate namespaces',
    objects: [pool('a', ['10.0.0.0/24'], { serviceAllocation: { namespaces: ['x', 'x'] } })],
    errors: [e(`${P}/a`, 'spec.serviceAllocation.namespaces[1]', 'duplicate definition of namespaces "x"')],
  },
  {
    name: 'serviceAllocation: invalid namespace name',
    objects: [pool('a', ['10.0.0.0/24'], { serviceAllocation: { namespaces: ['Team_A'] } })],
    errors: [e(`${P}/a`, 'spec.serviceAllocation.namespaces[0]', 'invalid namespace name "Team_A"')],
  },
  {
    name: 'serviceAllocation: duplicate serviceSelectors',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: {
          serviceSelectors: [{ matchLabels: { app: 'x' } }, { matchLabels: { app: 'x' } }],
        },
      }),
    ],
    errors: [
      e(
        `${P}/a`,
        'spec.serviceAllocation.serviceSelectors[1]',
        'duplicate definition of serviceSelectors "app=x"',
      ),
    ],
  },
  {
    name: 'serviceAllocation: priority must be an integer',
    objects: [pool('a', ['10.0.0.0/24'], { serviceAllocation: { priority: 1.5 } })],
    errors: [e(`${P}/a`, 'spec.serviceAllocation.priority', 'must be an integer, got 1.5')],
  },
  {
    name: 'selector: invalid operator',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: {
          namespaceSelectors: [{ matchExpressions: [{ key: 'k', operator: 'Equals', values: ['v'] }] }],
        },
      }),
    ],
    errors: [
      e(
        `${P}/a`,
        'spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].operator',
        '"Equals" is not a valid selector operator',
      ),
    ],
  },
  {
    name: 'selector: In without values',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: {
          serviceSelectors: [{ matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }],
        },
      }),
    ],
    errors: [
      e(
        `${P}/a`,
        'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values',
        'must be non-empty for operator In',
      ),
    ],
  },
  {
    name: 'selector: Exists with values',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: {
          serviceSelectors: [{ matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] }],
        },
      }),
    ],
    errors: [
      e(
        `${P}/a`,
        'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values',
        'must be empty for operator Exists',
      ),
    ],
  },
  {
    name: 'selector: duplicate values in one expression',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: {
          serviceSelectors: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v', 'v'] }] }],
        },
      }),
    ],
    errors: [
      e(
        `${P}/a`,
        'spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values[1]',
        'duplicate definition of match expression value "v"',
      ),
    ],
  },
  {
    name: 'selector: duplicate expressions',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: {
          serviceSelectors: [
            {
              matchExpressions: [
                { key: 'k', operator: 'In', values: ['a', 'b'] },
                { key: 'k', operator: 'In', values: ['b', 'a'] },
              ],
            },
          ],
        },
      }),
    ],
    errors: [
      e(
        `${P}/a`,
        'spec.serviceAllocation.serviceSelectors[0].matchExpressions',
        'duplicate definition of match expressions "k in (a,b)"',
      ),
    ],
  },
  {
    name: 'selector: invalid label key and value',
    objects: [
      pool('a', ['10.0.0.0/24'], {
        serviceAllocation: { serviceSelectors: [{ matchLabels: { '-bad': 'ok', good: 'not ok!' } }] },
      }),
    ],
    errors: [
      e(`${P}/a`, 'spec.serviceAllocation.serviceSelectors[0].matchLabels.-bad', 'invalid label key "-bad"'),
      e(
        `${P}/a`,
        'spec.serviceAllocation.serviceSelectors[0].matchLabels.good',
        'invalid label value "not ok!"',
      ),
    ],
  },
  {
    name: 'duplicate pool names',
    objects: [pool('a', ['10.0.0.0/24']), pool('a', ['10.0.1.0/24'])],
    errors: [e(`${P}/a`, 'metadata.name', 'duplicate definition of IPAddressPool "a" (test.yaml:0)')],
  },
  {
    name: 'object outside the MetalLB namespace',
    objects: [{ ...pool('a', ['10.0.0.0/24']), metadata: { name: 'a', namespace: 'default' } }],
    errors: [e('IPAddressPool/default/a', 'metadata.namespace', 'must be "metallb-system"')],
  },
  {
    name: 'object without namespace defaults to the MetalLB namespace',
    objects: [{ ...pool('a', ['10.0.0.0/24']), metadata: { name: 'a' } }],
  },
  {
    name: 'unsupported apiVersion',
    objects: [{ ...pool('a', ['10.0.0.0/24']), apiVersion: 'metallb.io/v1alpha1' }],
    errors: [e(`${P}/a`, 'apiVersion', 'unsupported apiVersion "metallb.io/v1alpha1" for IPAddressPool')],
  },
  {
    name: 'removed AddressPool kind',
    objects: [{ ...obj('AddressPool', 'a', { protocol: 'layer2', addresses: ['10.0.0.0/24'] }) }],
    errors: [e(`AddressPool/${NS}/a`, 'kind', 'AddressPool was removed from MetalLB')],
  },
  {
    name: 'invalid object name',
    objects: [pool('Bad_Name', ['10.0.0.0/24'])],
    errors: [e(`${P}/Bad_Name`, 'metadata.name', 'invalid name "Bad_Name"')],
  },
  {
    name: 'unknown top-level field',
    objects: [{ ...pool('a', ['10.0.0.0/24']), specs: {} }],
    errors: [e(`${P}/a`, 'specs', 'unknown field "specs"')],
  },
  {
    name: 'misspelt metallb.io kind',
    objects: [obj('IPAdressPool', 'a', { addresses: ['10.0.0.0/24'] })],
    errors: [e(`IPAdressPool/${NS}/a`, 'kind', 'unknown metallb.io kind "IPAdressPool"')],
  },
  {
    name: 'non-MetalLB kinds are ignored with a warning',
    objects: [
      pool('a', ['10.0.0.0/24']),
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } },
    ],
    warnings: [e(`Deployment/${NS}/x`, 'kind', 'apps/v1 Deployment is not MetalLB configuration; ignored')],
  },

  // ---------------- L2Advertisement ----------------
  {
    name: 'L2: unknown pool',
    objects: [pool('a', ['10.0.0.0/24']), obj('L2Advertisement', 'l2', { ipAddressPools: ['nope'] })],
    errors: [e(`${L2}/l2`, 'spec.ipAddressPools[0]', 'unknown IPAddressPool "nope"')],
  },
  {
    name: 'L2: duplicate pools',
    objects: [pool('a', ['10.0.0.0/24']), obj('L2Advertisement', 'l2', { ipAddressPools: ['a', 'a'] })],
    errors: [e(`${L2}/l2`, 'spec.ipAddressPools[1]', 'duplicate definition of ipAddressPools "a"')],
  },
  {
    name: 'L2: duplicate nodeSelectors',
    objects: [
      obj('L2Advertisement', 'l2', {
        nodeSelectors: [{ matchLabels: { a: 'b', c: 'd' } }, { matchLabels: { c: 'd', a: 'b' } }],
      }),
    ],
    errors: [e(`${L2}/l2`, 'spec.nodeSelectors[1]', 'duplicate definition of nodeSelectors "a=b,c=d"')],
  },
  {
    name: 'L2: duplicate ipAddressPoolSelectors',
    objects: [
      obj('L2Advertisement', 'l2', {
        ipAddressPoolSelectors: [{ matchLabels: { a: 'b' } }, { matchLabels: { a: 'b' } }],
      }),
    ],
    errors: [
      e(`${L2}/l2`, 'spec.ipAddressPoolSelectors[1]', 'duplicate definition of ipAddressPoolSelectors "a=b"'),
    ],
  },
  {
    name: 'L2: interface name too long',
    objects: [obj('L2Advertisement', 'l2', { interfaces: ['averyveryverylongname0'] })],
    errors: [e(`${L2}/l2`, 'spec.interfaces[0]', 'longer than 15 bytes')],
  },
  {
    name: 'L2: duplicate interfaces',
    objects: [obj('L2Advertisement', 'l2', { interfaces: ['eth0', 'eth0'] })],
    errors: [e(`${L2}/l2`, 'spec.interfaces[1]', 'duplicate definition of interfaces "eth0"')],
  },
  {
    name: 'L2: preferredNodeSelectors weight out of range and missing preference',
    objects: [
      obj('L2Advertisement', 'l2', {
        preferredNodeSelectors: [{ weight: 0, preference: {} }, { weight: 10 }],
      }),
    ],
    errors: [
      e(`${L2}/l2`, 'spec.preferredNodeSelectors[0].weight', 'must be between 1 and 100, got 0'),
      e(`${L2}/l2`, 'spec.preferredNodeSelectors[1].preference', 'required'),
    ],
  },
  {
    name: 'L2: preferredNodeSelectors weight required',
    objects: [
      obj('L2Advertisement', 'l2', { preferredNodeSelectors: [{ preference: { matchLabels: { a: 'b' } } }] }),
    ],
    errors: [e(`${L2}/l2`, 'spec.preferredNodeSelectors[0].weight', 'required')],
  },
  {
    name: 'L2: everything valid',
    objects: [
      pool('a', ['10.0.0.0/24'], {}),
      obj('L2Advertisement', 'l2', {
        ipAddressPools: ['a'],
        interfaces: ['eth0', 'bond0.100'],
        nodeSelectors: [{ matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['edge'] }] }],
        serviceSelectors: [{ matchLabels: { l2: 'yes' } }],
        preferredNodeSelectors: [{ weight: 100, preference: { matchLabels: { zone: 'a' } } }],
      }),
    ],
  },

  // ---------------- BGPAdvertisement ----------------
  {
    name: 'BGP adv: aggregationLength out of range',
    objects: [obj('BGPAdvertisement', 'b', { aggregationLength: 33 })],
    errors: [e(`${BA}/b`, 'spec.aggregationLength', 'must be between 1 and 32, got 33')],
  },
  {
    name: 'BGP adv: aggregationLengthV6 out of range',
    objects: [obj('BGPAdvertisement', 'b', { aggregationLengthV6: 129 })],
    errors: [e(`${BA}/b`, 'spec.aggregationLengthV6', 'must be between 0 and 128, got 129')],
  },
  {
    name: 'BGP adv: aggregation shorter than the pool prefix',
    objects: [pool('a', ['10.0.0.0/24']), obj('BGPAdvertisement', 'b', { aggregationLength: 16 })],
    errors: [
      e(
        `${BA}/b`,
        'spec.aggregationLength',
        'invalid aggregation length 16: prefix 24 in IPAddressPool "a" is more specific than the aggregation length for addresses 10.0.0.0/24',
      ),
    ],
  },
  {
    name: "BGP adv: aggregation shorter than a range's widest CIDR",
    objects: [pool('a', ['10.0.0.10-10.0.0.20']), obj('BGPAdvertisement', 'b', { aggregationLength: 24 })],
    errors: [e(`${BA}/b`, 'spec.aggregationLength', 'prefix 30 in IPAddressPool "a"')],
  },
  {
    name: 'BGP adv: IPv6 aggregation shorter than the pool prefix',
    objects: [pool('a', ['fc00::/120']), obj('BGPAdvertisement', 'b', { aggregationLengthV6: 64 })],
    errors: [e(`${BA}/b`, 'spec.aggregationLengthV6', 'invalid aggregation length 64: prefix 120')],
  },
  {
    name: 'BGP adv: aggregation equal to or longer than the pool prefix is fine',
    objects: [
      pool('a', ['10.0.0.0/24', 'fc00::/120']),
      obj('BGPAdvertisement', 'b', { aggregationLength: 24, aggregationLengthV6: 124 }),
    ],
  },
  {
    name: 'BGP adv: serviceSelectors exclude aggregation',
    objects: [
      obj('BGPAdvertisement', 'b', {
        aggregationLength: 24,
        aggregationLengthV6: 64,
        serviceSelectors: [{ matchLabels: { a: 'b' } }],
      }),
    ],
    errors: [
      e(`${BA}/b`, 'spec.aggregationLength', 'serviceSelectors and aggregationLength are mutually exclusive'),
      e(
        `${BA}/b`,
        'spec.aggregationLengthV6',
        'serviceSelectors and aggregationLengthV6 are mutually exclusive',
      ),
    ],
  },
  {
    name: 'BGP adv: conflicting localPref on the same pool',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'x', { ipAddressPools: ['a'], localPref: 100 }),
      obj('BGPAdvertisement', 'y', { ipAddressPools: ['a'], localPref: 200 }),
    ],
    errors: [
      e(
        `${BA}/y`,
        'spec.localPref',
        'invalid local preference 200: BGPAdvertisement "x" sets local preference 100',
      ),
    ],
  },
  {
    name: 'BGP adv: localPref vs unset localPref conflicts too',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'x', {}),
      obj('BGPAdvertisement', 'y', { localPref: 50 }),
    ],
    errors: [
      e(
        `${BA}/y`,
        'spec.localPref',
        'invalid local preference 50: BGPAdvertisement "x" sets local preference 0',
      ),
    ],
  },
  {
    name: 'BGP adv: different localPref but disjoint peers',
    objects: [
      pool('a', ['10.0.0.0/24']),
      peer('p1', { peerAddress: '10.0.0.1' }),
      peer('p2', { peerAddress: '10.0.0.2' }),
      obj('BGPAdvertisement', 'x', { localPref: 100, peers: ['p1'] }),
      obj('BGPAdvertisement', 'y', { localPref: 200, peers: ['p2'] }),
    ],
  },
  {
    name: 'BGP adv: different localPref but different aggregation',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'x', { localPref: 100 }),
      obj('BGPAdvertisement', 'y', { localPref: 200, aggregationLength: 24 }),
    ],
  },
  {
    name: 'BGP adv: dual-stack pool needs both aggregation lengths to differ',
    objects: [
      pool('a', ['10.0.0.0/24', 'fc00::/120']),
      obj('BGPAdvertisement', 'x', { localPref: 100 }),
      obj('BGPAdvertisement', 'y', { localPref: 200, aggregationLength: 24 }),
    ],
    errors: [e(`${BA}/y`, 'spec.localPref', 'invalid local preference 200')],
  },
  {
    name: 'BGP adv: different localPref on disjoint node selectors',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'x', { localPref: 100, nodeSelectors: [{ matchLabels: { rack: 'a' } }] }),
      obj('BGPAdvertisement', 'y', { localPref: 200, nodeSelectors: [{ matchLabels: { rack: 'b' } }] }),
    ],
  },
  {
    name: 'BGP adv: different localPref on node selectors that may overlap',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'x', { localPref: 100, nodeSelectors: [{ matchLabels: { rack: 'a' } }] }),
      obj('BGPAdvertisement', 'y', { localPref: 200, nodeSelectors: [{ matchLabels: { zone: 'z' } }] }),
    ],
    errors: [e(`${BA}/y`, 'spec.localPref', 'invalid local preference 200')],
  },
  {
    name: 'BGP adv: with Node objects, overlap is decided on the real nodes (MetalLB behaviour)',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('Node', 'n1', undefined, { metadata: { name: 'n1', labels: { rack: 'a' } } }),
      obj('Node', 'n2', undefined, { metadata: { name: 'n2', labels: { zone: 'z' } } }),
      obj('BGPAdvertisement', 'x', { localPref: 100, nodeSelectors: [{ matchLabels: { rack: 'a' } }] }),
      obj('BGPAdvertisement', 'y', { localPref: 200, nodeSelectors: [{ matchLabels: { zone: 'z' } }] }),
    ],
  },
  {
    name: 'BGP adv: different localPref allowed with serviceSelectors',
    objects: [
      pool('a', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'x', { localPref: 100 }),
      obj('BGPAdvertisement', 'y', { localPref: 200, serviceSelectors: [{ matchLabels: { tier: 'gold' } }] }),
    ],
  },
  {
    name: 'BGP adv: unknown community alias',
    objects: [obj('BGPAdvertisement', 'b', { communities: ['no-such-alias'] })],
    errors: [e(`${BA}/b`, 'spec.communities[0]', 'invalid community "no-such-alias": neither a value')],
  },
  {
    name: 'BGP adv: community value out of range',
    objects: [obj('BGPAdvertisement', 'b', { communities: ['70000:1', 'large:1:2:4294967296'] })],
    errors: [
      e(`${BA}/b`, 'spec.communities[0]', 'invalid community value "70000:1": each part must be 0-65535'),
      e(`${BA}/b`, 'spec.communities[1]', 'invalid large community value "large:1:2:4294967296"'),
    ],
  },
  {
    name: 'BGP adv: duplicate communities',
    objects: [obj('BGPAdvertisement', 'b', { communities: ['1:1', '1:1'] })],
    errors: [e(`${BA}/b`, 'spec.communities[1]', 'duplicate definition of community "1:1"')],
  },
  {
    name: 'BGP adv: unknown peer and duplicate peers',
    objects: [peer('p1', {}), obj('BGPAdvertisement', 'b', { peers: ['p1', 'p1', 'p9'] })],
    errors: [
      e(`${BA}/b`, 'spec.peers[1]', 'duplicate definition of peers "p1"'),
      e(`${BA}/b`, 'spec.peers[2]', 'unknown BGPPeer "p9"'),
    ],
  },
  {
    name: 'BGP adv: unknown pool',
    objects: [obj('BGPAdvertisement', 'b', { ipAddressPools: ['ghost'] })],
    errors: [e(`${BA}/b`, 'spec.ipAddressPools[0]', 'unknown IPAddressPool "ghost"')],
  },
  {
    name: 'BGP adv: localPref out of range',
    objects: [obj('BGPAdvertisement', 'b', { localPref: -1 })],
    errors: [e(`${BA}/b`, 'spec.localPref', 'must be between 0 and 4294967295, got -1')],
  },

  // ---------------- Community ----------------
  {
    name: 'Community: duplicate alias across objects',
    objects: [
      obj('Community', 'c1', { communities: [{ name: 'x', value: '1:1' }] }),
      obj('Community', 'c2', { communities: [{ name: 'x', value: '1:2' }] }),
    ],
    errors: [
      e(`${CM}/c2`, 'spec.communities[0].name', `duplicate definition of community "x" (also in ${CM}/c1)`),
    ],
  },
  {
    name: 'Community: invalid value',
    objects: [obj('Community', 'c1', { communities: [{ name: 'x', value: '1-1' }] })],
    errors: [
      e(`${CM}/c1`, 'spec.communities[0].value', 'parsing community "x": invalid community format "1-1"'),
    ],
  },
  {
    name: 'Community: missing name and value',
    objects: [obj('Community', 'c1', { communities: [{}] })],
    errors: [
      e(`${CM}/c1`, 'spec.communities[0].name', 'required'),
      e(`${CM}/c1`, 'spec.communities[0].value', 'required'),
    ],
  },

  // ---------------- BGPPeer ----------------
  { name: 'peer: minimal v1beta2 is valid', objects: [peer('p', {})] },
  {
    name: 'peer: missing local ASN',
    objects: [obj('BGPPeer', 'p', { peerASN: 1, peerAddress: '10.0.0.1' })],
    errors: [e(`${PR}/p`, 'spec.myASN', 'missing local ASN')],
  },
  {
    name: 'peer: missing peer ASN and dynamicASN',
    objects: [obj('BGPPeer', 'p', { myASN: 1, peerAddress: '10.0.0.1' })],
    errors: [e(`${PR}/p`, 'spec.peerASN', 'missing peer ASN and dynamicASN')],
  },
  {
    name: 'peer: both peerASN and dynamicASN',
    objects: [peer('p', { dynamicASN: 'external' })],
    errors: [e(`${PR}/p`, 'spec.dynamicASN', 'both peer ASN and dynamicASN specified')],
  },
  {
    name: 'peer: invalid dynamicASN',
    objects: [peer('p', { peerASN: undefined, dynamicASN: 'sometimes' })],
    errors: [e(`${PR}/p`, 'spec.dynamicASN', 'invalid dynamicASN "sometimes": must be internal or external')],
  },
  {
    name: 'peer: ebgpMultiHop on an iBGP session',
    objects: [peer('p', { peerASN: 64500, ebgpMultiHop: true })],
    errors: [e(`${PR}/p`, 'spec.ebgpMultiHop', 'invalid ebgp-multihop parameter set for an ibgp peer')],
  },
  {
    name: 'peer: ebgpMultiHop with dynamicASN internal',
    objects: [peer('p', { peerASN: undefined, dynamicASN: 'internal', ebgpMultiHop: true })],
    errors: [e(`${PR}/p`, 'spec.ebgpMultiHop', 'invalid ebgp-multihop parameter set for an ibgp peer')],
  },
  {
    name: 'peer: no address or interface',
    objects: [peer('p', { peerAddress: undefined })],
    errors: [e(`${PR}/p`, 'spec.peerAddress', 'peer has no Address or Interface specified')],
  },
  {
    name: 'peer: address and interface',
    objects: [peer('p', { interface: 'eth1' })],
    errors: [e(`${PR}/p`, 'spec.interface', 'peer has both Address and Interface specified')],
  },
  {
    name: 'peer: invalid addresses',
    objects: [peer('p', { peerAddress: '10.0.0.256', sourceAddress: 'me', routerID: 'fc00::1' })],
    errors: [
      e(`${PR}/p`, 'spec.peerAddress', 'invalid BGPPeer address "10.0.0.256"'),
      e(`${PR}/p`, 'spec.sourceAddress', 'invalid source IP "me"'),
      e(`${PR}/p`, 'spec.routerID', 'BGP identifier is a 32-bit value'),
    ],
  },
  {
    name: 'peer: source address family differs from peer',
    objects: [peer('p', { sourceAddress: 'fc00::2' })],
    errors: [e(`${PR}/p`, 'spec.sourceAddress', 'different IP families')],
  },
  {
    name: 'peer: hold time below 3s',
    objects: [peer('p', { holdTime: '2s' })],
    errors: [e(`${PR}/p`, 'spec.holdTime', 'invalid hold time 2s: must be 0 or >=3s')],
  },
  {
    name: 'peer: keepalive above hold',
    objects: [peer('p', { holdTime: '30s', keepaliveTime: '1m' })],
    errors: [
      e(`${PR}/p`, 'spec.keepaliveTime', 'invalid keepaliveTime 60s, must be lower than holdTime 30s'),
    ],
  },
  {
    name: 'peer: keepalive alone deriving a hold time below 3s',
    objects: [peer('p', { keepaliveTime: '500ms' })],
    errors: [
      e(`${PR}/p`, 'spec.keepaliveTime', 'the derived hold time (3 × keepalive = 1.5s) must be 0 or >=3s'),
    ],
  },
  {
    name: 'peer: durations must be Go duration strings',
    objects: [peer('p', { holdTime: 90, keepaliveTime: '30', connectTime: '5 s' })],
    errors: [
      e(`${PR}/p`, 'spec.holdTime', 'must be a duration string such as "90s" or "1m30s", got number'),
      e(`${PR}/p`, 'spec.keepaliveTime', 'invalid duration "30"'),
      e(`${PR}/p`, 'spec.connectTime', 'invalid duration "5 s"'),
    ],
  },
  {
    name: 'peer: unknown duration unit and negative duration',
    objects: [peer('p', { holdTime: '1d', keepaliveTime: '-1s' })],
    errors: [
      e(`${PR}/p`, 'spec.holdTime', 'invalid duration "1d": unknown unit "d"'),
      e(`${PR}/p`, 'spec.keepaliveTime', 'invalid duration "-1s": must not be negative'),
    ],
  },
  {
    name: 'peer: connectTime must be whole seconds in 1..65535',
    objects: [
      peer('p', { connectTime: '1500ms' }),
      peer('q', { peerAddress: '10.0.0.2', connectTime: '20h' }),
    ],
    errors: [
      e(`${PR}/p`, 'spec.connectTime', 'connect time should contain a whole number of seconds'),
      e(`${PR}/q`, 'spec.connectTime', 'connect time should be between 1 seconds to 65535'),
    ],
  },
  {
    name: 'peer: password and passwordSecret are exclusive',
    objects: [
      basicAuth('s', 'x'),
      peer('p', { password: 'a', passwordSecret: { name: 's', namespace: NS } }),
    ],
    errors: [
      e(`${PR}/p`, 'spec.passwordSecret', 'can not have both password and secret ref set in peer config'),
    ],
  },
  {
    name: 'peer: password secret not found',
    objects: [peer('p', { passwordSecret: { name: 'missing' } })],
    errors: [
      e(
        `${PR}/p`,
        'spec.passwordSecret',
        'secret ref not found for peer config: Secret "metallb-system/missing"',
      ),
    ],
  },
  {
    name: 'peer: password secret of the wrong type',
    objects: [basicAuth('s', 'x', 'Opaque'), peer('p', { passwordSecret: { name: 's' } })],
    errors: [
      e(`${PR}/p`, 'spec.passwordSecret', 'type "kubernetes.io/basic-auth" is expected, got "Opaque"'),
    ],
  },
  {
    name: 'peer: password secret without the password key',
    objects: [
      obj('Secret', 's', undefined, { type: 'kubernetes.io/basic-auth', data: { username: 'eA==' } }),
      peer('p', { passwordSecret: { name: 's' } }),
    ],
    errors: [e(`${PR}/p`, 'spec.passwordSecret', 'password not specified in the secret "metallb-system/s"')],
  },
  {
    name: 'peer: password secret in another namespace',
    objects: [basicAuth('s', 'x'), peer('p', { passwordSecret: { name: 's', namespace: 'default' } })],
    errors: [
      e(`${PR}/p`, 'spec.passwordSecret.namespace', 'must be in the MetalLB namespace "metallb-system"'),
    ],
  },
  {
    name: 'peer: password with a line break',
    objects: [peer('p', { password: 'a\nb' })],
    errors: [e(`${PR}/p`, 'spec.password', 'password contains invalid characters')],
  },
  {
    name: 'peer: password longer than a TCP MD5 key',
    objects: [peer('p', { password: 'x'.repeat(81) })],
    errors: [e(`${PR}/p`, 'spec.password', 'longer than 80 bytes')],
  },
  {
    name: 'peer: unknown BFD profile',
    objects: [peer('p', { bfdProfile: 'nope' })],
    errors: [e(`${PR}/p`, 'spec.bfdProfile', 'peer references non existing bfd profile "nope"')],
  },
  {
    name: 'peer: port out of range',
    objects: [peer('p', { peerPort: -1 }), peer('q', { peerAddress: '10.0.0.2', peerPort: 16385 })],
    errors: [
      e(`${PR}/p`, 'spec.peerPort', 'must be between 0 and 16384, got -1'),
      e(`${PR}/q`, 'spec.peerPort', 'must be between 0 and 16384, got 16385'),
    ],
  },
  {
    name: 'peer: ASN out of range, huge numbers and wrong types',
    objects: [
      peer('p', { myASN: 4294967296, peerASN: 1e30 }),
      peer('q', { peerAddress: '10.0.0.2', myASN: '64500' }),
    ],
    errors: [
      e(`${PR}/p`, 'spec.myASN', 'must be between 0 and 4294967295, got 4294967296'),
      e(`${PR}/p`, 'spec.peerASN', 'must be between 0 and 4294967295, got 1e+30'),
      e(`${PR}/q`, 'spec.myASN', 'must be an integer, got string'),
    ],
  },
  {
    name: 'peer: VRF and interface with line breaks',
    objects: [peer('p', { peerAddress: undefined, interface: 'eth\n1', vrf: 'red\r' })],
    errors: [
      e(`${PR}/p`, 'spec.interface', 'interface contains invalid characters'),
      e(`${PR}/p`, 'spec.vrf', 'VRF name contains invalid characters'),
    ],
  },
  {
    name: 'peer: v1beta1 rejects v1beta2-only fields',
    objects: [{ ...peer('p', { dynamicASN: 'external' }), apiVersion: 'metallb.io/v1beta1' }],
    errors: [e(`${PR}/p`, 'spec.dynamicASN', 'unknown field "dynamicASN"')],
  },
  {
    name: 'peer: v1beta1 is accepted with a deprecation warning',
    objects: [{ ...peer('p', {}), apiVersion: 'metallb.io/v1beta1' }],
    warnings: [e(`${PR}/p`, 'apiVersion', 'metallb.io/v1beta1 BGPPeer is deprecated')],
  },
  {
    name: 'peer: two peers opening the same session',
    objects: [peer('a', {}), peer('b', { holdTime: '30s' })],
    errors: [
      e(
        `${PR}/b`,
        'spec.peerAddress',
        'peer a already exists for the same address and VRF on overlapping nodes',
      ),
    ],
  },
  {
    name: 'peer: same address from disjoint node groups, or in another VRF, is fine',
    objects: [
      peer('a', { nodeSelectors: [{ matchLabels: { rack: '1' } }] }),
      peer('b', { nodeSelectors: [{ matchLabels: { rack: '2' } }] }),
      peer('c', { vrf: 'red' }),
    ],
  },
  {
    name: 'peer: native-mode-only restrictions are lifted (IPv6, BFD, GR, dynamicASN, connectTime)',
    objects: [
      obj('BFDProfile', 'fast', { receiveInterval: 50, transmitInterval: 50 }),
      peer('p', {
        peerASN: undefined,
        dynamicASN: 'external',
        peerAddress: 'fc00::1',
        bfdProfile: 'fast',
        enableGracefulRestart: true,
        connectTime: '10s',
        keepaliveTime: '10s',
      }),
      pool('v6', ['fc00:1::/120']),
      obj('BGPAdvertisement', 'adv', { communities: ['large:64512:1:2'] }),
    ],
  },

  // ---------------- BFDProfile ----------------
  {
    name: 'BFD: ranges',
    objects: [
      obj('BFDProfile', 'b', {
        receiveInterval: 5,
        transmitInterval: 60001,
        detectMultiplier: 1,
        echoInterval: 9,
        minimumTtl: 255,
      }),
    ],
    errors: [
      e(`${BFD}/b`, 'spec.receiveInterval', 'must be between 10 and 60000, got 5'),
      e(`${BFD}/b`, 'spec.transmitInterval', 'must be between 10 and 60000, got 60001'),
      e(`${BFD}/b`, 'spec.detectMultiplier', 'must be between 2 and 255, got 1'),
      e(`${BFD}/b`, 'spec.echoInterval', 'must be between 10 and 60000, got 9'),
      e(`${BFD}/b`, 'spec.minimumTtl', 'must be between 1 and 254, got 255'),
    ],
  },
  {
    name: 'BFD: echo mode cannot be used for peers carrying IPv6 pools',
    objects: [
      obj('BFDProfile', 'echo', { echoMode: true }),
      peer('p', { bfdProfile: 'echo' }),
      pool('v6', ['fc00::/120']),
      obj('BGPAdvertisement', 'adv', { ipAddressPools: ['v6'] }),
    ],
    errors: [
      e(
        `${PR}/p`,
        'spec.bfdProfile',
        'whose BFD profile "echo" has echo mode enabled, which is not possible with IPv6',
      ),
    ],
  },
  {
    name: 'BFD: echo mode is fine for IPv4-only pools',
    objects: [
      obj('BFDProfile', 'echo', { echoMode: true }),
      peer('p', { bfdProfile: 'echo' }),
      pool('v4', ['10.0.0.0/24']),
      obj('BGPAdvertisement', 'adv', {}),
    ],
  },
];

for (const c of cases) {
  test(`validation: ${c.name}`, () => {
    const r = build(c.objects);
    if (!c.errors) {
      assert.ok(r.ok, `expected valid, got errors:\n${r.ok ? '' : describeErrors(r.errors)}`);
    } else {
      assert.ok(!r.ok, 'expected the configuration to be rejected');
      for (const want of c.errors) {
        const found = r.errors.some(
          (g) => g.object === want.object && g.field === want.field && g.reason.includes(want.reason),
        );
        assert.ok(
          found,
          `missing error ${want.object} ${want.field}: …${want.reason}…\ngot:\n${describeErrors(r.errors)}`,
        );
      }
      assert.equal(r.errors.length, c.errors.length, `unexpected extra errors:\n${describeErrors(r.errors)}`);
      for (const g of r.errors)
        assert.ok(g.source?.file === 'test.yaml', 'every error names its source document');
    }
    for (const want of c.warnings ?? []) {
      const found = r.warnings.some(
        (g) => g.object === want.object && g.field === want.field && g.reason.includes(want.reason),
      );
      assert.ok(
        found,
        `missing warning ${want.object} ${want.field}: …${want.reason}…\ngot:\n${describeErrors(r.warnings)}`,
      );
    }
  });
}

test('validation: all errors of all objects are reported at once', () => {
  const r = build([
    pool('a', ['nope']),
    peer('p', { holdTime: '1s' }),
    obj('BGPAdvertisement', 'b', { aggregationLength: 99 }),
    obj('BFDProfile', 'f', { detectMultiplier: 0 }),
  ]);
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((x) => `${x.object} ${x.field}`).sort(), [
    `${BFD}/f spec.detectMultiplier`,
    `${BA}/b spec.aggregationLength`,
    `${PR}/p spec.holdTime`,
    `${P}/a spec.addresses[0]`,
  ]);
});
