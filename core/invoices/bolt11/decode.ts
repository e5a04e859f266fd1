/**
 * Reading a BOLT 11 invoice: `parseBolt11` takes the string apart (every parse rule), then
 * `analyzeBolt11` applies the reader requirements and checks the signature, collecting every
 * semantic error; `decodeBolt11` returns the invoice or throws the first error.
 */
import { equalBytes, sha256, utf8 } from '../../crypto';
import { FEATURES, FeatureVector } from '../../wire';
import { decodeBech32 } from './bech32';
import { Bolt11Error, Bolt11ParseError, Bolt11SemanticError } from './errors';
import type { Bolt11Fallback } from './fallback';
import type { Bolt11Field, RouteHintHop } from './fields';
import { readField } from './fields';
import type { Bolt11Network } from './hrp';
import { parseHrp } from './hrp';
import type { Bolt11Signature } from './signature';
import { SIGNATURE_WORDS, readSignature, recoverPayee, signingHash, verifyPayee } from './signature';
import { wordsToUint } from './words';

/** "timestamp: seconds-since-1970 (35 bits, big-endian)": 7 words. */
export const TIMESTAMP_WORDS = 7;
/** `x` absent: "Default is 3600 (1 hour) if not specified." */
export const DEFAULT_EXPIRY_SECONDS = 3600;
/** `c` absent: "MUST use an expiry delta of at least 18 when making the payment". */
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18;

export interface DecodeOptions {
  /**
   * p, h, s or n fields whose data_length is not 52, 52, 52, 53. `fail` (default) is the reader
   * requirement since lightning/bolts#1243: "MUST fail the payment if any field with fixed
   * data_length ... does not have the correct length". `skip` is the rule before it ("MUST skip
   * over ... p, h or n fields that do NOT have data_lengths of 52, 52 or 53"), which the spec's
   * example "including fields which must be ignored" still follows.
   */
  readonly fixedLengthFields?: 'fail' | 'skip';
}

/** An invoice taken apart, before the reader requirements are applied. */
export interface ParsedBolt11 {
  /** The human-readable part, lower case. */
  readonly hrp: string;
  readonly network: Bolt11Network;
  /** `ln` + currency, e.g. `lnbc`. */
  readonly prefix: string;
  /** Undefined when the invoice names no amount. */
  readonly amountMsat: bigint | undefined;
  /** Seconds since 1970-01-01 UTC. */
  readonly timestamp: number;
  /** Every tagged field in string order, skipped ones included. */
  readonly fields: readonly Bolt11Field[];
  readonly signature: Bolt11Signature;
  /** SHA256 of hrp || data part before the signature (what the signature signs). */
  readonly signingHash: Uint8Array;
}

/** A BOLT 11 invoice that passed every reader requirement. Single-valued fields are the first of their kind. */
export interface Bolt11Invoice extends ParsedBolt11 {
  /** The invoice string, lower case. */
  readonly string: string;
  /** `p`: "SHOULD use the first p field as the payment hash". */
  readonly paymentHash: Uint8Array;
  /** `s`: "MUST use the s field as payment_secret". */
  readonly paymentSecret: Uint8Array;
  /** `d`, when the invoice carries its description. */
  readonly description: string | undefined;
  /** `h`, when it carries only the description's SHA256. */
  readonly descriptionHash: Uint8Array | undefined;
  /** `m`: "MUST use that as payment_metadata". */
  readonly metadata: Uint8Array | undefined;
  /** The payee: the `n` field, or the key recovered from the signature. */
  readonly payeeNodeId: Uint8Array;
  readonly payeeNodeIdFrom: 'n_field' | 'recovery';
  /** `x`, or the default 3600. */
  readonly expirySeconds: number;
  /** `c`, or the default 18. */
  readonly minFinalCltvExpiryDelta: number;
  /** Every `f` field of a known version, most preferred first. */
  readonly fallbacks: readonly Bolt11Fallback[];
  /** One route per `r` field, most preferred first. */
  readonly routeHints: readonly (readonly RouteHintHop[])[];
  /** `9`, or no features. */
  readonly features: FeatureVector;
}

