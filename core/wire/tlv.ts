/**
 * TLV streams (BOLT 1 "Type-Length-Value Format"). The rules live here and only here:
 * types strictly ascending, lengths within the stream, canonical BigSize for type and length,
 * unknown even types rejected, unknown odd types kept byte-for-byte and re-encoded unchanged.
 */
import { ByteReader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';

/** One TLV record as it appeared on the wire. */
export interface TlvRecord {
  readonly type: bigint;
  readonly value: Uint8Array;
}

export interface TlvDecodeOptions {
  /**
   * Which types the caller understands. Unknown even types are rejected with
   * `wire.tlv_unknown_even`; unknown odd types are kept. When omitted, every type is accepted.
   */
  readonly isKnown?: (type: bigint) => boolean;
  /** Field name for error messages (e.g. `init_tlvs`). */
  readonly name?: string;
  /**
   * Refuse a stream with more records than this (`wire.too_large`, as soon as the next one
   * starts): a bound on the work a reader does before the message's own rules can refuse it.
   */
  readonly maxRecords?: number;
}

/** Reads records until the end of `reader`. */
export function readTlvStream(reader: ByteReader, opts: TlvDecodeOptions = {}): TlvRecord[] {
  const name = opts.name ?? 'tlv_stream';
  const records: TlvRecord[] = [];
  let last = -1n;
  const maxRecords = opts.maxRecords ?? Infinity;
  while (!reader.atEnd) {
    if (records.length >= maxRecords) {
      throw new WireError('wire.too_large', `${name}: more than ${maxRecords} records`, { max: maxRecords });
    }
    const type = reader.readBigSize(`${name}.type`);
    const length = reader.readBigSize(`${name}.length`);
    if (length > BigInt(reader.remaining)) {
      throw new WireError('wire.tlv_length_exceeds', `${name}: type ${type} length ${length} exceeds the stream`, {
        type: type.toString(),
      });
    }
    const value = reader.readBytes(Number(length), `${name}.value`);
    // BOLT 1: "if decoded types are not strictly-increasing (including situations when two or
    // more occurrences of the same type are met): MUST fail to parse the tlv_stream".
    if (type === last) {
      throw new WireError('wire.tlv_duplicate', `${name}: type ${type} appears twice`, { type: type.toString() });
    }
    if (type < last) {
      throw new WireError('wire.tlv_not_ascending', `${name}: type ${type} is not greater than ${last}`, {
        type: type.toString(),
      });
    }
    last = type;
    // BOLT 1: "if type is even ... and unknown: MUST fail to parse the tlv_stream".
    if (opts.isKnown && !opts.isKnown(type) && type % 2n === 0n) {
      throw new WireError('wire.tlv_unknown_even', `${name}: unknown even type ${type}`, { type: type.toString() });
    }
    records.push({ type, value });
  }
  return records;
}

export function decodeTlvStream(bytes: Uint8Array, opts: TlvDecodeOptions = {}): TlvRecord[] {
  return readTlvStream(new ByteReader(bytes), opts);
}

/** Writes records, which must already be in strictly ascending type order. */
export function writeTlvStream(w: ByteWriter, records: readonly TlvRecord[], name = 'tlv_stream'): void {
  let last = -1n;
  for (const r of records) {
    // BOLT 1 sending node: "MUST order tlv_records ... by strictly-increasing type".
    if (r.type === last) throw new WireError('wire.tlv_duplicate', `${name}: cannot encode type ${r.type} twice`);
    if (r.type < last) throw new WireError('wire.tlv_not_ascending', `${name}: cannot encode type ${r.type} after ${last}`);
    last = r.type;
    w.writeBigSize(r.type).writeBigSize(r.value.length).writeBytes(r.value);
  }
}

/** Encodes records, sorting them by type first (duplicates are rejected). */
export function encodeTlvStream(records: readonly TlvRecord[], name = 'tlv_stream'): Uint8Array {
  const sorted = [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const w = new ByteWriter();
  writeTlvStream(w, sorted, name);
  return w.finish();
}

/** Finds the record of `type`, if present. */
export function findTlv(records: readonly TlvRecord[], type: bigint): TlvRecord | undefined {
  return records.find((r) => r.type === type);
}
