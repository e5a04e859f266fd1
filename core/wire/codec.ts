/**
 * Small value codecs for the BOLT fundamental types, and combinators to build structs and
 * arrays from them. Message and TLV definitions are written with these, once, and get both
 * directions: `read` never throws anything but WireError, `write` refuses values that would not
 * decode back to themselves.
 *
 *   const fee = codecs.struct({ minFeeSatoshis: codecs.u64, maxFeeSatoshis: codecs.u64 });
 */
import type { ByteReader } from './reader';
import type { ByteWriter } from './writer';
import { WireError } from './errors';
import {
  HASH_LENGTH,
  readFixedBytes,
  readHash32,
  readPoint,
  readPointShape,
  readSignature,
  writeFixedBytes,
  writeHash32,
  writePoint,
  writeSignature,
} from './fundamental';
import { readBlindedPath, writeBlindedPath } from './blinded-path';
import type { BlindedPath } from './blinded-path';

/** Reads and writes one value. `field` names it in error messages. */
export interface Codec<T> {
  readonly read: (r: ByteReader, field: string) => T;
  readonly write: (w: ByteWriter, value: T, field: string) => void;
}

/** Any codec (for constraints; `Codec<unknown>` would not accept `Codec<bigint>` because of `write`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCodec = Codec<any>;

/** The value type of a codec. */
export type CodecValue<C> = C extends Codec<infer T> ? T : never;

/** The object type a `struct` of these field codecs reads and writes. */
export type StructValue<F extends Record<string, AnyCodec>> = { [K in keyof F]: CodecValue<F[K]> };

/** `amountMsat` → `amount_msat`, so errors name the BOLT field. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z0-9]+/g, (m) => '_' + m.toLowerCase());
}

function bytesOf(length: number): Codec<Uint8Array> {
  return {
    read: (r, field) => readFixedBytes(r, length, field),
    write: (w, v, field) => writeFixedBytes(w, v, length, field),
  };
}

function truncated(maxBytes: 2 | 4 | 8): Codec<bigint> {
  return {
    // BOLT 1: a truncated integer is the final value of a TLV record: it takes the rest.
    read: (r, field) => {
      if (r.remaining > maxBytes) {
        throw new WireError('wire.tlv_bad_length', `${field}: ${r.remaining} bytes is longer than tu${maxBytes * 8}`, { field });
      }
      return r.readTruncated(maxBytes, field);
    },
    write: (w, v, field) => void w.writeTruncated(v, maxBytes, field),
  };
}

function asNumber(c: Codec<bigint>): Codec<number> {
  return {
    read: (r, field) => Number(c.read(r, field)),
    write: (w, v, field) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new WireError('wire.bad_value', `${field}: not an integer`);
      c.write(w, BigInt(v), field);
    },
  };
}

/** A fixed-layout sequence of named fields, in the order given. */
function struct<F extends Record<string, AnyCodec>>(fields: F): Codec<StructValue<F>> {
  const entries = Object.entries(fields).map(([key, c]) => ({ key, c, label: '.' + snakeCase(key) }));
  return {
    read: (r, field) => {
      const out: Record<string, unknown> = {};
      for (const { key, c, label } of entries) out[key] = c.read(r, field + label);
      return out as StructValue<F>;
    },
    write: (w, v, field) => {
      if (typeof v !== 'object' || v === null) throw new WireError('wire.bad_value', `${field}: expected an object`);
      for (const { key, c, label } of entries) c.write(w, (v as Record<string, unknown>)[key], field + label);
    },
  };
}

/** `...*T`: elements until the end of the reader (the rest of a TLV value). */
function arrayRest<T>(element: Codec<T>): Codec<readonly T[]> {
  return {
    read: (r, field) => {
      const out: T[] = [];
      while (!r.atEnd) out.push(element.read(r, `${field}[${out.length}]`));
      return out;
    },
    write: (w, v, field) => {
      if (!Array.isArray(v)) throw new WireError('wire.bad_value', `${field}: expected an array`);
      v.forEach((x, i) => element.write(w, x, `${field}[${i}]`));
    },
  };
}

/** `n*T`: exactly `count` elements. */
function arrayFixed<T>(element: Codec<T>, count: number): Codec<readonly T[]> {
  return {
    read: (r, field) => Array.from({ length: count }, (_, i) => element.read(r, `${field}[${i}]`)),
    write: (w, v, field) => {
      if (!Array.isArray(v) || v.length !== count) throw new WireError('wire.bad_value', `${field}: expected ${count} elements`);
      v.forEach((x, i) => element.write(w, x, `${field}[${i}]`));
    },
  };
}

/** `[u16:num][num*T]`: a u16 count followed by that many elements. */
function arrayU16<T>(element: Codec<T>): Codec<readonly T[]> {
  return {
    read: (r, field) => {
      const n = r.readU16(`${field}.count`);
      return Array.from({ length: n }, (_, i) => element.read(r, `${field}[${i}]`));
    },
    write: (w, v, field) => {
      if (!Array.isArray(v)) throw new WireError('wire.bad_value', `${field}: expected an array`);
      w.writeU16(v.length, `${field}.count`);
      v.forEach((x, i) => element.write(w, x, `${field}[${i}]`));
    },
  };
}

