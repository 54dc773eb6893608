import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DEFAULT_SWIM_OPTIONS } from '../../src/speakerlist/swim.js';
import { SimNet } from './sim.js';

const NAMES = ['n0', 'n1', 'n2', 'n3', 'n4'];

/** Five members that joined through n0 and had time to settle. */
function cluster(seed: number, names = NAMES): SimNet {
  const net = new SimNet(seed);
  for (const n of names) net.add(n);
  for (const n of names.slice(1)) net.join(n, ['n0']);
  net.run(2000);
  return net;
}

// The worst case for the default options, from the protocol's structure: each member probes
// the others round robin in a freshly shuffled order, so the dead one is probed by every member
// within 2(n-1)-1 periods; then one period of direct + indirect probing, the suspicion timeout,
// and network latency plus the direct death broadcast to the others.
const o = DEFAULT_SWIM_OPTIONS;
const detectionBound = (n: number) => (2 * (n - 1) - 1 + 1) * o.probeIntervalMs + o.suspicionTimeoutMs + 50;
const DETECTION_BOUND_MS = detectionBound(NAMES.length);

describe('speakerlist protocol in a simulated network', () => {
  test('members joining through one seed converge to the full membership', () => {
    const net = cluster(1);
    for (const n of NAMES) assert.deepEqual(net.live(n), NAMES, `view of ${n}`);
    for (const n of NAMES.slice(1)) assert.equal(net.eventsAbout('n0', n, 'memberJoined').length, 1);
  });

  test('a crashed member is reported failed by every other member within the bound (30 seeds)', () => {
    const delays: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const net = cluster(seed);
      const victim = NAMES[seed % NAMES.length] as string;
      net.run(seed * 37); // crash at varying points of the probe cycle
      const t0 = net.now;
      net.crash(victim);
      net.run(3000);
      for (const n of NAMES) {
        if (n === victim) continue;
        const failed = net.eventsAbout(n, victim, 'memberFailed');
        assert.equal(failed.length, 1, `seed ${seed}: ${n} reports ${victim} failed once`);
        delays.push((failed[0]?.at ?? Infinity) - t0);
        assert.ok(!net.live(n).includes(victim));
      }
    }
    delays.sort((a, b) => a - b);
    const max = delays[delays.length - 1] as number;
    assert.ok(max <= DETECTION_BOUND_MS, `slowest detection ${max} ms > ${DETECTION_BOUND_MS} ms`);
    // p50 and max in virtual ms, for the record.
    const p50 = delays[delays.length >> 1] as number;
    console.log(`# simulated detection after crash: p50 ${Math.round(p50)} ms, max ${Math.round(max)} ms`);
  });

  test('a graceful leave reaches every member within a few network hops', () => {
    const net = cluster(7);
    const t0 = net.now;
    net.leave('n2');
    net.run(50);
    for (const n of NAMES.filter((x) => x !== 'n2')) {
      const left = net.eventsAbout(n, 'n2', 'memberLeft');
      assert.equal(left.length, 1, `${n} saw n2 leave`);
      assert.ok((left[0]?.at ?? Infinity) - t0 <= 5, 'leave is sent directly, not piggybacked');
      assert.equal(net.eventsAbout(n, 'n2', 'memberFailed').length, 0);
      assert.ok(!net.live(n).includes('n2'));
    }
  });

  test('10% datagram loss for a minute: no false failure', () => {
    const net = cluster(11);
    net.loss = 0.1;
    net.run(60_000);
    assert.ok(net.sent.lost > 100, 'the network really lost packets');
    for (const n of NAMES) {
      assert.deepEqual(net.live(n), NAMES);
      for (const m of NAMES) assert.equal(net.eventsAbout(n, m, 'memberFailed').length, 0, `${n} about ${m}`);
    }
  });

  test('a blip shorter than the suspicion timeout is refuted, never reported as a failure', () => {
    const net = cluster(3);
    const before = net.incarnationOf('n3');
    net.partition(['n3'], ['n0', 'n1', 'n2', 'n4']);
    net.run(350);
    net.heal();
    net.run(2000);
    for (const n of NAMES) {
      assert.equal(net.eventsAbout(n, 'n3', 'memberFailed').length, 0, `${n} never failed n3`);
      assert.deepEqual(net.live(n), NAMES);
    }
    assert.ok(net.incarnationOf('n3') > before, 'n3 refuted the suspicion by raising its incarnation');
    const suspected = NAMES.some((n) => net.eventsAbout(n, 'n3', 'memberSuspect').length > 0);
    assert.ok(suspected, 'the blip was long enough to be suspected');
  });

  test('a partition splits the membership and heals after it ends', () => {
    const net = cluster(5);
    net.partition(['n0', 'n1', 'n2'], ['n3', 'n4']);
    net.run(3000);
    assert.deepEqual(net.live('n0'), ['n0', 'n1', 'n2']);
    assert.deepEqual(net.live('n4'), ['n3', 'n4']);
    net.heal();
    net.run(2 * o.syncIntervalMs + 2000);
    for (const n of NAMES) assert.deepEqual(net.live(n), NAMES, `view of ${n} after healing`);
    assert.equal(net.eventsAbout('n0', 'n4', 'memberJoined').length, 2, 'n4 rejoined in n0 view');
  });

  test('a crashed member that restarts with a newer incarnation is admitted again', () => {
    const net = cluster(9);
    net.crash('n1');
    net.run(2000);
    assert.ok(!net.live('n0').includes('n1'));
    net.add('n1', 1_000);
    net.join('n1', ['n0']);
    net.run(1000);
    for (const n of NAMES) assert.deepEqual(net.live(n), NAMES);
    assert.equal(net.eventsAbout('n2', 'n1', 'memberJoined').length, 2);
  });

  test('two members only: failure detection works without indirect helpers', () => {
    const net = cluster(13, ['n0', 'n1']);
    assert.deepEqual(net.live('n1'), ['n0', 'n1']);
    const t0 = net.now;
    net.crash('n1');
    net.run(2000);
    const failed = net.eventsAbout('n0', 'n1', 'memberFailed');
    assert.equal(failed.length, 1);
    assert.ok((failed[0]?.at ?? Infinity) - t0 <= detectionBound(2));
  });

  test('rejoin resends our state to the seeds: a member forgotten by the seed comes back', () => {
    const net = cluster(17, ['n0', 'n1']);
    net.partition(['n0'], ['n1']);
    net.run(2000);
    assert.deepEqual(net.live('n0'), ['n0']);
    net.heal();
    net.rejoin('n1');
    net.run(100);
    assert.deepEqual(net.live('n0'), ['n0', 'n1']);
    assert.deepEqual(net.live('n1'), ['n0', 'n1']);
  });

  test('a killed process on a live host (TCP refused) is found much faster (30 seeds)', () => {
    const bound =
      (2 * (NAMES.length - 1) - 1) * o.probeIntervalMs + o.probeTimeoutMs + o.refusedSuspicionTimeoutMs + 50;
    const delays: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const net = cluster(seed);
      const victim = NAMES[seed % NAMES.length] as string;
      net.run(seed * 37);
      const t0 = net.now;
      net.crash(victim, true);
      net.run(3000);
      for (const n of NAMES.filter((x) => x !== victim)) {
        const failed = net.eventsAbout(n, victim, 'memberFailed');
        assert.equal(failed.length, 1, `seed ${seed}: ${n}`);
        delays.push((failed[0]?.at ?? Infinity) - t0);
      }
    }
    delays.sort((a, b) => a - b);
    const max = delays[delays.length - 1] as number;
    console.log(
      `# simulated detection, TCP refused: p50 ${Math.round(delays[delays.length >> 1] as number)} ms, max ${Math.round(max)} ms`,
    );
    assert.ok(max <= bound, `slowest ${max} ms > ${bound} ms`);
  });

  test('TCP refused by a live member (firewall) under 20% loss: refuted, never failed', () => {
    const net = cluster(21);
    net.tcpRefused.add('n2');
    net.loss = 0.2;
    net.run(30_000);
    assert.ok(
      NAMES.some((n) => net.eventsAbout(n, 'n2', 'memberSuspect').length > 0),
      'n2 was suspected',
    );
    for (const n of NAMES) {
      assert.equal(net.eventsAbout(n, 'n2', 'memberFailed').length, 0, `${n} never failed n2`);
      assert.ok(net.live(n).includes('n2'));
    }
  });
});
