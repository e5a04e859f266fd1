/**
 * BOLT 12 subtypes (`blinded_payinfo`, `fallback_address`), feature bitmaps, and the value
 * codecs every BOLT 12 field uses. A codec's `decode` throws Bolt12ParseError
 * `bolt12.parse.invalid_field` naming the field; it never lets a WireError, RangeError or
 * TypeError out.
 */
import { isGlasswingError } from '../errors';
import { isValidPublicKey, utf8 } from '../crypto';
import type { BlindedPath } from '../wire';
import { ByteReader, ByteWriter, LIMITS, blindedPathPoints, readBlindedPath, writeBlindedPath } from '../wire';
import { Bolt12ParseError } from './errors';

/** BOLT 12 `blinded_payinfo`: aggregated fees and limits of one blinded payment path. */
export interface BlindedPayInfo {
  /** BOLT 12 `fee_base_msat` (u32) */
  readonly feeBaseMsat: number;
  /** BOLT 12 `fee_proportional_millionths` (u32) */
  readonly feeProportionalMillionths: number;
  /** BOLT 12 `cltv_expiry_delta` (u16) */
  readonly cltvExpiryDelta: number;
  /** BOLT 12 `htlc_minimum_msat` (u64) */
  readonly htlcMinimumMsat: bigint;
  /** BOLT 12 `htlc_maximum_msat` (u64) */
  readonly htlcMaximumMsat: bigint;
  /** BOLT 12 `features` (`flen` bytes) */
  readonly features: Uint8Array;
}

/** BOLT 12 `fallback_address`: an on-chain address as witness version + program. */
export interface FallbackAddress {
  /** BOLT 12 `version` (byte) */
  readonly version: number;
  /** BOLT 12 `address` (`len` bytes) */
  readonly address: Uint8Array;
}

/** BOLT 12 `invreq_bip_353_name`: the name and domain of a BIP 353 human-readable name. */
export interface Bip353Name {
  /** BOLT 12 `name` (post-₿, pre-@) */
  readonly name: Uint8Array;
  /** BOLT 12 `domain` (post-@) */
  readonly domain: Uint8Array;
}

export function readBlindedPayInfo(r: ByteReader, field = 'blinded_payinfo'): BlindedPayInfo {
  const feeBaseMsat = r.readU32(`${field}.fee_base_msat`);
  const feeProportionalMillionths = r.readU32(`${field}.fee_proportional_millionths`);
  const cltvExpiryDelta = r.readU16(`${field}.cltv_expiry_delta`);
  const htlcMinimumMsat = r.readU64(`${field}.htlc_minimum_msat`);
  const htlcMaximumMsat = r.readU64(`${field}.htlc_maximum_msat`);
  const flen = r.readU16(`${field}.flen`);
  const features = r.readBytes(flen, `${field}.features`).slice();
  return { feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta, htlcMinimumMsat, htlcMaximumMsat, features };
}

export function writeBlindedPayInfo(w: ByteWriter, p: BlindedPayInfo): void {
  w.writeU32(p.feeBaseMsat, 'fee_base_msat')
    .writeU32(p.feeProportionalMillionths, 'fee_proportional_millionths')
    .writeU16(p.cltvExpiryDelta, 'cltv_expiry_delta')
    .writeU64(p.htlcMinimumMsat, 'htlc_minimum_msat')
    .writeU64(p.htlcMaximumMsat, 'htlc_maximum_msat')
    .writeU16(p.features.length, 'flen')
    .writeBytes(p.features);
}

export function readFallbackAddress(r: ByteReader, field = 'fallback_address'): FallbackAddress {
  const version = r.readU8(`${field}.version`);
  const len = r.readU16(`${field}.len`);
  return { version, address: r.readBytes(len, `${field}.address`).slice() };
}

export function writeFallbackAddress(w: ByteWriter, f: FallbackAddress): void {
  w.writeU8(f.version, 'version').writeU16(f.address.length, 'len').writeBytes(f.address);
}

/**
 * BOLT 12 reader (bitcoin chain): a fallback is ignored if `version` > 16, or `address` is shorter
 * than 2 or longer than 40 bytes, or (known requirement, BIP 141) version 0 with a program that
 * is not 20 or 32 bytes. Returns the reason, or undefined for a usable address.
 */
