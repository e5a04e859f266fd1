/**
 * BOLT 12 invoices (`lni` by CLN convention): reading, the reader requirements, and building an
 * invoice that answers an invoice_request (or a refund).
 */
import { equalBytes } from '../crypto';
import type { BlindedPath, TlvRecord } from '../wire';
import { encodeBolt12String } from './bech32';
import type { Bolt12Context } from './chains';
import { CHAIN_HASHES, isChainSupported, nowOf } from './chains';
import type { Bolt12ParseError } from './errors';
import { Bolt12SemanticError } from './errors';
import type { FieldSpec, InvoiceFields, InvoiceRequestFields, OfferFields } from './fields';
import { INVOICE_FIELD_SPEC, INVREQ_FIELD_SPEC, OFFER_FIELD_SPEC, decodeFields, encodeFields, fieldPathPointErrors, fieldTypes, scanTlvStream } from './fields';
import type { InvoiceRequest } from './invoice-request';
import { expectedAmount, isForOffer } from './invoice-request';
import { verifyRecordsSignature } from './merkle';
import type { Analysis } from './message';
import { UnsignedMessage, assemble, checkExtraRecords, invalidParameter, unwrap, withInput, withPathPoints, withSemantics } from './message';
import type { BlindedPayInfo, FallbackAddress } from './subtypes';
import { KNOWN_INVOICE_FEATURES, KNOWN_PAYINFO_FEATURES, signatureCodec, unknownEvenBits } from './subtypes';
import {
  DEFAULT_INVOICE_RELATIVE_EXPIRY,
  INVOICE_MIRRORED_RANGES,
  INVOICE_TLV,
  SIGNATURE_TAGS,
  SIGNATURE_TLV,
  inRanges,
  isSignatureType,
} from './tlv-types';

export const INVOICE_PREFIX = 'lni';

export interface Invoice {
  readonly kind: 'invoice';
  readonly bytes: Uint8Array;
  readonly records: readonly TlvRecord[];
  /** Offer fields mirrored from the request. */
  readonly offer: OfferFields;
  /** invoice_request fields mirrored from the request. */
  readonly invreq: InvoiceRequestFields;
  readonly invoice: InvoiceFields;
  /** BOLT 12 `signature` (type 240), by invoice_node_id. */
  readonly signature?: Uint8Array;
  readonly unknownRecords: readonly TlvRecord[];
}

const INVOICE_ONLY_TYPES = fieldTypes(INVOICE_FIELD_SPEC).filter((t) => t !== INVOICE_TLV.heldHtlcAvailablePaths);
const KNOWN = new Set([...fieldTypes(OFFER_FIELD_SPEC), ...fieldTypes(INVREQ_FIELD_SPEC), ...INVOICE_ONLY_TYPES, SIGNATURE_TLV]);
const { heldHtlcAvailablePaths: _static, ...INVOICE_SPEC_NO_STATIC_ } = INVOICE_FIELD_SPEC;
/** Invoice fields without LDK's static-only type 236 (an unknown even type in a regular invoice). */
const INVOICE_SPEC_NO_STATIC: FieldSpec<Omit<InvoiceFields, 'heldHtlcAvailablePaths'>> = INVOICE_SPEC_NO_STATIC_;

/**
 * Parses an invoice's TLV stream, collecting parse errors (no semantic checks). The points of its
 * blinded paths are checked for shape only: `invoicePathPointErrors` checks them on the curve.
 */
