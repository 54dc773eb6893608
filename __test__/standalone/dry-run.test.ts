// `standalone --dry-run`: exact plans for representative configurations, through the same
// functions the running speaker uses (loadCluster → planNode → report).
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { main } from '../../src/cli/main.js';
import { assumedInterfaces } from '../../src/cli/standalone-command.js';
import { loadCluster } from '../../src/standalone/cluster.js';
import { dryRun } from '../../src/standalone/dry-run.js';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NS = 'metallb-system';

function plan(yaml: string, nodeName: string, interfaces = 'eth0,eth1', ignoreExcludeLB = false) {
  const r = loadCluster([{ file: 'test.yaml', text: yaml }], { nodeName });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return dryRun(r.view, nodeName, { interfaces: assumedInterfaces(interfaces) }, { ignoreExcludeLB });
}

const node = (name: string, labels: Record<string, string> = {}) => `---
apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: ${JSON.stringify({ 'kubernetes.io/hostname': name, ...labels })}
`;

const svc = (
  name: string,
  extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {},
) => `---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
  annotations: ${JSON.stringify(extra.annotations ?? {})}
spec: ${JSON.stringify({ type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...extra.spec })}
`;

const L2 = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: ${NS}}
spec:
  addresses: [192.168.50.10-192.168.50.20]
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lan, namespace: ${NS}}
spec:
  ipAddressPools: [lan]
`;

/** The MetalLB election, computed independently: sha256(node#ip) bytes ascending. */
function expectedOwner(nodes: string[], ip: string): string {
  const h = (n: string) => createHash('sha256').update(`${n}#${ip}`).digest();
  return [...nodes].sort((a, b) => Buffer.compare(h(a), h(b)))[0] as string;
}

describe('standalone dry run', () => {
  it('layer 2: the elected node announces on all its interfaces, the others say who owns it', () => {
    const yaml = L2 + node('n1') + node('n2') + node('n3') + svc('web');
    const owner = expectedOwner(['n1', 'n2', 'n3'], '192.168.50.10');
    for (const me of ['n1', 'n2', 'n3']) {
      const layer2 =
        me === owner
          ? { announce: true, interfaces: ['eth0', 'eth1'] }
          : { announce: false, reason: 'notOwner', detail: 'lostElection', owner };
      assert.deepEqual(plan(yaml, me), {
        services: [
          {
            namespace: 'default',
            name: 'web',
            ips: ['192.168.50.10'],
            pool: 'lan',
            error: null,
            announce: { layer2 },
          },
        ],
      });
    }
  });

  it('layer 2 without Node objects: this node alone is live and announces', () => {
    const out = plan(L2 + svc('web'), 'solo', 'eth0');
    assert.deepEqual(out.services[0]?.announce, { layer2: { announce: true, interfaces: ['eth0'] } });
  });

  const BGP = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: public, namespace: ${NS}}
spec:
  addresses: [198.51.100.0/24]
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: rr, namespace: ${NS}}
spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.0.0.1}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: border, namespace: ${NS}}
spec:
  myASN: 64512
  peerASN: 65001
  peerAddress: 10.0.0.254
  nodeSelectors: [{matchLabels: {edge: "true"}}]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: hosts, namespace: ${NS}}
spec:
  ipAddressPools: [public]
  localPref: 200
  communities: ["65535:65282", "64512:7"]
  peers: [rr]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: aggregate, namespace: ${NS}}
spec:
  ipAddressPools: [public]
  aggregationLength: 24
  communities: ["large:64512:100:1"]
  peers: [border]
