/**
 * Helpers shared by every BOLT 12 message kind: string/bytes input, the result of an analysis
 * (value + every error found), record assembly for builders.
 */
import type { TlvRecord } from '../wire';
import { encodeTlvStream } from '../wire';
import { decodeBolt12String } from './bech32';
import type { Bolt12Error } from './errors';
import { Bolt12ParseError, Bolt12SemanticError } from './errors';
import type { TypeRange } from './tlv-types';
import { SIGNATURE_TLV, inRanges } from './tlv-types';
import { merkleRoot, signMerkleRoot } from './merkle';
import { equalBytes, publicKeyFromPrivate } from '../crypto';

/**
 * The outcome of reading one message: the value when the TLV stream decoded (its fields may be
 * incomplete if some failed to decode), and every parse and semantic error found, parse errors
 * first.
 */
export interface Analysis<T> {
  readonly value: T | undefined;
  readonly errors: readonly Bolt12Error[];
}

/**
 * Adds semantic errors to a parse result. Semantic checks are skipped when a known field failed to
 * decode (or was over a limit): its absence would only produce misleading "missing field" errors.
 */
export function withSemantics<T>(parsed: Analysis<T>, check: (value: T) => readonly Bolt12Error[]): Analysis<T> {
  if (!parsed.value || parsed.errors.some((e) => e.code === 'bolt12.parse.invalid_field' || e.code === 'bolt12.parse.over_limit')) return parsed;
  return { value: parsed.value, errors: [...parsed.errors, ...check(parsed.value)] };
}

/**
 * Adds the parse errors of the points a parse checked for shape only (the blinded paths' points,
 * see `blindedPathsCodec`): what a reader that uses every field must check before anything else.
 */
export function withPathPoints<T>(parsed: Analysis<T>, check: (value: T) => readonly Bolt12ParseError[]): Analysis<T> {
  if (!parsed.value) return parsed;
  const errors = check(parsed.value);
  return errors.length > 0 ? { value: parsed.value, errors: [...parsed.errors, ...errors] } : parsed;
}

/**
 * As withPathPoints, for a reader that applies every other rule first (the signature among them)
 * and checks points only for a message that passed them all: a stranger's invalid message then
 * costs no point checks, and a valid one the points it carries, once.
 */
export function withPathPointsLast<T>(checked: Analysis<T>, check: (value: T) => readonly Bolt12ParseError[]): Analysis<T> {
  return checked.errors.length > 0 ? checked : withPathPoints(checked, check);
}

/** Returns the value, or throws the first error (a Bolt12ParseError before any semantic one). */
export function unwrap<T>(a: Analysis<T>): T {
  if (a.errors.length > 0) throw a.errors[0]!;
  if (a.value === undefined) throw new Bolt12ParseError('bolt12.parse.bad_tlv', 'message did not decode');
  return a.value;
}

/** Input to a reader: a BOLT 12 string (with the expected prefix) or the raw TLV bytes. */
export function inputBytes(input: string | Uint8Array, prefix: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  const decoded = decodeBolt12String(input);
  if (decoded.prefix !== prefix) {
    throw new Bolt12ParseError('bolt12.parse.unknown_prefix', `expected prefix "${prefix}", got "${decoded.prefix}"`, {
      expected: prefix,
      actual: decoded.prefix,
    });
  }
  return decoded.bytes;
}

/** Runs `inputBytes` and turns its error into an Analysis. */
export function withInput<T>(input: string | Uint8Array, prefix: string, read: (bytes: Uint8Array) => Analysis<T>): Analysis<T> {
  let bytes: Uint8Array;
  try {
    bytes = inputBytes(input, prefix);
  } catch (e) {
    if (e instanceof Bolt12ParseError) return { value: undefined, errors: [e] };
    return { value: undefined, errors: [new Bolt12ParseError('bolt12.parse.invalid_character', 'not a BOLT 12 string')] };
  }
  return read(bytes);
}

/**
 * Checks that extra records given to a builder are odd (so every reader may ignore them), inside
 * the message's ranges, and do not collide with fields the builder writes.
 */
export function checkExtraRecords(extra: readonly TlvRecord[], ranges: readonly TypeRange[], taken: ReadonlySet<bigint>): void {
  for (const r of extra) {
    if (r.type % 2n === 0n) invalidParameter(`extra record type ${r.type} is even: only odd unknown types are safe`);
    if (!inRanges(r.type, ranges)) invalidParameter(`extra record type ${r.type} is outside the message's ranges`);
    if (taken.has(r.type)) invalidParameter(`extra record type ${r.type} collides with a known field`);
  }
}

/** Sorted records and their encoding. Duplicate types throw. */
export function assemble(records: readonly TlvRecord[]): { records: TlvRecord[]; bytes: Uint8Array } {
  const sorted = [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.type === sorted[i - 1]!.type) invalidParameter(`type ${sorted[i]!.type} appears twice`);
  }
  return { records: sorted, bytes: encodeTlvStream(sorted) };
}

export function invalidParameter(message: string): never {
  throw new Bolt12SemanticError('builder.invalid_parameter', message);
}

/** Throws the first semantic error of a writer-side check. */
export function throwFirst(errors: readonly Bolt12SemanticError[]): void {
  if (errors.length > 0) throw errors[0]!;
}

/**
 * A message whose fields are final, waiting for its BIP340 signature (BOLT 12 "Signature
 * Calculation"): the signing key must be the one the message names (invreq_payer_id,
 * invoice_node_id), and signing gives back the parsed, checked message.
 */
export class UnsignedMessage<T> {
  readonly records: readonly TlvRecord[];
  readonly bytes: Uint8Array;
  /** The Merkle root the signature covers. */
  readonly merkleRoot: Uint8Array;
  readonly #signingKey: Uint8Array;
  readonly #keyField: string;
  readonly #tag: string;
  readonly #parse: (bytes: Uint8Array) => Analysis<T>;

  constructor(records: readonly TlvRecord[], bytes: Uint8Array, signing: { key: Uint8Array; field: string; tag: string; parse: (bytes: Uint8Array) => Analysis<T> }) {
    this.records = records;
    this.bytes = bytes;
    this.merkleRoot = merkleRoot(records)!;
    this.#signingKey = signing.key;
    this.#keyField = signing.field;
    this.#tag = signing.tag;
    this.#parse = signing.parse;
  }

  /** The key that must sign. */
  get signingKey(): Uint8Array {
    return this.#signingKey;
  }

  /**
   * Signs with the secret of the signing key (writers: "MUST set signature.sig to the signature
   * using" that key). `auxRand` (32 bytes) makes the signature deterministic.
   */
  sign(secret: Uint8Array, auxRand?: Uint8Array): T {
    if (!equalBytes(publicKeyFromPrivate(secret), this.#signingKey)) {
      throw new Bolt12SemanticError('builder.wrong_signing_key', `the key does not match ${this.#keyField}`);
    }
    const sig = signMerkleRoot(this.#tag, this.merkleRoot, secret, auxRand);
    return unwrap(this.#parse(assemble([...this.records, { type: SIGNATURE_TLV, value: sig }]).bytes));
  }
}
