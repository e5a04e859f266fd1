/**
 * Feature vectors (BOLT 9, and BOLT 1 "The init Message"). Bits are numbered from the least
 * significant bit of the last byte: bit 0 is `0x01` of the final byte. An even bit means the
 * feature is required, the odd bit next to it that it is supported (optional).
 *
 * FeatureVector is immutable: every "with…" method returns a new vector.
 *
 *   const ours = FeatureVector.fromFeatures({ var_onion_optin: 'required', option_onion_messages: 'optional' });
 *   ours.encode()                       // minimal big-endian bytes
 *   theirs.unknownRequiredBits()        // [] or the even bits we must refuse (BOLT 1)
 */
import { fromHex, toHex } from '../crypto';
import { WireError } from './errors';
import { FEATURES, featureByBit, featureByName } from './feature-table';
import type { FeatureContext, FeatureDefinition } from './feature-table';

/** `required` = the even bit, `optional` = the odd bit. */
export type FeatureState = 'required' | 'optional';

/** A feature that is set while one it depends on is not. */
export interface MissingDependency {
  readonly feature: string;
  readonly missing: string;
}

function checkBit(bit: number): void {
  if (!Number.isInteger(bit) || bit < 0 || bit > 0xffff * 8) {
    throw new WireError('wire.bad_value', `feature bit ${bit} is not a valid bit number`);
  }
}

export class FeatureVector {
  /** The vector as a number: feature bit n is bit n of this bigint. */
  readonly bitmask: bigint;

  private constructor(bitmask: bigint) {
    this.bitmask = bitmask;
    Object.freeze(this);
  }

  static readonly EMPTY: FeatureVector = new FeatureVector(0n);

  static fromBitmask(bitmask: bigint): FeatureVector {
    if (typeof bitmask !== 'bigint' || bitmask < 0n) throw new WireError('wire.bad_value', 'feature bitmask must be a non-negative bigint');
    return new FeatureVector(bitmask);
  }

  static fromBits(bits: Iterable<number>): FeatureVector {
    let mask = 0n;
    for (const b of bits) {
      checkBit(b);
      mask |= 1n << BigInt(b);
    }
    return new FeatureVector(mask);
  }

  /** Builds a vector from feature names (throws `wire.bad_value` for a name not in `table`). */
  static fromFeatures(
    features: Readonly<Record<string, FeatureState>>,
    table: readonly FeatureDefinition[] = FEATURES,
  ): FeatureVector {
    let v = FeatureVector.EMPTY;
    for (const [name, state] of Object.entries(features)) v = v.withFeature(name, state, table);
    return v;
  }