export function fallbackIgnoredReason(f: FallbackAddress): string | undefined {
  if (f.version > 16) return 'version greater than 16';
  if (f.address.length < 2 || f.address.length > 40) return 'address shorter than 2 or longer than 40 bytes';
  if (f.version === 0 && f.address.length !== 20 && f.address.length !== 32) return 'witness v0 program is not 20 or 32 bytes';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Feature bitmaps (BOLT 9: big-endian, bit 0 is the least significant bit of the last byte).

export function featureBits(features: Uint8Array): number[] {
  const bits: number[] = [];
  for (let i = 0; i < features.length; i++) {
    const byte = features[features.length - 1 - i]!;
    for (let b = 0; b < 8; b++) if (byte & (1 << b)) bits.push(i * 8 + b);
  }
  return bits;
}

export function featuresFromBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return new Uint8Array(0);
  const len = Math.floor(Math.max(...bits) / 8) + 1;
  const out = new Uint8Array(len);
  for (const bit of bits) out[len - 1 - Math.floor(bit / 8)]! |= 1 << bit % 8;
  return out;
}

/** Even bits set that are not in `known` ("it's OK to be odd"). */
export function unknownEvenBits(features: Uint8Array | undefined, known: ReadonlySet<number>): number[] {
  if (!features) return [];
  return featureBits(features).filter((b) => b % 2 === 0 && !known.has(b) && !known.has(b + 1));
}

/** BOLT 12 "Invoice Features": 16/17 basic MPP. No offer, invreq or payinfo bits are defined. */
export const INVOICE_FEATURE_MPP_COMPULSORY = 16;
export const INVOICE_FEATURE_MPP_OPTIONAL = 17;
export const KNOWN_INVOICE_FEATURES: ReadonlySet<number> = new Set([16, 17]);
export const KNOWN_OFFER_FEATURES: ReadonlySet<number> = new Set();
export const KNOWN_INVREQ_FEATURES: ReadonlySet<number> = new Set();
export const KNOWN_PAYINFO_FEATURES: ReadonlySet<number> = new Set();

// ---------------------------------------------------------------------------------------------
// Field value codecs.

export interface FieldCodec<T> {
  decode(value: Uint8Array, field: string): T;
  encode(value: T, field: string): Uint8Array;
}

function invalid(field: string, why: string): Bolt12ParseError {
  return new Bolt12ParseError('bolt12.parse.invalid_field', `${field}: ${why}`, { field });
}

function overLimit(field: string, why: string, details: Record<string, unknown> = {}): Bolt12ParseError {
  return new Bolt12ParseError('bolt12.parse.over_limit', `${field}: ${why}`, { ...details, field });
}

/**
 * Runs a reader over the whole value; wire errors and trailing bytes become invalid_field, a wire
 * size limit (a path over LIMITS.blindedPathHops) over_limit.
 */
function readAll<T>(value: Uint8Array, field: string, read: (r: ByteReader) => T): T {
  const r = new ByteReader(value);
  try {
    const v = read(r);
    if (!r.atEnd) throw invalid(field, `${r.remaining} trailing bytes`);
    return v;
  } catch (e) {
    if (e instanceof Bolt12ParseError) throw e;
    if (isGlasswingError(e, 'wire.too_large')) throw overLimit(field, e.message, { hops: e.details?.hops, max: e.details?.max });
    if (isGlasswingError(e)) throw invalid(field, e.message);
    throw invalid(field, 'malformed value');
  }
}

function writeAll(field: string, write: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  try {
    write(w);
  } catch (e) {
    if (isGlasswingError(e)) throw invalid(field, e.message);
    throw e;
  }
  return w.finish();
}

export const bytesCodec: FieldCodec<Uint8Array> = {
  decode: (v) => v.slice(),
  encode: (v) => v.slice(),
};

export const utf8Codec: FieldCodec<string> = {
  decode: (v, field) => {
    try {
      return utf8.decode(v, field);
    } catch {
      throw invalid(field, 'invalid UTF-8');
    }
  },
  encode: (v) => utf8.encode(v),
};

function truncatedCodec(maxBytes: 4 | 8): FieldCodec<bigint> {
  return {
    decode: (v, field) => readAll(v, field, (r) => r.readTruncated(maxBytes, field)),
    encode: (v, field) => writeAll(field, (w) => w.writeTruncated(v, maxBytes, field)),
  };
}
export const tu64Codec = truncatedCodec(8);
export const tu32Codec = truncatedCodec(4);

function fixedCodec(length: number, what: string): FieldCodec<Uint8Array> {
  return {
    decode: (v, field) => {
      if (v.length !== length) throw invalid(field, `${what} must be ${length} bytes, got ${v.length}`);
      return v.slice();
    },
    encode: (v, field) => {
      if (v.length !== length) throw invalid(field, `${what} must be ${length} bytes, got ${v.length}`);
      return v.slice();
    },
  };
}
export const sha256Codec = fixedCodec(32, 'sha256');
export const chainHashCodec = fixedCodec(32, 'chain_hash');
export const signatureCodec = fixedCodec(64, 'bip340sig');

