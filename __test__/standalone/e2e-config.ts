// The configuration of the standalone e2e lab: an L2 pool on the LAN, a BGP pool announced to the
// router with a community and LOCAL_PREF, three Nodes, and one Service in each pool.
import { ASN, ROUTER_IP, nodeName } from './lab.js';

const NS = 'metallb-system';
export const L2_IP = '10.77.0.200';
export const BGP_PREFIX = '198.51.100.0/32';

export function config(opts: { community: string; localPref: number; withServices?: boolean }): string {
  const nodes = [1, 2, 3]
    .map(
      (i) => `---
apiVersion: v1
kind: Node
metadata:
  name: ${nodeName(i)}
  labels: {kubernetes.io/hostname: ${nodeName(i)}}
`,
    )
    .join('');
  const services =
    opts.withServices === false
      ? ''
      : `---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: LoadBalancer
  ports: [{name: http, port: 80, protocol: TCP}]
  loadBalancerIP: ${L2_IP}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  type: LoadBalancer
  ports: [{name: https, port: 443, protocol: TCP}]
  loadBalancerIP: 198.51.100.0
`;
  return `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: ${NS}}
spec: {addresses: [10.77.0.200-10.77.0.210]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lan, namespace: ${NS}}
spec: {ipAddressPools: [lan]}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: public, namespace: ${NS}}
spec: {addresses: [198.51.100.0/28]}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: router, namespace: ${NS}}
spec: {myASN: ${ASN}, peerASN: ${ASN}, peerAddress: ${ROUTER_IP}}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: public, namespace: ${NS}}
spec:
  ipAddressPools: [public]
  communities: ["${opts.community}"]
  localPref: ${opts.localPref}
${nodes}${services}`;
}
