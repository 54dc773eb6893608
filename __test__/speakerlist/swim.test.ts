import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Address, MemberStatus, Message, Update } from '../../src/speakerlist/messages.js';
import { SwimState, validateSwimOptions, DEFAULT_SWIM_OPTIONS } from '../../src/speakerlist/swim.js';

const addr = (host: string): Address => ({ host, port: 7946 });
const upd = (name: string, inc: number, status: MemberStatus, host = name): Update => ({
  name,
  addr: addr(host),
  inc,
  status,
});
const gossip = (...g: Update[]): Message => ({
  t: 'gossip',
  from: 'peer',
  fromAddr: addr('peer'),
  gossip: g,
});

function fresh(): SwimState {
  const s = new SwimState({ name: 'me', addr: addr('me'), incarnation: 10 }, {}, () => 0.5);
  s.receive(gossip(upd('x', 5, 'alive')), 0);
  return s;
}

const statusOf = (s: SwimState, name: string) =>
  s.memberList().find((m) => m.name === name)?.status ?? 'unknown';

describe('membership merge rules (x is alive at incarnation 5)', () => {
  const cases: { name: string; input: Update; status: MemberStatus; events: string[] }[] = [
    { name: 'alive, same incarnation: no change', input: upd('x', 5, 'alive'), status: 'alive', events: [] },
    { name: 'alive, older incarnation: ignored', input: upd('x', 4, 'alive'), status: 'alive', events: [] },
    {
      name: 'alive, newer incarnation, new address: updated',
      input: upd('x', 6, 'alive', 'x2'),
      status: 'alive',
      events: ['memberUpdated'],
    },
    {
      name: 'suspect, same incarnation: suspect',
      input: upd('x', 5, 'suspect'),
      status: 'suspect',
      events: ['memberSuspect'],
    },
    {
      name: 'suspect, older incarnation: ignored',
      input: upd('x', 4, 'suspect'),
      status: 'alive',
      events: [],
    },
    {
      name: 'dead, same incarnation: failed',
      input: upd('x', 5, 'dead'),
      status: 'dead',
      events: ['memberFailed'],
    },
    { name: 'dead, older incarnation: ignored', input: upd('x', 4, 'dead'), status: 'alive', events: [] },
    {
      name: 'left, newer incarnation: left',
      input: upd('x', 6, 'left'),
      status: 'left',
      events: ['memberLeft'],
    },
    { name: 'left, older incarnation: ignored', input: upd('x', 3, 'left'), status: 'alive', events: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const s = fresh();
      const r = s.receive(gossip(c.input), 1);
      assert.equal(statusOf(s, 'x'), c.status);
      assert.deepEqual(
        r.events.map((e) => e.type),
        c.events,
      );
    });
  }

  test('a dead member comes back only with a newer incarnation', () => {
    const s = fresh();
    s.receive(gossip(upd('x', 5, 'dead')), 1);
    assert.deepEqual(s.receive(gossip(upd('x', 5, 'alive')), 2).events, []);
    assert.equal(statusOf(s, 'x'), 'dead');
    assert.deepEqual(
      s.receive(gossip(upd('x', 6, 'alive')), 3).events.map((e) => e.type),
      ['memberJoined'],
    );
    assert.ok(s.liveMembers().has('x'));
  });

  test('an unknown member learned dead is remembered but not announced as joined', () => {
    const s = fresh();
    assert.deepEqual(s.receive(gossip(upd('y', 3, 'dead')), 1).events, []);
    assert.equal(statusOf(s, 'y'), 'dead');
    assert.equal(s.receive(gossip(upd('y', 3, 'alive')), 2).events.length, 0, 'stale alive is rejected');
  });

  test('suspicion about me is refuted with a higher incarnation, sent to everyone', () => {
    const s = fresh();
    const r = s.receive(gossip(upd('me', 12, 'suspect')), 1);
    assert.equal(s.incarnation, 13);
    const refutes = r.out.filter((o) => o.msg.t === 'gossip');
    // Urgent: two datagrams and one TCP copy to every live member (x is the only one).
    assert.deepEqual(
      refutes.map((o) => `${o.to.host}/${o.reliable ? 'tcp' : 'udp'}`),
      ['x/udp', 'x/udp', 'x/tcp'],
    );
    for (const o of refutes) assert.deepEqual(o.msg.t === 'gossip' && o.msg.gossip, [upd('me', 13, 'alive')]);
  });

  test('stale suspicion about me (older incarnation) needs no refutation', () => {
    const s = fresh();
    s.receive(gossip(upd('me', 9, 'dead')), 1);
    assert.equal(s.incarnation, 10);
  });

  test('ping for another name is ignored; ping for me is acked on the same path', () => {
    const s = fresh();
    const ping = (target: string): Message => ({
      t: 'ping',
      seq: 7,
      from: 'x',
      fromAddr: addr('x'),
      target,
      gossip: [],
    });
    assert.deepEqual(s.receive(ping('someone-else'), 1).out, []);
    const r = s.receive(ping('me'), 1, true);
    assert.equal(r.out.length, 1);
    assert.equal(r.out[0]?.msg.t, 'ack');
    assert.equal(r.out[0]?.reliable, true);
    assert.deepEqual(r.out[0]?.to, addr('x'));
  });

  test('ping-req is relayed and the ack travels back with the requester sequence number', () => {
    const s = fresh();
    const r = s.receive(
      {
        t: 'ping-req',
        seq: 99,
        from: 'x',
        fromAddr: addr('x'),
        target: 'z',
        targetAddr: addr('z'),
        gossip: [],
      },
      1,
    );
    const ping = r.out[0]?.msg;
    assert.ok(ping && ping.t === 'ping' && ping.target === 'z');
    const back = s.receive({ t: 'ack', seq: ping.seq, from: 'z', gossip: [] }, 2).out;
    assert.equal(back.length, 1);
    assert.deepEqual(back[0]?.to, addr('x'));
    assert.ok(back[0]?.msg.t === 'ack' && back[0].msg.seq === 99);
  });

  test('after leaving, the member is silent and out of its own live set', () => {
    const s = fresh();
    const r = s.leave(5);
    assert.ok(r.out.length >= 2, 'left is sent to x over both paths');
    assert.ok(r.out.every((o) => o.msg.t === 'gossip' && o.msg.gossip[0]?.status === 'left'));
    assert.ok(!s.liveMembers().has('me'));
    assert.deepEqual(
      s.receive({ t: 'ping', seq: 1, from: 'x', fromAddr: addr('x'), target: 'me', gossip: [] }, 6).out,
      [],
    );
    assert.equal(s.nextDeadline(), Infinity);
  });

  test('options are validated with the field named', () => {
    assert.throws(
      () => validateSwimOptions({ ...DEFAULT_SWIM_OPTIONS, probeTimeoutMs: 300 }),
      /probeTimeoutMs \(300\) must be below probeIntervalMs/,
    );
    assert.throws(
      () => validateSwimOptions({ ...DEFAULT_SWIM_OPTIONS, suspicionTimeoutMs: 0 }),
      /suspicionTimeoutMs/,
    );
    assert.throws(
      () => new SwimState({ name: 'a', addr: addr('a'), incarnation: 1 }, { indirectChecks: -1 }),
      /indirectChecks/,
    );
  });

  test('a refused fallback probe makes the target suspect with the short timeout, then dead', () => {
    const s = fresh();
    s.tick(0); // probe x
    const r = s.tick(DEFAULT_SWIM_OPTIONS.probeTimeoutMs); // direct ping timed out: fallback over TCP
    const tcpPing = r.out.find((o) => o.reliable && o.msg.t === 'ping');
    assert.ok(tcpPing, 'fallback ping over TCP');
    // A refusal for some other message changes nothing.
    const other: Message = {
      t: 'ping',
      seq: 12345,
      from: 'me',
      fromAddr: addr('me'),
      target: 'x',
      gossip: [],
    };
    assert.deepEqual(s.refused(addr('x'), other, 101).events, []);
    const t = 105;
    const ev = s.refused(tcpPing.to, tcpPing.msg, t);
    assert.deepEqual(
      ev.events.map((e) => e.type),
      ['memberSuspect'],
    );
    assert.ok(
      ev.out.some((o) => o.to.host === 'x' && o.msg.t === 'gossip'),
      'x is told, so it can refute',
    );
    const deadAt = t + DEFAULT_SWIM_OPTIONS.refusedSuspicionTimeoutMs;
    assert.ok(deadAt < DEFAULT_SWIM_OPTIONS.suspicionTimeoutMs, 'sooner than a normal suspicion');
    assert.deepEqual(
      s.tick(deadAt - 1).events.filter((e) => e.type === 'memberFailed'),
      [],
    );
    assert.deepEqual(
      s.tick(deadAt).events.map((e) => e.type),
      ['memberFailed'],
    );
  });

  test('a refutation within the short timeout keeps the member', () => {
    const s = fresh();
    s.tick(0);
    const tcpPing = s
      .tick(DEFAULT_SWIM_OPTIONS.probeTimeoutMs)
      .out.find((o) => o.reliable && o.msg.t === 'ping');
    assert.ok(tcpPing);
    s.refused(tcpPing.to, tcpPing.msg, 105);
    s.receive(gossip(upd('x', 6, 'alive')), 150);
    assert.equal(statusOf(s, 'x'), 'alive');
    assert.deepEqual(
      s.tick(1000).events.filter((e) => e.type === 'memberFailed'),
      [],
    );
  });
});
