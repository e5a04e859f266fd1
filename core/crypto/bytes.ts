/**
 * Byte helpers shared by every layer: hex, concatenation, constant-time comparison,
 * labelled assertions, zeroing. Core code uses Uint8Array, never Buffer.
 */
import { GlasswingError } from '../errors';

export class CryptoError extends GlasswingError {}

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

/**
 * Lowercase hex. Built with one `join` so the result is a flat string: appending per byte would
 * make a rope of one node per byte (megabytes of heap for a 64 KB input, as peer-supplied data
 * can be). Plain arrays and strings only, so this also runs in the renderer bundle.
 */
export function toHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX_PAIRS[bytes[i]!]!;
  return parts.join('');
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** Parses hex (either case, optional 0x). Throws CryptoError `bytes.bad_hex` naming `field`. */
export function fromHex(hex: string, field = 'hex'): Uint8Array {
  if (typeof hex !== 'string') throw new CryptoError('bytes.bad_hex', `${field}: expected a hex string`);
  const s = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0) throw new CryptoError('bytes.bad_hex', `${field}: hex has an odd number of digits`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new CryptoError('bytes.bad_hex', `${field}: not a hex digit at position ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Below this, zeroed arrays are as cheap (V8 allocates them in its young generation). */
const UNINITIALIZED_MIN_BYTES = 4096;

type BufferLike = { allocUnsafeSlow(size: number): Uint8Array };
const nodeBuffer: BufferLike | undefined = (globalThis as { Buffer?: BufferLike }).Buffer;

/**
 * `length` bytes whose contents are unspecified — not zeroed, possibly old memory — for an output
 * the caller writes in full before anyone reads it (a BOLT 8 frame, a join of parts). Zeroing a
 * 64 KiB array costs about ten times copying it (measured: 13.5 µs against 1.4 µs, bench/transport);
 * where the runtime has Node's Buffer, large arrays skip it (an unpooled allocation: the array owns
 * its whole ArrayBuffer). A plain zeroed Uint8Array elsewhere and below 4 KiB.
 */
export function uninitializedBytes(length: number): Uint8Array {
  if (nodeBuffer === undefined || length < UNINITIALIZED_MIN_BYTES) return new Uint8Array(length);
  const b = nodeBuffer.allocUnsafeSlow(length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = uninitializedBytes(len); // every byte is written below
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time equality for equal-length inputs (length itself is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic comparison, as BOLTs use for ordering keys and outputs. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Overwrites secret material in place. */
export function zeroize(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

/** Labelled assertion used at layer edges: names the field in the error. */
export function assertBytes(value: unknown, length: number | undefined, field: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CryptoError('bytes.not_bytes', `${field}: expected bytes`);
  if (length !== undefined && value.length !== length) {
    throw new CryptoError('bytes.bad_length', `${field}: expected ${length} bytes, got ${value.length}`, {
      field,
      expected: length,
      actual: value.length,
    });
  }
}

export function bigintToBytes(n: bigint, length: number): Uint8Array {
  if (n < 0n) throw new CryptoError('bytes.negative', 'cannot encode a negative integer');
  const out = new Uint8Array(length);
  // 64 bits at a time: a scalar is 4 bigint steps, not 32 (each step allocates a bigint; the
  // blinding's scalar math runs on every onion message peeled).
  const view = new DataView(out.buffer);
  let v = n;
  let i = length;
  for (; i >= 8 && v !== 0n; i -= 8) {
    view.setBigUint64(i - 8, BigInt.asUintN(64, v));
    v >>= 64n;
  }
  for (; i > 0 && v !== 0n; i--) {
    out[i - 1] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new CryptoError('bytes.overflow', `integer does not fit in ${length} bytes`);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  let i = 0;
  for (const head = bytes.length % 8; i < head; i++) v = (v << 8n) | BigInt(bytes[i]!);
  if (i === bytes.length) return v;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (; i < bytes.length; i += 8) v = (v << 64n) | view.getBigUint64(i);
  return v;
}

/** UTF-8 helpers (TextEncoder is available in Node and browsers). */
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
export const utf8 = {
  encode: (s: string): Uint8Array => utf8Encoder.encode(s),
  /** Throws CryptoError `bytes.bad_utf8` for invalid UTF-8. */
  decode: (b: Uint8Array, field = 'string'): string => {
    try {
      return utf8Decoder.decode(b);
    } catch {
      throw new CryptoError('bytes.bad_utf8', `${field}: invalid UTF-8`);
    }
  },
};
