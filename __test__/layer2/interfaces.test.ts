import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { parseIpJsonLink, readSysInterfaces, watchInterfaces } from '../../src/layer2/host-interfaces.js';
import {
  compileInterfacePatterns,
  defaultAnnounceInterfaces,
  selectInterfaces,
  type HostInterface,
} from '../../src/layer2/interfaces.js';

const eth = (name: string, over: Partial<HostInterface> = {}): HostInterface => ({
  name,
  up: true,
  loopback: false,
  broadcast: true,
  noArp: false,
  master: null,
  mac: '02:00:00:00:00:01',
  ...over,
});

const HOST: HostInterface[] = [
  eth('lo', { loopback: true, broadcast: false, mac: null }),
  eth('eth0'),
  eth('eth1', { up: false }),
  eth('ens3', { master: 'br0' }),
  eth('br0'),
  eth('wg-noarp', { noArp: true }),
  eth('tun-ptp', { broadcast: false }),
  eth('docker0'),
  eth('veth1234'),
  eth('cali9f'),
  eth('flannel.1'),
  eth('cni0'),
  eth('kube-ipvs0'),
  eth('lxc_health'),
  eth('cilium_host'),
  eth('vxlan.calico'),
  eth('nodelocaldns'),
  eth('bond0'),
];

