// The layer 2 Protocol: the node's L2 announcements go to the native L2Announcer as one desired
// set (grouped by interfaces, the bulk form); the announcer sends gratuitous ARP / unsolicited NA for what is new and stops answering
// for what left.

import { groupByInterfaces } from '../layer2/announcement-groups.js';
import type { L2Announcement, L2Announcer } from '../native/addon.js';
import type { NodePlan } from './node-plan.js';
import type { Protocol, ProtocolProblem, ShouldAnnounce } from './protocol.js';

/** The part of the native L2Announcer the controller uses (tests may pass a fake). */
export type L2Port = Pick<L2Announcer, 'setAnnouncementGroups' | 'close'>;

export class Layer2Controller implements Protocol {
  readonly name = 'layer2' as const;
  private plan: NodePlan | null = null;
  private lastKey = '';
  private closed = false;

  constructor(
    private readonly announcer: L2Port,
    private readonly onProblem: (p: ProtocolProblem) => void = () => {},
  ) {}

  shouldAnnounce(serviceKey: string): ShouldAnnounce {
    const out = this.plan?.layer2.services.get(serviceKey);
    if (!out) return { announce: false, reason: 'unknownService' };
    if (!out.decision.announce) return { announce: false, reason: out.decision.reason };
    return out.ips.length > 0 ? { announce: true } : { announce: false, reason: 'noInterfaces' };
  }

  apply(plan: NodePlan): void {
    if (this.closed) return;
    this.plan = plan;
    const list: L2Announcement[] = plan.layer2.announcements.map((a) => ({
      ip: a.ip,
      interfaces: [...a.interfaces],
    }));
    const key = JSON.stringify(list);
    if (key === this.lastKey) return;
    try {
      this.announcer.setAnnouncementGroups(groupByInterfaces(list));
      this.lastKey = key;
    } catch (e) {
      // All-or-nothing on the native side: nothing changed; retried on the next recompute.
      this.lastKey = '';
      this.onProblem({ protocol: 'layer2', message: (e as Error).message });
    }
  }

  /** The announcements handed over last (what the native core is doing). */
  current(): L2Announcement[] {
    return this.lastKey === '' ? [] : (JSON.parse(this.lastKey) as L2Announcement[]);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    try {
      this.announcer.close();
    } catch (e) {
      this.onProblem({ protocol: 'layer2', message: (e as Error).message });
    }
    return Promise.resolve();
  }
}
