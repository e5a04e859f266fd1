/** Feature vectors as API data: each set bit with its BOLT 9 name. */
import { featureByBit, type FeatureVector } from '../wire';
import type { FeatureInfo } from '../api';

export function featureInfos(features: FeatureVector): FeatureInfo[] {
  return features.bits().map((bit) => {
    const def = featureByBit(bit - (bit % 2));
    return { bit, name: def?.name ?? `unknown_${bit}`, required: bit % 2 === 0 };
  });
}
