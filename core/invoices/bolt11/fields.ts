/**
 * BOLT 11 tagged fields: `type` (5 bits), `data_length` (10 bits, big-endian), `data`
 * (`data_length` × 5 bits). One codec per defined type turns the data words into a typed value
 * and back; the types table is the one place their numbers live.
 */
import { assertBytes, isValidPublicKey, utf8 } from '../../crypto';
import { FeatureVector } from '../../wire';
import { Bolt11ParseError, Bolt11SemanticError } from './errors';
import type { Bolt11Fallback } from './fallback';
import { assertValidFallback, isKnownFallbackVersion } from './fallback';
import { CHARSET, bitmaskToWords, bytesToWords, uintToWords, wordsToBitmask, wordsToBytes, wordsToUint } from './words';

/** BOLT 11 "Tagged Fields": the type number of each letter. */
export const FIELD_TYPES = {
  p: 1,
  s: 16,
  d: 13,
  m: 27,
  n: 19,
  h: 23,
  x: 6,
  c: 24,
  f: 9,
  r: 3,
  '9': 5,
} as const;
export type FieldTag = keyof typeof FIELD_TYPES;

/** "the maximum length of a Tagged Field's data is ... 1023 x 5 bits, or 639 bytes". */
export const MAX_DATA_LENGTH = 1023;

/** Fixed `data_length`s: "p (52), h (52), s (52), n (53)". */
export const FIXED_DATA_LENGTHS: Readonly<Partial<Record<FieldTag, number>>> = { p: 52, s: 52, h: 52, n: 53 };

/** BOLT 11 `r` field entry (one hop of a private route), fields as in BOLT 7 `channel_update`. */
export interface RouteHintHop {
  /** `pubkey`: the node id of the start of the channel. */
  readonly pubkey: Uint8Array;
  /** `short_channel_id`. */
  readonly shortChannelId: bigint;
  /** `fee_base_msat` (u32). */
  readonly feeBaseMsat: number;
  /** `fee_proportional_millionths` (u32). */
  readonly feeProportionalMillionths: number;
  /** `cltv_expiry_delta` (u16). */
  readonly cltvExpiryDelta: number;
}

/** Bytes of one `r` entry: pubkey 33, short_channel_id 8, fee_base_msat 4, fee_proportional_millionths 4, cltv_expiry_delta 2. */
export const ROUTE_HINT_HOP_LENGTH = 51;

/** Why a field was skipped rather than read. */
export type SkipReason =
  /** Reader: an unknown field type ("it's OK to be odd" does not apply: every unknown type is skipped). */
  | 'unknown_field'
  /** Reader: "MUST skip over f fields that use an unknown version". */
  | 'unknown_fallback_version'
  /** Only with `fixedLengthFields: 'skip'` (the pre-2025 rule): p, h, s or n of another length. */
  | 'wrong_length';

/** One tagged field, in string order. The reader uses the first of each single-valued kind. */
export type Bolt11Field =
  | { readonly tag: 'p'; /** `payment_hash` */ readonly paymentHash: Uint8Array }
  | { readonly tag: 's'; /** `payment_secret` */ readonly paymentSecret: Uint8Array }
  | { readonly tag: 'd'; /** short description (UTF-8) */ readonly description: string }
  | { readonly tag: 'm'; /** `payment_metadata` */ readonly metadata: Uint8Array }
  | { readonly tag: 'n'; /** public key of the payee node */ readonly payeeNodeId: Uint8Array }
  | { readonly tag: 'h'; /** SHA256 of the description */ readonly descriptionHash: Uint8Array }
  | { readonly tag: 'x'; /** `expiry` in seconds */ readonly expirySeconds: number }
  | { readonly tag: 'c'; /** `min_final_cltv_expiry_delta` */ readonly minFinalCltvExpiryDelta: number }
  | { readonly tag: 'f'; /** fallback on-chain address */ readonly fallback: Bolt11Fallback }
  | { readonly tag: 'r'; /** one private route, in forward order */ readonly route: readonly RouteHintHop[] }
  | { readonly tag: '9'; /** features for receiving this payment */ readonly features: FeatureVector }
  | { readonly tag: 'skipped'; readonly type: number; readonly words: Uint8Array; readonly reason: SkipReason };

const TAG_OF_TYPE: ReadonlyMap<number, FieldTag> = new Map(Object.entries(FIELD_TYPES).map(([tag, type]) => [type, tag as FieldTag]));

/** The letter a type number is written as (the bech32 character of its value). */
export function tagLetter(type: number): string {
  return CHARSET[type] ?? '?';
}

export interface FieldReadOptions {
  /** See DecodeOptions.fixedLengthFields. */
  readonly fixedLengthFields: 'fail' | 'skip';
}

