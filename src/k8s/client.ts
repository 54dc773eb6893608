// Connecting to the API server: an explicit kubeconfig file, else $KUBECONFIG, else the
// in-cluster service account (what a Pod uses).
import { existsSync } from 'node:fs';
import type { Agent } from 'node:http';
import { KubeConfig, type Cluster } from '@kubernetes/client-node';

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  const file = path ?? process.env.KUBECONFIG;
  if (file) {
    if (!existsSync(file)) throw new Error(`kubeconfig ${file} does not exist`);
    kc.loadFromFile(file);
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) throw new Error('no cluster in the Kubernetes configuration');
  return reuseConnections(kc);
}

type AgentFactory = (cluster: Cluster | null, options: Record<string, unknown>) => Agent;

/**
 * @kubernetes/client-node 1.x builds a new https.Agent for every request, so every API call
 * pays a TCP and TLS handshake (on both ends). Status writes for a thousand Services then cost
 * thousands of handshakes. This keeps one keep-alive agent per server and TLS material; auth
 * headers (tokens that rotate) are still applied per request by the library.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: AgentFactory };
  const create = target.createAgent.bind(kc);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const key = JSON.stringify([
      cluster?.server,
      cluster?.proxyUrl,
      options.ca,
      options.cert,
      options.key,
      options.rejectUnauthorized,
    ]);
    let agent = agents.get(key);
    if (!agent) {
      agent = create(cluster, { ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}
