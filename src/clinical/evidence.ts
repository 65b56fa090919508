/**
 * Evidence lists: what a card cites. One finding (resource and label) is
 * cited once, whichever rule found it.
 */
import type { Evidence } from './types';

export function dedupeEvidence(items: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of items) {
    const key = `${e.reference}|${e.label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
