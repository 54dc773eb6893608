#!/usr/bin/env node
// Generates manifests/crds/*.yaml: the metallb.io CustomResourceDefinitions ferrolb reads, with
// structural OpenAPI schemas carrying the same field names, types and bounds as MetalLB's API.
// The schemas are described once here (shared pieces such as label selectors are reused) so the
// YAML stays consistent; `node scripts/kube-gen-crds.mjs --check` fails when the files are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const out = join(fileURLToPath(import.meta.url), '..', '..', 'manifests', 'crds');

const str = (description, extra = {}) => ({ type: 'string', description, ...extra });
const bool = (description, extra = {}) => ({ type: 'boolean', description, ...extra });
const int = (description, min, max, extra = {}) => ({
  type: 'integer',
  format: max > 2147483647 ? 'int64' : 'int32',
  description,
  ...(min === undefined ? {} : { minimum: min }),
  ...(max === undefined ? {} : { maximum: max }),
  ...extra,
});
const list = (items, description) => ({ type: 'array', description, items });
const obj = (properties, description, required) => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  ...(required ? { required } : {}),
});
const duration = (description) =>
  str(`${description} (Go duration, e.g. "90s", "1m30s")`, {
    // Go's time.ParseDuration grammar: optional sign, "0", or number+unit pairs ("1.5h", ".5s").
    pattern: '^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$',
  });

const labelSelector = (description) =>
  obj(
    {
      matchLabels: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Labels that must all match exactly.',
      },
      matchExpressions: list(
        obj(
          {
            key: str('Label key the requirement applies to.'),
            operator: str('In, NotIn, Exists or DoesNotExist.', {
              enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
            }),
            values: list({ type: 'string' }, 'Values for In/NotIn; must be empty for Exists/DoesNotExist.'),
          },
          undefined,
          ['key', 'operator'],
        ),
        'Requirements that must all hold.',
      ),
    },
    description,
  );
const selectors = (what) =>
  list(labelSelector(`Selects ${what} by label.`), `Selectors for ${what}; any match counts.`);
const poolRefs = {
  ipAddressPools: list({ type: 'string' }, 'Names of the IPAddressPools this advertisement announces.'),
  ipAddressPoolSelectors: selectors('IPAddressPools'),
};
const asn = (description) => int(description, 0, 4294967295);

