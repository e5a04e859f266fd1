/**
 * BOLT 12 TLV type numbers and the type ranges each message may contain: the one table for
 * this layer.
 *
 * Static invoices (async payments) are not in the BOLTs yet. Their numbers come from LDK's
 * rust-lightning, `lightning/src/offers/static_invoice.rs` and `invoice.rs` (read at commit
 * cfee4b75593b5f676b998713fa60847311cfb270):
 *
 * | what                                  | value                                          | LDK source                           |
 * |---------------------------------------|------------------------------------------------|--------------------------------------|
 * | signature tag                         | "lightning" ‖ "static_invoice" ‖ "signature"   | static_invoice.rs `SIGNATURE_TAG`    |
 * | offer fields                          | 1..79 (copied from the offer, as BOLT 12)      | offer.rs `OFFER_TYPES`               |
 * | invoice fields                        | 160..239 (`INVOICE_TYPES`)                     | invoice.rs `InvoiceTlvStream`        |
 * | invoice_paths / blindedpay            | 160 / 162                                      | invoice.rs                           |
 * | invoice_created_at / relative_expiry  | 164 / 166                                      | invoice.rs                           |
 * | invoice_fallbacks / features / node_id| 172 / 174 / 176                                | invoice.rs                           |
 * | held_htlc_available_paths             | 236 (blinded message paths; static only)       | invoice.rs `InvoiceTlvStream`        |
 * | payment_hash 168, amount 170          | must be absent                                 | static_invoice.rs `try_from`         |
 * | signature                             | 240                                            | merkle.rs `SignatureTlvStream`       |
 * | experimental ranges                   | offer 1e9..2e9-1, invoice 3e9..4e9-1           | offer.rs / invoice.rs                |
 * | default relative expiry               | 14 days (1 209 600 s)                          | static_invoice.rs                    |
 * | string form                           | none (sent only inside onion messages)         | no `Bech32Encode` impl               |
 */

/** BOLT 12 offer fields (also mirrored into invoice_request and invoice). */
export const OFFER_TLV = {
  chains: 2n,
  metadata: 4n,
  currency: 6n,
  amount: 8n,
  description: 10n,
  features: 12n,
  absoluteExpiry: 14n,
  paths: 16n,
  issuer: 18n,
  quantityMax: 20n,
  issuerId: 22n,
} as const;

/** BOLT 12 invoice_request fields (also mirrored into invoice). */
export const INVREQ_TLV = {
  metadata: 0n,
  chain: 80n,
  amount: 82n,
  features: 84n,
  quantity: 86n,
  payerId: 88n,
  payerNote: 89n,
  paths: 90n,
  bip353Name: 91n,
} as const;

/** BOLT 12 invoice fields; `heldHtlcAvailablePaths` is LDK's static-invoice field. */
export const INVOICE_TLV = {
  paths: 160n,
  blindedPay: 162n,
  createdAt: 164n,
  relativeExpiry: 166n,
  paymentHash: 168n,
  amount: 170n,
  fallbacks: 172n,
  features: 174n,
  nodeId: 176n,
  heldHtlcAvailablePaths: 236n,
} as const;

/** The only signature TLV BOLT 12 defines. */
export const SIGNATURE_TLV = 240n;

/** BOLT 12 invoice_error fields. */
export const INVOICE_ERROR_TLV = {
  erroneousField: 1n,
  suggestedValue: 3n,
  error: 5n,
} as const;

/** An inclusive range of TLV types. */
export type TypeRange = readonly [bigint, bigint];

export function inRanges(type: bigint, ranges: readonly TypeRange[]): boolean {
  return ranges.some(([lo, hi]) => type >= lo && type <= hi);
}

/** BOLT 12 "Signature Calculation": signature TLV elements are types 240 through 1000 (inclusive). */
export const SIGNATURE_RANGE: TypeRange = [240n, 1000n];
export function isSignatureType(type: bigint): boolean {
  return type >= SIGNATURE_RANGE[0] && type <= SIGNATURE_RANGE[1];
}

/** BOLT 12 offer reader: TLV fields must be in 1..79 or 1000000000..1999999999. */
export const OFFER_RANGES: readonly TypeRange[] = [
  [1n, 79n],
  [1_000_000_000n, 1_999_999_999n],
];

/** BOLT 12 invoice_request reader: non-signature fields in 0..159 or 1000000000..2999999999. */
export const INVREQ_RANGES: readonly TypeRange[] = [[0n, 159n], SIGNATURE_RANGE, [1_000_000_000n, 2_999_999_999n]];

/**
 * Invoice: BOLT 12 gives no reader range rule; these are the ranges writers use (0..159 and
 * 1e9..2999999999 mirrored from the request, 160..239 invoice, 240..1000 signature, and the
 * experimental invoice range 3e9..3999999999). Types outside them are still accepted if odd
 * (unknown even types are rejected by the TLV rules anyway).
 */
export const INVOICE_MIRRORED_RANGES: readonly TypeRange[] = [
  [0n, 159n],
  [1_000_000_000n, 2_999_999_999n],
];

/** Static invoice (LDK): offer, invoice, signature, experimental offer and experimental invoice ranges. */
export const STATIC_INVOICE_RANGES: readonly TypeRange[] = [
  [1n, 79n],
  [160n, 239n],
  SIGNATURE_RANGE,
  [1_000_000_000n, 1_999_999_999n],
  [3_000_000_000n, 3_999_999_999n],
];

/** Signature tags: "lightning" ‖ messagename ‖ fieldname (BOLT 12 "Signature Calculation"). */
export const SIGNATURE_TAGS = {
  invoiceRequest: 'lightninginvoice_requestsignature',
  invoice: 'lightninginvoicesignature',
  staticInvoice: 'lightningstatic_invoicesignature',
} as const;

/** Invoice default expiry when invoice_relative_expiry is absent (BOLT 12: 7200 seconds). */
export const DEFAULT_INVOICE_RELATIVE_EXPIRY = 7200n;
/** Static invoice default expiry (LDK `DEFAULT_RELATIVE_EXPIRY`: two weeks). */
export const DEFAULT_STATIC_INVOICE_RELATIVE_EXPIRY = 1_209_600n;

/** Spec names of every known TLV, by message kind, for descriptions and error messages. */
export const TLV_NAMES: Readonly<Record<string, string>> = {
  '0': 'invreq_metadata',
  '2': 'offer_chains',
  '4': 'offer_metadata',
  '6': 'offer_currency',
  '8': 'offer_amount',
  '10': 'offer_description',
  '12': 'offer_features',
  '14': 'offer_absolute_expiry',
  '16': 'offer_paths',
  '18': 'offer_issuer',
  '20': 'offer_quantity_max',
  '22': 'offer_issuer_id',
  '80': 'invreq_chain',
  '82': 'invreq_amount',
  '84': 'invreq_features',
  '86': 'invreq_quantity',
  '88': 'invreq_payer_id',
  '89': 'invreq_payer_note',
  '90': 'invreq_paths',
  '91': 'invreq_bip_353_name',
  '160': 'invoice_paths',
  '162': 'invoice_blindedpay',
  '164': 'invoice_created_at',
  '166': 'invoice_relative_expiry',
  '168': 'invoice_payment_hash',
  '170': 'invoice_amount',
  '172': 'invoice_fallbacks',
  '174': 'invoice_features',
  '176': 'invoice_node_id',
  '236': 'held_htlc_available_paths',
  '240': 'signature',
};

export const INVOICE_ERROR_TLV_NAMES: Readonly<Record<string, string>> = {
  '1': 'erroneous_field',
  '3': 'suggested_value',
  '5': 'error',
};