/** Takes a string apart. Throws `Bolt11ParseError`. */
export function parseBolt11(input: string, opts: DecodeOptions = {}): ParsedBolt11 {
  const { hrp, words } = decodeBech32(input);
  const { network, prefix, amountMsat } = parseHrp(hrp);
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) {
    throw new Bolt11ParseError('bolt11.too_short', `the data part has ${words.length} 5-bit groups, fewer than a timestamp and a signature (${TIMESTAMP_WORDS + SIGNATURE_WORDS})`);
  }
  const timestamp = wordsToUint(words.subarray(0, TIMESTAMP_WORDS), 'timestamp');
  const end = words.length - SIGNATURE_WORDS;
  const fields: Bolt11Field[] = [];
  const readOpts = { fixedLengthFields: opts.fixedLengthFields ?? 'fail' } as const;
  let at = TIMESTAMP_WORDS;
  while (at < end) {
    // "type (5 bits), data_length (10 bits, big-endian), data (data_length x 5 bits)".
    if (at + 3 > end) throw new Bolt11ParseError('bolt11.truncated_field', `a field header at 5-bit group ${at} runs into the signature`);
    const type = words[at]!;
    const length = words[at + 1]! * 32 + words[at + 2]!;
    if (at + 3 + length > end) throw new Bolt11ParseError('bolt11.truncated_field', `a field of data_length ${length} at 5-bit group ${at} runs into the signature`);
    fields.push(readField(type, words.slice(at + 3, at + 3 + length), readOpts));
    at += 3 + length;
  }
  const signature = readSignature(words.subarray(end));
  return { hrp, network, prefix, amountMsat, timestamp, fields, signature, signingHash: signingHash(hrp, words.subarray(0, end)) };
}

type FieldOf<T extends Bolt11Field['tag']> = Extract<Bolt11Field, { tag: T }>;

/** The first field with `tag`, or undefined. */
export function firstField<T extends Bolt11Field['tag']>(fields: readonly Bolt11Field[], tag: T): FieldOf<T> | undefined {
  return fields.find((f): f is FieldOf<T> => f.tag === tag);
}

/** Every field with `tag`, in order. */
export function allFields<T extends Bolt11Field['tag']>(fields: readonly Bolt11Field[], tag: T): FieldOf<T>[] {
  return fields.filter((f): f is FieldOf<T> => f.tag === tag);
}

export interface Bolt11Analysis {
  /** Undefined when the string did not parse (then `errors` holds that one parse error). */
  readonly parsed: ParsedBolt11 | undefined;
  /** The payee when it could be established (from `n` and a valid signature, or by recovery). */
  readonly payeeNodeId: Uint8Array | undefined;
  /** Set exactly when `errors` is empty. */
  readonly invoice: Bolt11Invoice | undefined;
  readonly errors: readonly Bolt11Error[];
}