`;

  it('bgp: host routes with communities and LOCAL_PREF to the reflector, the aggregate to the border', () => {
    const yaml = BGP + node('edge1', { edge: 'true' }) + node('n2') + svc('api');
    assert.deepEqual(plan(yaml, 'edge1'), {
      services: [
        {
          namespace: 'default',
          name: 'api',
          ips: ['198.51.100.0'],
          pool: 'public',
          error: null,
          announce: {
            bgp: {
              announce: true,
              prefixes: ['198.51.100.0/24', '198.51.100.0/32'],
              peers: ['border', 'rr'],
              communities: ['64512:7', '65535:65282'],
              largeCommunities: ['64512:100:1'],
              localPref: null,
              // advertisements in configuration (name) order
              routes: [
                {
                  prefix: '198.51.100.0/24',
                  advertisement: `${NS}/aggregate`,
                  peers: ['border'],
                  localPref: null,
                  communities: [],
                  largeCommunities: ['64512:100:1'],
                },
                {
                  prefix: '198.51.100.0/32',
                  advertisement: `${NS}/hosts`,
                  peers: ['rr'],
                  localPref: 200,
                  communities: ['64512:7', '65535:65282'],
                  largeCommunities: [],
                },
              ],
            },
          },
        },
      ],
    });
    // n2 has no session to the border: only the host route to the reflector.
    const n2 = plan(yaml, 'n2').services[0]?.announce.bgp;
    assert.deepEqual(
      n2 && n2.announce && { prefixes: n2.prefixes, peers: n2.peers, localPref: n2.localPref },
      {
        prefixes: ['198.51.100.0/32'],
        peers: ['rr'],
        localPref: 200,
      },
    );
  });

  it('dual-stack: both families allocated, primary first, one route per family', () => {
    const yaml = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: ds, namespace: ${NS}}
spec:
  addresses: [192.0.2.0/28, "2001:db8:5::/120"]
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: r, namespace: ${NS}}
spec: {myASN: 64512, peerASN: 64513, peerAddress: 10.0.0.1}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: all, namespace: ${NS}}
spec: {ipAddressPools: [ds], aggregationLengthV6: 120}
${svc('v6first', { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] } })}`;
    const s = plan(yaml, 'n1').services[0];
    assert.deepEqual(s?.ips, ['2001:db8:5::', '192.0.2.0']);
    const bgp = s?.announce.bgp;
    assert.ok(bgp?.announce);
    assert.deepEqual(bgp.prefixes, ['192.0.2.0/32', '2001:db8:5::/120']);
    assert.equal(bgp.localPref, null);
  });

  it('a requested address is honoured even when the Service comes later in the file', () => {
    const yaml =
      L2 + svc('auto') + svc('wants10', { annotations: { 'metallb.io/loadBalancerIPs': '192.168.50.10' } });
    assert.deepEqual(
      plan(yaml, 'n1').services.map((s) => [s.name, s.ips, s.error]),
      [
        ['auto', ['192.168.50.11'], null],
        ['wants10', ['192.168.50.10'], null],
      ],
    );
  });

  it('sharing: two Services with the same key and different ports share one address', () => {
    const share = { 'metallb.io/allow-shared-ip': 'k' };
    const yaml =
      L2 +
      svc('a', { annotations: share }) +
      svc('b', { annotations: share, spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } }) +
      svc('c');
    assert.deepEqual(
      plan(yaml, 'n1').services.map((s) => [s.name, s.ips]),
      [
        ['a', ['192.168.50.10']],
        ['b', ['192.168.50.10']],
        ['c', ['192.168.50.11']],
      ],
    );
  });

  it('an invalid Service gets an error string and no address; the others are unaffected', () => {
    const yaml = L2 + svc('bad', { annotations: { 'metallb.io/loadBalancerIPs': '999.1.1.1' } }) + svc('ok');
    const out = plan(yaml, 'n1').services;
    assert.equal(out[0]?.name, 'bad');
    assert.deepEqual(out[0]?.ips, []);
    assert.equal(out[0]?.pool, null);
    assert.match(out[0]?.error ?? '', /loadBalancerIPs.*999\.1\.1\.1/);
    assert.deepEqual(out[0]?.announce, {});
    assert.deepEqual([out[1]?.ips, out[1]?.error], [['192.168.50.10'], null]);
  });

  it('a request outside every pool is an allocation error', () => {
    const out = plan(L2 + svc('x', { spec: { loadBalancerIP: '10.9.9.9' } }), 'n1').services[0];
    assert.deepEqual(out?.ips, []);
    assert.equal(typeof out?.error, 'string');
  });

  it('node selectors that exclude this node: no L2 and no BGP from it', () => {
    const yaml =
      BGP.replace('peers: [rr]', 'peers: [rr]\n  nodeSelectors: [{matchLabels: {zone: a}}]').replace(
        /---\napiVersion: metallb.io\/v1beta1\nkind: BGPAdvertisement\nmetadata: \{name: aggregate[\s\S]*$/,
        '',
      ) +
      `---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lan, namespace: ${NS}}
spec:
  ipAddressPools: [public]
  nodeSelectors: [{matchLabels: {zone: a}}]
` +
      node('in-a', { zone: 'a' }) +
      node('in-b', { zone: 'b' }) +
      svc('api');
    assert.deepEqual(plan(yaml, 'in-b').services[0]?.announce, {
      layer2: { announce: false, reason: 'notOwner', detail: 'nodeNotSelected', owner: null },
      bgp: { announce: false, reason: 'notOwner' },
    });
    const a = plan(yaml, 'in-a').services[0]?.announce;
    assert.deepEqual(a?.layer2, { announce: true, interfaces: ['eth0', 'eth1'] });
    assert.equal(a?.bgp?.announce, true);
  });

  it('the exclude-from-external-load-balancers label removes a node (unless ignored)', () => {
    const yaml =
      L2 + node('only', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }) + svc('web');
    assert.equal(plan(yaml, 'only').services[0]?.announce.layer2?.announce, false);
    assert.equal(plan(yaml, 'only', 'eth0', true).services[0]?.announce.layer2?.announce, true);
  });

  it('Services that are not ours are listed as ignored', () => {
    const out = plan(L2 + svc('cip', { spec: { type: 'ClusterIP' } }), 'n1').services[0];
    assert.deepEqual([out?.ips, out?.error, out?.announce], [[], null, {}]);
    assert.match(out?.ignored ?? '', /ClusterIP/);
  });
});

