/**
 * BOLT 2 "Defined Channel Types" as `channel_type` feature bitmaps (BOLT 9 context T): the basic types
 * `option_static_remotekey` (bit 12) and `option_anchors` + `option_static_remotekey` (bits 22 and 12),
 * each with the variations `option_scid_alias` (bit 46) and `option_zeroconf` (bit 50). A channel_type is
 * an explicit enumeration, not a free combination: anything else is not a defined type.
 */
import { FeatureVector } from '../../wire';
import type { ChannelType } from '../scripts';

const STATIC_REMOTEKEY = 12;
const ANCHORS = 22;
const SCID_ALIAS = 46;
const ZEROCONF = 50;

export interface ChannelTypeSpec {
  /** The basic type: what the commitment transactions look like. */
  readonly base: ChannelType;
  /** `option_scid_alias`: only aliases in route hints, never the real short_channel_id. */
  readonly scidAlias: boolean;
  /** `option_zeroconf`: usable before the funding transaction confirms. */
  readonly zeroconf: boolean;
}

/** The channel_type bitmap ("MUST use the smallest bitmap possible": FeatureVector encodes minimally). */
export function channelTypeFeatures(t: ChannelTypeSpec): FeatureVector {
  const bits = [STATIC_REMOTEKEY];
  if (t.base === 'anchors') bits.push(ANCHORS);
  if (t.scidAlias) bits.push(SCID_ALIAS);
  if (t.zeroconf) bits.push(ZEROCONF);
  return FeatureVector.fromBits(bits);
}

/** The defined type a bitmap names, or null when it names none (unknown bits, odd bits, a missing base). */
export function parseChannelType(v: FeatureVector): ChannelTypeSpec | null {
  const bits = new Set(v.bits());
  if (!bits.has(STATIC_REMOTEKEY)) return null;
  for (const b of bits) if (b !== STATIC_REMOTEKEY && b !== ANCHORS && b !== SCID_ALIAS && b !== ZEROCONF) return null;
  return { base: bits.has(ANCHORS) ? 'anchors' : 'static_remotekey', scidAlias: bits.has(SCID_ALIAS), zeroconf: bits.has(ZEROCONF) };
}

export function sameChannelType(a: ChannelTypeSpec, b: ChannelTypeSpec): boolean {
  return a.base === b.base && a.scidAlias === b.scidAlias && a.zeroconf === b.zeroconf;
}

/** A feature both sides set in `init` (either bit): "negotiated". ASSUMED features count as set. */
export function negotiated(local: FeatureVector, remote: FeatureVector, name: string): boolean {
  if (name === 'option_static_remotekey') return true; // BOLT 9: ASSUMED
  return local.has(name) && remote.has(name);
}

export function describeChannelType(t: ChannelTypeSpec): string {
  return [t.base === 'anchors' ? 'anchors' : 'static_remotekey', ...(t.scidAlias ? ['scid_alias'] : []), ...(t.zeroconf ? ['zeroconf'] : [])].join('+');
}
