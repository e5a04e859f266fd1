/**
 * BOLT 12 errors. Two families, never mixed:
 *
 * - `Bolt12ParseError` — the bytes or the string are not a well-formed message of that kind:
 *   bad bech32, a broken TLV stream, an unknown even type, a type outside the ranges the message
 *   allows, or a known field whose value does not decode.
 * - `Bolt12SemanticError` — the message decodes, but breaks one of the spec's reader (or, for
 *   builders, writer) requirements. Each code is one requirement; the table below cites it.
 */
import { GlasswingError } from '../errors';

/** Parse error codes (stable). */
export const PARSE_ERRORS = {
  'bolt12.parse.mixed_case': 'the string mixes lower and upper case (BOLT 12 encoding: all lower or all upper)',
  'bolt12.parse.invalid_character': 'the string has a character that is not in the bech32 alphabet',
  'bolt12.parse.bad_continuation': 'a "+" is not between two bech32 characters (whitespace may only follow a "+")',
  'bolt12.parse.missing_separator': 'the string has no "1" separating the prefix from the data',
  'bolt12.parse.bad_padding': 'the bech32 data ends with more than 4 padding bits, or non-zero ones',
  'bolt12.parse.unknown_prefix': 'the human-readable prefix is not lno, lnr or lni (or not the one expected)',
  'bolt12.parse.bad_tlv': 'the TLV stream is malformed (truncated, not ascending, non-canonical length or type)',
  'bolt12.parse.unknown_even_type': 'an unknown even TLV type ("it\'s OK to be odd", BOLT 1)',
  'bolt12.parse.type_out_of_range': 'a TLV type outside the ranges this message may contain',
  'bolt12.parse.invalid_field': 'a known field whose value does not decode (length, UTF-8, point, sub-structure)',
  'bolt12.parse.empty': 'the message has no TLV records at all',
  'bolt12.parse.over_limit':
    'more records, paths in a field or hops in a path than any honest writer uses (the limits table, core/wire/limits.ts): refused before any costly check',
} as const;
export type Bolt12ParseErrorCode = keyof typeof PARSE_ERRORS;

/**
 * Semantic error codes (stable), one per requirement. The citation is the BOLT 12 section and
 * the requirement's wording; "(LDK)" marks static-invoice rules taken from rust-lightning.
 */
