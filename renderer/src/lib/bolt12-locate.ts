/**
 * Where in a pasted BOLT 12 string an error happened. `decodeBolt12` (the node) says WHAT is
 * wrong; this maps it back onto the characters the person pasted, so the decoder can mark the
 * spot: the mixed-case letter, the character outside the bech32 alphabet, the stray `+`, or the
 * characters that carry the TLV record an error is about.
 *
 * It reads only the string's shape (BOLT 12 "Encoding": bech32 data without a checksum, `+`
 * continuations; BOLT 1 TLV records with BigSize type and length) and never throws.
 */
import { fieldNamedIn, BOLT12_FIELDS } from './bolt12-fields';

/** bech32 data characters (BIP 173), value = index. */
export const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

export interface CharRange {
  /** Index in the input of the first character, and one past the last. */
  readonly start: number;
  readonly end: number;
}

export interface RecordSpan extends CharRange {
  /** TLV type as a decimal string. */
  readonly type: string;
}

export interface Bolt12Layout {
  /** The human-readable prefix (`lno`, `lnr`, `lni`), when there is a separator. */
  readonly prefix: CharRange | null;
  /** Each TLV record that could be read, in order. */
  readonly records: readonly RecordSpan[];
  /** Where the TLV stream stopped making sense (truncated or malformed), if it did. */
  readonly broken: CharRange | null;
}

export interface Bolt12ErrorSpot {
  /** Characters to mark, or null when the problem is an absent field or the string as a whole. */
  readonly range: CharRange | null;
  /** The field the error is about, if it names one. */
  readonly field: string | null;
  /** The TLV type concerned, if known. */
  readonly recordType: string | null;
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
const isBech32 = (c: string | undefined): boolean => c !== undefined && BECH32_CHARSET.includes(c.toLowerCase());

/** Indexes in `input` of the data characters (after the separator, `+` and whitespace skipped). */
function dataIndexes(input: string, sep: number): number[] {
  const out: number[] = [];
  for (let i = sep + 1; i < input.length; i++) {
    const c = input[i]!;
    if (c === '+' || isSpace(c)) continue;
    out.push(i);
  }
  return out;
}

/** Reads a BigSize (BOLT 1) at `at`; null when the bytes end first. */
function readBigSize(bytes: readonly number[], at: number): { value: bigint; next: number } | null {
  const first = bytes[at];
  if (first === undefined) return null;
  const width = first < 0xfd ? 0 : first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
  if (width === 0) return { value: BigInt(first), next: at + 1 };
  if (at + 1 + width > bytes.length) return null;
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[at + 1 + i]!);
  return { value: v, next: at + 1 + width };
}

/** The record structure of a BOLT 12 string, as far as it can be read. */
export function bolt12Layout(input: string): Bolt12Layout {
  const sep = input.indexOf('1');
  if (sep <= 0) return { prefix: null, records: [], broken: null };
  const prefix = { start: 0, end: sep };
  const idx = dataIndexes(input, sep);
  const values: number[] = [];
  for (const i of idx) {
    const v = BECH32_CHARSET.indexOf(input[i]!.toLowerCase());
    if (v === -1) break;
    values.push(v);
  }
  // 5-bit groups to bytes; byte k covers data characters floor(8k/5) ..= floor((8k+7)/5).
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const v of values) {
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  const charsOf = (fromByte: number, toByte: number): CharRange => {
    const first = Math.floor((fromByte * 8) / 5);
    const last = Math.min(Math.floor((toByte * 8 - 1) / 5), idx.length - 1);
    return { start: idx[Math.min(first, idx.length - 1)] ?? input.length, end: (idx[Math.max(first, last)] ?? input.length - 1) + 1 };
  };
  const records: RecordSpan[] = [];
  let at = 0;
  let broken: CharRange | null = null;
  let previous = -1n;
  while (at < bytes.length) {
    const type = readBigSize(bytes, at);
    const length = type ? readBigSize(bytes, type.next) : null;
    if (!type || !length || length.next + Number(length.value) > bytes.length || type.value <= previous) {
      broken = charsOf(at, bytes.length);
      break;
    }
    const end = length.next + Number(length.value);
    records.push({ type: type.value.toString(), ...charsOf(at, end) });
    previous = type.value;
    at = end;
  }
  return { prefix, records, broken };
}

