/**
 * A bounds-checked cursor over wire bytes. Every read that would run past the end throws
 * WireError `wire.eof` naming the field, never a RangeError.
 */
import { WireError, eof } from './errors';

export class ByteReader {
  readonly bytes: Uint8Array;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.bytes.length - this.#pos;
  }

  get atEnd(): boolean {
    return this.#pos >= this.bytes.length;
  }

  #need(n: number, field: string): void {
    if (n < 0 || this.#pos + n > this.bytes.length) throw eof(field);
  }

  readU8(field = 'u8'): number {
    this.#need(1, field);
    return this.bytes[this.#pos++]!;
  }

  readU16(field = 'u16'): number {
    this.#need(2, field);
    const b = this.bytes;
    const v = (b[this.#pos]! << 8) | b[this.#pos + 1]!;
    this.#pos += 2;
    return v;
  }

  readU32(field = 'u32'): number {
    this.#need(4, field);
    const b = this.bytes;
    const p = this.#pos;
    const v = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    this.#pos += 4;
    return v;
  }

  readU64(field = 'u64'): bigint {
    this.#need(8, field);
    const hi = BigInt(this.readU32(field));
    const lo = BigInt(this.readU32(field));
    return (hi << 32n) | lo;
  }

  /** s8 (BOLT 1 fundamental type): big-endian two's complement. */
  readS8(field = 's8'): number {
    return (this.readU8(field) << 24) >> 24;
  }

  /** s16 (BOLT 1): big-endian two's complement. */
  readS16(field = 's16'): number {
    return (this.readU16(field) << 16) >> 16;
  }

  /** s32 (BOLT 1): big-endian two's complement. */
  readS32(field = 's32'): number {
    return this.readU32(field) | 0;
  }

  /** s64 (BOLT 1): big-endian two's complement. */
  readS64(field = 's64'): bigint {
    return BigInt.asIntN(64, this.readU64(field));
  }

  /** Reads `n` bytes as a view into the input (copy it if you keep and mutate it). */
  readBytes(n: number, field = 'bytes'): Uint8Array {
    this.#need(n, field);
    const out = this.bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** Everything left. */
  readRest(): Uint8Array {
    const out = this.bytes.subarray(this.#pos);
    this.#pos = this.bytes.length;
    return out;
  }

  /**
   * BigSize (BOLT 1 Appendix A): 1, 3, 5 or 9 bytes, big-endian, and only the shortest
   * encoding is accepted.
   */
  readBigSize(field = 'bigsize'): bigint {
    const first = this.readU8(field);
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.readU16(field);
      if (v < 0xfd) throw new WireError('wire.bigsize_not_canonical', `${field}: decoded bigsize is not canonical`);
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.readU32(field);
      if (v < 0x10000) throw new WireError('wire.bigsize_not_canonical', `${field}: decoded bigsize is not canonical`);
      return BigInt(v);
    }
    const v = this.readU64(field);
    if (v < 0x100000000n) throw new WireError('wire.bigsize_not_canonical', `${field}: decoded bigsize is not canonical`);
    return v;
  }

  /** BigSize that must fit a JS number (lengths, counts). */
  readBigSizeNumber(field = 'bigsize'): number {
    const v = this.readBigSize(field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw eof(field);
    return Number(v);
  }

  /**
   * Truncated unsigned integer (tu16/tu32/tu64, BOLT 1): the rest of this reader, at most
   * `maxBytes` bytes, with no leading zero byte.
   */
  readTruncated(maxBytes: 2 | 4 | 8, field = 'tu'): bigint {
    const n = this.remaining;
    if (n > maxBytes) throw new WireError('wire.bad_value', `${field}: truncated integer longer than ${maxBytes} bytes`);
    const bytes = this.readBytes(n, field);
    if (n > 0 && bytes[0] === 0) throw new WireError('wire.tu_not_minimal', `${field}: truncated integer is not minimal`);
    let v = 0n;
    for (const byte of bytes) v = (v << 8n) | BigInt(byte);
    return v;
  }

  /** Throws `wire.trailing_bytes` unless the reader is exhausted. */
  expectEnd(field = 'message'): void {
    if (!this.atEnd) throw new WireError('wire.trailing_bytes', `${field}: ${this.remaining} unexpected trailing bytes`);
  }
}