export const SEMANTIC_ERRORS = {
  // Offers — "Requirements For Offers", reader.
  'offer.unknown_required_feature': 'offer_features has an unknown even bit set (reader: MUST NOT respond)',
  'offer.empty_chains': 'offer_chains is present with zero entries (rationale: explicitly invalid)',
  'offer.unsupported_chain': 'none of the offer chains (bitcoin when offer_chains is absent) is accepted',
  'offer.missing_description': 'offer_amount is set but offer_description is not',
  'offer.zero_amount': 'offer_amount is set but not greater than zero',
  'offer.currency_without_amount': 'offer_currency is set but offer_amount is not',
  'offer.missing_issuer_id_and_paths': 'neither offer_issuer_id nor offer_paths is set',
  'offer.empty_blinded_path': 'a blinded_path in offer_paths has num_hops = 0',
  'offer.expired': 'the current time is after offer_absolute_expiry',
  'offer.zero_quantity_max_writer': 'writer: a known maximum quantity must not be 0 (0 means unlimited)',

  // Invoice requests — "Requirements for Invoice Requests", reader.
  'invoice_request.missing_metadata': 'invreq_metadata is not present',
  'invoice_request.missing_payer_id': 'invreq_payer_id is not present',
  'invoice_request.unknown_required_feature': 'invreq_features has an unknown even bit set',
  'invoice_request.missing_signature': 'an invoice_request for an offer has no signature',
  'invoice_request.invalid_signature': 'signature is not a valid BIP340 signature by invreq_payer_id over the merkle root',
  'invoice_request.empty_blinded_path': 'a blinded_path in invreq_paths has num_hops = 0',
  'invoice_request.offer_mismatch': 'the offer fields do not exactly match the offer',
  'invoice_request.missing_quantity': 'offer_quantity_max is present but invreq_quantity is not',
  'invoice_request.zero_quantity': 'invreq_quantity is zero',
  'invoice_request.quantity_exceeds_max': 'invreq_quantity is greater than a non-zero offer_quantity_max',
  'invoice_request.unexpected_quantity': 'invreq_quantity is present but offer_quantity_max is not',
  'invoice_request.amount_below_expected': 'invreq_amount is less than the expected amount (offer_amount × quantity)',
  'invoice_request.missing_amount': 'invreq_amount is required (no offer_amount, or not a response to an offer)',
  'invoice_request.unexpected_offer_field': 'an invoice_request without an offer has offer_chains, offer_features or offer_quantity_max',
  'invoice_request.unsupported_chain': 'invreq_chain (bitcoin when absent) is not a supported chain',
  'invoice_request.chain_not_in_offer': 'invreq_chain is not one of offer_chains (writer rule, checked by the reader)',
  'invoice_request.invalid_bip353_name': 'invreq_bip_353_name has a byte outside 0-9 a-z A-Z - _ .',
  'invoice_request.amount_overflow': 'offer_amount × invreq_quantity overflows 64 bits',

  // Invoices — "Invoices", reader.
  'invoice.missing_amount': 'invoice_amount is not present',
  'invoice.missing_created_at': 'invoice_created_at is not present',
  'invoice.missing_payment_hash': 'invoice_payment_hash is not present',
  'invoice.missing_node_id': 'invoice_node_id is not present',
  'invoice.unsupported_chain': 'invreq_chain (bitcoin when absent) is not a supported chain',
  'invoice.unknown_required_feature': 'invoice_features has an unknown even bit set',
  'invoice.expired': 'the current time is after invoice_created_at + invoice_relative_expiry (default 7200)',
  'invoice.missing_paths': 'invoice_paths is not present or is empty',
  'invoice.empty_blinded_path': 'a blinded_path in invoice_paths has num_hops = 0',
  'invoice.missing_blindedpay': 'invoice_blindedpay is not present',
  'invoice.blindedpay_count_mismatch': 'invoice_blindedpay does not have exactly one blinded_payinfo per invoice path',
  'invoice.no_usable_paths': 'every invoice path has a blinded_payinfo with unknown even feature bits',
  'invoice.request_mismatch': 'the fields in 0..159 and 1000000000..2999999999 do not exactly match the invoice_request',
  'invoice.node_id_mismatch': 'invoice_node_id is not offer_issuer_id (or not a final blinded_node_id of offer_paths)',
  'invoice.missing_signature': 'signature is not present',
  'invoice.invalid_signature': 'signature is not a valid BIP340 signature by invoice_node_id over the merkle root',
  'invoice.amount_mismatch': 'invreq_amount is present and invoice_amount differs from it',
  'invoice.amount_not_authorized': 'invreq_amount is absent and invoice_amount is more than offer_amount × invreq_quantity, the amount the payer authorized',

  // invoice_error — writer requirements (the reader section is a FIXME in the spec).
  'invoice_error.missing_error': 'error (the explanatory string) is not set',
  'invoice_error.suggested_value_without_field': 'suggested_value is set without erroneous_field',

  // Static invoices (LDK lightning/src/offers/static_invoice.rs; not yet in the BOLTs).
  'static_invoice.unexpected_payment_hash': 'a static invoice must not carry invoice_payment_hash (LDK)',
  'static_invoice.unexpected_amount': 'a static invoice must not carry invoice_amount (LDK)',
  'static_invoice.missing_paths': 'invoice_paths is missing or empty (LDK)',
  'static_invoice.empty_blinded_path': 'a blinded_path in invoice_paths has num_hops = 0',
  'static_invoice.blindedpay_count_mismatch': 'invoice_blindedpay is missing or its count differs from invoice_paths (LDK)',
  'static_invoice.no_usable_paths': 'every invoice path has a blinded_payinfo with unknown even feature bits',
  'static_invoice.missing_held_htlc_available_paths': 'held_htlc_available_paths (type 236) is missing (LDK)',
  'static_invoice.missing_created_at': 'invoice_created_at is missing (LDK)',
  'static_invoice.missing_node_id': 'invoice_node_id is missing (LDK)',
  'static_invoice.node_id_mismatch': 'invoice_node_id is not offer_issuer_id or a final blinded_node_id of offer_paths (LDK)',
  'static_invoice.missing_offer_paths': 'the offer part has no offer_paths (LDK)',
  'static_invoice.multiple_chains': 'the offer part names more than one chain (LDK)',
  'static_invoice.unknown_required_feature': 'invoice_features has an unknown even bit set',
  'static_invoice.missing_signature': 'signature is not present',
  'static_invoice.invalid_signature': 'signature is not a valid BIP340 signature by invoice_node_id over the merkle root',
  'static_invoice.expired': 'the current time is after invoice_created_at + relative expiry (default 14 days, LDK)',

  // Builders only (writer requirements that have no reader counterpart).
  'builder.wrong_signing_key': 'the key given to sign() does not match the public key the message names',
  'builder.invalid_parameter': 'a builder parameter breaks a writer requirement (named in the message)',
} as const;
export type Bolt12SemanticErrorCode = keyof typeof SEMANTIC_ERRORS;

/** The bytes or string are not a well-formed BOLT 12 message of the expected kind. */
export class Bolt12ParseError extends GlasswingError {
  declare readonly code: Bolt12ParseErrorCode;
  constructor(code: Bolt12ParseErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}

/** A well-formed message that breaks a BOLT 12 requirement. */
export class Bolt12SemanticError extends GlasswingError {
  declare readonly code: Bolt12SemanticErrorCode;
  constructor(code: Bolt12SemanticErrorCode, message?: string, details?: Record<string, unknown>) {
    super(code, message ?? SEMANTIC_ERRORS[code], details);
  }
}

export type Bolt12Error = Bolt12ParseError | Bolt12SemanticError;

export function isBolt12Error(e: unknown): e is Bolt12Error {
  return e instanceof Bolt12ParseError || e instanceof Bolt12SemanticError;
}

/** Human explanation of a code, for tools such as `glasswing decode`. */
export function explainBolt12Error(code: string): string {
  return (PARSE_ERRORS as Record<string, string>)[code] ?? (SEMANTIC_ERRORS as Record<string, string>)[code] ?? code;
}
