/** Feature vectors as API data: each set bit with its BOLT 9 name. */
import { FEATURES, type FeatureDefinition, type FeatureVector } from '../wire';
import type { FeatureInfo } from './types';

/**
 * Unknown bits listed one by one; the rest are summed up in one last entry. A peer's `init` may
 * set ~262,000 odd bits (65 KB of 0xAA is valid), and every listing is sent to subscribers and
 * kept in the event history.
 */
export const MAX_UNKNOWN_FEATURE_INFOS = 64;

/**
 * Every set bit we know by its BOLT 9 name, unknown bits as `unknown_<bit>` up to
 * `maxUnknown`, then — if more are set — one entry named "… N more unknown bits" whose `bit` is
 * the highest of them (so it sorts last).
 */
export function featureInfos(features: FeatureVector, maxUnknown = MAX_UNKNOWN_FEATURE_INFOS): FeatureInfo[] {
  const out: FeatureInfo[] = [];
  const byBit = byEvenBit();
  // One pass over the binary digits (bit n is the n-th digit from the right): linear time, and
  // no array of every set bit.
  const binary = features.bitmask.toString(2);
  const isSet = (bit: number) => binary.charCodeAt(binary.length - 1 - bit) === 49; /* '1' */
  let setBits = 0;
  for (let i = 0; i < binary.length; i++) if (binary.charCodeAt(i) === 49) setBits++;
  const highestKnown = highestKnownBit();
  let unknownShown = 0;
  for (let bit = 0; bit < binary.length && (unknownShown < maxUnknown || bit <= highestKnown); bit++) {
    if (!isSet(bit)) continue;
    const def = byBit.get(bit - (bit % 2));
    if (def) {
      out.push({ bit, name: def.name, required: bit % 2 === 0 });
    } else if (unknownShown < maxUnknown) {
      unknownShown++;
      out.push({ bit, name: `unknown_${bit}`, required: bit % 2 === 0 });
    }
  }
  const omitted = setBits - out.length;
  if (omitted > 0) out.push({ bit: binary.length - 1, name: `… ${omitted} more unknown bits`, required: false });
  return out;
}

let byEvenBitCache: ReadonlyMap<number, FeatureDefinition> | undefined;

/** The BOLT 9 table by even bit (a lookup per set bit must not scan the table). */
function byEvenBit(): ReadonlyMap<number, FeatureDefinition> {
  byEvenBitCache ??= new Map(FEATURES.map((d) => [d.bit, d]));
  return byEvenBitCache;
}

/** The odd bit of the highest feature we know by name: past it, only unknown bits remain. */
function highestKnownBit(): number {
  let max = 0;
  for (const bit of byEvenBit().keys()) max = Math.max(max, bit + 1);
  return max;
}
