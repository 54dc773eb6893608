// Interfaces come and go under a running announcer; bad input and a missing CAP_NET_RAW give
// clear errors and change nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnnouncerProcess } from '../helpers/l2-announcer-process.js';
import { createLan, type Lan } from '../helpers/l2-lan.js';
import { arping, eventually } from '../helpers/l2-tools.js';

describe('L2 announcer, interfaces and errors', { concurrency: false }, () => {
  let lan: Lan;
  let ann: AnnouncerProcess;
  const host = (name: string) => lan.hosts[name]!;
  const vip = '192.0.2.110';

  before(async () => {
    lan = await createLan('ifs', ['ann', 'cli']);
    ann = await AnnouncerProcess.start(lan.lab, host('ann').ns);
  });

  after(async () => {
    await ann?.stop();
    await lan?.lab.destroy();
  });

  const gratuitous = async () => (await ann.counter(vip))?.gratuitousSent ?? 0;
  const eventCount = (kind: string) => ann.events.filter((e) => e.kind === kind).length;

  test('an interface going down and up pauses, then re-announces', async () => {
    const { ns } = host('ann');
    await ann.announce(vip, ['eth0']);
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', vip), host('ann').mac);
    const downs = eventCount('interfaceDown');
    await lan.lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'down']);
    await ann.waitForEvent(
      (e) => e.kind === 'interfaceDown' && e.interface === 'eth0' && eventCount('interfaceDown') > downs,
    );
    const sentWhileDown = await gratuitous();

    const ups = eventCount('interfaceUp');
    await lan.lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
    await ann.waitForEvent(() => eventCount('interfaceUp') > ups);
    assert.ok(
      await eventually(async () => (await gratuitous()) > sentWhileDown),
      'a fresh burst after coming back',
    );
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', vip), host('ann').mac);
  });

  test('a MAC change is reported and the new MAC announced and answered', async () => {
    const { ns } = host('ann');
    const newMac = '02:00:00:00:aa:01';
    const before = await gratuitous();
    await lan.lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'address', newMac]);
    const ev = await ann.waitForEvent((e) => e.kind === 'macChanged');
    assert.match(ev.message, /02:00:00:00:aa:01/);
    assert.ok(await eventually(async () => (await gratuitous()) > before), 're-announced');
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', vip), newMac);
    await lan.lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'address', host('ann').mac]);
  });

  test('an interface that disappears is reported, survives, and comes back when re-created', async () => {
    const { ns } = host('ann');
    const downs = eventCount('interfaceDown');
    await lan.lab.exec(ns, 'ip', ['link', 'del', 'eth0']);
    const ev = await ann.waitForEvent(() => eventCount('interfaceDown') > downs);
    assert.match(ev.message, /eth0/);
    assert.ok(ann.alive);
    assert.deepEqual(await ann.owned(), [{ ip: vip, interfaces: ['eth0'] }], 'the desired set is kept');

    const ups = eventCount('interfaceUp');
    await lan.lab.plug(
      lan.lanNs,
      'br0',
      { ns, ifname: 'eth0', mac: host('ann').mac, addrs: [`${host('ann').ipv4}/24`] },
      'p-ann2',
    );
    await ann.waitForEvent(() => eventCount('interfaceUp') > ups);
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', vip), host('ann').mac);
    await ann.release(vip);
  });

  test('one IP on two interfaces is answered on each with its own MAC, and can move to one', async () => {
    const vip2 = '192.0.2.130';
    const { ns } = host('ann');
    // A second segment: the announcer's eth1 straight to a second client.
    const side = await lan.lab.addNamespace('side');
    await lan.lab.veth(
      { ns, ifname: 'eth1', mac: '02:00:00:00:bb:01', addrs: ['192.0.2.201/24'] },
      { ns: side, ifname: 'eth0', mac: '02:00:00:00:bb:02', addrs: ['192.0.2.202/24'] },
    );
    await ann.announce(vip2, ['eth0', 'eth1']);
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', vip2), host('ann').mac);
    assert.equal(await arping(lan.lab, side, 'eth0', vip2), '02:00:00:00:bb:01');
    const pairs = (await ann.counters()).filter((c) => c.ip === vip2).map((c) => c.interface);
    assert.deepEqual(pairs, ['eth0', 'eth1']);

    await ann.announce(vip2, ['eth1']);
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', vip2), null, 'no longer on eth0');
    assert.equal(await arping(lan.lab, side, 'eth0', vip2), '02:00:00:00:bb:01');
    await ann.release(vip2);
    assert.equal(await arping(lan.lab, side, 'eth0', vip2), null);
  });

  test('grouped announcements set many IPs per interface set in one call, replacing the whole set', async () => {
    const [a, b, c] = ['192.0.2.140', '192.0.2.141', '192.0.2.142'];
    // The second segment made by the previous test (announcer eth1 ↔ namespace `side`).
    const sideNs = `${lan.lab.prefix}-side`;
    await ann.setAnnouncementGroups([
      { ips: [a, b], interfaces: ['eth0'] },
      { ips: [c], interfaces: ['eth1', 'eth0'] },
    ]);
    assert.deepEqual(await ann.owned(), [
      { ip: a, interfaces: ['eth0'] },
      { ip: b, interfaces: ['eth0'] },
      { ip: c, interfaces: ['eth0', 'eth1'] },
    ]);
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', b), host('ann').mac);
    assert.equal(await arping(lan.lab, sideNs, 'eth0', c), '02:00:00:00:bb:01');
    assert.equal(await arping(lan.lab, sideNs, 'eth0', a), null, 'a is not announced on eth1');

    await ann.setAnnouncementGroups([{ ips: [b], interfaces: ['eth1'] }]);
    assert.deepEqual(await ann.owned(), [{ ip: b, interfaces: ['eth1'] }]);
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', a), null, 'a released');
    assert.equal(await arping(lan.lab, sideNs, 'eth0', b), '02:00:00:00:bb:01');
    await ann.setAnnouncementGroups([]);
    assert.deepEqual(await ann.owned(), []);
  });

  test('an interface that is down when announced is reported, and announced once it comes up', async () => {
    const vip3 = '192.0.2.131';
    const { ns } = host('ann');
    const side = await lan.lab.addNamespace('side2');
    await lan.lab.veth(
      { ns, ifname: 'eth2', mac: '02:00:00:00:cc:01' },
      { ns: side, ifname: 'eth0', addrs: ['192.0.2.203/24'] },
    );
    await lan.lab.exec(ns, 'ip', ['link', 'set', 'eth2', 'down']);
    await ann.announce(vip3, ['eth2']);
    const down = await ann.waitForEvent((e) => e.kind === 'interfaceDown' && e.interface === 'eth2');
    assert.match(down.message, /eth2 is down/);
    assert.equal(await arping(lan.lab, side, 'eth0', vip3), null);
    await lan.lab.exec(ns, 'ip', ['link', 'set', 'eth2', 'up']);
    await ann.waitForEvent((e) => e.kind === 'interfaceUp' && e.interface === 'eth2');
    assert.equal(await arping(lan.lab, side, 'eth0', vip3), '02:00:00:00:cc:01');
    await ann.release(vip3);
  });

  test('bad input is rejected, naming what is wrong, and changes nothing', async () => {
    await ann.announce('192.0.2.111', ['eth0']);
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['bad IP', () => ann.announce('192.0.2.300', ['eth0']), /ip: "192\.0\.2\.300" is not an IP address/],
      ['multicast IP', () => ann.announce('224.0.0.5', ['eth0']), /224\.0\.0\.5 cannot be announced/],
      ['unknown interface', () => ann.announce('192.0.2.112', ['nope0']), /unknown interface nope0/],
      ['no interface', () => ann.announce('192.0.2.112', []), /interfaces must name at least one interface/],
      [
        'one bad entry spoils the set',
        () =>
          ann.setAnnouncements([
            { ip: '192.0.2.113', interfaces: ['eth0'] },
            { ip: '192.0.2.114', interfaces: ['nope0'] },
          ]),
        /unknown interface nope0/,
      ],
      [
        'duplicate IP',
        () =>
          ann.setAnnouncements([
            { ip: '192.0.2.113', interfaces: ['eth0'] },
            { ip: '192.0.2.113', interfaces: ['eth0'] },
          ]),
        /announcements\[1\]\.ip: 192\.0\.2\.113 is listed more than once/,
      ],
      [
        'bad IP in a group',
        () => ann.setAnnouncementGroups([{ ips: ['192.0.2.113', 'fe80::zz'], interfaces: ['eth0'] }]),
        /groups\[0\]\.ips\[1\]: "fe80::zz" is not an IP address/,
      ],
      [
        'IP in two groups',
        () =>
          ann.setAnnouncementGroups([
            { ips: ['192.0.2.113'], interfaces: ['eth0'] },
            { ips: ['192.0.2.114', '192.0.2.113'], interfaces: ['eth1'] },
          ]),
        /groups\[1\]\.ips\[1\]: 192\.0\.2\.113 is listed more than once/,
      ],
      [
        'group without interfaces',
        () => ann.setAnnouncementGroups([{ ips: ['192.0.2.113'], interfaces: [] }]),
        /groups\[0\]\.interfaces must name at least one interface/,
      ],
    ];
    for (const [name, call, message] of cases) {
      await assert.rejects(call, message, name);
      assert.deepEqual(
        await ann.owned(),
        [{ ip: '192.0.2.111', interfaces: ['eth0'] }],
        `${name}: nothing changed`,
      );
    }
    assert.equal(await arping(lan.lab, host('cli').ns, 'eth0', '192.0.2.113'), null);
    await ann.setAnnouncements([]);
    assert.deepEqual(await ann.owned(), []);
  });

  test('without CAP_NET_RAW, announcing fails with a clear error', async () => {
    const { ns } = host('cli');
    const weak = await AnnouncerProcess.start(lan.lab, ns, {}, [
      'setpriv',
      '--bounding-set=-net_raw',
      '--inh-caps=-net_raw',
    ]);
    try {
      await assert.rejects(
        weak.announce('192.0.2.120', ['eth0']),
        /^Error: L2Announcer needs CAP_NET_RAW to open AF_PACKET sockets on eth0: Operation not permitted$/,
      );
      assert.deepEqual(await weak.owned(), []);
    } finally {
      await weak.stop();
    }
  });
});
