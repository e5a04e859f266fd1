/**
 * Why we refuse an invoice_request or an invoice, and the `invoice_error` that says so
 * (BOLT 12 "Invoice Errors", writer: "MUST set error to an explanatory string"; "MAY set
 * erroneous_field to a specific field number ... which had a problem"; "if it sets
 * suggested_value: MUST set suggested_value to a valid field for that tlv_fieldnum").
 */
import type { Bolt12Error } from '../errors';
import { explainBolt12Error } from '../errors';
import type { InvoiceError } from '../invoice-error';
import { buildInvoiceError } from '../invoice-error';
import type { InvoiceRequestFields, OfferFields } from '../fields';
import { tlvName } from '../fields';
import { expectedAmount } from '../invoice-request';
import { tu64Codec } from '../subtypes';
import { INVOICE_TLV, INVREQ_TLV, OFFER_TLV, SIGNATURE_TLV, TLV_NAMES } from '../tlv-types';

/** A refusal: a stable code, words for the other side, and the field at fault. */
export interface Rejection {
  /** A Bolt12 error code, or `offers.*` for our own reasons (unknown or disabled offer). */
  readonly code: string;
  readonly message: string;
  readonly erroneousField?: bigint;
  readonly suggestedValue?: Uint8Array;
}

const tu64 = (v: bigint, field: bigint) => tu64Codec.encode(v, tlvName(field));

/** The field each reader requirement is about (the spec numbers of BOLT 12's TLV tables). */
const FIELD_OF: Readonly<Record<string, bigint>> = {
  'invoice_request.missing_metadata': INVREQ_TLV.metadata,
  'invoice_request.missing_payer_id': INVREQ_TLV.payerId,
  'invoice_request.unknown_required_feature': INVREQ_TLV.features,
  'invoice_request.missing_signature': SIGNATURE_TLV,
  'invoice_request.invalid_signature': SIGNATURE_TLV,
  'invoice_request.empty_blinded_path': INVREQ_TLV.paths,
  'invoice_request.missing_quantity': INVREQ_TLV.quantity,
  'invoice_request.zero_quantity': INVREQ_TLV.quantity,
  'invoice_request.quantity_exceeds_max': INVREQ_TLV.quantity,
  'invoice_request.unexpected_quantity': INVREQ_TLV.quantity,
  'invoice_request.amount_overflow': INVREQ_TLV.quantity,
  'invoice_request.amount_below_expected': INVREQ_TLV.amount,
  'invoice_request.missing_amount': INVREQ_TLV.amount,
  'invoice_request.unsupported_chain': INVREQ_TLV.chain,
  'invoice_request.chain_not_in_offer': INVREQ_TLV.chain,
  'invoice_request.invalid_bip353_name': INVREQ_TLV.bip353Name,
  'offer.expired': OFFER_TLV.absoluteExpiry,
  'offer.unsupported_chain': OFFER_TLV.chains,
  'offer.empty_chains': OFFER_TLV.chains,
  'offer.unknown_required_feature': OFFER_TLV.features,
  'offer.zero_amount': OFFER_TLV.amount,
  'offer.empty_blinded_path': OFFER_TLV.paths,
  'invoice.missing_amount': INVOICE_TLV.amount,
  'invoice.amount_mismatch': INVOICE_TLV.amount,
  'invoice.amount_not_authorized': INVOICE_TLV.amount,
  'invoice.missing_created_at': INVOICE_TLV.createdAt,
  'invoice.expired': INVOICE_TLV.createdAt,
  'invoice.missing_payment_hash': INVOICE_TLV.paymentHash,
  'invoice.missing_node_id': INVOICE_TLV.nodeId,
  'invoice.node_id_mismatch': INVOICE_TLV.nodeId,
  'invoice.unsupported_chain': INVREQ_TLV.chain,
  'invoice.unknown_required_feature': INVOICE_TLV.features,
  'invoice.missing_paths': INVOICE_TLV.paths,
  'invoice.empty_blinded_path': INVOICE_TLV.paths,
  'invoice.missing_blindedpay': INVOICE_TLV.blindedPay,
  'invoice.blindedpay_count_mismatch': INVOICE_TLV.blindedPay,
  'invoice.no_usable_paths': INVOICE_TLV.blindedPay,
  'invoice.missing_signature': SIGNATURE_TLV,
  'invoice.invalid_signature': SIGNATURE_TLV,
};