/** Reads one field's data words (its type and data_length already split off). Throws Bolt11ParseError. */
export function readField(type: number, words: Uint8Array, opts: FieldReadOptions): Bolt11Field {
  const tag = TAG_OF_TYPE.get(type);
  // Unknown types carry nothing we act on: kept as they are, in place.
  if (tag === undefined) return { tag: 'skipped', type, words, reason: 'unknown_field' };
  const fixed = FIXED_DATA_LENGTHS[tag];
  if (fixed !== undefined && words.length !== fixed) {
    if (opts.fixedLengthFields === 'skip') return { tag: 'skipped', type, words, reason: 'wrong_length' };
    // Reader: "MUST fail the payment if any field with fixed data_length (p, h, s, n) does not
    // have the correct length (52, 52, 52, 53)."
    throw new Bolt11ParseError('bolt11.bad_field_length', `${tag} field: data_length ${words.length} (expected ${fixed})`, { tag, dataLength: words.length });
  }
  switch (tag) {
    case 'p':
      return { tag, paymentHash: wordsToBytes(words, 'p field') };
    case 's':
      return { tag, paymentSecret: wordsToBytes(words, 's field') };
    case 'h':
      return { tag, descriptionHash: wordsToBytes(words, 'h field') };
    case 'n': {
      const key = wordsToBytes(words, 'n field');
      if (!isValidPublicKey(key)) throw new Bolt11ParseError('bolt11.invalid_node_id');
      return { tag, payeeNodeId: key };
    }
    case 'd': {
      const bytes = wordsToBytes(words, 'd field');
      try {
        return { tag, description: utf8.decode(bytes, 'd field') };
      } catch {
        throw new Bolt11ParseError('bolt11.invalid_description');
      }
    }
    case 'm':
      return { tag, metadata: wordsToBytes(words, 'm field') };
    case 'x':
      // Reader: "if a c, x, or 9 field is provided which has a non-minimal data_length (i.e.
      // begins with 0 field elements): SHOULD treat the invoice as invalid."
      assertMinimal(words, 'x');
      return { tag, expirySeconds: wordsToUint(words, 'x field') };
    case 'c':
      assertMinimal(words, 'c');
      return { tag, minFinalCltvExpiryDelta: wordsToUint(words, 'c field') };
    case '9':
      assertMinimal(words, '9');
      return { tag, features: FeatureVector.fromBitmask(wordsToBitmask(words)) };
    case 'f':
      return readFallback(type, words);
    case 'r':
      return { tag, route: readRoute(words) };
  }
}

function assertMinimal(words: Uint8Array, tag: string): void {
  if (words.length > 0 && words[0] === 0) throw new Bolt11ParseError('bolt11.non_minimal_field', `${tag} field begins with a 0 field element`, { tag });
}

function readFallback(type: number, words: Uint8Array): Bolt11Field {
  if (words.length === 0) throw new Bolt11ParseError('bolt11.invalid_fallback', 'f field: empty');
  const version = words[0]!;
  // Reader: "MUST skip over f fields that use an unknown version."
  if (!isKnownFallbackVersion(version)) return { tag: 'skipped', type, words, reason: 'unknown_fallback_version' };
  const fallback = { version, program: wordsToBytes(words.subarray(1), 'f field') };
  assertValidFallback(fallback);
  return { tag: 'f', fallback };
}

