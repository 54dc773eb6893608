// What valid configurations turn into: defaults, derived timers, resolved communities and
// passwords, which advertisements apply to which pools, immutability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCIDR, formatIP } from '../../src/config/ip.js';
import { NS, obj, okConfig, peer, pool } from './helpers.js';

test('pool defaults and address blocks by family', () => {
  const c = okConfig([
    pool('b', ['10.0.0.10-10.0.0.13', 'fc00::/126', '10.1.0.0/30']),
    pool('a', ['192.168.0.0/24']),
  ]);
  assert.deepEqual(
    c.pools.map((p) => p.name),
    ['a', 'b'],
    'pools sorted by name',
  );
  const b = c.pools[1]!;
  assert.equal(b.autoAssign, true);
  assert.equal(b.avoidBuggyIPs, false);
  assert.equal(b.serviceAllocation, null);
  assert.equal(b.namespace, NS);
  assert.deepEqual(
    b.ipv4.map((x) => x.text),
    ['10.0.0.10-10.0.0.13', '10.1.0.0/30'],
  );
  assert.deepEqual(
    b.ipv6.map((x) => x.text),
    ['fc00::/126'],
  );
  assert.deepEqual(b.cidrs.map(formatCIDR), ['10.0.0.10/31', '10.0.0.12/31', 'fc00::/126', '10.1.0.0/30']);
  assert.equal(b.addresses[0]!.range.last - b.addresses[0]!.range.first + 1n, 4n);
});

test('serviceAllocation is kept as selectors with defaults', () => {
  const c = okConfig([
    pool('a', ['10.0.0.0/24'], {
      autoAssign: false,
      avoidBuggyIPs: true,
      serviceAllocation: {
        priority: 5,
        namespaces: ['x'],
        namespaceSelectors: [{ matchLabels: { team: 'a' } }],
        serviceSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }],
      },
    }),
    pool('b', ['10.0.1.0/24'], { serviceAllocation: {} }),
  ]);
  const [a, b] = c.pools;
  assert.equal(a!.autoAssign, false);
  assert.equal(a!.avoidBuggyIPs, true);
  assert.deepEqual(a!.serviceAllocation, {
    priority: 5,
    namespaces: ['x'],
    namespaceSelectors: [{ matchLabels: { team: 'a' }, matchExpressions: [] }],
    serviceSelectors: [
      { matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
    ],
  });
  assert.deepEqual(b!.serviceAllocation, {
    priority: 0,
    namespaces: [],
    namespaceSelectors: [],
    serviceSelectors: [],
  });
});

test('advertisements: which pools they apply to', () => {
  const c = okConfig([
    pool('red', ['10.0.0.0/24'], {}),
    {
      ...pool('blue', ['10.0.1.0/24']),
      metadata: { name: 'blue', namespace: NS, labels: { color: 'blue' } },
    },
    pool('green', ['10.0.2.0/24']),
    obj('L2Advertisement', 'all', {}),
    obj('L2Advertisement', 'named', { ipAddressPools: ['red'] }),
    obj('L2Advertisement', 'by-label', { ipAddressPoolSelectors: [{ matchLabels: { color: 'blue' } }] }),
    obj('L2Advertisement', 'selector-matches-nothing', {
      ipAddressPoolSelectors: [{ matchLabels: { color: 'pink' } }],
    }),
    obj('BGPAdvertisement', 'both', {
      ipAddressPools: ['green'],
      ipAddressPoolSelectors: [{ matchLabels: { color: 'blue' } }],
    }),
  ]);
  const l2 = Object.fromEntries(c.l2Advertisements.map((a) => [a.name, a.pools]));
  assert.deepEqual(l2, {
    all: ['blue', 'green', 'red'],
    'by-label': ['blue'],
    named: ['red'],
    'selector-matches-nothing': [],
  });
  assert.deepEqual(c.bgpAdvertisements[0]!.pools, ['blue', 'green']);
  const byPool = Object.fromEntries(c.pools.map((p) => [p.name, [p.l2Advertisements, p.bgpAdvertisements]]));
  assert.deepEqual(byPool, {
    blue: [['all', 'by-label'], ['both']],
    green: [['all'], ['both']],
    red: [['all', 'named'], []],
  });
});

test('BGP advertisement defaults and resolved communities', () => {
  const c = okConfig([
    pool('a', ['10.0.0.0/24']),
    obj('Community', 'aliases', {
      communities: [
        { name: 'no-advertise', value: '65535:65282' },
        { name: 'big', value: 'large:64512:1:2' },
      ],
    }),
    obj('BGPAdvertisement', 'defaults', {}),
    obj('BGPAdvertisement', 'custom', {
      aggregationLength: 24,
      aggregationLengthV6: 64,
      localPref: 0,
      communities: ['no-advertise', '65535:65282', 'big', '0:1'],
    }),
  ]);
  const [custom, defaults] = c.bgpAdvertisements;
  assert.equal(defaults!.aggregationLength, 32);
  assert.equal(defaults!.aggregationLengthV6, 128);
  assert.equal(defaults!.localPref, null);
  assert.deepEqual(defaults!.communities, []);
  assert.deepEqual(defaults!.peers, []);
  assert.equal(custom!.localPref, null, 'localPref 0 means unset, as in MetalLB');
  assert.deepEqual(custom!.communities, [
    { kind: 'standard', value: 0xffffff02, text: '65535:65282' },
    { kind: 'large', globalAdmin: 64512, localData1: 1, localData2: 2, text: 'large:64512:1:2' },
    { kind: 'standard', value: 1, text: '0:1' },
  ]);
  assert.deepEqual(Object.keys(c.communityAliases), ['big', 'no-advertise']);
});

