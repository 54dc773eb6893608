// The metallb.io kinds and the core objects the configuration is built from, with the API
// version ferrolb watches each at (BGPPeer at its storage version, v1beta2).
export const METALLB_GROUP = 'metallb.io';

export interface ResourceRef {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export const CONFIG_RESOURCES: readonly ResourceRef[] = [
  { kind: 'IPAddressPool', group: METALLB_GROUP, version: 'v1beta1', plural: 'ipaddresspools' },
  { kind: 'L2Advertisement', group: METALLB_GROUP, version: 'v1beta1', plural: 'l2advertisements' },
  { kind: 'BGPAdvertisement', group: METALLB_GROUP, version: 'v1beta1', plural: 'bgpadvertisements' },
  { kind: 'BGPPeer', group: METALLB_GROUP, version: 'v1beta2', plural: 'bgppeers' },
  { kind: 'BFDProfile', group: METALLB_GROUP, version: 'v1beta1', plural: 'bfdprofiles' },
  { kind: 'Community', group: METALLB_GROUP, version: 'v1beta1', plural: 'communities' },
];

export const apiVersionOf = (r: ResourceRef) => (r.group === '' ? r.version : `${r.group}/${r.version}`);

export function namespacedPath(r: ResourceRef, namespace: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return `${base}/namespaces/${namespace}/${r.plural}`;
}
