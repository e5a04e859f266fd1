/**
 * Bitcoin's little-endian integers and CompactSize ("varint") on top of the core/wire
 * ByteReader/ByteWriter cursors. Every overrun is a BitcoinError `bitcoin.eof`.
 */
import type { ByteReader, ByteWriter } from '../wire';
import { WireError } from '../wire';
import { BitcoinError } from './errors';

/** Largest CompactSize we accept for a count or a length (Bitcoin Core's MAX_SIZE). */
export const MAX_COMPACT_SIZE = 0x02000000;

export function writeU32LE(w: ByteWriter, v: number, field = 'u32'): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BitcoinError('bitcoin.bad_value', `${field}: ${v} is not a u32`);
  w.writeBytes(Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
}

export function writeI32LE(w: ByteWriter, v: number, field = 'i32'): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new BitcoinError('bitcoin.bad_value', `${field}: ${v} is not an i32`);
  }
  writeU32LE(w, v >>> 0, field);
}

export function writeU64LE(w: ByteWriter, v: bigint, field = 'u64'): void {
  if (v < 0n || v > 0xffffffffffffffffn) throw new BitcoinError('bitcoin.bad_value', `${field}: ${v} is not a u64`);
  const out = new Uint8Array(8);
  let x = v;
  for (let i = 0; i < 8; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  w.writeBytes(out);
}

/** CompactSize: 1, 3, 5 or 9 bytes, little-endian after the 0xfd/0xfe/0xff marker. */
export function writeCompactSize(w: ByteWriter, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new BitcoinError('bitcoin.bad_value', `compact size ${n} out of range`);
  if (n < 0xfd) w.writeU8(n);
  else if (n <= 0xffff) w.writeU8(0xfd).writeBytes(Uint8Array.of(n & 0xff, n >>> 8));
  else if (n <= 0xffffffff) {
    w.writeU8(0xfe);
    writeU32LE(w, n);
  } else {
    w.writeU8(0xff);
    writeU64LE(w, BigInt(n));
  }
}

/** A length-prefixed byte string (script, witness item). */
export function writeVarBytes(w: ByteWriter, bytes: Uint8Array): void {
  writeCompactSize(w, bytes.length);
  w.writeBytes(bytes);
}

/**
 * Writers into a buffer whose size the caller computed exactly (transactions and sighash
 * preimages are serialized in one allocation, without a growing ByteWriter). Each writes at `pos`
 * and returns the position after what it wrote; values are range-checked as above.
 */

/** Bytes the CompactSize of `n` takes: 1, 3, 5 or 9. */
export function compactSizeLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new BitcoinError('bitcoin.bad_value', `compact size ${n} out of range`);
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

export function putU32LE(out: Uint8Array, pos: number, v: number, field = 'u32'): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BitcoinError('bitcoin.bad_value', `${field}: ${v} is not a u32`);
  out[pos] = v & 0xff;
  out[pos + 1] = (v >>> 8) & 0xff;
  out[pos + 2] = (v >>> 16) & 0xff;
  out[pos + 3] = (v >>> 24) & 0xff;
  return pos + 4;
}

export function putU64LE(out: Uint8Array, pos: number, v: bigint, field = 'u64'): number {
  if (v < 0n || v > 0xffffffffffffffffn) throw new BitcoinError('bitcoin.bad_value', `${field}: ${v} is not a u64`);
  putU32LE(out, pos, Number(v & 0xffffffffn));
  return putU32LE(out, pos + 4, Number(v >> 32n));
}

/** CompactSize at `pos` (the same encoding as writeCompactSize). */
export function putCompactSize(out: Uint8Array, pos: number, n: number): number {
  const size = compactSizeLength(n);
  if (size === 1) {
    out[pos] = n;
    return pos + 1;
  }
  if (size === 3) {
    out[pos] = 0xfd;
    out[pos + 1] = n & 0xff;
    out[pos + 2] = n >>> 8;
    return pos + 3;
  }
  if (size === 5) {
    out[pos] = 0xfe;
    return putU32LE(out, pos + 1, n);
  }
  out[pos] = 0xff;
  return putU64LE(out, pos + 1, BigInt(n));
}

/** `bytes` preceded by their CompactSize length. */
export function putVarBytes(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  const at = putCompactSize(out, pos, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/** Runs `read`, turning core/wire end-of-data errors into `bitcoin.eof`. */
export function withBitcoinEof<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof WireError && e.code === 'wire.eof') throw new BitcoinError('bitcoin.eof', e.message);
    throw e;
  }
}

export function readU32LE(r: ByteReader, field = 'u32'): number {
  const b = r.readBytes(4, field);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
}

export function readI32LE(r: ByteReader, field = 'i32'): number {
  return readU32LE(r, field) | 0;
}

export function readU64LE(r: ByteReader, field = 'u64'): bigint {
  const b = r.readBytes(8, field);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** CompactSize, minimal encodings only, at most MAX_COMPACT_SIZE. */
export function readCompactSize(r: ByteReader, field = 'compact size'): number {
  const first = r.readU8(field);
  let v: number;
  let min: number;
  if (first < 0xfd) return first;
  if (first === 0xfd) {
    const b = r.readBytes(2, field);
    v = b[0]! | (b[1]! << 8);
    min = 0xfd;
  } else if (first === 0xfe) {
    v = readU32LE(r, field);
    min = 0x10000;
  } else {
    const big = readU64LE(r, field);
    if (big > BigInt(MAX_COMPACT_SIZE)) throw new BitcoinError('bitcoin.bad_compact_size', `${field}: ${big} is too large`);
    v = Number(big);
    min = 0x100000000;
  }
  if (v < min) throw new BitcoinError('bitcoin.bad_compact_size', `${field}: not minimally encoded`);
  if (v > MAX_COMPACT_SIZE) throw new BitcoinError('bitcoin.bad_compact_size', `${field}: ${v} is too large`);
  return v;
}

export function readVarBytes(r: ByteReader, field = 'bytes'): Uint8Array {
  const n = readCompactSize(r, `${field} length`);
  return r.readBytes(n, field).slice();
}
