import assert from 'node:assert/strict';
import { test } from 'node:test';

import { groupByInterfaces, ungroup } from '../../src/layer2/announcement-groups.js';
import type { L2Announcement } from '../../src/layer2/decide.js';

const cases: Array<{
  name: string;
  list: L2Announcement[];
  groups: { ips: string[]; interfaces: string[] }[];
}> = [
  { name: 'nothing', list: [], groups: [] },
  {
    name: 'one interface set',
    list: [
      { ip: '192.0.2.1', interfaces: ['eth0'] },
      { ip: '2001:db8::1', interfaces: ['eth0'] },
    ],
    groups: [{ ips: ['192.0.2.1', '2001:db8::1'], interfaces: ['eth0'] }],
  },
  {
    name: 'same set in another order is the same group',
    list: [
      { ip: '192.0.2.1', interfaces: ['eth1', 'eth0'] },
      { ip: '192.0.2.2', interfaces: ['eth0'] },
      { ip: '192.0.2.3', interfaces: ['eth0', 'eth1'] },
    ],
    groups: [
      { ips: ['192.0.2.1', '192.0.2.3'], interfaces: ['eth0', 'eth1'] },
      { ips: ['192.0.2.2'], interfaces: ['eth0'] },
    ],
  },
  {
    name: 'a name that contains another is not confused with it',
    list: [
      { ip: '192.0.2.1', interfaces: ['eth0', 'eth1'] },
      { ip: '192.0.2.2', interfaces: ['eth0eth1'] },
    ],
    groups: [
      { ips: ['192.0.2.1'], interfaces: ['eth0', 'eth1'] },
      { ips: ['192.0.2.2'], interfaces: ['eth0eth1'] },
    ],
  },
];

for (const c of cases) {
  test(`groupByInterfaces: ${c.name}`, () => {
    const groups = groupByInterfaces(c.list);
    assert.deepEqual(groups, c.groups);
    // Round trip: the groups stand for exactly the list (interfaces sorted, IPs sorted by text).
    const sorted = c.list
      .map((a) => ({ ip: a.ip, interfaces: [...a.interfaces].sort() }))
      .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    assert.deepEqual(ungroup(groups), sorted);
  });
}