export function parseInvoiceBytes(bytes: Uint8Array): Analysis<Invoice> {
  const errors: Bolt12ParseError[] = [];
  // BOLT 12 sets no type-range rule for invoice readers; unknown even types are still rejected.
  const scan = scanTlvStream(bytes, 'invoice', KNOWN, undefined, errors);
  if (!scan) return { value: undefined, errors };
  const offer = decodeFields(scan.records, OFFER_FIELD_SPEC, errors);
  const invreq = decodeFields(scan.records, INVREQ_FIELD_SPEC, errors);
  const invoice: InvoiceFields = decodeFields(scan.records, INVOICE_SPEC_NO_STATIC, errors);
  const signature = decodeFields(scan.records, { signature: [SIGNATURE_TLV, signatureCodec] as const }, errors).signature;
  const value: Invoice = {
    kind: 'invoice',
    bytes: bytes.slice(),
    records: scan.records,
    offer,
    invreq,
    invoice,
    ...(signature ? { signature } : {}),
    unknownRecords: scan.unknown,
  };
  return { value, errors };
}

/** The points of offer_paths, invreq_paths and invoice_paths that are not on the curve (BOLT 1 `point`), as parse errors. */
export function invoicePathPointErrors(inv: Invoice): Bolt12ParseError[] {
  return [
    ...fieldPathPointErrors(inv.offer, OFFER_FIELD_SPEC),
    ...fieldPathPointErrors(inv.invreq, INVREQ_FIELD_SPEC),
    ...fieldPathPointErrors(inv.invoice, INVOICE_SPEC_NO_STATIC),
  ];
}

/** Indexes of the invoice paths a payer may use: their payinfo has no unknown even feature bit. */
export function usablePathIndexes(f: InvoiceFields): number[] {
  const out: number[] = [];
  f.blindedPay?.forEach((p, i) => {
    // Reader: "MUST NOT use the corresponding invoice_paths.path if payinfo.features has any unknown even bits set."
    if (unknownEvenBits(p.features, KNOWN_PAYINFO_FEATURES).length === 0) out.push(i);
  });
  return out;
}

/** Final blinded_node_id of each path with at least one hop. */
export function finalBlindedNodeIds(paths: readonly BlindedPath[] | undefined): Uint8Array[] {
  return (paths ?? []).filter((p) => p.hops.length > 0).map((p) => p.hops[p.hops.length - 1]!.blindedNodeId);
}

