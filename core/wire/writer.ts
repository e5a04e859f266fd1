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

  writeBytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  /** BigSize (BOLT 1 Appendix A), always the shortest encoding. */
  writeBigSize(v: bigint | number, field = 'bigsize'): this {
    const n = BigInt(v);
    this.#range(n, 0xffffffffffffffffn, field);
    if (n < 0xfdn) return this.writeU8(Number(n));
    if (n <= 0xffffn) return this.writeU8(0xfd).writeU16(Number(n));
    if (n <= 0xffffffffn) return this.writeU8(0xfe).writeU32(Number(n));
    return this.writeU8(0xff).writeU64(n);
  }

  /** Truncated integer: big-endian without leading zero bytes (0 encodes as nothing). */
  writeTruncated(v: bigint | number, maxBytes: 2 | 4 | 8, field = 'tu'): this {
    const n = BigInt(v);
    this.#range(n, (1n << BigInt(maxBytes * 8)) - 1n, field);
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
