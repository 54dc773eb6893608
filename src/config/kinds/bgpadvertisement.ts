// BGPAdvertisement (metallb.io/v1beta1). Communities are resolved later (aliases need the
// Community objects); here they are kept as written.
import { checkKnownKeys, readInt, readStringList, type Issues } from '../fields.js';
import type { LabelSelector, RawObject } from '../model.js';
import { selectors, specOf } from './common.js';

export interface BGPAdvDraft {
  readonly aggregationLength: number;
  readonly aggregationLengthV6: number;
  readonly localPref: number | null;
  readonly communities: string[];
  readonly ipAddressPools: string[];
  readonly ipAddressPoolSelectors: LabelSelector[];
  readonly nodeSelectors: LabelSelector[];
  readonly peers: string[];
  readonly serviceSelectors: LabelSelector[];
}

export function parseBGPAdvertisement(obj: RawObject, issues: Issues): BGPAdvDraft {
  const spec = specOf(obj, issues, false);
  checkKnownKeys(
    spec,
    [
      'aggregationLength',
      'aggregationLengthV6',
      'localPref',
      'communities',
      'ipAddressPools',
      'ipAddressPoolSelectors',
      'nodeSelectors',
      'peers',
      'serviceSelectors',
    ],
    'spec',
    issues,
  );
  const aggregationLength = readInt(spec, 'aggregationLength', 'spec', issues, 1, 32);
  const aggregationLengthV6 = readInt(spec, 'aggregationLengthV6', 'spec', issues, 0, 128);
  const serviceSelectors = selectors(spec, 'serviceSelectors', 'spec', issues);
  if (serviceSelectors.length > 0) {
    // A selected service may not share its aggregated prefix with unselected ones.
    if (aggregationLength !== undefined && aggregationLength !== 32)
      issues.push({
        field: 'spec.aggregationLength',
        reason: 'serviceSelectors and aggregationLength are mutually exclusive, both cannot be set',
      });
    if (aggregationLengthV6 !== undefined && aggregationLengthV6 !== 128)
      issues.push({
        field: 'spec.aggregationLengthV6',
        reason: 'serviceSelectors and aggregationLengthV6 are mutually exclusive, both cannot be set',
      });
  }
  const localPref = readInt(spec, 'localPref', 'spec', issues, 0, 4294967295);
  return {
    aggregationLength: aggregationLength ?? 32,
    aggregationLengthV6: aggregationLengthV6 ?? 128,
    // MetalLB's 0 means "not set" (the field is omitempty).
    localPref: localPref === undefined || localPref === 0 ? null : localPref,
    communities: readStringList(spec, 'communities', 'spec', issues, 'community') ?? [],
    ipAddressPools: readStringList(spec, 'ipAddressPools', 'spec', issues, 'ipAddressPools') ?? [],
    ipAddressPoolSelectors: selectors(spec, 'ipAddressPoolSelectors', 'spec', issues),
    nodeSelectors: selectors(spec, 'nodeSelectors', 'spec', issues),
    peers: readStringList(spec, 'peers', 'spec', issues, 'peers') ?? [],
    serviceSelectors,
  };
}