const kinds = [
  {
    kind: 'IPAddressPool',
    plural: 'ipaddresspools',
    short: ['ipp'],
    versions: {
      v1beta1: obj(
        {
          addresses: list(
            { type: 'string' },
            'CIDRs (10.0.0.0/24, fc00::/120) or inclusive ranges (10.0.0.1-10.0.0.9).',
          ),
          autoAssign: bool('Whether Services may get addresses from this pool without asking for it.', {
            default: true,
          }),
          avoidBuggyIPs: bool('Skip addresses ending in .0 and .255.', { default: false }),
          serviceAllocation: obj(
            {
              priority: int('Lower value means the pool is tried first.', undefined, undefined),
              namespaces: list({ type: 'string' }, 'Namespaces whose Services may use the pool.'),
              namespaceSelectors: selectors('namespaces whose Services may use the pool'),
              serviceSelectors: selectors('Services that may use the pool'),
            },
            'Restricts which Services get addresses from the pool and with which priority.',
          ),
        },
        'Addresses Services can be assigned.',
        ['addresses'],
      ),
    },
    status: obj({
      assignedIPv4: int('IPv4 addresses in use.', 0, 9007199254740991),
      assignedIPv6: int('IPv6 addresses in use.', 0, 9007199254740991),
      availableIPv4: int('IPv4 addresses still free.', 0, 9007199254740991),
      availableIPv6: int('IPv6 addresses still free (saturates at 2^53-1).', 0, 9007199254740991),
    }),
    columns: [
      ['Auto Assign', 'boolean', '.spec.autoAssign'],
      ['Avoid Buggy IPs', 'boolean', '.spec.avoidBuggyIPs'],
      ['Addresses', 'string', '.spec.addresses'],
    ],
  },
  {
    kind: 'L2Advertisement',
    plural: 'l2advertisements',
    short: ['l2adv'],
    versions: {
      v1beta1: obj(
        {
          ...poolRefs,
          nodeSelectors: selectors('nodes allowed to announce'),
          interfaces: list({ type: 'string' }, 'Interfaces to announce from; all eligible ones when empty.'),
          serviceSelectors: selectors('Services this advertisement applies to'),
          preferredNodeSelectors: list(
            obj(
              {
                weight: int('Added to a node score when the selector matches.', 1, 100),
                preference: labelSelector('Nodes that get the weight.'),
              },
              undefined,
              ['weight', 'preference'],
            ),
            'Weighted node preferences used when electing the announcing node.',
          ),
        },
        'How addresses are announced over layer 2 (ARP/NDP).',
      ),
    },
    columns: [
      ['IPAddressPools', 'string', '.spec.ipAddressPools'],
      ['Node Selectors', 'string', '.spec.nodeSelectors', 10],
      ['Interfaces', 'string', '.spec.interfaces'],
    ],
  },
  {
    kind: 'BGPAdvertisement',
    plural: 'bgpadvertisements',
    short: ['bgpadv'],
    versions: {
      v1beta1: obj(
        {
          aggregationLength: int('Prefix length announced for IPv4 addresses.', 0, 32, { default: 32 }),
          aggregationLengthV6: int('Prefix length announced for IPv6 addresses.', 0, 128, { default: 128 }),
          localPref: int('LOCAL_PREF attribute (iBGP only).', 0, 4294967295),
          communities: list(
            { type: 'string' },
            'Communities: "65535:65282", "large:1:2:3" or the name of a Community alias.',
          ),
          ...poolRefs,
          nodeSelectors: selectors('nodes that announce'),
          peers: list({ type: 'string' }, 'Names of the BGPPeers to announce to; all when empty.'),
          serviceSelectors: selectors('Services this advertisement applies to'),
        },
        'How addresses are announced over BGP.',
      ),
    },
    columns: [
      ['IPAddressPools', 'string', '.spec.ipAddressPools'],
      ['Peers', 'string', '.spec.peers'],
      ['Node Selectors', 'string', '.spec.nodeSelectors', 10],
    ],
  },
  {
    kind: 'BGPPeer',
    plural: 'bgppeers',
    short: ['bgpp'],
    storage: 'v1beta2',
    versions: {
      v1beta1: obj(
        {
          myASN: asn('Local AS number.'),
          peerASN: asn('Peer AS number.'),
          peerAddress: str('Address of the peer.'),
          sourceAddress: str('Local address for the session.'),
          peerPort: int('TCP port of the peer.', 1, 65535, { default: 179 }),
          holdTime: duration('Proposed hold time'),
          keepaliveTime: duration('Keepalive interval'),
          routerID: str('BGP router ID to use instead of the node address.'),
          nodeSelectors: selectors('nodes that open this session'),
          password: str('TCP MD5 password.'),
          bfdProfile: str('Name of the BFDProfile for this session.'),
          ebgpMultiHop: bool('Whether the eBGP peer is more than one hop away.'),
        },
        'A BGP session to open (deprecated version; use v1beta2).',
        ['myASN', 'peerASN', 'peerAddress'],
      ),
      v1beta2: obj(
        {
          myASN: asn('Local AS number.'),
          peerASN: asn('Peer AS number; exclusive with dynamicASN.'),
          dynamicASN: str('Detect the peer AS: internal (same as myASN) or external.', {
            enum: ['internal', 'external'],
          }),
          peerAddress: str('Address of the peer.'),
          sourceAddress: str('Local address for the session.'),
          peerPort: int('TCP port of the peer.', 1, 65535, { default: 179 }),
          holdTime: duration('Proposed hold time'),
          keepaliveTime: duration('Keepalive interval'),
          connectTime: duration('Interval between connection attempts'),
          routerID: str('BGP router ID to use instead of the node address.'),
          nodeSelectors: selectors('nodes that open this session'),
          password: str('TCP MD5 password; exclusive with passwordSecret.'),
          passwordSecret: obj(
            {
              name: str('Secret name.'),
              namespace: str('Secret namespace.'),
            },
            'Secret of type kubernetes.io/basic-auth holding the password under key "password".',
          ),
          bfdProfile: str('Name of the BFDProfile for this session.'),
          enableGracefulRestart: bool('Advertise the graceful restart capability (RFC 4724).'),
          ebgpMultiHop: bool('Whether the eBGP peer is more than one hop away.'),
          vrf: str('VRF to open the session in.'),
          disableMP: bool('Use one session per address family instead of multiprotocol.'),
          dualStackAddressFamily: bool('Announce both IPv4 and IPv6 over this session.'),
          interface: str('Interface for an unnumbered session (BGP over IPv6 link-local).'),
        },
        'A BGP session to open.',
        ['myASN', 'peerAddress'],
      ),
    },
    columns: [
      ['Address', 'string', '.spec.peerAddress'],
      ['ASN', 'string', '.spec.peerASN'],
      ['BFD Profile', 'string', '.spec.bfdProfile'],
      ['Multi Hops', 'string', '.spec.ebgpMultiHop'],
    ],
  },
  {
    kind: 'BFDProfile',
    plural: 'bfdprofiles',
    short: ['bfdp'],
    versions: {
      v1beta1: obj(
        {
          receiveInterval: int('Minimum receive interval in milliseconds.', 10, 60000),
          transmitInterval: int('Minimum transmit interval in milliseconds.', 10, 60000),
          detectMultiplier: int('Missed packets before the session goes down.', 2, 255),
          echoInterval: int('Echo transmit interval in milliseconds.', 10, 60000),
          echoMode: bool('Enable echo mode (IPv4 only).'),
          passiveMode: bool('Wait for the peer to start the session.'),
          minimumTtl: int('Minimum TTL accepted for multihop sessions.', 1, 254),
        },
        'BFD timers shared by BGPPeers.',
      ),
    },
    columns: [
      ['Passive Mode', 'boolean', '.spec.passiveMode'],
      ['Transmit Interval', 'integer', '.spec.transmitInterval'],
      ['Receive Interval', 'integer', '.spec.receiveInterval'],
      ['Multiplier', 'integer', '.spec.detectMultiplier'],
    ],
  },
  {
    kind: 'Community',
    plural: 'communities',
    versions: {
      v1beta1: obj(
        {
          communities: list(
            obj({
              name: str('Alias used in BGPAdvertisement.communities.'),
              value: str('Community value: "A:B" or "large:A:B:C".'),
            }),
            'Named community values.',
          ),
        },
        'Aliases for BGP community values.',
      ),
    },
  },
  {
    // One object per ferrolb component ("controller", "speaker-<node>"): whether the configuration
    // it last read was valid, and if not every error, so `kubectl get configurationstates` shows
    // what the logs would otherwise hide.
    kind: 'ConfigurationState',
    plural: 'configurationstates',
    versions: { v1beta1: obj({}, 'Empty; everything is in status.') },
    status: obj({
      result: str('Valid, Invalid or Unknown.', { enum: ['Valid', 'Invalid', 'Unknown'] }),
      errorSummary: str('All errors of the rejected configuration, one per line.'),
      errors: list(
        obj({
          object: str('Kind/namespace/name of the offending object.'),
          field: str('Field path within the object.'),
          reason: str('What is wrong.'),
        }),
        'The errors, structured.',
      ),
      lastTransitionTime: str('When result last changed.', { format: 'date-time' }),
    }),
    columns: [
      ['Result', 'string', '.status.result'],
      ['Errors', 'string', '.status.errorSummary', 10],
    ],
  },
  {
    kind: 'ServiceL2Status',
    plural: 'servicel2statuses',
    versions: { v1beta1: obj({}, 'Empty; everything is in status.') },
    status: obj({
      node: str('Node announcing the Service.'),
      serviceName: str('Service name.'),
      serviceNamespace: str('Service namespace.'),
      interfaces: list(obj({ name: str('Interface name.') }), 'Interfaces the node announces from.'),
    }),
    columns: [
      ['Allocated Node', 'string', '.status.node'],
      ['Service Name', 'string', '.status.serviceName'],
      ['Service Namespace', 'string', '.status.serviceNamespace'],
    ],
  },
  {
    kind: 'ServiceBGPStatus',
    plural: 'servicebgpstatuses',
    versions: { v1beta1: obj({}, 'Empty; everything is in status.') },
    status: obj({
      node: str('Node announcing the Service.'),
      serviceName: str('Service name.'),
      serviceNamespace: str('Service namespace.'),
      peers: list({ type: 'string' }, 'BGPPeers the node announces the Service to.'),
    }),
    columns: [
      ['Node', 'string', '.status.node'],
      ['Service Name', 'string', '.status.serviceName'],
      ['Service Namespace', 'string', '.status.serviceNamespace'],
    ],
  },
];

