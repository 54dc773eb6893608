// `ferrolb standalone --dry-run`: the plan of one node as JSON, computed by the same functions
// the running speaker uses. Without speakerlist the live members are the Nodes of the files
// (or just this node when the files have none).

import { formatIP } from '../config/ip.js';
import { planNode, type HostView, type PlanOptions } from '../speaker/node-plan.js';
import { announceReport, type AnnounceReport } from '../speaker/service-report.js';
import type { ClusterView } from './cluster.js';

export interface DryRunService {
  namespace: string;
  name: string;
  ips: string[];
  pool: string | null;
  error: string | null;
  /** Present when the Service is not ours to serve (not a LoadBalancer, other class). */
  ignored?: string;
  announce: AnnounceReport;
}

export interface DryRunResult {
  services: DryRunService[];
}

export function dryRun(view: ClusterView, nodeName: string, host: HostView, opts: PlanOptions): DryRunResult {
  const announced = view.services.flatMap((s) => (s.announce ? [s.announce] : []));
  const plan = planNode(
    nodeName,
    { config: view.config, services: announced, nodes: view.nodes, liveMembers: new Set(view.nodes.keys()) },
    host,
    opts,
  );
  return {
    services: view.services.map((s) => {
      const out: DryRunService = {
        namespace: s.namespace,
        name: s.name,
        ips: s.ips.map(formatIP),
        pool: s.pool,
        error: s.error,
        announce: s.announce ? announceReport(s.announce, view.config, plan) : {},
      };
      if (s.ignored !== null) out.ignored = s.ignored;
      return out;
    }),
  };
}
