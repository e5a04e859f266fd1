/**
 * The bech32 layer of BOLT 11 (BIP 173, without its 90-character limit). The checksum is
 * computed by @scure/base; the checks before it give each malformed string its own error code.
 */
import { bech32 } from '@scure/base';
import { Bolt11ParseError, Bolt11SemanticError } from './errors';
import { CHARSET } from './words';

const CHARSET_REV: Int8Array = (() => {
  const rev = new Int8Array(128).fill(-1);
  for (let i = 0; i < CHARSET.length; i++) rev[CHARSET.charCodeAt(i)] = i;
  return rev;
})();

/** BIP 173: a checksum is six characters. */
export const CHECKSUM_LENGTH = 6;

export interface Bech32Parts {
  /** The human-readable part, lower case. */
  readonly hrp: string;
  /** The data part without the checksum, as 5-bit words. */
  readonly words: Uint8Array;
}

/**
 * Splits a BOLT 11 string into its human-readable part and data words, checking the checksum.
 * BOLT 11 reader: "MUST parse the address as Bech32, as specified in BIP-0173 (also without the
 * character limit)" — which includes accepting an all upper-case string.
 */
export function decodeBech32(input: string): Bech32Parts {
  if (typeof input !== 'string') throw new Bolt11ParseError('bolt11.not_a_string');
  // BIP 173: "The human-readable part must contain 1 to 83 US-ASCII characters, with each
  // character having a value in the range [33-126]" (we drop only the length limits).
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c < 33 || c > 126) {
      throw new Bolt11ParseError('bolt11.invalid_character', `character code ${c} at position ${i} is not printable US-ASCII`);
    }
    if (c >= 97 && c <= 122) hasLower = true;
    else if (c >= 65 && c <= 90) hasUpper = true;
  }
  // BIP 173: "Decoders MUST NOT accept strings where some characters are uppercase and some are lowercase".
  if (hasLower && hasUpper) throw new Bolt11ParseError('bolt11.mixed_case');
  const lower = input.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw new Bolt11ParseError('bolt11.no_separator');
  for (let i = sep + 1; i < lower.length; i++) {
    if (CHARSET_REV[lower.charCodeAt(i)]! < 0) {
      throw new Bolt11ParseError('bolt11.invalid_character', `${JSON.stringify(lower[i])} at position ${i} is not in the bech32 alphabet`);
    }
  }
  if (lower.length - sep - 1 < CHECKSUM_LENGTH) throw new Bolt11ParseError('bolt11.too_short', 'the data part is shorter than a checksum');
  let words: number[];
  try {
    // `false`: BOLT 11 writers "MAY exceed the 90-character limit specified in BIP-0173".
    words = bech32.decode(lower as `${string}1${string}`, false).words;
  } catch {
    // Every other reason scure has was excluded above; what is left is the checksum.
    // Reader: "if the checksum is incorrect: MUST fail the payment."
    throw new Bolt11ParseError('bolt11.bad_checksum');
  }
  return { hrp: lower.slice(0, sep), words: Uint8Array.from(words) };
}

/** Writer: "MUST encode the payment request in Bech32 (see BIP-0173)"; lower case, no length limit. */
export function encodeBech32(hrp: string, words: Uint8Array): string {
  // BIP 173: the hrp is 1 or more US-ASCII characters in [33-126], not of mixed case; data
  // values are 5 bits. Checked here so a bad parameter is our typed error, not the library's.
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) throw invalidParameter(`hrp: character code ${c} at position ${i} is not printable US-ASCII`);
    if (c >= 97 && c <= 122) hasLower = true;
    else if (c >= 65 && c <= 90) hasUpper = true;
  }
  if (hrp.length === 0) throw invalidParameter('hrp: empty');
  if (hasLower && hasUpper) throw invalidParameter('hrp: mixed case');
  if (words.some((w) => w > 31)) throw invalidParameter('data: a value above 31 is not a 5-bit group');
  return bech32.encode(hrp.toLowerCase(), Array.from(words), false);
}

function invalidParameter(message: string): Bolt11SemanticError {
  return new Bolt11SemanticError('bolt11.writer.invalid_parameter', message);
}