function crd(k) {
  const names = Object.keys(k.versions);
  const storage = k.storage ?? names[names.length - 1];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.metallb.io`, labels: { 'app.kubernetes.io/part-of': 'ferrolb' } },
    spec: {
      group: 'metallb.io',
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.kind.toLowerCase(),
        ...(k.short ? { shortNames: k.short } : {}),
      },
      scope: 'Namespaced',
      // Versions differ only in fields added later, so the apiserver can convert by relabelling.
      conversion: { strategy: 'None' },
      versions: names.map((name) => ({
        name,
        served: true,
        storage: name === storage,
        ...(name !== storage && k.storage
          ? {
              deprecated: true,
              deprecationWarning: `metallb.io/${name} ${k.kind} is deprecated; use metallb.io/${storage}`,
            }
          : {}),
        subresources: { status: {} },
        ...(k.columns
          ? {
              additionalPrinterColumns: [
                ...k.columns.map(([n, type, jsonPath, priority]) => ({
                  name: n,
                  type,
                  jsonPath,
                  ...(priority ? { priority } : {}),
                })),
                { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
              ],
            }
          : {}),
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: `metallb.io ${k.kind}.`,
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: k.versions[name],
              status: k.status ?? { type: 'object' },
            },
          },
        },
      })),
    },
  };
}

const check = process.argv.includes('--check');
let stale = 0;
for (const k of kinds) {
  const file = join(out, `${k.plural}.metallb.io.yaml`);
  const text = `# Generated by scripts/kube-gen-crds.mjs; edit that file, not this one.\n${stringify(crd(k), { lineWidth: 0 })}`;
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      console.error(`stale: ${file}`);
      stale++;
    }
  } else writeFileSync(file, text);
}
if (stale) process.exit(1);
