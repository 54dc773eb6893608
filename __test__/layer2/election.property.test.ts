// Properties of the election over random clusters: at most one node announces, the winner is
// a live, selected, available node (with a local endpoint for Local), and nothing depends on
// the order in which nodes, members or endpoints are listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import { EXCLUDE_LB_LABEL } from '../../src/layer2/announce-inputs.js';
import { rankL2Candidates, shouldAnnounceL2, type L2ElectionContext } from '../../src/layer2/election.js';
import { ep, l2ad, node, nodeMap, sel, svc } from './fixtures.js';

const arbCluster = fc.record({
  nodes: fc.uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      zone: fc.constantFrom('a', 'b'),
      excluded: fc.boolean(),
      unavailable: fc.boolean(),
      live: fc.boolean(),
      endpoint: fc.constantFrom('none', 'ready', 'terminating-serving', 'unready'),
    }),
    { minLength: 1, maxLength: 8, selector: (n) => n.name },
  ),
  ip: fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }))
    .map(([a, b]) => `10.9.${a}.${b}`),
  local: fc.boolean(),
  zoneOnly: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
  preferZone: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
  shuffleSeed: fc.integer(),
});

function shuffled<T>(l: readonly T[], seed: number): T[] {
  const out = [...l];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

test('election properties over random clusters', () => {
  fc.assert(
    fc.property(arbCluster, (c) => {
      const infos = c.nodes.map((n) =>
        node(n.name, { zone: n.zone, ...(n.excluded ? { [EXCLUDE_LB_LABEL]: '' } : {}) }, n.unavailable),
      );
      const endpoints = c.nodes.flatMap((n) =>
        n.endpoint === 'none'
          ? []
          : [
              ep(n.name, {
                ready: n.endpoint === 'ready',
                serving: n.endpoint !== 'unready',
                terminating: n.endpoint === 'terminating-serving',
              }),
            ],
      );
      const ads = [
        l2ad('ad', {
          nodeSelectors: c.zoneOnly ? [sel({ zone: c.zoneOnly })] : [],
          preferredNodeSelectors: c.preferZone
            ? [{ weight: 10, preference: sel({ zone: c.preferZone }) }]
            : [],
        }),
      ];
      const service = svc([c.ip], { externalTrafficPolicy: c.local ? 'Local' : 'Cluster', endpoints });
      const live = c.nodes.filter((n) => n.live).map((n) => n.name);
      const ctxA: L2ElectionContext = {
        nodes: nodeMap(...infos),
        liveMembers: new Set(live),
        advertisements: ads,
        ignoreExcludeLB: false,
      };
      const ctxB: L2ElectionContext = {
        ...ctxA,
        nodes: nodeMap(...shuffled(infos, c.shuffleSeed)),
        liveMembers: new Set(shuffled(live, c.shuffleSeed + 1)),
      };
      const serviceB = { ...service, endpoints: shuffled(endpoints, c.shuffleSeed + 2) };

      const owners = c.nodes
        .filter((n) => shouldAnnounceL2(n.name, service, ctxA).announce)
        .map((n) => n.name);
      assert.ok(owners.length <= 1, `several owners: ${owners.join(',')}`);
      const ownersB = c.nodes
        .filter((n) => shouldAnnounceL2(n.name, serviceB, ctxB).announce)
        .map((n) => n.name);
      assert.deepEqual(ownersB, owners, 'listing order changes nothing');
      assert.deepEqual(rankL2Candidates(serviceB, ctxB), rankL2Candidates(service, ctxA));

      const owner = owners[0];
      const anyServes = c.nodes.some((n) => n.endpoint === 'ready' || n.endpoint === 'terminating-serving');
      if (owner === undefined) {
        const someoneEligible = c.nodes.some(
          (n) =>
            n.live &&
            !n.excluded &&
            !n.unavailable &&
            (c.zoneOnly === null || n.zone === c.zoneOnly) &&
            (!c.local || n.endpoint === 'ready' || n.endpoint === 'terminating-serving'),
        );
        assert.ok(!anyServes || !someoneEligible, 'an eligible node exists but nobody announces');
        return;
      }
      const o = c.nodes.find((n) => n.name === owner);
      assert.ok(o && o.live && !o.excluded && !o.unavailable && anyServes);
      if (c.zoneOnly) assert.equal(o.zone, c.zoneOnly);
      if (c.local) assert.ok(o.endpoint === 'ready' || o.endpoint === 'terminating-serving');
      if (c.preferZone && o.zone !== c.preferZone) {
        const preferredEligible = rankL2Candidates(service, ctxA).some((r) => r.score > 0);
        assert.ok(!preferredEligible, 'a preferred candidate existed but lost');
      }
    }),
    { numRuns: 500 },
  );
});
