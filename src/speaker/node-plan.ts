// The whole desired state of one speaker, as a pure function of what it knows: the layer 2
// announcements (election + interfaces) and the BGP peers and route groups. Both the running
// speaker and `standalone --dry-run` compute exactly this, so a dry run shows what the speaker
// would do.

import { decideBgp, type BgpPlan } from '../bgp/route-groups.js';
import type { Config } from '../config/model.js';
import type { AnnounceService, NodeInfo } from '../layer2/announce-inputs.js';
import { decideLayer2, type L2Plan } from '../layer2/decide.js';
import type { HostInterface } from '../layer2/interfaces.js';

export interface SpeakerInputs {
  readonly config: Config;
  /** Services holding addresses. */
  readonly services: readonly AnnounceService[];
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  /** Live speakers (speakerlist); null = every known Node counts as live. */
  readonly liveMembers: ReadonlySet<string> | null;
}

export interface HostView {
  readonly interfaces: readonly HostInterface[];
  /** Compiled interface exclusion patterns; undefined = the defaults. */
  readonly exclude?: readonly RegExp[];
}

export interface NodePlan {
  readonly layer2: L2Plan;
  readonly bgp: BgpPlan;
}

export interface PlanOptions {
  readonly ignoreExcludeLB: boolean;
}

export function planNode(
  nodeName: string,
  inputs: SpeakerInputs,
  host: HostView,
  opts: PlanOptions,
): NodePlan {
  const layer2 = decideLayer2(
    nodeName,
    inputs.services,
    {
      nodes: inputs.nodes,
      liveMembers: inputs.liveMembers,
      advertisements: inputs.config.l2Advertisements,
      ignoreExcludeLB: opts.ignoreExcludeLB,
    },
    { interfaces: host.interfaces, ...(host.exclude ? { exclude: host.exclude } : {}) },
  );
  const bgp = decideBgp(nodeName, inputs.services, inputs.config, inputs.nodes, opts);
  return { layer2, bgp };
}