/** The invoice reader requirements that need only the invoice (BOLT 12 "Invoices", reader). */
export function checkInvoice(inv: Invoice, ctx: Bolt12Context): Bolt12SemanticError[] {
  const out: Bolt12SemanticError[] = [];
  const err = (code: ConstructorParameters<typeof Bolt12SemanticError>[0], details?: Record<string, unknown>) =>
    out.push(new Bolt12SemanticError(code, undefined, details));
  const f = inv.invoice;

  // "MUST reject the invoice if invoice_amount / invoice_created_at / invoice_payment_hash /
  // invoice_node_id is not present."
  if (f.amount === undefined) err('invoice.missing_amount');
  if (f.createdAt === undefined) err('invoice.missing_created_at');
  if (f.paymentHash === undefined) err('invoice.missing_payment_hash');
  if (f.nodeId === undefined) err('invoice.missing_node_id');
  // "if invreq_chain is not present: MUST reject the invoice if bitcoin is not a supported chain;
  // otherwise: MUST reject the invoice if invreq_chain.chain is not a supported chain."
  if (!isChainSupported(ctx, inv.invreq.chain ?? CHAIN_HASHES.bitcoin)) err('invoice.unsupported_chain');
  // "if invoice_features contains unknown even bits that are non-zero: MUST reject the invoice."
  const bits = unknownEvenBits(f.features, KNOWN_INVOICE_FEATURES);
  if (bits.length > 0) err('invoice.unknown_required_feature', { bits });
  // "if invoice_relative_expiry is present: MUST reject the invoice if the current time ... is greater
  // than invoice_created_at plus seconds_from_creation; otherwise: ... plus 7200."
  if (f.createdAt !== undefined && nowOf(ctx) > f.createdAt + (f.relativeExpiry ?? DEFAULT_INVOICE_RELATIVE_EXPIRY)) {
    err('invoice.expired');
  }
  // "MUST reject the invoice if invoice_paths is not present or is empty."
  if (f.paths === undefined || f.paths.length === 0) err('invoice.missing_paths');
  // "MUST reject the invoice if num_hops is 0 in any blinded_path in invoice_paths."
  f.paths?.forEach((p, i) => p.hops.length === 0 && err('invoice.empty_blinded_path', { path: i }));
  // "MUST reject the invoice if invoice_blindedpay is not present."
  if (f.blindedPay === undefined) err('invoice.missing_blindedpay');
  // "MUST reject the invoice if invoice_blindedpay does not contain exactly one blinded_payinfo per
  // invoice_paths.blinded_path."
  else if (f.blindedPay.length !== (f.paths?.length ?? 0)) err('invoice.blindedpay_count_mismatch');
  // "MUST reject the invoice if this leaves no usable paths."
  else if (f.blindedPay.length > 0 && usablePathIndexes(f).length === 0) err('invoice.no_usable_paths');
  // "if offer_issuer_id is present: MUST reject the invoice if invoice_node_id is not equal to
  // offer_issuer_id; otherwise, if offer_paths is present: ... not equal to the final blinded_node_id
  // it sent the invoice request to" (here: any final blinded_node_id; checkInvoiceMatchesRequest
  // checks the exact one).
  if (f.nodeId !== undefined) {
    if (inv.offer.issuerId !== undefined) {
      if (!equalBytes(f.nodeId, inv.offer.issuerId)) err('invoice.node_id_mismatch');
    } else if (inv.offer.paths !== undefined) {
      if (!finalBlindedNodeIds(inv.offer.paths).some((id) => equalBytes(id, f.nodeId!))) err('invoice.node_id_mismatch');
    }
  }
  // "MUST reject the invoice if signature is not a valid signature using invoice_node_id".
  if (inv.signature === undefined) err('invoice.missing_signature');
  else if (f.nodeId !== undefined && !verifyRecordsSignature(SIGNATURE_TAGS.invoice, inv.records, inv.signature, f.nodeId)) {
    err('invoice.invalid_signature');
  }
  // "if invreq_amount is present: MUST reject the invoice if invoice_amount is not equal to invreq_amount".
  if (inv.invreq.amount !== undefined && f.amount !== undefined && f.amount !== inv.invreq.amount) err('invoice.amount_mismatch');
  return out;
}

/**
 * Reader, "if the invoice is a response to an invoice_request": all fields in 0..159 and
 * 1000000000..2999999999 must exactly match the request, and with offer_paths (no issuer id) the
 * node id must be the final blinded_node_id the request was sent to (`sentToNodeId`).
 */
export function checkInvoiceMatchesRequest(inv: Invoice, request: InvoiceRequest, sentToNodeId?: Uint8Array): Bolt12SemanticError[] {
  const out: Bolt12SemanticError[] = [];
  const mine = inv.records.filter((r) => inRanges(r.type, INVOICE_MIRRORED_RANGES));
  const theirs = request.records.filter((r) => inRanges(r.type, INVOICE_MIRRORED_RANGES));
  const same = mine.length === theirs.length && mine.every((r, i) => r.type === theirs[i]!.type && equalBytes(r.value, theirs[i]!.value));
  if (!same) out.push(new Bolt12SemanticError('invoice.request_mismatch'));
  const nodeId = inv.invoice.nodeId;
  if (nodeId && request.offer.issuerId === undefined && request.offer.paths !== undefined && sentToNodeId && !equalBytes(nodeId, sentToNodeId)) {
    out.push(new Bolt12SemanticError('invoice.node_id_mismatch'));
  }
  // Reader: "if invreq_amount is present: MUST reject the invoice if invoice_amount is not equal to
  // invreq_amount; otherwise: SHOULD confirm authorization if invoice_amount.msat is not within the
  // amount range authorized" — the payer asked at the offer's price, so no more than that.
  const authorized = request.invreq.amount === undefined ? expectedAmount(request.offer, request.invreq) : undefined;
  const amount = inv.invoice.amount;
  if (authorized !== undefined && amount !== undefined && amount > authorized) {
    out.push(new Bolt12SemanticError('invoice.amount_not_authorized', undefined, { invoiceAmountMsat: amount.toString(), authorizedMsat: authorized.toString() }));
  }
  return out;
}

