// Random runs of the simulated network: whatever the loss rate (up to 15%), the cluster size and
// when a member crashes, every survivor eventually reports exactly the crashed member failed and
// no survivor is ever reported failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { SimNet } from './sim.js';

test('crash under random loss: the dead member is found, no survivor is blamed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.integer({ min: 2, max: 7 }),
      fc.double({ min: 0, max: 0.15, noNaN: true }),
      fc.integer({ min: 0, max: 1000 }),
      (seed, size, loss, crashAfter) => {
        const names = Array.from({ length: size }, (_, i) => `m${i}`);
        const net = new SimNet(seed);
        for (const n of names) net.add(n);
        for (const n of names.slice(1)) net.join(n, ['m0']);
        net.run(3000);
        net.loss = loss;
        net.run(crashAfter);
        const victim = names[seed % size] as string;
        net.crash(victim);
        net.run(10_000);
        const survivors = names.filter((n) => n !== victim);
        for (const s of survivors) {
          assert.deepEqual(net.live(s), survivors, `view of ${s}`);
          assert.equal(net.eventsAbout(s, victim, 'memberFailed').length, 1);
          for (const other of survivors)
            assert.equal(net.eventsAbout(s, other, 'memberFailed').length, 0, `${s} blamed ${other}`);
        }
      },
    ),
    { numRuns: 400 },
  );
});