describe('interface selection', () => {
  test('all: up, not enslaved, ARP-capable, not excluded by the default patterns', () => {
    assert.deepEqual(defaultAnnounceInterfaces(HOST), ['bond0', 'br0', 'eth0']);
  });

  test('custom exclusion patterns replace the defaults', () => {
    const custom = compileInterfacePatterns(['^br', '^bond']);
    assert.deepEqual(
      defaultAnnounceInterfaces(HOST, custom),
      [
        'cali9f',
        'cni0',
        'cilium_host',
        'docker0',
        'eth0',
        'flannel.1',
        'kube-ipvs0',
        'lxc_health',
        'nodelocaldns',
        'veth1234',
        'vxlan.calico',
      ].sort(),
    );
  });

  test('an invalid pattern is reported with its index', () => {
    assert.throws(() => compileInterfacePatterns(['^ok', '(']), /pattern \[1\] "\("/);
  });

  const cases: {
    name: string;
    req: Parameters<typeof selectInterfaces>[0];
    want: { interfaces: string[]; missing: string[] };
  }[] = [
    { name: 'all', req: { all: true }, want: { interfaces: ['bond0', 'br0', 'eth0'], missing: [] } },
    {
      name: 'explicit names bypass the patterns but still need a usable link',
      req: { all: false, names: ['vxlan.calico', 'eth0', 'eth0'] },
      want: { interfaces: ['eth0', 'vxlan.calico'], missing: [] },
    },
    {
      name: 'down, enslaved, NOARP and absent names are reported missing',
      req: { all: false, names: ['eth1', 'ens3', 'wg-noarp', 'eth9', 'bond0'] },
      want: { interfaces: ['bond0'], missing: ['ens3', 'eth1', 'eth9', 'wg-noarp'] },
    },
    { name: 'no names', req: { all: false, names: [] }, want: { interfaces: [], missing: [] } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(selectInterfaces(c.req, HOST), c.want));
});

describe('host interface readers', () => {
  test('parses ip -j link output', () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], address: '00:00:00:00:00:00' },
      { ifindex: 2, ifname: 'ifb0', flags: ['BROADCAST', 'NOARP'], address: '2e:86:fb:fb:98:ab' },
      {
        ifindex: 4,
        ifname: 'eth0',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        address: '02:FC:00:00:00:01',
      },
      { ifindex: 5, ifname: 'ens4', flags: ['BROADCAST', 'UP'], master: 'br0', address: '02:fc:00:00:00:02' },
    ]);
    const got = parseIpJsonLink(json);
    assert.deepEqual(got[0], {
      name: 'lo',
      up: true,
      loopback: true,
      broadcast: false,
      noArp: false,
      master: null,
      mac: null,
    });
    assert.deepEqual(got[1]?.noArp, true);
    assert.deepEqual(got[2], {
      name: 'eth0',
      up: true,
      loopback: false,
      broadcast: true,
      noArp: false,
      master: null,
      mac: '02:fc:00:00:00:01',
    });
    assert.equal(got[3]?.master, 'br0');
    assert.deepEqual(defaultAnnounceInterfaces(got), ['eth0']);
  });

  test('rejects malformed ip -j output with a clear error', () => {
    assert.throws(() => parseIpJsonLink('{}'), /expected a JSON array/);
    assert.throws(() => parseIpJsonLink('[{"flags":[]}]'), /entry \[0\] has no ifname/);
  });

  test('reads flags, master and MAC from a sysfs-shaped tree', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ferrolb-sysnet-'));
    try {
      const mk = async (name: string, flags: string, address: string) => {
        await mkdir(join(root, name));
        await writeFile(join(root, name, 'flags'), `${flags}\n`);
        await writeFile(join(root, name, 'address'), `${address}\n`);
      };
      await mk('lo', '0x9', '00:00:00:00:00:00');
      await mk('eth0', '0x1003', '02:aa:bb:cc:dd:ee');
      await mk('ens5', '0x1003', '02:aa:bb:cc:dd:ef');
      await mk('br0', '0x1003', '02:aa:bb:cc:dd:f0');
      await mk('ifb0', '0x82', '2e:86:fb:fb:98:ab');
      await symlink('../br0', join(root, 'ens5', 'master'));
      await mkdir(join(root, 'gone')); // vanished between readdir and read: skipped
      const got = await readSysInterfaces(root);
      assert.deepEqual(
        got.map((i) => i.name),
        ['br0', 'ens5', 'eth0', 'ifb0', 'lo'],
      );
      assert.equal(got.find((i) => i.name === 'ens5')?.master, 'br0');
      assert.equal(got.find((i) => i.name === 'lo')?.loopback, true);
      assert.equal(got.find((i) => i.name === 'ifb0')?.up, false);
      assert.deepEqual(defaultAnnounceInterfaces(got), ['br0', 'eth0']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('reads this host without error and agrees with ip -j link on flags', async () => {
    const strip = (l: HostInterface[]) =>
      l
        .map(({ name, up, loopback, broadcast, noArp, master }) => ({
          name,
          up,
          loopback,
          broadcast,
          noArp,
          master,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    // Other processes may add or remove links between the two reads: retry until a quiet moment.
    let sys: ReturnType<typeof strip> = [];
    let ipj: ReturnType<typeof strip> = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      sys = strip(await readSysInterfaces());
      ipj = strip(parseIpJsonLink(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })));
      if (JSON.stringify(sys) === JSON.stringify(ipj)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(sys.some((i) => i.name === 'lo' && i.loopback));
    assert.deepEqual(sys, ipj);
  });

  test('watchInterfaces reports the first list and every change, and nothing when unchanged', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ferrolb-sysnet-'));
    const seen: string[][] = [];
    const w = watchInterfaces((ifs) => seen.push(defaultAnnounceInterfaces(ifs)), { root, intervalMs: 20 });
    const until = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await mkdir(join(root, 'eth0'));
      await writeFile(join(root, 'eth0', 'flags'), '0x1002\n'); // down
      await until(1);
      await new Promise((r) => setTimeout(r, 100));
      await writeFile(join(root, 'eth0', 'flags'), '0x1003\n'); // up
      await until(2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen.at(-1), ['eth0']);
      assert.ok(seen.length <= 3, `unchanged reads are not reported (${seen.length} reports)`);
      assert.deepEqual(
        w.current().map((i) => i.name),
        ['eth0'],
      );
    } finally {
      w.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
