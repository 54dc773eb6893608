// IPAddressPool (metallb.io/v1beta1): addresses as CIDRs or start-end ranges of either family,
// autoAssign (default true), avoidBuggyIPs (default false), serviceAllocation.
import { checkKnownKeys, readBool, readInt, readObject, readStringList, type Issues } from '../fields.js';
import { formatCIDR, parseAddressRange, parseCIDR } from '../ip.js';
import { findOverlaps } from '../overlap.js';
import type { AddressBlock, RawObject, ServiceAllocation } from '../model.js';
import { selectors, specOf } from './common.js';

export interface PoolDraft {
  readonly addresses: AddressBlock[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  readonly serviceAllocation: ServiceAllocation | null;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parsePool(obj: RawObject, issues: Issues, warnings: Issues): PoolDraft {
  const spec = specOf(obj, issues, true);
  checkKnownKeys(spec, ['addresses', 'autoAssign', 'avoidBuggyIPs', 'serviceAllocation'], 'spec', issues);
  const addresses: AddressBlock[] = [];
  const texts = readStringList(spec, 'addresses', 'spec', issues);
  const rawAddresses = spec.addresses;
  if (texts === undefined || (Array.isArray(rawAddresses) && rawAddresses.length === 0)) {
    if (!issues.some((i) => i.field === 'spec.addresses'))
      issues.push({ field: 'spec.addresses', reason: 'pool has no prefixes defined' });
  }
  (texts ?? []).forEach((text, i) => {
    const field = `spec.addresses[${i}]`;
    let parsed = parseAddressRange(text);
    if (!parsed.ok && !text.includes('-') && text.includes('/')) {
      // Go's net.ParseCIDR (and so MetalLB) accepts host bits and uses the network: keep the
      // configuration working, but say what it really means.
      const loose = parseCIDR(text, { allowHostBits: true });
      if (loose.ok) {
        warnings.push({
          field,
          reason: `"${text}" has host bits set; the pool covers ${formatCIDR(loose.value)}`,
        });
        parsed = parseAddressRange(formatCIDR(loose.value));
      }
    }
    if (!parsed.ok) {
      issues.push({ field, reason: parsed.reason });
      return;
    }
    const { range, cidrs } = parsed.value;
    addresses.push({ text, family: range.family, range, cidrs });
  });

  for (const [item, prev] of findOverlaps(addresses.map((b, i) => ({ range: b.range, tag: { b, i } })))) {
    issues.push({
      field: `spec.addresses[${item.tag.i}]`,
      reason: `"${item.tag.b.text}" overlaps with "${prev.tag.b.text}" (spec.addresses[${prev.tag.i}]) in the same pool`,
    });
  }

  const autoAssign = readBool(spec, 'autoAssign', 'spec', issues) ?? true;
  const avoidBuggyIPs = readBool(spec, 'avoidBuggyIPs', 'spec', issues) ?? false;

  let serviceAllocation: ServiceAllocation | null = null;
  const sa = readObject(spec, 'serviceAllocation', 'spec', issues);
  if (sa) {
    const p = 'spec.serviceAllocation';
    checkKnownKeys(sa, ['priority', 'namespaces', 'namespaceSelectors', 'serviceSelectors'], p, issues);
    const priority = readInt(sa, 'priority', p, issues, -2147483648, 2147483647) ?? 0;
    const namespaces = readStringList(sa, 'namespaces', p, issues, 'namespaces') ?? [];
    namespaces.forEach((ns, i) => {
      if (!DNS_LABEL.test(ns) || ns.length > 63)
        issues.push({ field: `${p}.namespaces[${i}]`, reason: `invalid namespace name "${ns}"` });
    });
    serviceAllocation = {
      priority,
      namespaces,
      namespaceSelectors: selectors(sa, 'namespaceSelectors', p, issues),
      serviceSelectors: selectors(sa, 'serviceSelectors', p, issues),
    };
  }
  return { addresses, autoAssign, avoidBuggyIPs, serviceAllocation };
}
