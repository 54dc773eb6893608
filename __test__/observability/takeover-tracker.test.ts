import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TakeoverTracker } from '../../src/observability/takeover-tracker.js';

test('takeovers are timed from the last departure, within the window only', () => {
  const cases: Array<{
    name: string;
    steps: Array<{ gone?: number } | { owned: string[]; at: number }>;
    takeovers: Array<{ ip: string; seconds: number }>;
    gained: number;
    lost: number;
  }> = [
    {
      name: 'an address gained 300 ms after a member failed is a 0.3 s takeover',
      steps: [{ owned: [], at: 0 }, { gone: 1000 }, { owned: ['192.0.2.1'], at: 1300 }],
      takeovers: [{ ip: '192.0.2.1', seconds: 0.3 }],
      gained: 1,
      lost: 0,
    },
    {
      name: 'an address gained without any departure is not a takeover',
      steps: [{ owned: ['192.0.2.1'], at: 500 }],
      takeovers: [],
      gained: 1,
      lost: 0,
    },
    {
      name: 'outside the 10 s window it is not a takeover either',
      steps: [{ gone: 0 }, { owned: ['192.0.2.1'], at: 10_001 }],
      takeovers: [],
      gained: 1,
      lost: 0,
    },
    {
      name: 'addresses kept are not counted again; released ones count as lost',
      steps: [
        { owned: ['192.0.2.1', '192.0.2.2'], at: 0 },
        { owned: ['192.0.2.2'], at: 100 },
        { gone: 200 },
        { owned: ['192.0.2.2', '192.0.2.3'], at: 700 },
      ],
      takeovers: [{ ip: '192.0.2.3', seconds: 0.5 }],
      gained: 3,
      lost: 1,
    },
  ];
  for (const c of cases) {
    const t = new TakeoverTracker();
    const seen: Array<{ ip: string; seconds: number }> = [];
    for (const s of c.steps) {
      if ('gone' in s && s.gone !== undefined) t.memberGone(s.gone);
      else if ('owned' in s) seen.push(...t.update(new Set(s.owned), s.at));
    }
    assert.deepEqual(seen, c.takeovers, c.name);
    assert.equal(t.gained, c.gained, c.name);
    assert.equal(t.lost, c.lost, c.name);
  }
});