/** Parses and checks an invoice (every point on the curve), returning every error found. */
export function analyzeInvoice(input: string | Uint8Array, ctx: Bolt12Context, request?: InvoiceRequest): Analysis<Invoice> {
  return withInput(input, INVOICE_PREFIX, (bytes) =>
    withSemantics(withPathPoints(parseInvoiceBytes(bytes), invoicePathPointErrors), (inv) => [...checkInvoice(inv, ctx), ...(request ? checkInvoiceMatchesRequest(inv, request) : [])]),
  );
}

/** Decodes and checks an invoice; throws the first Bolt12ParseError / Bolt12SemanticError. */
export function decodeInvoice(input: string | Uint8Array, ctx: Bolt12Context, request?: InvoiceRequest): Invoice {
  return unwrap(analyzeInvoice(input, ctx, request));
}

export function encodeInvoice(inv: Invoice): string {
  return encodeBolt12String(INVOICE_PREFIX, inv.bytes);
}

// ---------------------------------------------------------------------------------------------
// Building.

/** One blinded payment path with its aggregated payinfo. */
export interface PaymentPath {
  readonly path: BlindedPath;
  readonly payInfo: BlindedPayInfo;
}

/** An invoice with final fields, waiting for the invoice_node_id signature. */
export class UnsignedInvoice extends UnsignedMessage<Invoice> {
  /** @internal use buildInvoice */
  constructor(records: readonly TlvRecord[], bytes: Uint8Array, nodeId: Uint8Array) {
    super(records, bytes, { key: nodeId, field: 'invoice_node_id', tag: SIGNATURE_TAGS.invoice, parse: parseInvoiceBytes });
  }

  /** The key that must sign: invoice_node_id. */
  get nodeId(): Uint8Array {
    return this.signingKey;
  }
}

export interface InvoiceParams {
  /** invoice_payment_hash: SHA256 of the preimage released on payment. */
  readonly paymentHash: Uint8Array;
  /** invoice_created_at, seconds since the epoch (the caller's clock). */
  readonly createdAt: bigint;
  /** invoice_paths with their invoice_blindedpay, most preferred first (at least one). */
  readonly paths: readonly PaymentPath[];
  /**
   * invoice_amount in msat. Default: invreq_amount, else the expected amount (offer_amount ×
   * quantity). Required when the offer amount is in a currency and the request names no amount.
   */
  readonly amount?: bigint;
  /** invoice_relative_expiry in seconds (default 7200 when omitted). */
  readonly relativeExpiry?: bigint;
  readonly fallbacks?: readonly FallbackAddress[];
  readonly features?: Uint8Array;
  /**
   * invoice_node_id. Default: offer_issuer_id. Required for a refund (our own key) and for an offer
   * without issuer id (the final blinded_node_id of the path the request arrived on).
   */
  readonly nodeId?: Uint8Array;
  /** Extra odd records in 160..239 or 3000000000..3999999999. */
  readonly extraRecords?: readonly TlvRecord[];
}

const INVOICE_OWN_RANGES = [
  [160n, 239n],
  [3_000_000_000n, 3_999_999_999n],
] as const;