function firstMixedCase(input: string): number | null {
  let upper: boolean | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c.toLowerCase() === c.toUpperCase()) continue;
    const isUpper = c === c.toUpperCase();
    if (upper === null) upper = isUpper;
    else if (upper !== isUpper) return i;
  }
  return null;
}

function firstInvalidCharacter(input: string): number | null {
  const sep = input.indexOf('1');
  for (let i = sep + 1; i < input.length; i++) {
    const c = input[i]!;
    if (c === '+' || isSpace(c)) continue;
    if (!isBech32(c)) return i;
  }
  return null;
}

function firstBadContinuation(input: string): number | null {
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === '+') {
      let j = i + 1;
      while (isSpace(input[j])) j++;
      if (!isBech32(input[i - 1]) || !isBech32(input[j])) return i;
    } else if (isSpace(c)) {
      // Whitespace may only follow a "+" (possibly after more whitespace).
      let j = i - 1;
      while (isSpace(input[j])) j--;
      if (input[j] !== '+' && i > 0 && i < input.trimEnd().length) return i;
    }
  }
  return null;
}

const one = (i: number | null): CharRange | null => (i === null ? null : { start: i, end: i + 1 });

/** The characters an error of `decodeBolt12` is about (see Bolt12ErrorSpot). */
export function locateBolt12Error(input: string, error: { readonly code: string; readonly message: string }, layout = bolt12Layout(input)): Bolt12ErrorSpot {
  const none = { range: null, field: null, recordType: null };
  switch (error.code) {
    case 'bolt12.parse.mixed_case':
      return { ...none, range: one(firstMixedCase(input)) };
    case 'bolt12.parse.invalid_character':
      return { ...none, range: one(firstInvalidCharacter(input)) };
    case 'bolt12.parse.bad_continuation':
      return { ...none, range: one(firstBadContinuation(input)) };
    case 'bolt12.parse.unknown_prefix':
      return { ...none, range: layout.prefix };
    case 'bolt12.parse.missing_separator':
    case 'bolt12.parse.empty':
      return none;
    case 'bolt12.parse.bad_padding': {
      const last = input.trimEnd().length - 1;
      return { ...none, range: last >= 0 ? one(last) : null };
    }
    case 'bolt12.parse.bad_tlv':
      return { ...none, range: layout.broken };
  }
  const typeMatch = /\btype (\d+)\b/.exec(error.message);
  if ((error.code === 'bolt12.parse.unknown_even_type' || error.code === 'bolt12.parse.type_out_of_range') && typeMatch) {
    const span = layout.records.find((r) => r.type === typeMatch[1]);
    return { range: span ? { start: span.start, end: span.end } : null, field: null, recordType: typeMatch[1]! };
  }
  const field = fieldNamedIn(error.message) ?? fieldNamedIn(error.code.replace(/^[a-z_]+\./, ''));
  if (field) {
    const type = String(BOLT12_FIELDS[field]!.type);
    const span = layout.records.find((r) => r.type === type);
    return { range: span ? { start: span.start, end: span.end } : null, field, recordType: type };
  }
  return none;
}

export interface MarkedPiece {
  readonly text: string;
  /** Numbers (1-based) of the errors marking this piece; empty for plain text. */
  readonly marks: readonly number[];
}

/** Splits `input` into pieces, each plain or marked by one or more errors (numbered from 1). */
export function markPieces(input: string, ranges: readonly (CharRange | null)[]): MarkedPiece[] {
  const cuts = new Set<number>([0, input.length]);
  for (const r of ranges) if (r) {
    cuts.add(Math.max(0, Math.min(r.start, input.length)));
    cuts.add(Math.max(0, Math.min(r.end, input.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces: MarkedPiece[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i]!, points[i + 1]!];
    if (a === b) continue;
    const marks = ranges.flatMap((r, n) => (r && r.start <= a && b <= r.end ? [n + 1] : []));
    const prev = pieces.at(-1);
    if (prev && prev.marks.join() === marks.join()) pieces[pieces.length - 1] = { text: prev.text + input.slice(a, b), marks };
    else pieces.push({ text: input.slice(a, b), marks });
  }
  return pieces;
}
