/**
 * 5-bit groups ("field elements", bech32 words) and the values BOLT 11 packs into them:
 * big-endian bytes padded with zero bits, unsigned integers, and bit strings. Words are kept in
 * Uint8Arrays (each 0..31).
 */
import { Bolt11ParseError } from './errors';

/** The bech32 alphabet: word w is written as CHARSET[w]; tag letters are the words of their types. */
export const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/**
 * Regroups a big-endian bit stream from `from`-bit to `to`-bit groups (5 → 8 for words to bytes,
 * 8 → 5 for bytes to words). Returns the full groups and the leftover bits (count and value).
 */
function regroup(input: Uint8Array, from: number, to: number, out: Uint8Array): { bits: number; rest: number } {
  const mask = (1 << to) - 1;
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    acc = ((acc << from) | input[i]!) & 0xfff;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out[n++] = (acc >> bits) & mask;
    }
  }
  return { bits, rest: acc & ((1 << bits) - 1) };
}

/**
 * Bytes from words, big-endian. BIP 173 padding rules: at most 4 leftover bits, all zero (BOLT 11
 * writer: "MUST pad field data to a multiple of 5 bits, using 0s"). Throws `bolt11.bad_padding`.
 */
export function wordsToBytes(words: Uint8Array, field: string): Uint8Array {
  const out = new Uint8Array(Math.floor((words.length * 5) / 8));
  const { bits, rest } = regroup(words, 5, 8, out);
  if (bits > 4) throw new Bolt11ParseError('bolt11.bad_padding', `${field}: ${bits} padding bits (at most 4 allowed)`);
  if (rest !== 0) throw new Bolt11ParseError('bolt11.bad_padding', `${field}: non-zero padding bits`);
  return out;
}

/**
 * Bytes from words with whatever bits are left over dropped, for the signed data: "the data part
 * (excluding the signature), with 0 bits appended to pad to a byte boundary" (BOLT 11 data part).
 */
export function wordsToBytesPadded(words: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((words.length * 5) / 8));
  const { bits, rest } = regroup(words, 5, 8, out);
  if (bits > 0) out[out.length - 1] = (rest << (8 - bits)) & 0xff;
  return out;
}

/** Words from bytes, big-endian, the last word padded with zero bits. */
export function bytesToWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((bytes.length * 8) / 5));
  const { bits, rest } = regroup(bytes, 8, 5, out);
  if (bits > 0) out[out.length - 1] = (rest << (5 - bits)) & 31;
  return out;
}

/**
 * An unsigned big-endian integer from words (e.g. `x`, `c`, the timestamp). Values above
 * 2^53 - 1 are `bolt11.field_too_large`; the caller checks minimality.
 */
export function wordsToUint(words: Uint8Array, field: string): number {
  let v = 0;
  for (let i = 0; i < words.length; i++) {
    v = v * 32 + words[i]!;
    if (v > Number.MAX_SAFE_INTEGER) throw new Bolt11ParseError('bolt11.field_too_large', `${field} is above 2^53 - 1`);
  }
  return v;
}

/** The fewest words that hold `v` (none for 0): "no leading 0 field-elements". */
export function uintToWords(v: number): Uint8Array {
  const out: number[] = [];
  for (let n = v; n > 0; n = Math.floor(n / 32)) out.push(n % 32);
  return Uint8Array.from(out.reverse());
}

/** `v` in exactly `count` words (the 35-bit timestamp is 7). */
export function uintToFixedWords(v: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let n = v;
  for (let i = count - 1; i >= 0; i--) {
    out[i] = n % 32;
    n = Math.floor(n / 32);
  }
  return out;
}

/** A bit string from words, bit 0 being the least significant bit of the last word (the `9` field). */
export function wordsToBitmask(words: Uint8Array): bigint {
  if (words.length === 0) return 0n;
  // Through a binary string: linear time, where shifting a bigint per word would be quadratic.
  const parts = new Array<string>(words.length);
  for (let i = 0; i < words.length; i++) parts[i] = words[i]!.toString(2).padStart(5, '0');
  return BigInt('0b' + parts.join(''));
}

/** The fewest words that hold the bitmask (none for 0). */
export function bitmaskToWords(mask: bigint): Uint8Array {
  if (mask === 0n) return new Uint8Array(0);
  const binary = mask.toString(2);
  const padded = binary.padStart(Math.ceil(binary.length / 5) * 5, '0');
  const out = new Uint8Array(padded.length / 5);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(padded.slice(i * 5, i * 5 + 5), 2);
  return out;
}