export const pointCodec: FieldCodec<Uint8Array> = {
  decode: (v, field) => {
    if (v.length !== 33 || !isValidPublicKey(v)) throw invalid(field, 'not a valid compressed point');
    return v.slice();
  },
  encode: (v, field) => {
    if (v.length !== 33 || !isValidPublicKey(v)) throw invalid(field, 'not a valid compressed point');
    return v.slice();
  },
};

export const chainsCodec: FieldCodec<readonly Uint8Array[]> = {
  decode: (v, field) => {
    if (v.length % 32 !== 0) throw invalid(field, `length ${v.length} is not a multiple of 32`);
    const out: Uint8Array[] = [];
    for (let i = 0; i < v.length; i += 32) out.push(v.slice(i, i + 32));
    return out;
  },
  encode: (v, field) => writeAll(field, (w) => v.forEach((c) => w.writeBytes(chainHashCodec.encode(c, field)))),
};

/**
 * Zero or more items until the end of the value (`...*type`); with `maxItems`, one more item is
 * over_limit, refused before it is read.
 */
function listCodec<T>(read: (r: ByteReader, f: string) => T, write: (w: ByteWriter, v: T) => void, maxItems = Infinity): FieldCodec<readonly T[]> {
  return {
    decode: (v, field) =>
      readAll(v, field, (r) => {
        const items: T[] = [];
        while (!r.atEnd) {
          if (items.length >= maxItems) throw overLimit(field, `more than ${maxItems} entries, more than any writer puts there`, { max: maxItems });
          items.push(read(r, `${field}[${items.length}]`));
        }
        return items;
      }),
    encode: (v, field) => writeAll(field, (w) => v.forEach((item) => write(w, item))),
  };
}

/**
 * A field of `blinded_path`s (offer_paths, invreq_paths, invoice_paths, held_htlc_available_paths):
 * at most LIMITS.blindedPathsPerField paths of at most LIMITS.blindedPathHops hops, their points
 * checked for shape only as the field is read. Which points are used is the reader's to know, so
 * it checks those on the curve (`pathPointErrors`): `analyzeX` and `decodeX` check every one;
 * the offers manager, answering a request for one of its offers, checks none of a copy of its
 * own offer_paths and never uses the payer's invreq_paths.
 */
export const blindedPathsCodec: FieldCodec<readonly BlindedPath[]> = listCodec(
  (r, f) => readBlindedPath(r, f, { points: 'shape' }),
  writeBlindedPath,
  LIMITS.blindedPathsPerField,
);
/** `invoice_blindedpay`: one per invoice path, so at most as many as paths. */
export const payInfosCodec: FieldCodec<readonly BlindedPayInfo[]> = listCodec(readBlindedPayInfo, writeBlindedPayInfo, LIMITS.blindedPathsPerField);
export const fallbacksCodec: FieldCodec<readonly FallbackAddress[]> = listCodec(readFallbackAddress, writeFallbackAddress);

/**
 * The points of a field of blinded paths that are not on the curve: one invalid_field error for
 * the first such point (as a reader checking them as it read them would give), or none.
 */
export function pathPointErrors(paths: readonly BlindedPath[] | undefined, field: string): Bolt12ParseError[] {
  for (const [i, path] of (paths ?? []).entries()) {
    for (const { field: name, point } of blindedPathPoints(path, `${field}[${i}]`)) {
      if (!isValidPublicKey(point)) return [invalid(field, `${name}: not a valid point`)];
    }
  }
  return [];
}

export const bip353Codec: FieldCodec<Bip353Name> = {
  decode: (v, field) =>
    readAll(v, field, (r) => {
      const name = r.readBytes(r.readU8(`${field}.name_len`), `${field}.name`).slice();
      const domain = r.readBytes(r.readU8(`${field}.domain_len`), `${field}.domain`).slice();
      return { name, domain };
    }),
  encode: (v, field) =>
    writeAll(field, (w) => {
      w.writeU8(v.name.length, `${field}.name_len`).writeBytes(v.name);
      w.writeU8(v.domain.length, `${field}.domain_len`).writeBytes(v.domain);
    }),
};

/** BOLT 12 reader: BIP 353 name bytes must be 0-9, a-z, A-Z, '-', '_' or '.'. */
export function isValidBip353Part(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    const ok = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 45 || b === 95 || b === 46;
    if (!ok) return false;
  }
  return true;
}
