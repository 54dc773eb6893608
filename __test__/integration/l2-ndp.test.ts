// IPv6 half of the L2 announcer against real kernels: ndisc6, the client's neighbour table,
// the kernel's own Duplicate Address Detection, multicast membership and tcpdump captures.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnnouncerProcess } from '../helpers/l2-announcer-process.js';
import {
  icmpv6Checksum,
  ipv6Bytes,
  ipv6IcmpFrame,
  llaOption,
  ndBody,
  neighborAdvertisement,
  solicitedNode,
  multicastMac,
} from '../helpers/l2-frames.js';
import { createLan, type Lan } from '../helpers/l2-lan.js';
import { Capture, eventually, inject, kernelResolve, macBytes, ndisc6, neigh } from '../helpers/l2-tools.js';

const SOLICITED_OVERRIDE = 0x60;
const OVERRIDE = 0x20;
const NA_FILTER = 'icmp6 and ip6[40]==136';

describe('L2 announcer, IPv6 (NDP)', { concurrency: false }, () => {
  let lan: Lan;
  let ann1: AnnouncerProcess;
  let ann2: AnnouncerProcess;
  /** Sends no unsolicited NA, so whatever it sends is an answer. */
  let quiet: AnnouncerProcess;
  const host = (name: string) => lan.hosts[name]!;

  before(async () => {
    lan = await createLan('ndp', ['ann1', 'ann2', 'cli', 'quiet']);
    ann1 = await AnnouncerProcess.start(lan.lab, host('ann1').ns);
    ann2 = await AnnouncerProcess.start(lan.lab, host('ann2').ns);
    quiet = await AnnouncerProcess.start(lan.lab, host('quiet').ns, { garpCount: 0 });
  });

  after(async () => {
    await ann1?.stop();
    await ann2?.stop();
    await quiet?.stop();
    await lan?.lab.destroy();
  });

  test('ndisc6 gets an exact solicited NA only while the IP is owned', async () => {
    const vip = '2001:db8::100';
    const cli = host('cli');
    const mac = host('ann1').mac;
    assert.equal(await ndisc6(lan.lab, cli.ns, 'eth0', vip), null, 'nobody answers before announce');

    await ann1.announce(vip, ['eth0']);
    const cap = await Capture.start(lan.lab, cli.ns, 'eth0', `${NA_FILTER} and ether dst ${cli.mac}`);
    assert.equal(await ndisc6(lan.lab, cli.ns, 'eth0', vip), mac);
    await new Promise((r) => setTimeout(r, 200));
    const frames = await cap.frames();
    assert.ok(frames.length >= 1, 'the NA was captured');
    const want = neighborAdvertisement({
      mac,
      target: vip,
      ethDst: cli.mac,
      dst: cli.linkLocal,
      flags: SOLICITED_OVERRIDE,
    });
    assert.deepEqual(frames[0]!.data, want, 'unicast to the solicitor, S=1 O=1 R=0, hop limit 255, TLLA');
    const c = await ann1.counter(vip);
    assert.ok(c && c.requestsReceived >= 1 && c.responsesSent >= 1, JSON.stringify(c));

    await ann1.release(vip);
    assert.equal(await ndisc6(lan.lab, cli.ns, 'eth0', vip), null, 'nobody answers after release');
    assert.deepEqual(
      ann1.events.filter((e) => e.kind === 'conflict'),
      [],
      'our own frames (echoed by the bridge) are no conflict',
    );
  });

  test('tcpdump sees 5 unsolicited NAs to ff02::1 with O=1 S=0, 1.1 s apart', async () => {
    const vip = '2001:db8::101';
    const mac = host('ann1').mac;
    const cap = await Capture.start(lan.lab, host('cli').ns, 'eth0', `${NA_FILTER} and (ip6[44]&0x40)==0`);
    await ann1.announce(vip, ['eth0']);
    await eventually(async () => (await ann1.counter(vip))?.gratuitousSent === 5, 8000);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may follow
    const target = ipv6Bytes(vip);
    const frames = (await cap.frames()).filter((f) => f.data.subarray(62, 78).equals(target));
    await ann1.release(vip);

    const want = neighborAdvertisement({
      mac,
      target: vip,
      ethDst: '33:33:00:00:00:01',
      dst: 'ff02::1',
      flags: OVERRIDE,
    });
    assert.equal(frames.length, 5);
    for (const [i, f] of frames.entries()) {
      assert.deepEqual(f.data, want, `NA ${i}`);
      assert.equal(icmpv6Checksum(f.data.subarray(22, 38), f.data.subarray(38, 54), f.data.subarray(54)), 0);
    }
    // Anchored to the announce time: NA n is due n × 1.1 s after the first, late at worst.
    for (let i = 1; i < 5; i++) {
      const atMs = (frames[i]!.tsUs - frames[0]!.tsUs) / 1000;
      assert.ok(atMs > i * 1100 - 150 && atMs < i * 1100 + 250, `NA ${i} came at ${atMs} ms`);
    }
  });

  test('a unicast NUD probe without source link-layer option is answered to the frame source', async () => {
    const vip = '2001:db8::105';
    const cli = host('cli');
    const mac = host('ann1').mac;
    await ann1.announce(vip, ['eth0']);
    const cap = await Capture.start(lan.lab, cli.ns, 'eth0', `${NA_FILTER} and ether dst ${cli.mac}`);
    const probe = ipv6IcmpFrame({
      ethDst: macBytes(mac),
      ethSrc: macBytes(cli.mac),
      src: ipv6Bytes(cli.ipv6),
      dst: ipv6Bytes(vip),
      icmp: ndBody(135, 0, vip),
    });
    await inject(lan.lab, cli.ns, 'eth0', [probe]);
    await eventually(async () => ((await ann1.counter(vip))?.responsesSent ?? 0) >= 1);
    await new Promise((r) => setTimeout(r, 200));
    const frames = (await cap.frames()).map((f) => f.data);
    await ann1.release(vip);
    const want = neighborAdvertisement({
      mac,
      target: vip,
      ethDst: cli.mac,
      dst: cli.ipv6,
      flags: SOLICITED_OVERRIDE,
    });
    assert.deepEqual(frames, [want]);
  });

  test('on failover the client neighbour entry moves to the new owner by unsolicited NA (Override)', async () => {
    const vip = '2001:db8::102';
    const { ns } = host('cli');
    await ann1.announce(vip, ['eth0']);
    await kernelResolve(lan.lab, ns, vip);
    const first = await eventually(async () => (await neigh(lan.lab, ns, 'eth0', vip))?.lladdr);
    assert.equal(first, host('ann1').mac, 'the client resolved the VIP to the first owner');

    await ann1.release(vip);
    await ann2.announce(vip, ['eth0']);
    const moved = await eventually(async () => {
      const e = await neigh(lan.lab, ns, 'eth0', vip);
      return e?.lladdr === host('ann2').mac ? e : undefined;
    }, 6000);
    assert.equal(moved?.lladdr, host('ann2').mac);
    assert.equal((await ann2.counter(vip))?.responsesSent, 0, 'the unsolicited NA did it, not an answer');
    await ann2.release(vip);
  });

  test('two owners of one IP each report the other as a conflict', async () => {
    const vip = '2001:db8::106';
    await ann1.announce(vip, ['eth0']);
    await ann2.announce(vip, ['eth0']);
    try {
      const seen1 = await ann1.waitForEvent((e) => e.kind === 'conflict' && e.message.includes(vip));
      const seen2 = await ann2.waitForEvent((e) => e.kind === 'conflict' && e.message.includes(vip));
      assert.match(seen1.message, new RegExp(host('ann2').mac));
      assert.match(seen2.message, new RegExp(host('ann1').mac));
    } finally {
      await ann1.release(vip);
      await ann2.release(vip);
    }
  });

  test('a DAD probe for an owned IP is defended with an NA to all-nodes (S=0), and the prober gives up', async () => {
    const vip = '2001:db8::103';
    const cli = host('cli');
    const mac = host('quiet').mac;
    await quiet.announce(vip, ['eth0']);
    await new Promise((r) => setTimeout(r, 200));
    const cap = await Capture.start(lan.lab, cli.ns, 'eth0', NA_FILTER);
    // The client's kernel runs real DAD for an address it wants to configure.
    await lan.lab.sysctl(cli.ns, 'net.ipv6.conf.eth0.accept_dad', '1');
    try {
      await lan.lab.exec(cli.ns, 'ip', ['-6', 'addr', 'add', `${vip}/64`, 'dev', 'eth0']);
      const failed = await eventually(async () => {
        const { stdout } = await lan.lab.exec(cli.ns, 'ip', ['-j', '-6', 'addr', 'show', 'dev', 'eth0']);
        const [link] = JSON.parse(stdout) as Array<{
          addr_info: Array<{ local: string; dadfailed?: boolean }>;
        }>;
        return link?.addr_info.find((a) => a.local === vip)?.dadfailed === true;
      }, 5000);
      assert.ok(failed, 'the client saw its address is in use (dadfailed)');
    } finally {
      await lan.lab.exec(cli.ns, 'ip', ['-6', 'addr', 'del', `${vip}/64`, 'dev', 'eth0'], {
        allowFail: true,
      });
      await lan.lab.sysctl(cli.ns, 'net.ipv6.conf.eth0.accept_dad', '0');
    }
    const frames = (await cap.frames()).map((f) => f.data);
    const defence = neighborAdvertisement({
      mac,
      target: vip,
      ethDst: '33:33:00:00:00:01',
      dst: 'ff02::1',
      flags: OVERRIDE,
    });
    assert.ok(
      frames.some((f) => f.equals(defence)),
      'the defence is an NA to ff02::1 with S=0',
    );
    assert.ok(
      !frames.some((f) => f[54] === 136 && f[58] === SOLICITED_OVERRIDE),
      'no solicited (unicast-style) answer to a DAD probe',
    );
    const c = await quiet.counter(vip);
    assert.ok(c && c.requestsReceived >= 1 && c.responsesSent >= 1, JSON.stringify(c));
    await quiet.release(vip);
  });

  test('solicited-node groups are joined per owned IP, shared, and left on release', async () => {
    // Both addresses map to ff02::1:ff01:7 / 33:33:ff:01:00:07.
    const [a, b] = ['2001:db8::1:7', '2001:db8:1::1:7'];
    const { ns } = host('ann1');
    const groups = async () => {
      const { stdout } = await lan.lab.exec(ns, 'ip', ['maddr', 'show', 'dev', 'eth0']);
      return { link: stdout.includes('33:33:ff:01:00:07'), mld: stdout.includes('ff02::1:ff01:7') };
    };
    assert.deepEqual(await groups(), { link: false, mld: false });
    await ann1.announce(a, ['eth0']);
    await ann1.announce(b, ['eth0']);
    assert.deepEqual(await groups(), { link: true, mld: true });
    await ann1.release(a);
    assert.deepEqual(await groups(), { link: true, mld: true }, 'still needed by the other IP');
    await ann1.release(b);
    assert.deepEqual(await groups(), { link: false, mld: false }, 'left with the last IP');
  });

  test('malformed solicitations are counted and dropped; the announcer keeps answering', async () => {
    const vip = '2001:db8::104';
    const cli = host('cli');
    await ann1.announce(vip, ['eth0']);
    const before = (await ann1.interfaceCounters())!.malformedDropped;
    const group = solicitedNode(vip);
    const ns = (
      icmp: Buffer,
      extra: { src?: string; dst?: Buffer; hopLimit?: number; rawChecksum?: boolean } = {},
    ) =>
      ipv6IcmpFrame({
        ethDst: multicastMac(group),
        ethSrc: macBytes(cli.mac),
        src: ipv6Bytes(extra.src ?? cli.linkLocal),
        dst: extra.dst ?? group,
        icmp,
        hopLimit: extra.hopLimit,
        rawChecksum: extra.rawChecksum,
      });
    const slla = llaOption(1, cli.mac);
    // (A frame cut short of its IPv6 payload length cannot cross this bridge: br_netfilter
    // drops it. The Rust unit tests and the BPF tests cover that case.)
    const bad = [
      ns(ndBody(135, 0, vip, [slla]), { hopLimit: 64 }), // forwarded: hop limit 64
      ns(ndBody(135, 0, vip, [slla]), { rawChecksum: true }), // checksum 0
      ns(ndBody(135, 0, vip, [slla], 1)), // code 1
      ns(ndBody(135, 0, vip).subarray(0, 20)), // ICMPv6 length 20
      ns(ndBody(135, 0, 'ff02::1', [slla])), // multicast target
      ns(ndBody(135, 0, vip, [Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])])), // option length 0
      ns(ndBody(135, 0, vip, [slla]), { src: '::' }), // DAD with a source link-layer option
      ns(ndBody(135, 0, vip), { src: '::', dst: ipv6Bytes('ff02::1') }), // DAD not to the group
    ];
    await inject(lan.lab, cli.ns, 'eth0', bad);
    const after = await eventually(async () => {
      const v = (await ann1.interfaceCounters())!.malformedDropped;
      return v >= before + bad.length ? v : 0;
    });
    assert.equal(after, before + bad.length);
    assert.equal((await ann1.counter(vip))?.responsesSent, 0, 'no malformed frame was answered');
    assert.ok(ann1.alive);
    assert.equal(await ndisc6(lan.lab, cli.ns, 'eth0', vip), host('ann1').mac);
    await ann1.release(vip);
  });
});
