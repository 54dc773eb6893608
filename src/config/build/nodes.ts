// May two node selector lists apply to a common node? With Node objects at hand, compare the real
// node sets (as MetalLB does); otherwise ask whether any label set could satisfy both.
import type { Labels, LabelSelector } from '../model.js';
import { matchesAnySelector, selectorListsMayOverlap } from '../selector.js';

export function nodeSetsMayOverlap(
  a: readonly LabelSelector[],
  b: readonly LabelSelector[],
  nodes: readonly Labels[] | null,
): boolean {
  if (nodes === null) return selectorListsMayOverlap(a, b);
  return nodes.some((labels) => matchesAnySelector(a, labels) && matchesAnySelector(b, labels));
}