test('peer defaults and timers resolved to seconds', () => {
  const c = okConfig([
    peer('a-default', { peerAddress: '10.0.0.1' }),
    peer('b-hold-only', { peerAddress: '10.0.0.2', holdTime: '9s' }),
    peer('c-keepalive-only', { peerAddress: '10.0.0.3', keepaliveTime: '10s' }),
    peer('d-both', { peerAddress: '10.0.0.4', holdTime: '1m30s', keepaliveTime: '20s' }),
    peer('e-zero', { peerAddress: '10.0.0.5', holdTime: '0s' }),
    peer('f-fraction', { peerAddress: '10.0.0.6', holdTime: '3500ms' }),
  ]);
  const t = Object.fromEntries(
    c.peers.map((p) => [p.name, [p.holdTimeSeconds, p.keepaliveTimeSeconds, p.timersExplicit]]),
  );
  assert.deepEqual(t, {
    'a-default': [90, 30, false],
    'b-hold-only': [9, 3, true],
    'c-keepalive-only': [30, 10, true],
    'd-both': [90, 20, true],
    'e-zero': [0, 0, true],
    'f-fraction': [3, 1, true],
  });
  const p = c.peers[0]!;
  assert.equal(p.peerPort, 179);
  assert.equal(p.myASN, 64500);
  assert.equal(p.peerASN, 64501);
  assert.equal(p.dynamicASN, null);
  assert.equal(formatIP(p.peerAddress!), '10.0.0.1');
  assert.equal(p.connectTimeSeconds, null);
  assert.equal(p.password, null);
  assert.equal(p.bfdProfile, null);
  assert.equal(p.apiVersion, 'metallb.io/v1beta2');
  assert.deepEqual(p.nodeSelectors, []);
});

test('peer password from a basic-auth Secret (data or stringData)', () => {
  const c = okConfig([
    obj('Secret', 'b64', undefined, {
      type: 'kubernetes.io/basic-auth',
      data: { password: Buffer.from('s3cret').toString('base64') },
    }),
    obj('Secret', 'plain', undefined, {
      type: 'kubernetes.io/basic-auth',
      stringData: { password: 'plain-pw' },
    }),
    peer('a', { peerAddress: '10.0.0.1', passwordSecret: { name: 'b64', namespace: NS } }),
    peer('b', { peerAddress: '10.0.0.2', passwordSecret: { name: 'plain' } }),
    peer('c', { peerAddress: '10.0.0.3', password: 'inline' }),
  ]);
  assert.deepEqual(
    c.peers.map((p) => [p.password, p.passwordSecret]),
    [
      ['s3cret', { name: 'b64', namespace: NS }],
      ['plain-pw', { name: 'plain', namespace: NS }],
      ['inline', null],
    ],
  );
});

test('v1beta1 BGPPeer converts like MetalLB (port 0 means 179)', () => {
  const c = okConfig([
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'BGPPeer',
      metadata: { name: 'old', namespace: NS },
      spec: {
        myASN: 64500,
        peerASN: 64500,
        peerAddress: '10.0.0.9',
        peerPort: 0,
        nodeSelectors: [{ matchLabels: { a: 'b' } }],
      },
    },
  ]);
  const p = c.peers[0]!;
  assert.equal(p.apiVersion, 'metallb.io/v1beta1');
  assert.equal(p.peerPort, 179);
  assert.deepEqual(p.nodeSelectors, [{ matchLabels: { a: 'b' }, matchExpressions: [] }]);
});

test('BFD profile defaults', () => {
  const c = okConfig([
    obj('BFDProfile', 'p', {}),
    obj('BFDProfile', 'q', { echoMode: true, passiveMode: true, minimumTtl: 10 }),
  ]);
  assert.deepEqual(
    c.bfdProfiles.map(({ name, source: _s, namespace: _n, ...rest }) => [name, rest]),
    [
      [
        'p',
        {
          receiveInterval: 300,
          transmitInterval: 300,
          detectMultiplier: 3,
          echoInterval: 50,
          echoMode: false,
          passiveMode: false,
          minimumTtl: 254,
        },
      ],
      [
        'q',
        {
          receiveInterval: 300,
          transmitInterval: 300,
          detectMultiplier: 3,
          echoInterval: 50,
          echoMode: true,
          passiveMode: true,
          minimumTtl: 10,
        },
      ],
    ],
  );
});

test('the model is deeply immutable', () => {
  const c = okConfig([pool('a', ['10.0.0.0/24']), peer('p', {})]);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.pools));
  assert.ok(Object.isFrozen(c.pools[0]!.addresses[0]!.range));
  assert.throws(() => {
    (c.pools as unknown as unknown[]).push(1);
  }, TypeError);
});

test('v1beta2 peerPort 0 means 179; localASN is carried', () => {
  const c = okConfig([
    peer('p', { peerPort: 0, localASN: 65010 }),
    peer('q', { peerAddress: '10.0.0.2', peerPort: 1179 }),
  ]);
  assert.deepEqual(
    c.peers.map((p) => [p.peerPort, p.localASN]),
    [
      [179, 65010],
      [1179, null],
    ],
  );
});
