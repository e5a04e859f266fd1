/**
 * Declarative typed TLV streams: define a namespace once (field name → TLV type number → value
 * codec) and get `encode(obj)` / `decode(bytes)`. The stream rules themselves (canonical BigSize,
 * strictly increasing types, length within the stream, unknown even types rejected) stay in
 * tlv.ts; this file adds the per-type rules of BOLT 1:
 *
 *   "if type is known: MUST decode the next length bytes using the known encoding for type;
 *    if length is not exactly equal to that required for the known encoding for type: MUST fail
 *    to parse the tlv_stream; if variable-length fields within the known encoding for type are
 *    not minimal: MUST fail to parse the tlv_stream."
 *
 * Unknown odd records are kept, in order, as `unknownTlvs` and re-encoded unchanged.
 *
 *   const payload = defineTlvStream('n2', {
 *     amountMsat: { type: 0, codec: codecs.tu64 },
 *     cltvExpiry: { type: 11, codec: codecs.tu32 },
 *   });
 *   payload.decode(bytes) // → { amountMsat?: bigint, cltvExpiry?: number, unknownTlvs: TlvRecord[] }
 */
import { ByteReader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';
import { encodeTlvStream, readTlvStream } from './tlv';
import type { TlvRecord } from './tlv';
import { snakeCase } from './codec';
import type { AnyCodec, Codec, CodecValue } from './codec';

/** One known record of a namespace: its type number and the codec of its value. */
export interface TlvFieldSpec<T> {
  readonly type: number | bigint;
  readonly codec: Codec<T>;
}

/** A namespace: field name → record spec (value types are inferred per field). */
export type TlvSpec = Record<string, TlvFieldSpec<CodecValue<AnyCodec>>>;

/** The object a namespace encodes: every known field optional, plus the unknown odd records. */
export type TlvValues<S extends TlvSpec> = { [K in keyof S]?: CodecValue<S[K]['codec']> } & {
  /** Unknown odd records, kept byte-for-byte (always present after decoding). */
  unknownTlvs?: readonly TlvRecord[];
};

/** What `decode` returns: `unknownTlvs` is always set (possibly empty). */
export type Decoded<V> = V & { unknownTlvs: readonly TlvRecord[] };

export interface TlvStreamCodec<V extends { unknownTlvs?: readonly TlvRecord[] }> {
  /** Namespace name for error messages (e.g. `init_tlvs`). */
  readonly name: string;
  /** Known type numbers → field names. */
  readonly fieldByType: ReadonlyMap<bigint, string>;
  isKnown(type: bigint): boolean;
  /** Encodes the known fields that are set plus `unknownTlvs`, sorted by type. */
  encode(value: V): Uint8Array;
  /** Decodes a whole byte string as this stream. */
  decode(bytes: Uint8Array): Decoded<V>;
  /** Decodes records from `r` up to its end (a message extension). */
  read(r: ByteReader): Decoded<V>;
  write(w: ByteWriter, value: V): void;
  /** Typed object → records (sorted by type). */
  toRecords(value: V): TlvRecord[];
  /** Records already checked by tlv.ts → typed object. */
  fromRecords(records: readonly TlvRecord[]): Decoded<V>;
}

function wrapValueError(e: unknown, name: string, field: string, type: bigint): never {
  // A value that ends early is "length not exactly equal to that required" (BOLT 1).
  if (e instanceof WireError && e.code === 'wire.eof') {
    throw new WireError('wire.tlv_bad_length', `${name}.${field} (type ${type}): value is shorter than its encoding (${e.message})`, {
      type: type.toString(),
      field,
    });
  }
  throw e;
}

/** Defines a TLV namespace. Field names are camelCase; type numbers must be unique. */
export function defineTlvStream<S extends TlvSpec>(name: string, spec: S): TlvStreamCodec<TlvValues<S>> {
  type V = TlvValues<S>;
  const fields = Object.entries(spec).map(([field, s]) => ({ field, label: snakeCase(field), type: BigInt(s.type), codec: s.codec }));
  const fieldByType = new Map<bigint, string>();
  for (const f of fields) {
    if (f.type < 0n || fieldByType.has(f.type)) throw new WireError('wire.bad_value', `${name}: TLV type ${f.type} defined twice or negative`);
    fieldByType.set(f.type, f.field);
  }
  const byType = new Map(fields.map((f) => [f.type, f]));
  const isKnown = (type: bigint): boolean => fieldByType.has(type);

  function toRecords(value: V): TlvRecord[] {
    if (typeof value !== 'object' || value === null) throw new WireError('wire.bad_value', `${name}: expected an object`);
    const records: TlvRecord[] = [];
    const obj = value as Record<string, unknown>;
    for (const f of fields) {
      const v = obj[f.field];
      if (v === undefined) continue;
      const w = new ByteWriter();
      f.codec.write(w, v, `${name}.${f.label}`);
      records.push({ type: f.type, value: w.finish() });
    }
    for (const u of value.unknownTlvs ?? []) {
      if (typeof u?.type !== 'bigint' || !(u.value instanceof Uint8Array)) {
        throw new WireError('wire.bad_value', `${name}: unknownTlvs entries must be { type: bigint, value: Uint8Array }`);
      }
      if (isKnown(u.type)) {
        throw new WireError('wire.bad_value', `${name}: unknownTlvs has type ${u.type}, which is the known field ${fieldByType.get(u.type)}`);
      }
      // BOLT 1 sender: "MUST NOT send evenly-typed TLV records in the extension without prior
      // negotiation" — and our own decoder would refuse it, so never produce one.
      if (u.type % 2n === 0n) throw new WireError('wire.tlv_unknown_even', `${name}: cannot encode unknown even type ${u.type}`);
      records.push({ type: u.type, value: u.value });
    }
    return records.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  function fromRecords(records: readonly TlvRecord[]): Decoded<V> {
    const out: Record<string, unknown> = {};
    const unknownTlvs: TlvRecord[] = [];
    for (const rec of records) {
      const f = byType.get(rec.type);
      if (!f) {
        // BOLT 1: unknown even → fail; unknown odd → "discard" (we keep it for re-encoding).
        if (rec.type % 2n === 0n) {
          throw new WireError('wire.tlv_unknown_even', `${name}: unknown even type ${rec.type}`, { type: rec.type.toString() });
        }
        unknownTlvs.push({ type: rec.type, value: rec.value.slice() });
        continue;
      }
      const r = new ByteReader(rec.value);
      let v: unknown;
      try {
        v = f.codec.read(r, `${name}.${f.label}`);
      } catch (e) {
        wrapValueError(e, name, f.label, rec.type);
      }
      // BOLT 1: the length must be exactly what the known encoding needs.
      if (!r.atEnd) {
        throw new WireError('wire.tlv_bad_length', `${name}.${f.label} (type ${rec.type}): ${r.remaining} bytes past its encoding`, {
          type: rec.type.toString(),
          field: f.label,
        });
      }
      out[f.field] = v;
    }
    out.unknownTlvs = unknownTlvs;
    return out as Decoded<V>;
  }

  const read = (r: ByteReader): Decoded<V> => fromRecords(readTlvStream(r, { isKnown, name }));

  return {
    name,
    fieldByType,
    isKnown,
    toRecords,
    fromRecords,
    read,
    decode: (bytes) => read(new ByteReader(bytes)),
    encode: (value) => encodeTlvStream(toRecords(value), name),
    write: (w, value) => void w.writeBytes(encodeTlvStream(toRecords(value), name)),
  };
}
