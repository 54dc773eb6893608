// Property test: whatever sequence of assignments, updates, releases and pool changes happens,
// no address is held by two services unless they may share it, every address lies in the pool
// reported for it, and the pool counters match the holdings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Allocator } from '../../src/allocator/allocator.js';
import { formatIP } from '../../src/config/ip.js';
import { sharingRefusal } from '../../src/allocator/sharing.js';
import type { Pool, ServiceInput } from '../../src/config/model.js';
import { pool, svc } from './fixtures.js';

const poolSets: Pool[][] = [
  [pool('a', ['10.0.0.0/29', 'fd00::/125']), pool('b', ['10.0.1.0-10.0.1.2'], { avoidBuggyIPs: true })],
  [
    pool('a', ['10.0.0.0/30', 'fd00::/126']),
    pool('c', ['10.0.0.4/30'], { serviceAllocation: { priority: 1 } }),
  ],
  [pool('b', ['10.0.1.0-10.0.1.2']), pool('d', ['fd00::8/125'], { autoAssign: false })],
];

const serviceArb = fc.record({
  n: fc.integer({ min: 0, max: 7 }),
  share: fc.constantFrom(null, 'k1', 'k2'),
  port: fc.integer({ min: 1, max: 3 }),
  local: fc.boolean(),
  policy: fc.constantFrom(null, 'RequireDualStack', 'PreferDualStack'),
  v6first: fc.boolean(),
  requested: fc.constantFrom(null, '10.0.0.1', '10.0.1.0', 'fd00::2', '10.9.9.9'),
  pool: fc.constantFrom(null, 'a', 'd', 'nope'),
});

type ServiceSpec = typeof serviceArb extends fc.Arbitrary<infer T> ? T : never;
type Op = { kind: 'assign'; s: ServiceSpec } | { kind: 'release'; n: number } | { kind: 'pools'; i: number };

function toService(s: ServiceSpec): ServiceInput {
  return svc(`s${s.n}`, {
    sharingKey: s.share,
    tcp: [s.port],
    externalTrafficPolicy: s.local ? 'Local' : 'Cluster',
    selector: { app: 'same' },
    ipFamilyPolicy: s.policy as ServiceInput['ipFamilyPolicy'],
    ipFamilies: s.v6first ? ['IPv6', 'IPv4'] : ['IPv4', 'IPv6'],
    requestedIPs: s.requested ? [s.requested] : [],
    requestedPool: s.pool,
  });
}

describe('allocator invariants', () => {
  it('hold under random operation sequences', () => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: serviceArb.map((s) => ({ kind: 'assign' as const, s })) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 7 }).map((n) => ({ kind: 'release' as const, n })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map((i) => ({ kind: 'pools' as const, i })) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        let pools = poolSets[0] as Pool[];
        const alloc = new Allocator(pools);
        const latest = new Map<string, ServiceInput>();
        for (const op of ops) {
          if (op.kind === 'assign') {
            const s = toService(op.s);
            latest.set(`default/${s.name}`, s);
            const r = alloc.assign(s);
            if (r.kind === 'assigned' && s.requestedIPs.length > 0)
              assert.deepEqual(r.ips.map(formatIP), s.requestedIPs.map(formatIP));
          } else if (op.kind === 'release') {
            alloc.release(`default/s${op.n}`);
            latest.delete(`default/s${op.n}`);
          } else {
            pools = poolSets[op.i] as Pool[];
            const lost = alloc.setPools(pools);
            for (const k of lost) assert.equal(alloc.holding(k), undefined);
          }
          // Invariants over the current holdings.
          const byIP = new Map<string, string[]>();
          for (const key of alloc.holders()) {
            const h = alloc.holding(key);
            assert.ok(h);
            const p = pools.find((x) => x.name === h.pool);
            assert.ok(p, `${key} holds from a pool that no longer exists`);
            for (const ip of h.ips) {
              assert.ok(
                p.addresses.some(
                  (b) => b.family === ip.family && ip.value >= b.range.first && ip.value <= b.range.last,
                ),
                `${formatIP(ip)} not in ${p.name}`,
              );
              const k = formatIP(ip);
              byIP.set(k, [...(byIP.get(k) ?? []), key]);
            }
            assert.equal(new Set(h.ips.map((ip) => ip.family)).size, h.ips.length, 'one address per family');
          }
          for (const [ip, keys] of byIP) {
            for (let i = 0; i < keys.length; i++)
              for (let j = i + 1; j < keys.length; j++) {
                const a = latest.get(keys[i] as string);
                const b = latest.get(keys[j] as string);
                assert.ok(a && b);
                const traits = (x: ServiceInput) => ({
                  key: `${x.namespace}/${x.name}`,
                  sharingKey: x.sharingKey,
                  ports: x.ports,
                  externalTrafficPolicy: x.externalTrafficPolicy,
                  selector: x.selector,
                });
                assert.equal(
                  sharingRefusal(traits(a), traits(b)),
                  null,
                  `${ip} held by ${keys[i]} and ${keys[j]}`,
                );
              }
          }
          // Counters: distinct addresses held from each pool, per family.
          for (const p of pools) {
            const held = { IPv4: new Set<string>(), IPv6: new Set<string>() };
            for (const key of alloc.holders()) {
              const h = alloc.holding(key);
              if (h?.pool === p.name) for (const ip of h.ips) held[ip.family].add(formatIP(ip));
            }
            const c = alloc.poolCounters(p.name);
            assert.ok(c);
            assert.equal(Number(c.assignedIPv4), held.IPv4.size, `${p.name} IPv4 counter`);
            assert.equal(Number(c.assignedIPv6), held.IPv6.size, `${p.name} IPv6 counter`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
