// The bulk form of a node's layer 2 announcements for the native announcer: IPs that go on the
// same interfaces travel as one group, so ten thousand IPs cross into native code as a few
// arrays of strings rather than ten thousand objects.

import type { L2Announcement } from './decide.js';

export interface L2AnnouncementGroup {
  ips: string[];
  interfaces: string[];
}

/** Groups announcements by their interface set; groups and IPs keep the order of first use. */
export function groupByInterfaces(list: readonly L2Announcement[]): L2AnnouncementGroup[] {
  const groups = new Map<string, L2AnnouncementGroup>();
  for (const a of list) {
    const interfaces = [...a.interfaces].sort();
    const key = interfaces.join('\n');
    let g = groups.get(key);
    if (!g) {
      g = { ips: [], interfaces };
      groups.set(key, g);
    }
    g.ips.push(a.ip);
  }
  return [...groups.values()];
}

/** The announcements a list of groups stands for, sorted by IP text as decideLayer2 sorts them. */
export function ungroup(groups: readonly L2AnnouncementGroup[]): L2Announcement[] {
  return groups
    .flatMap((g) => g.ips.map((ip) => ({ ip, interfaces: [...g.interfaces].sort() })))
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}
