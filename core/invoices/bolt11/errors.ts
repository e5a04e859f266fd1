/**
 * BOLT 11 errors. Two families, never mixed:
 *
 * - `Bolt11ParseError` — the string is not a well-formed invoice: bech32, the human-readable part,
 *   the data part's layout, or a field whose data does not decode. Decoding stops at the first.
 * - `Bolt11SemanticError` — the invoice decodes but breaks a reader requirement (or, from the
 *   builder, a writer requirement). A reader collects every one of them.
 *
 * Both extend `Bolt11Error`. Each code is stable and its line below says what it means.
 */
import { GlasswingError } from '../../errors';

/** Parse error codes (stable). */
export const BOLT11_PARSE_ERRORS = {
  'bolt11.not_a_string': 'the input is not a string',
  'bolt11.invalid_character': 'a character outside the bech32 alphabet (or outside printable ASCII in the prefix)',
  'bolt11.mixed_case': 'the string mixes upper and lower case (BIP 173: all one case)',
  'bolt11.no_separator': 'no "1" separates a non-empty human-readable part from the data',
  'bolt11.bad_checksum': 'the bech32 checksum is incorrect (reader: MUST fail the payment)',
  'bolt11.unknown_network': 'the prefix is not ln followed by a known currency (bc, tb, tbs, bcrt, sb)',
  'bolt11.invalid_amount': 'the amount is not a positive decimal integer without leading zeros',
  'bolt11.invalid_multiplier': 'the amount is followed by something other than the multiplier m, u, n or p',
  'bolt11.sub_millisatoshi_amount': 'the p multiplier is used and the last decimal of the amount is not 0',
  'bolt11.amount_too_large': 'the amount is more than 2^64 - 1 millisatoshi',
  'bolt11.too_short': 'the data part is shorter than a timestamp and a signature',
  'bolt11.truncated_field': "a tagged field's data_length runs into the signature",
  'bolt11.bad_field_length': 'a field of fixed data_length (p, h, s: 52; n: 53) has another length',
  'bolt11.bad_padding': 'field data ends with more than 4 padding bits, or non-zero ones (writer: MUST pad using 0s)',
  'bolt11.invalid_description': 'the d field is not valid UTF-8',
  'bolt11.invalid_node_id': 'the n field is not a public key on secp256k1',
  'bolt11.invalid_fallback': 'an f field of a known version does not hold a valid witness program, P2PKH or P2SH hash',
  'bolt11.invalid_route_hint': 'an r field is empty, is not whole 51-byte entries, or names an invalid public key',
  'bolt11.non_minimal_field': 'a c, x or 9 field begins with 0 field elements (reader: SHOULD treat the invoice as invalid)',
  'bolt11.field_too_large': 'an x or c value is above 2^53 - 1, more than this decoder represents',
  'bolt11.invalid_recovery_id': 'the signature recovery id is not 0, 1, 2 or 3',
} as const;
export type Bolt11ParseErrorCode = keyof typeof BOLT11_PARSE_ERRORS;

/** Semantic error codes (stable): reader requirements, then writer requirements (builder only). */
export const BOLT11_SEMANTIC_ERRORS = {
  'bolt11.no_payment_hash': 'there is no p field (payment_hash)',
  'bolt11.no_payment_secret': 'there is no s field (reader: if a valid s field is not provided, MUST fail the payment)',
  'bolt11.no_description': 'neither a d nor an h field is present (reader: MUST fail the payment)',
  'bolt11.both_descriptions': 'both a d and an h field are present (reader: MUST fail the payment)',
  'bolt11.unknown_required_feature': 'the 9 field sets an unknown even feature bit (reader: MUST fail the payment)',
  'bolt11.missing_feature_dependency': 'the 9 field does not set all known, transitive feature dependencies (MUST NOT attempt the payment)',
  'bolt11.signature_not_recoverable': 'no public key can be recovered from the signature and its recovery id',
  'bolt11.high_s_signature': 'the n field is present and the signature is not low-S (reader: MUST fail the payment)',
  'bolt11.invalid_signature': 'the signature is not valid for the public key in the n field',
  'bolt11.description_hash_mismatch': 'the description does not hash to the h field (reader: MUST check it matches exactly)',
  'bolt11.unsupported_network': 'the invoice is for a network this node does not pay on',
  'bolt11.expired': 'timestamp + expiry has passed (payer: SHOULD NOT attempt a payment)',

  'bolt11.writer.invalid_parameter': 'a builder parameter breaks a writer requirement (named in the message)',
  'bolt11.writer.field_too_long': 'a field needs more than 1023 5-bit groups (639 bytes), the most data_length allows',
  'bolt11.writer.wrong_signing_key': 'the key given to sign() is not the key of the n field',
} as const;
export type Bolt11SemanticErrorCode = keyof typeof BOLT11_SEMANTIC_ERRORS;

export type Bolt11ErrorCode = Bolt11ParseErrorCode | Bolt11SemanticErrorCode;

/** Any deliberate BOLT 11 failure. */
export class Bolt11Error extends GlasswingError {
  declare readonly code: Bolt11ErrorCode;
}

/** The string is not a well-formed BOLT 11 invoice. */
export class Bolt11ParseError extends Bolt11Error {
  declare readonly code: Bolt11ParseErrorCode;
  constructor(code: Bolt11ParseErrorCode, message?: string, details?: Record<string, unknown>) {
    super(code, message ?? BOLT11_PARSE_ERRORS[code], details);
  }
}

/** A well-formed invoice (or builder input) that breaks a BOLT 11 requirement. */
export class Bolt11SemanticError extends Bolt11Error {
  declare readonly code: Bolt11SemanticErrorCode;
  constructor(code: Bolt11SemanticErrorCode, message?: string, details?: Record<string, unknown>) {
    super(code, message ?? BOLT11_SEMANTIC_ERRORS[code], details);
  }
}

/** What a code means in general, for tools such as `glasswing decode`. */
export function explainBolt11Error(code: string): string {
  return (BOLT11_PARSE_ERRORS as Record<string, string>)[code] ?? (BOLT11_SEMANTIC_ERRORS as Record<string, string>)[code] ?? code;
}