/** `[u16:len][len*byte]`: bytes with a u16 length prefix. */
const bytesU16: Codec<Uint8Array> = {
  read: (r, field) => readFixedBytes(r, r.readU16(`${field}.len`), field),
  write: (w, v, field) => {
    if (!(v instanceof Uint8Array)) throw new WireError('wire.bad_value', `${field}: expected bytes`);
    w.writeU16(v.length, `${field}.len`).writeBytes(v);
  },
};

/** `...*byte`: all remaining bytes. */
const bytesRest: Codec<Uint8Array> = {
  read: (r) => r.readRest().slice(),
  write: (w, v, field) => {
    if (!(v instanceof Uint8Array)) throw new WireError('wire.bad_value', `${field}: expected bytes`);
    w.writeBytes(v);
  },
};

/** A codec whose decoded value must also pass `check` (a semantic rule of the encoding). */
function refine<T>(c: Codec<T>, check: (v: T) => string | undefined): Codec<T> {
  const verify = (v: T, field: string) => {
    const problem = check(v);
    if (problem !== undefined) throw new WireError('wire.bad_value', `${field}: ${problem}`, { field });
  };
  return {
    read: (r, field) => {
      const v = c.read(r, field);
      verify(v, field);
      return v;
    },
    write: (w, v, field) => {
      verify(v, field);
      c.write(w, v, field);
    },
  };
}

const u64: Codec<bigint> = {
  read: (r, field) => r.readU64(field),
  write: (w, v, field) => {
    if (typeof v !== 'bigint') throw new WireError('wire.bad_value', `${field}: expected a bigint`);
    w.writeU64(v, field);
  },
};

const s64: Codec<bigint> = {
  read: (r, field) => r.readS64(field),
  write: (w, v, field) => {
    if (typeof v !== 'bigint') throw new WireError('wire.bad_value', `${field}: expected a bigint`);
    w.writeS64(v, field);
  },
};

/** The codecs, by BOLT type name (camelCased). */
export const codecs = {
  u8: { read: (r, f) => r.readU8(f), write: (w, v, f) => void w.writeU8(v, f) } satisfies Codec<number>,
  u16: { read: (r, f) => r.readU16(f), write: (w, v, f) => void w.writeU16(v, f) } satisfies Codec<number>,
  u32: { read: (r, f) => r.readU32(f), write: (w, v, f) => void w.writeU32(v, f) } satisfies Codec<number>,
  u64,
  s8: { read: (r, f) => r.readS8(f), write: (w, v, f) => void w.writeS8(v, f) } satisfies Codec<number>,
  s16: { read: (r, f) => r.readS16(f), write: (w, v, f) => void w.writeS16(v, f) } satisfies Codec<number>,
  s32: { read: (r, f) => r.readS32(f), write: (w, v, f) => void w.writeS32(v, f) } satisfies Codec<number>,
  s64,
  /** BOLT 1 `tu16`: only as the last field of a TLV value. */
  tu16: asNumber(truncated(2)),
  /** BOLT 1 `tu32`: only as the last field of a TLV value. */
  tu32: asNumber(truncated(4)),
  /** BOLT 1 `tu64`: only as the last field of a TLV value. */
  tu64: truncated(8),
  bigsize: { read: (r, f) => r.readBigSize(f), write: (w, v, f) => void w.writeBigSize(v, f) } satisfies Codec<bigint>,
  /** BOLT 1 `point` (validated on the curve). */
  point: { read: readPoint, write: writePoint } satisfies Codec<Uint8Array>,
  /** BOLT 1 `point`, its shape only: the on-curve check is its user's (readPointShape). */
  pointShape: { read: readPointShape, write: writePoint } satisfies Codec<Uint8Array>,
  /** BOLT 1 `signature` (64 bytes). */
  signature: { read: readSignature, write: writeSignature } satisfies Codec<Uint8Array>,
  /** BOLT 1 `sha256` (32 bytes); also used for `chain_hash`, `channel_id` and 32-byte secrets. */
  sha256: { read: readHash32, write: writeHash32 } satisfies Codec<Uint8Array>,
  chainHash: bytesOf(HASH_LENGTH),
  channelId: bytesOf(HASH_LENGTH),
  /** BOLT 1 `short_channel_id` as a u64 bigint. */
  shortChannelId: u64,
  /** BOLT 4 `blinded_path`. */
  blindedPath: { read: readBlindedPath, write: writeBlindedPath } satisfies Codec<BlindedPath>,
  /** `n*byte` */
  bytes: bytesOf,
  /** `[u16:len][len*byte]` */
  bytesU16,
  /** `...*byte` (the rest) */
  bytesRest,
  struct,
  arrayRest,
  arrayFixed,
  arrayU16,
  refine,
} as const;