/** Writer rules for invoice_node_id; shared with static invoices. */
export function chooseNodeId(offer: OfferFields, nodeId: Uint8Array | undefined): Uint8Array {
  // Writer: "if offer_issuer_id is present: MUST set invoice_node_id to the offer_issuer_id".
  if (offer.issuerId !== undefined) {
    if (nodeId && !equalBytes(nodeId, offer.issuerId)) throw new Bolt12SemanticError('invoice.node_id_mismatch');
    return offer.issuerId;
  }
  if (!nodeId) invalidParameter('invoice_node_id must be given when the offer has no offer_issuer_id');
  // Writer: "otherwise, if offer_paths is present: MUST set invoice_node_id to the final
  // blinded_node_id on the path it received the invoice request".
  if (offer.paths !== undefined && !finalBlindedNodeIds(offer.paths).some((id) => equalBytes(id, nodeId))) {
    throw new Bolt12SemanticError('invoice.node_id_mismatch');
  }
  return nodeId;
}

/** The invoice fields every invoice kind shares, with the writer checks. */
export function invoicePathFields(params: Pick<InvoiceParams, 'paths' | 'features' | 'fallbacks' | 'relativeExpiry' | 'createdAt'>): InvoiceFields {
  // Writer: "MUST include invoice_paths containing one or more paths to the node" and "MUST include
  // invoice_blindedpay with exactly one blinded_payinfo for each blinded_path in paths, in order."
  if (params.paths.length === 0) throw new Bolt12SemanticError('invoice.missing_paths');
  if (params.paths.some((p) => p.path.hops.length === 0)) throw new Bolt12SemanticError('invoice.empty_blinded_path');
  if (params.relativeExpiry !== undefined && (params.relativeExpiry < 0n || params.relativeExpiry > 0xffffffffn)) {
    invalidParameter('invoice_relative_expiry must fit a tu32');
  }
  return {
    paths: params.paths.map((p) => p.path),
    blindedPay: params.paths.map((p) => p.payInfo),
    createdAt: params.createdAt,
    relativeExpiry: params.relativeExpiry,
    fallbacks: params.fallbacks && params.fallbacks.length > 0 ? params.fallbacks : undefined,
    features: params.features && params.features.length > 0 ? params.features : undefined,
  };
}

/**
 * Builds an invoice answering `request` (an invoice_request for one of our offers, or a refund).
 * BOLT 12 "Invoices", writer. Call `.sign(nodeSecret)` on the result.
 */
export function buildInvoice(request: InvoiceRequest, params: InvoiceParams): UnsignedInvoice {
  if (params.paymentHash.length !== 32) invalidParameter('invoice_payment_hash must be 32 bytes');
  // Writer: "if invreq_amount is present: MUST set invoice_amount to invreq_amount; otherwise: MUST
  // set invoice_amount to the expected amount."
  const invreqAmount = request.invreq.amount;
  let amount: bigint | undefined;
  if (invreqAmount !== undefined) {
    if (params.amount !== undefined && params.amount !== invreqAmount) throw new Bolt12SemanticError('invoice.amount_mismatch');
    amount = invreqAmount;
  } else {
    amount = params.amount ?? expectedAmount(request.offer, request.invreq);
    if (amount === undefined) invalidParameter('invoice_amount must be given: the offer amount is in a currency');
  }
  const nodeId = isForOffer(request) ? chooseNodeId(request.offer, params.nodeId) : params.nodeId;
  if (!nodeId) invalidParameter('invoice_node_id must be given for an invoice answering a refund');
  const fields: InvoiceFields = {
    ...invoicePathFields(params),
    paymentHash: params.paymentHash,
    amount,
    nodeId,
  };
  const extra = params.extraRecords ?? [];
  checkExtraRecords(extra, INVOICE_OWN_RANGES, KNOWN);
  // Writer: "MUST copy all non-signature fields from the invoice request (including unknown fields)."
  const copied = request.records.filter((r) => !isSignatureType(r.type));
  const { records, bytes } = assemble([...copied, ...encodeFields(fields, INVOICE_SPEC_NO_STATIC), ...extra]);
  const parsed = parseInvoiceBytes(bytes);
  if (parsed.errors.length > 0) throw parsed.errors[0]!;
  return new UnsignedInvoice(records, bytes, nodeId);
}