describe('ferrolb standalone --dry-run (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferrolb-dry-'));
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) }, out, err };
  };

  it('prints the plan as JSON and exits 0', async () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, L2 + svc('web'));
    const c = capture();
    const code = await main(
      ['standalone', '--dry-run', '--node-name', 'n1', '--assume-interfaces', 'eth9', f],
      c.io,
    );
    assert.equal(code, 0, c.err.join('\n'));
    assert.deepEqual(JSON.parse(c.out.join('\n')), {
      services: [
        {
          namespace: 'default',
          name: 'web',
          ips: ['192.168.50.10'],
          pool: 'lan',
          error: null,
          announce: { layer2: { announce: true, interfaces: ['eth9'] } },
        },
      ],
    });
  });

  it('exits 1 with the errors on stderr when the configuration is invalid', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, L2.replace('192.168.50.10-192.168.50.20', '192.168.50.300/24'));
    const c = capture();
    const code = await main(['standalone', '--dry-run', '--node-name', 'n1', f], c.io);
    assert.equal(code, 1);
    assert.deepEqual(c.out, []);
    assert.match(c.err.join('\n'), /IPAddressPool\/metallb-system\/lan.*addresses/);
  });

  it('needs a node name', async () => {
    const c = capture();
    const saved = process.env.METALLB_NODE_NAME;
    delete process.env.METALLB_NODE_NAME;
    try {
      assert.equal(await main(['standalone', '--dry-run', join(dir, 'ok.yaml')], c.io), 2);
    } finally {
      if (saved !== undefined) process.env.METALLB_NODE_NAME = saved;
    }
    assert.match(c.err.join('\n'), /--node-name/);
  });

  it('cleanup', () => rmSync(dir, { recursive: true, force: true }));
});
