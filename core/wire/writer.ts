/** A growable byte buffer with big-endian writers for the BOLT fundamental types. */
import { WireError } from './errors';

export class ByteWriter {
  #buf: Uint8Array;
  #len = 0;

  constructor(initialCapacity = 64) {
    this.#buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  #range(v: number | bigint, max: bigint, field: string): void {
    // A non-integer number would make BigInt() throw a RangeError; report it as a WireError.
    if (typeof v === 'number' && !Number.isInteger(v)) throw new WireError('wire.bad_value', `${field}: ${v} is not an integer`);
    if (typeof v !== 'number' && typeof v !== 'bigint') throw new WireError('wire.bad_value', `${field}: not a number`);
    const b = BigInt(v);
    if (b < 0n || b > max) throw new WireError('wire.bad_value', `${field}: ${b} is out of range`);
  }

  writeU8(v: number, field = 'u8'): this {
    this.#range(v, 0xffn, field);
    this.#reserve(1);
    this.#buf[this.#len++] = v;
    return this;
  }

  writeU16(v: number, field = 'u16'): this {
    this.#range(v, 0xffffn, field);
    this.#reserve(2);
    this.#buf[this.#len++] = v >>> 8;
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  writeU32(v: number, field = 'u32'): this {
    this.#range(v, 0xffffffffn, field);
    this.#reserve(4);
    this.#buf[this.#len++] = (v >>> 24) & 0xff;
    this.#buf[this.#len++] = (v >>> 16) & 0xff;
    this.#buf[this.#len++] = (v >>> 8) & 0xff;
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  writeU64(v: bigint, field = 'u64'): this {
    this.#range(v, 0xffffffffffffffffn, field);
    this.writeU32(Number(v >> 32n), field);
    this.writeU32(Number(v & 0xffffffffn), field);
    return this;
  }

  /** s8 (BOLT 1 fundamental type): big-endian two's complement. */
  writeS8(v: number, field = 's8'): this {
    this.#signedRange(v, 8, field);
    return this.writeU8(v & 0xff, field);
  }

  /** s16 (BOLT 1): big-endian two's complement. */
  writeS16(v: number, field = 's16'): this {
    this.#signedRange(v, 16, field);
    return this.writeU16(v & 0xffff, field);
  }

  /** s32 (BOLT 1): big-endian two's complement. */
  writeS32(v: number, field = 's32'): this {
    this.#signedRange(v, 32, field);
    return this.writeU32(v >>> 0, field);
  }

  /** s64 (BOLT 1): big-endian two's complement. */
  writeS64(v: bigint, field = 's64'): this {
    this.#signedRange(v, 64, field);
    return this.writeU64(BigInt.asUintN(64, v), field);
  }

  #signedRange(v: number | bigint, bits: number, field: string): void {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new WireError('wire.bad_value', `${field}: ${v} is not an integer`);
    if (typeof v !== 'number' && typeof v !== 'bigint') throw new WireError('wire.bad_value', `${field}: not a number`);
    const b = BigInt(v);
    const half = 1n << BigInt(bits - 1);
    if (b < -half || b >= half) throw new WireError('wire.bad_value', `${field}: ${b} is out of range`);
  }

  writeBytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  /** BigSize (BOLT 1 Appendix A), always the shortest encoding. */
  writeBigSize(v: bigint | number, field = 'bigsize'): this {
    this.#range(v, 0xffffffffffffffffn, field);
    const n = BigInt(v);
    if (n < 0xfdn) return this.writeU8(Number(n));
    if (n <= 0xffffn) return this.writeU8(0xfd).writeU16(Number(n));
    if (n <= 0xffffffffn) return this.writeU8(0xfe).writeU32(Number(n));
    return this.writeU8(0xff).writeU64(n);
  }

  /** Truncated integer: big-endian without leading zero bytes (0 encodes as nothing). */
  writeTruncated(v: bigint | number, maxBytes: 2 | 4 | 8, field = 'tu'): this {
    this.#range(v, (1n << BigInt(maxBytes * 8)) - 1n, field);
    const n = BigInt(v);
    const bytes: number[] = [];
    for (let x = n; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
    return this.writeBytes(Uint8Array.from(bytes));
  }

  /** The written bytes (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** Shortcut: build bytes with a writer callback. */
export function writeBytes(fill: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  fill(w);
  return w.finish();
}
