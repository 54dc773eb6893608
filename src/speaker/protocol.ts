// The Protocol interface of the speaker (MetalLB's, reshaped for a native core that takes whole
// desired state): main computes the node's plan with the pure decision functions and hands it to
// every protocol; each protocol turns its part into the native object's desired state, and the
// native core applies only the difference. `shouldAnnounce` answers for one service, with the
// reason when not.

import type { NodePlan } from './node-plan.js';

export type ShouldAnnounce =
  { readonly announce: true } | { readonly announce: false; readonly reason: string };

export interface Protocol {
  readonly name: 'layer2' | 'bgp';
  /** This node's answer for one service (`namespace/name`) under the plan last applied. */
  shouldAnnounce(serviceKey: string): ShouldAnnounce;
  /** Makes the plan's part for this protocol the desired state of the native core. */
  apply(plan: NodePlan): void;
  /** Stops announcing everything, on the wire (Cease to BGP peers; L2 stops answering). */
  close(): Promise<void>;
}

/** Something went wrong applying desired state (reported, the speaker keeps going). */
export interface ProtocolProblem {
  readonly protocol: 'layer2' | 'bgp';
  readonly message: string;
}