  /**
   * Decodes a feature bitmap (BOLT 1: big-endian, "padded to bytes with 0s"). Leading zero bytes
   * are accepted (senders only SHOULD use the minimum length). Never throws.
   */
  static decode(bytes: Uint8Array): FeatureVector {
    // Through hex: linear time even for a 65535-byte field (a byte-by-byte shift would be quadratic).
    return new FeatureVector(bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes)));
  }

  /** BOLT 1 init: "MUST combine (bitwise OR) the two feature bitmaps into one logical features map". */
  static mergeInit(globalFeatures: FeatureVector, features: FeatureVector): FeatureVector {
    return globalFeatures.union(features);
  }

  /** Minimal big-endian encoding (BOLT 1 / BOLT 7: "SHOULD use the minimum length"). */
  encode(): Uint8Array {
    if (this.bitmask === 0n) return new Uint8Array(0);
    const hex = this.bitmask.toString(16);
    return fromHex(hex.length % 2 === 0 ? hex : '0' + hex);
  }

  get isEmpty(): boolean {
    return this.bitmask === 0n;
  }

  hasBit(bit: number): boolean {
    checkBit(bit);
    return ((this.bitmask >> BigInt(bit)) & 1n) === 1n;
  }

  /** Every set bit, ascending. */
  bits(): number[] {
    const out: number[] = [];
    if (this.bitmask === 0n) return out;
    const binary = this.bitmask.toString(2); // linear time, unlike repeated shifts
    for (let i = 0; i < binary.length; i++) if (binary.charCodeAt(binary.length - 1 - i) === 49 /* '1' */) out.push(i);
    return out;
  }

  withBit(bit: number): FeatureVector {
    checkBit(bit);
    return new FeatureVector(this.bitmask | (1n << BigInt(bit)));
  }

  withoutBit(bit: number): FeatureVector {
    checkBit(bit);
    return new FeatureVector(this.bitmask & ~(1n << BigInt(bit)));
  }

  union(other: FeatureVector): FeatureVector {
    return new FeatureVector(this.bitmask | other.bitmask);
  }

  equals(other: FeatureVector): boolean {
    return this.bitmask === other.bitmask;
  }

  /** True when either bit of the feature is set. */
  has(feature: string | FeatureDefinition, table: readonly FeatureDefinition[] = FEATURES): boolean {
    return this.state(feature, table) !== undefined;
  }

  /** BOLT 9: "if both the optional and the mandatory feature bits in a pair are set, the feature should be treated as mandatory". */
  isRequired(feature: string | FeatureDefinition, table: readonly FeatureDefinition[] = FEATURES): boolean {
    return this.state(feature, table) === 'required';
  }

  /** Only the odd (optional) bit is set. */
  isOptional(feature: string | FeatureDefinition, table: readonly FeatureDefinition[] = FEATURES): boolean {
    return this.state(feature, table) === 'optional';
  }

  state(feature: string | FeatureDefinition, table: readonly FeatureDefinition[] = FEATURES): FeatureState | undefined {
    const d = resolve(feature, table);
    if (this.hasBit(d.bit)) return 'required';
    if (this.hasBit(d.bit + 1)) return 'optional';
    return undefined;
  }

  /** Sets the feature's even (required) or odd (optional) bit and clears the other one. */
  withFeature(feature: string | FeatureDefinition, state: FeatureState, table: readonly FeatureDefinition[] = FEATURES): FeatureVector {
    const d = resolve(feature, table);
    if (state !== 'required' && state !== 'optional') throw new WireError('wire.bad_value', `feature state must be required or optional`);
    const cleared = this.withoutBit(d.bit).withoutBit(d.bit + 1);
    return cleared.withBit(state === 'required' ? d.bit : d.bit + 1);
  }

  withoutFeature(feature: string | FeatureDefinition, table: readonly FeatureDefinition[] = FEATURES): FeatureVector {
    const d = resolve(feature, table);
    return this.withoutBit(d.bit).withoutBit(d.bit + 1);
  }

  /**
   * Names of the set features, in bit order. A known feature is listed once whichever of its
   * bits are set; every set bit of an unknown feature is listed as `unknown_N`.
   */
  names(table: readonly FeatureDefinition[] = FEATURES): string[] {
    const out: string[] = [];
    for (const bit of this.bits()) {
      const d = featureByBit(bit, table);
      if (!d) out.push(`unknown_${bit}`);
      else if (!out.includes(d.name)) out.push(d.name);
    }
    return out;
  }

  /**
   * BOLT 1 init: "upon receiving unknown even feature bits that are non-zero: MUST close the
   * connection". Returns the even bits set here whose feature is not in `known` (pass the table
   * of features this node implements). Unknown odd bits are ignored, as BOLT 1 requires.
   */
  unknownRequiredBits(known: readonly FeatureDefinition[] = FEATURES): number[] {
    // One pass over the binary digits and a Set: a peer's init may set ~262,000 bits.
    const knownBits = new Set(known.map((d) => d.bit));
    const binary = this.bitmask.toString(2);
    const out: number[] = [];
    for (let bit = 0; bit < binary.length; bit += 2) {
      if (binary.charCodeAt(binary.length - 1 - bit) === 49 /* '1' */ && !knownBits.has(bit)) out.push(bit);
    }
    return out;
  }

  /**
   * BOLT 9 "MUST set all transitive feature dependencies" / BOLT 1 "if the feature vector does
   * not set all known, transitive dependencies: MUST close the connection". Checking every set
   * feature's direct dependencies covers the transitive ones. A dependency on an ASSUMED feature
   * counts as met unless `assumedAreSet` is false (BOLT 9 says those can be safely ignored).
   */
  missingDependencies(table: readonly FeatureDefinition[] = FEATURES, assumedAreSet = true): MissingDependency[] {
    const out: MissingDependency[] = [];
    for (const d of table) {
      if (!this.has(d, table)) continue;
      for (const depName of d.dependencies) {
        const dep = featureByName(depName, table);
        if (dep && assumedAreSet && dep.assumed) continue;
        if (!dep || !this.has(dep, table)) out.push({ feature: d.name, missing: depName });
      }
    }
    return out;
  }

  /** Throws WireError `wire.missing_dependency` naming the first missing dependency. */
  assertDependencies(table: readonly FeatureDefinition[] = FEATURES, assumedAreSet = true): void {
    const missing = this.missingDependencies(table, assumedAreSet);
    if (missing.length > 0) {
      const m = missing[0]!;
      throw new WireError('wire.missing_dependency', `feature ${m.feature} is set without ${m.missing}`, { missing });
    }
  }

  /**
   * BOLT 9 "MUST NOT set feature bits in fields not specified by the table above": the known,
   * non-ASSUMED features set here whose context column does not include `context`.
   */
  misplacedFeatures(context: FeatureContext, table: readonly FeatureDefinition[] = FEATURES): string[] {
    return table
      .filter((d) => !d.assumed && this.has(d, table))
      .filter((d) => !d.contexts.some((c) => c === context || c.startsWith(context)))
      .map((d) => d.name);
  }

  toString(): string {
    return this.names().join(',') || '(none)';
  }
}

function resolve(feature: string | FeatureDefinition, table: readonly FeatureDefinition[]): FeatureDefinition {
  if (typeof feature !== 'string') return feature;
  const d = featureByName(feature, table);
  if (!d) throw new WireError('wire.bad_value', `unknown feature name "${feature}"`);
  return d;
}
