/**
 * Internal helpers for the onion TLV codecs: decode a stream with the BOLT 1 rules of
 * core/wire, and read one record's value as a typed field, turning every lower-level error
 * into an OnionParseError that names the TLV type (and its offset, for `invalid_onion_payload`).
 */
import { isValidPublicKey } from '../crypto';
import { GlasswingError } from '../errors';
import type { TlvRecord } from '../wire';
import { ByteReader, ByteWriter, WireError, bigSizeLength, decodeTlvStream, encodeTlvStream } from '../wire';
import { OnionError, OnionParseError, wrapError } from './errors';

/**
 * Decodes a TLV stream; unknown even types (per `isKnown`), malformed streams and streams of more
 * than `maxRecords` records are OnionParseError `code`.
 */
export function decodeRecords(bytes: Uint8Array, isKnown: (type: bigint) => boolean, code: string, name: string, maxRecords?: number): TlvRecord[] {
  if (!(bytes instanceof Uint8Array)) throw new OnionParseError(code, `${name}: expected bytes`);
  try {
    return decodeTlvStream(bytes, { isKnown, name, ...(maxRecords !== undefined ? { maxRecords } : {}) });
  } catch (e) {
    throw wrapError(OnionParseError, code, name, e);
  }
}

/** Encodes records (sorted by type); a duplicate type is OnionError `onion.bad_argument`. */
export function encodeRecords(records: readonly TlvRecord[], name: string): Uint8Array {
  try {
    return encodeTlvStream(records, name);
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', name, e);
  }
}

/** Byte offset of `records[index]` in the stream they were decoded from. */
export function recordOffset(records: readonly TlvRecord[], index: number): number {
  let offset = 0;
  for (let i = 0; i < index; i++) {
    const r = records[i]!;
    offset += bigSizeLength(r.type) + bigSizeLength(r.value.length) + r.value.length;
  }
  return offset;
}

/**
 * Reads `records[index]`'s value with `read`, which must consume all of it. Failures are
 * OnionParseError `code` with `details.type` and `details.offset`.
 */
export function readField<T>(
  records: readonly TlvRecord[],
  index: number,
  code: string,
  field: string,
  read: (r: ByteReader) => T,
): T {
  const record = records[index]!;
  try {
    const r = new ByteReader(record.value);
    const value = read(r);
    r.expectEnd(field);
    return value;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new OnionParseError(code, message.startsWith(field) ? message : `${field}: ${message}`, {
      field,
      type: record.type.toString(),
      offset: recordOffset(records, index),
      ...(e instanceof GlasswingError ? { cause: e.code } : {}),
    }, e instanceof GlasswingError ? undefined : { cause: e });
  }
}

/** BOLT 1 `point`: 33 bytes on the curve. */
export function readPointValue(r: ByteReader, field: string): Uint8Array {
  const p = r.readBytes(33, field).slice();
  if (!isValidPublicKey(p)) throw new WireError('wire.bad_value', `${field}: not a valid point`);
  return p;
}

/** One record built with a writer callback. */
export function record(type: bigint, fill: (w: ByteWriter) => void): TlvRecord {
  const w = new ByteWriter();
  fill(w);
  return { type, value: w.finish() };
}

/** Checks an outgoing point (33 bytes, on the curve) before it is written. */
export function assertPoint(p: Uint8Array, field: string): Uint8Array {
  if (!(p instanceof Uint8Array) || p.length !== 33 || !isValidPublicKey(p)) {
    throw new OnionError('onion.bad_argument', `${field}: not a valid 33-byte point`);
  }
  return p;
}

/** Runs an encoder, turning wire range errors into `onion.bad_argument`. */
export function encoding<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', name, e);
  }
}
