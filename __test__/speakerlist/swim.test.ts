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
    assert.deepEqual(
      refutes.map((o) => o.to.host),
      ['x'],
    );
    assert.deepEqual(refutes[0]?.msg.t === 'gossip' && refutes[0].msg.gossip, [upd('me', 13, 'alive')]);
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
});
