/**
 * The BOLT 12 string format: `hrp` + `1` + bech32 characters of the TLV bytes, with no checksum,
 * optionally split with `+` continuations (BOLT 12 "Encoding").
 */
import { Bolt12ParseError } from './errors';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHARSET_REV: Int8Array = (() => {
  const rev = new Int8Array(128).fill(-1);
  for (let i = 0; i < CHARSET.length; i++) rev[CHARSET.charCodeAt(i)] = i;
  return rev;
})();

/** Human-readable prefixes. `lno` and `lnr` are in BOLT 12; `lni` is the convention CLN uses for invoices. */
export type Bolt12Prefix = 'lno' | 'lnr' | 'lni';
export const BOLT12_PREFIXES: readonly Bolt12Prefix[] = ['lno', 'lnr', 'lni'];

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** A character that may appear in a bech32 string (prefix or data): ASCII letters and digits. */
function isBech32Char(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Removes `+` continuations. BOLT 12 reader: "if it encounters a `+` followed by zero or more
 * whitespace characters between two bech32 characters: MUST remove the `+` and whitespace."
 * A `+` anywhere else (start, end, next to another `+`) is an error, as is any other whitespace.
 */
function removeContinuations(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '+') {
      let j = i + 1;
      while (j < s.length && isWhitespace(s[j]!)) j++;
      if (!isBech32Char(s[i - 1]) || !isBech32Char(s[j])) {
        throw new Bolt12ParseError('bolt12.parse.bad_continuation', `"+" at position ${i} is not between two bech32 characters`);
      }
      i = j;
      continue;
    }
    if (!isBech32Char(c)) {
      throw new Bolt12ParseError('bolt12.parse.invalid_character', `character ${JSON.stringify(c)} at position ${i} is not allowed`);
    }
    out += c;
    i++;
  }
  return out;
}

export interface Bolt12String {
  /** The human-readable prefix, lower case. */
  readonly prefix: string;
  /** The TLV stream. */
  readonly bytes: Uint8Array;
}

/**
 * Decodes a BOLT 12 string into its prefix and bytes. Only checks the string format; the prefix
 * is returned as found (lower case) — callers check it against the kind they expect.
 */
export function decodeBolt12String(input: string): Bolt12String {
  if (typeof input !== 'string') throw new Bolt12ParseError('bolt12.parse.invalid_character', 'expected a string');
  const joined = removeContinuations(input);
  // BOLT 12 reader: "MUST handle strings which are all lowercase, or all uppercase" (and no other).
  const lower = joined.toLowerCase();
  if (joined !== lower && joined !== joined.toUpperCase()) {
    throw new Bolt12ParseError('bolt12.parse.mixed_case', 'the string mixes upper and lower case');
  }
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw new Bolt12ParseError('bolt12.parse.missing_separator', 'no "1" separates the prefix from the data');
  const prefix = lower.slice(0, sep);
  const data = lower.slice(sep + 1);
  // bech32 5-bit groups → bytes, big-endian, as BIP 173 does (but with no checksum).
  const out = new Uint8Array(Math.floor((data.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i);
    const v = code < 128 ? CHARSET_REV[code]! : -1;
    if (v < 0) {
      throw new Bolt12ParseError('bolt12.parse.invalid_character', `character ${JSON.stringify(data[i])} is not in the bech32 alphabet`);
    }
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  // BIP 173 padding: at most 4 leftover bits, all zero.
  if (bits > 4) throw new Bolt12ParseError('bolt12.parse.bad_padding', `${bits} padding bits (at most 4 allowed)`);
  if ((acc & ((1 << bits) - 1)) !== 0) throw new Bolt12ParseError('bolt12.parse.bad_padding', 'non-zero padding bits');
  return { prefix, bytes: out };
}

/** Encodes bytes as a lower-case BOLT 12 string (writers "SHOULD use lower case otherwise"). */
export function encodeBolt12String(prefix: string, bytes: Uint8Array): string {
  let out = prefix + '1';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]!) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CHARSET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += CHARSET[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * Splits a string into `+`-joined chunks of `width` characters (BOLT 12 writer: "MAY use `+`,
 * optionally followed by whitespace, to separate large bolt12 strings").
 */
export function splitBolt12String(s: string, width: number, separator = '+\n'): string {
  if (width < 1) return s;
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += width) parts.push(s.slice(i, i + width));
  return parts.join(separator);
}
