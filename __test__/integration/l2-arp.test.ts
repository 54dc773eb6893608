// IPv4 half of the L2 announcer against real kernels: announcers and a client in network
// namespaces on a bridge; arping, the client's ARP table and tcpdump captures are the judges.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnnouncerProcess } from '../helpers/l2-announcer-process.js';
import { arpFrame, BROADCAST } from '../helpers/l2-frames.js';
import { createLan, type Lan } from '../helpers/l2-lan.js';
import { arping, Capture, eventually, inject, kernelResolve, neigh } from '../helpers/l2-tools.js';

describe('L2 announcer, IPv4 (ARP)', { concurrency: false }, () => {
  let lan: Lan;
  let ann1: AnnouncerProcess;
  let ann2: AnnouncerProcess;
  const host = (name: string) => lan.hosts[name]!;

  before(async () => {
    lan = await createLan('arp', ['ann1', 'ann2', 'cli']);
    ann1 = await AnnouncerProcess.start(lan.lab, host('ann1').ns);
    ann2 = await AnnouncerProcess.start(lan.lab, host('ann2').ns);
  });

  after(async () => {
    await ann1?.stop();
    await ann2?.stop();
    await lan?.lab.destroy();
  });

  test('arping gets the announcer MAC only while the IP is owned', async () => {
    const vip = '192.0.2.100';
    const { ns } = host('cli');
    assert.equal(await arping(lan.lab, ns, 'eth0', vip), null, 'nobody answers before announce');

    await ann1.announce(vip, ['eth0']);
    assert.deepEqual(await ann1.owned(), [{ ip: vip, interfaces: ['eth0'] }]);
    assert.equal(await arping(lan.lab, ns, 'eth0', vip), host('ann1').mac);
    const c = await ann1.counter(vip);
    assert.ok(c && c.requestsReceived >= 1 && c.responsesSent >= 1, JSON.stringify(c));

    await ann1.release(vip);
    assert.deepEqual(await ann1.owned(), []);
    assert.equal(await arping(lan.lab, ns, 'eth0', vip), null, 'nobody answers after release');
    assert.deepEqual(
      ann1.events.filter((e) => e.kind === 'conflict'),
      [],
      'our own frames (echoed by the bridge) are no conflict',
    );
  });

  test('gratuitous ARP creates the client entry (arp_accept=1) without the client asking', async () => {
    const vip = '192.0.2.101';
    const { ns } = host('cli');
    await lan.lab.sysctl(ns, 'net.ipv4.conf.eth0.arp_accept', '1');
    try {
      assert.equal(await neigh(lan.lab, ns, 'eth0', vip), undefined);
      await ann1.announce(vip, ['eth0']);
      const entry = await eventually(async () => {
        const e = await neigh(lan.lab, ns, 'eth0', vip);
        return e?.lladdr === host('ann1').mac ? e : undefined;
      });
      assert.equal(entry?.lladdr, host('ann1').mac, 'entry learnt from the gratuitous ARP');
      assert.equal((await ann1.counter(vip))?.responsesSent, 0, 'the client never asked');
    } finally {
      await ann1.release(vip);
      await lan.lab.sysctl(ns, 'net.ipv4.conf.eth0.arp_accept', '0');
    }
  });

  test('on failover the client entry moves to the new owner by gratuitous ARP alone', async () => {
    const vip = '192.0.2.102';
    const { ns } = host('cli');
    await ann1.announce(vip, ['eth0']);
    await kernelResolve(lan.lab, ns, vip);
    const before = await eventually(async () => (await neigh(lan.lab, ns, 'eth0', vip))?.lladdr);
    assert.equal(before, host('ann1').mac, 'the client resolved the VIP to the first owner');

    await ann1.release(vip);
    await ann2.announce(vip, ['eth0']);
    // The kernel ignores an update within locktime (1 s) of the last one: a later round wins.
    const moved = await eventually(async () => {
      const e = await neigh(lan.lab, ns, 'eth0', vip);
      return e?.lladdr === host('ann2').mac ? e : undefined;
    }, 6000);
    assert.equal(moved?.lladdr, host('ann2').mac, 'the entry now points to the new owner');
    const c = await ann2.counter(vip);
    assert.equal(c?.responsesSent, 0, 'the new owner never answered a request: the GARP did it');
    assert.ok((c?.gratuitousSent ?? 0) >= 2);
    await ann2.release(vip);
  });

  test('tcpdump sees both gratuitous forms, 5 rounds 1.1 s apart (default schedule)', async () => {
    const vip = '192.0.2.103';
    const mac = host('ann1').mac;
    const cap = await Capture.start(lan.lab, host('cli').ns, 'eth0', 'arp and arp[14:4]=arp[24:4]');
    await ann1.announce(vip, ['eth0']);
    await eventually(async () => (await ann1.counter(vip))?.gratuitousSent === 10, 8000);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may follow
    const frames = (await cap.frames()).filter((f) =>
      f.data.subarray(28, 32).equals(Buffer.from([192, 0, 2, 103])),
    );
    await ann1.release(vip);

    const request = arpFrame({
      ethDst: BROADCAST,
      ethSrc: mac,
      op: 1,
      sha: mac,
      spa: vip,
      tha: '00:00:00:00:00:00',
      tpa: vip,
    });
    const reply = arpFrame({ ethDst: BROADCAST, ethSrc: mac, op: 2, sha: mac, spa: vip, tha: mac, tpa: vip });
    assert.equal(frames.length, 10, 'five rounds of two frames');
    for (let round = 0; round < 5; round++) {
      assert.deepEqual(frames[2 * round]!.data, request, `round ${round}: request form`);
      assert.deepEqual(frames[2 * round + 1]!.data, reply, `round ${round}: reply form`);
    }
    // Rounds are anchored to the announce time, so they never drift: round n is due n × 1.1 s
    // after the announce (a loaded machine may make one late, never early).
    for (let round = 1; round < 5; round++) {
      const atMs = (frames[2 * round]!.tsUs - frames[0]!.tsUs) / 1000;
      assert.ok(atMs > round * 1100 - 150 && atMs < round * 1100 + 250, `round ${round} came at ${atMs} ms`);
    }
  });

  test('refreshIntervalMs keeps re-announcing after the burst', async () => {
    const vip = '192.0.2.106';
    const refresher = await AnnouncerProcess.start(lan.lab, host('ann2').ns, {
      garpCount: 1,
      refreshIntervalMs: 200,
    });
    try {
      const cap = await Capture.start(
        lan.lab,
        host('cli').ns,
        'eth0',
        'arp and arp[6:2]=1 and arp[14:4]=arp[24:4]',
      );
      await refresher.announce(vip, ['eth0']);
      await new Promise((r) => setTimeout(r, 1100));
      await refresher.release(vip);
      const frames = (await cap.frames()).filter((f) =>
        f.data.subarray(28, 32).equals(Buffer.from([192, 0, 2, 106])),
      );
      // One immediate round, then one every 200 ms: about 6 in 1.1 s (a loaded machine shifts some).
      assert.ok(frames.length >= 4 && frames.length <= 8, `${frames.length} gratuitous requests`);
      for (let i = 1; i < frames.length; i++) {
        const atMs = (frames[i]!.tsUs - frames[0]!.tsUs) / 1000;
        assert.ok(atMs > i * 200 - 100 && atMs < i * 200 + 150, `refresh ${i} came at ${atMs} ms`);
      }
    } finally {
      await refresher.stop();
    }
  });

  test('two owners of one IP each report the other as a conflict', async () => {
    const vip = '192.0.2.107';
    await ann1.announce(vip, ['eth0']);
    await ann2.announce(vip, ['eth0']);
    try {
      const seen1 = await ann1.waitForEvent((e) => e.kind === 'conflict' && e.message.includes(vip));
      const seen2 = await ann2.waitForEvent((e) => e.kind === 'conflict' && e.message.includes(vip));
      assert.equal(seen1.interface, 'eth0');
      assert.match(seen1.message, new RegExp(host('ann2').mac));
      assert.match(seen2.message, new RegExp(host('ann1').mac));
    } finally {
      await ann1.release(vip);
      await ann2.release(vip);
    }
  });

  test('answers requests for owned IPs (broadcast, unicast, RFC 5227 probe) with exact replies, nothing else', async () => {
    const vip = '192.0.2.104';
    const cli = host('cli');
    const mac = host('ann1').mac;
    await ann1.announce(vip, ['eth0']);
    await new Promise((r) => setTimeout(r, 100));
    const base = { ethSrc: cli.mac, op: 1, sha: cli.mac, tha: '00:00:00:00:00:00' };
    const cap = await Capture.start(lan.lab, cli.ns, 'eth0', `arp and arp[6:2]=2 and ether dst ${cli.mac}`);
    await inject(lan.lab, cli.ns, 'eth0', [
      arpFrame({ ...base, ethDst: BROADCAST, spa: cli.ipv4, tpa: vip }), // answered
      arpFrame({ ...base, ethDst: mac, spa: cli.ipv4, tpa: vip }), // unicast refresh: answered
      arpFrame({ ...base, ethDst: BROADCAST, spa: '0.0.0.0', tpa: vip }), // probe: answered
      arpFrame({ ...base, ethDst: BROADCAST, spa: cli.ipv4, tpa: '192.0.2.199' }), // not ours
      arpFrame({ ...base, ethDst: '02:00:00:00:99:99', spa: cli.ipv4, tpa: vip }), // for another host
      arpFrame({ ...base, ethDst: BROADCAST, spa: vip, tpa: vip }), // an announcement, not a question
    ]);
    const c = await eventually(async () => {
      const v = await ann1.counter(vip);
      return v && v.requestsReceived >= 4 ? v : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    const replies = (await cap.frames()).map((f) => f.data);
    await ann1.release(vip);

    const answer = (tpa: string) =>
      arpFrame({ ethDst: cli.mac, ethSrc: mac, op: 2, sha: mac, spa: vip, tha: cli.mac, tpa });
    assert.deepEqual(replies, [answer(cli.ipv4), answer(cli.ipv4), answer('0.0.0.0')]);
    assert.equal(c?.requestsReceived, 4, 'broadcast, unicast, probe and announcement were for the VIP');
    assert.equal(c?.responsesSent, 3);
  });

  test('malformed ARP frames are counted and dropped; the announcer keeps answering', async () => {
    const vip = '192.0.2.105';
    const cli = host('cli');
    await ann1.announce(vip, ['eth0']);
    const before = (await ann1.interfaceCounters())!.malformedDropped;
    const good = {
      ethDst: BROADCAST,
      ethSrc: cli.mac,
      op: 1,
      sha: cli.mac,
      spa: cli.ipv4,
      tha: '00:00:00:00:00:00',
      tpa: vip,
    };
    const bad = [
      arpFrame({ ...good, htype: 6 }),
      arpFrame({ ...good, ptype: 0x86dd }),
      arpFrame({ ...good, hlen: 8 }),
      arpFrame({ ...good, plen: 16 }),
      arpFrame({ ...good, sha: BROADCAST }),
      arpFrame(good).subarray(0, 30), // cut inside the sender addresses
    ];
    await inject(lan.lab, cli.ns, 'eth0', bad);
    const after = await eventually(async () => {
      const v = (await ann1.interfaceCounters())!.malformedDropped;
      return v >= before + bad.length ? v : 0;
    });
    assert.equal(after, before + bad.length);
    assert.equal((await ann1.counter(vip))?.responsesSent, 0, 'no malformed frame was answered');
    assert.ok(ann1.alive);
    assert.equal(await arping(lan.lab, cli.ns, 'eth0', vip), host('ann1').mac);
    await ann1.release(vip);
  });
});