function readRoute(words: Uint8Array): RouteHintHop[] {
  const bytes = wordsToBytes(words, 'r field');
  // "r field MUST contain one or more ordered entries".
  if (bytes.length === 0 || bytes.length % ROUTE_HINT_HOP_LENGTH !== 0) {
    throw new Bolt11ParseError('bolt11.invalid_route_hint', `r field: ${bytes.length} bytes is not a whole number of ${ROUTE_HINT_HOP_LENGTH}-byte entries`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hops: RouteHintHop[] = [];
  for (let at = 0; at < bytes.length; at += ROUTE_HINT_HOP_LENGTH) {
    const pubkey = bytes.slice(at, at + 33);
    if (!isValidPublicKey(pubkey)) throw new Bolt11ParseError('bolt11.invalid_route_hint', `r field: entry ${hops.length} has an invalid pubkey`);
    hops.push({
      pubkey,
      shortChannelId: view.getBigUint64(at + 33),
      feeBaseMsat: view.getUint32(at + 41),
      feeProportionalMillionths: view.getUint32(at + 45),
      cltvExpiryDelta: view.getUint16(at + 49),
    });
  }
  return hops;
}

// ---------------------------------------------------------------------------------------------
// Writing

const invalid = (message: string) => new Bolt11SemanticError('bolt11.writer.invalid_parameter', message);

function fixedBytes(bytes: Uint8Array, length: number, name: string): Uint8Array {
  try {
    assertBytes(bytes, length, name);
  } catch {
    throw invalid(`${name} must be ${length} bytes`);
  }
  return bytesToWords(bytes);
}

function uint(v: number, name: string, max = Number.MAX_SAFE_INTEGER): Uint8Array {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw invalid(`${name} must be an integer in 0..${max}`);
  // Writer: "MUST use the minimum data_length possible, i.e. no leading 0 field-elements."
  return uintToWords(v);
}

/** The type number and data words of a field. Throws `bolt11.writer.*` for values no reader would accept. */
export function writeField(field: Bolt11Field): { type: number; words: Uint8Array } {
  const words = fieldWords(field);
  // "the maximum length of a Tagged Field's data is constricted by the maximum value of data_length".
  if (words.length > MAX_DATA_LENGTH) {
    throw new Bolt11SemanticError('bolt11.writer.field_too_long', `${field.tag === 'skipped' ? tagLetter(field.type) : field.tag} field: ${words.length} 5-bit groups (at most ${MAX_DATA_LENGTH})`);
  }
  return { type: field.tag === 'skipped' ? field.type : FIELD_TYPES[field.tag], words };
}

function fieldWords(field: Bolt11Field): Uint8Array {
  switch (field.tag) {
    case 'p':
      return fixedBytes(field.paymentHash, 32, 'payment_hash');
    case 's':
      return fixedBytes(field.paymentSecret, 32, 'payment_secret');
    case 'h':
      return fixedBytes(field.descriptionHash, 32, 'description_hash');
    case 'n':
      if (!isValidPublicKey(field.payeeNodeId)) throw invalid('the n field must be a 33-byte public key');
      return bytesToWords(field.payeeNodeId);
    case 'd':
      // Writer: "MUST set d to a valid UTF-8 string": a lone surrogate has no UTF-8 form.
      if (typeof field.description !== 'string' || /[\uD800-\uDFFF]/u.test(field.description)) {
        throw invalid('description must be a string of whole Unicode characters');
      }
      return bytesToWords(utf8.encode(field.description));
    case 'm':
      if (!(field.metadata instanceof Uint8Array)) throw invalid('metadata must be bytes');
      return bytesToWords(field.metadata);
    case 'x':
      return uint(field.expirySeconds, 'expiry');
    case 'c':
      return uint(field.minFinalCltvExpiryDelta, 'min_final_cltv_expiry_delta');
    case '9':
      // Writer: "if 9 contains non-zero bits: MUST use the minimum data_length possible to
      // encode the non-zero bits with no 0 field-elements at the start."
      return bitmaskToWords(field.features.bitmask);
    case 'f': {
      const f = field.fallback;
      if (!isKnownFallbackVersion(f.version)) throw invalid(`fallback version ${f.version} is not 0..18`);
      try {
        assertValidFallback(f);
      } catch (e) {
        throw invalid((e as Error).message);
      }
      const out = new Uint8Array(1 + Math.ceil((f.program.length * 8) / 5));
      out[0] = f.version;
      out.set(bytesToWords(f.program), 1);
      return out;
    }
    case 'r':
      return bytesToWords(writeRoute(field.route));
    case 'skipped':
      if (!Number.isInteger(field.type) || field.type < 0 || field.type > 31) throw invalid('a field type is 0..31');
      if (field.words.some((w) => w > 31)) throw invalid('field words are 0..31');
      return field.words;
  }
}

function writeRoute(route: readonly RouteHintHop[]): Uint8Array {
  if (route.length === 0) throw invalid('a route hint needs one or more entries');
  const bytes = new Uint8Array(route.length * ROUTE_HINT_HOP_LENGTH);
  const view = new DataView(bytes.buffer);
  route.forEach((hop, i) => {
    const at = i * ROUTE_HINT_HOP_LENGTH;
    if (!isValidPublicKey(hop.pubkey)) throw invalid(`route hint entry ${i}: pubkey is not a public key`);
    const inRange = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
    if (typeof hop.shortChannelId !== 'bigint' || hop.shortChannelId < 0n || hop.shortChannelId > 0xffffffffffffffffn) {
      throw invalid(`route hint entry ${i}: short_channel_id must be a u64`);
    }
    if (!inRange(hop.feeBaseMsat, 0xffffffff) || !inRange(hop.feeProportionalMillionths, 0xffffffff) || !inRange(hop.cltvExpiryDelta, 0xffff)) {
      throw invalid(`route hint entry ${i}: fees are u32 and cltv_expiry_delta u16`);
    }
    bytes.set(hop.pubkey, at);
    view.setBigUint64(at + 33, hop.shortChannelId);
    view.setUint32(at + 41, hop.feeBaseMsat);
    view.setUint32(at + 45, hop.feeProportionalMillionths);
    view.setUint16(at + 49, hop.cltvExpiryDelta);
  });
  return bytes;
}