const TYPE_BY_NAME = new Map(Object.entries(TLV_NAMES).map(([type, name]) => [name, BigInt(type)]));

/** The context a rejection of an invoice_request may use to suggest a valid value. */
export interface RejectionContext {
  readonly offer?: OfferFields;
  readonly invreq?: InvoiceRequestFields;
  /** The chain we accept (suggested for a wrong invreq_chain). */
  readonly chain?: Uint8Array;
}

/** Turns a codec error into a rejection naming the field at fault and, when useful, a valid value. */
export function rejectionFor(e: Bolt12Error, ctx: RejectionContext = {}): Rejection {
  let field: bigint | undefined = FIELD_OF[e.code];
  if (field === undefined && e.code === 'bolt12.parse.invalid_field') {
    const name = typeof e.details?.field === 'string' ? e.details.field.replace(/\[.*$/, '') : undefined;
    field = name ? TYPE_BY_NAME.get(name) : undefined;
  }
  if (field === undefined && e.code === 'bolt12.parse.unknown_even_type' && typeof e.details?.type === 'string') field = BigInt(e.details.type);
  let suggestedValue: Uint8Array | undefined;
  const { offer, invreq } = ctx;
  switch (e.code) {
    case 'invoice_request.quantity_exceeds_max':
      if (offer?.quantityMax !== undefined) suggestedValue = tu64(offer.quantityMax, INVREQ_TLV.quantity);
      break;
    case 'invoice_request.missing_quantity':
    case 'invoice_request.zero_quantity':
      suggestedValue = tu64(1n, INVREQ_TLV.quantity);
      break;
    case 'invoice_request.amount_below_expected':
    case 'invoice_request.missing_amount': {
      const expected = offer && invreq ? expectedAmount(offer, invreq) : undefined;
      if (expected !== undefined && expected > 0n && expected <= 0xffff_ffff_ffff_ffffn) suggestedValue = tu64(expected, INVREQ_TLV.amount);
      break;
    }
    case 'invoice_request.unsupported_chain':
    case 'invoice_request.chain_not_in_offer':
      if (ctx.chain) suggestedValue = ctx.chain.slice();
      break;
  }
  const detail = withValues(e.message !== explainBolt12Error(e.code) ? `${explainBolt12Error(e.code)}: ${e.message}` : e.message, e.details);
  return {
    code: e.code,
    message: detail,
    ...(field !== undefined ? { erroneousField: field } : {}),
    ...(field !== undefined && suggestedValue ? { suggestedValue } : {}),
  };
}

/** Appends the values an error carries ("quantity 5, max 3"), so the other side reads what was wrong. */
function withValues(message: string, details: Readonly<Record<string, unknown>> | undefined): string {
  if (!details) return message;
  const parts = Object.entries(details)
    .filter(([k, v]) => (typeof v === 'string' || typeof v === 'number') && k !== 'field' && k !== 'wireCode')
    .map(([k, v]) => (k === 'absoluteExpiry' ? `expired at ${isoTime(Number(v))}` : `${k.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)} ${String(v)}`));
  return parts.length ? `${message} (${parts.join(', ')})` : message;
}

function isoTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? `${seconds} s` : d.toISOString();
}

/** Our own refusals, with their words. */
export const OUR_REJECTIONS = {
  unknownOffer: { code: 'offers.unknown_offer', message: 'unknown offer: this node issued no offer with these fields' },
  disabledOffer: { code: 'offers.offer_disabled', message: 'this offer has been disabled by its issuer' },
  busyOffer: { code: 'offers.too_many_invoices', message: 'too many unpaid invoices are outstanding for this offer; try again later' },
  unknownRefund: { code: 'offers.unknown_refund', message: 'this invoice does not answer any refund of ours' },
  notForRefund: { code: 'offers.unexpected_invoice', message: 'an invoice that answers an invoice_request for an offer arrived outside a reply to our request' },
} as const satisfies Record<string, Rejection>;

/** The invoice_error for a rejection. */
export function invoiceErrorOf(r: Rejection): InvoiceError {
  return buildInvoiceError({
    error: r.message,
    ...(r.erroneousField !== undefined ? { erroneousField: r.erroneousField } : {}),
    ...(r.erroneousField !== undefined && r.suggestedValue ? { suggestedValue: r.suggestedValue } : {}),
  });
}