/** Parses and applies every reader requirement, collecting the errors. Never throws for bad input. */
export function analyzeBolt11(input: string, opts: DecodeOptions = {}): Bolt11Analysis {
  let parsed: ParsedBolt11;
  try {
    parsed = parseBolt11(input, opts);
  } catch (e) {
    if (e instanceof Bolt11Error) return { parsed: undefined, payeeNodeId: undefined, invoice: undefined, errors: [e] };
    throw e;
  }
  const errors: Bolt11Error[] = [];
  const f = parsed.fields;
  const p = firstField(f, 'p');
  const s = firstField(f, 's');
  const d = firstField(f, 'd');
  const h = firstField(f, 'h');
  const n = firstField(f, 'n');
  const nine = firstField(f, '9');
  // Writer: "MUST include exactly one p field"; the payer needs it.
  if (!p) errors.push(new Bolt11SemanticError('bolt11.no_payment_hash'));
  // Reader: "if a valid s field is not provided: MUST fail the payment."
  if (!s) errors.push(new Bolt11SemanticError('bolt11.no_payment_secret'));
  // Reader: "MUST fail the payment if neither a d field nor a h field is present, or if both are present."
  if (!d && !h) errors.push(new Bolt11SemanticError('bolt11.no_description'));
  if (d && h) errors.push(new Bolt11SemanticError('bolt11.both_descriptions'));
  const features = nine?.features ?? FeatureVector.EMPTY;
  // Reader: "if the 9 field contains unknown odd bits that are non-zero: MUST ignore the bit. If
  // ... unknown even bits that are non-zero: MUST fail the payment. SHOULD indicate the unknown bit."
  const unknownEven = features.unknownRequiredBits(FEATURES);
  if (unknownEven.length > 0) {
    errors.push(new Bolt11SemanticError('bolt11.unknown_required_feature', `the 9 field requires unknown feature bit${unknownEven.length > 1 ? 's' : ''} ${unknownEven.join(', ')}`, { bits: unknownEven }));
  }
  // Reader: "if the feature vector does not set all known, transitive feature dependencies: MUST
  // NOT attempt the payment." (A dependency on an ASSUMED feature is met by default.)
  const missing = features.missingDependencies(FEATURES);
  if (missing.length > 0) {
    const m = missing[0]!;
    errors.push(new Bolt11SemanticError('bolt11.missing_feature_dependency', `feature ${m.feature} is set without ${m.missing}`, { missing }));
  }
  let payeeNodeId: Uint8Array | undefined;
  try {
    // Reader: "MUST check that the signature is valid": against n when present, else by recovery.
    if (n) {
      verifyPayee(parsed.signature, parsed.signingHash, n.payeeNodeId);
      payeeNodeId = n.payeeNodeId;
    } else {
      payeeNodeId = recoverPayee(parsed.signature, parsed.signingHash);
    }
  } catch (e) {
    if (!(e instanceof Bolt11Error)) throw e;
    errors.push(e);
  }
  if (errors.length > 0 || !p || !s || !payeeNodeId) return { parsed, payeeNodeId, invoice: undefined, errors };
  const x = firstField(f, 'x');
  const c = firstField(f, 'c');
  const invoice: Bolt11Invoice = {
    ...parsed,
    string: input.toLowerCase(),
    paymentHash: p.paymentHash,
    paymentSecret: s.paymentSecret,
    description: d?.description,
    descriptionHash: h?.descriptionHash,
    metadata: firstField(f, 'm')?.metadata,
    payeeNodeId,
    payeeNodeIdFrom: n ? 'n_field' : 'recovery',
    expirySeconds: x?.expirySeconds ?? DEFAULT_EXPIRY_SECONDS,
    minFinalCltvExpiryDelta: c?.minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
    fallbacks: allFields(f, 'f').map((x) => x.fallback),
    routeHints: allFields(f, 'r').map((r) => r.route),
    features,
  };
  return { parsed, payeeNodeId, invoice, errors };
}

/**
 * Decodes a BOLT 11 invoice and applies every reader requirement. Throws the first
 * `Bolt11ParseError` or `Bolt11SemanticError`; never any other error for any string.
 */
export function decodeBolt11(input: string, opts: DecodeOptions = {}): Bolt11Invoice {
  const a = analyzeBolt11(input, opts);
  if (a.invoice) return a.invoice;
  throw a.errors[0]!;
}

/** Seconds since 1970 after which the invoice has expired: timestamp + expiry. */
export function bolt11ExpiresAt(invoice: Pick<Bolt11Invoice, 'timestamp' | 'expirySeconds'>): number {
  return invoice.timestamp + invoice.expirySeconds;
}

/** Payer: "after the timestamp plus expiry has passed: SHOULD NOT attempt a payment." */
export function isBolt11Expired(invoice: Pick<Bolt11Invoice, 'timestamp' | 'expirySeconds'>, nowSeconds: number): boolean {
  return nowSeconds > bolt11ExpiresAt(invoice);
}

/**
 * Reader: "MUST check that the SHA2 256-bit hash in the h field exactly matches the hashed
 * description." For an invoice with `h`, the description arrives by other means; with `d`, the
 * description must be that text. Throws `bolt11.description_hash_mismatch`.
 */
export function assertBolt11Description(invoice: Pick<Bolt11Invoice, 'description' | 'descriptionHash'>, description: string): void {
  const ok = invoice.descriptionHash
    ? equalBytes(sha256(utf8.encode(description)), invoice.descriptionHash)
    : invoice.description === description;
  if (!ok) throw new Bolt11SemanticError('bolt11.description_hash_mismatch');
}
