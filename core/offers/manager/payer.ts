/**
 * The payer's side of an offer: reading someone's offer, building and signing an invoice_request
 * with a payer key derived for it, choosing where to send it, and judging what comes back (an
 * invoice that must mirror the request, or an invoice_error).
 */
import { equalBytes, toHex, zeroize } from '../../crypto';
import type { BlindedPath } from '../../wire';
import type { Bolt12Error } from '../errors';
import { Bolt12ParseError, Bolt12SemanticError } from '../errors';
import type { InvoiceRequestFields } from '../fields';
import { INVREQ_FIELD_SPEC, encodeFields } from '../fields';
import type { Invoice } from '../invoice';
import { checkInvoice, checkInvoiceMatchesRequest, encodeInvoice, invoicePathPointErrors } from '../invoice';
import type { InvoiceRequest } from '../invoice-request';
import { UnsignedInvoiceRequest, buildInvoiceRequest, encodeInvoiceRequest } from '../invoice-request';
import { assemble, withPathPointsLast, withSemantics } from '../message';
import type { Offer } from '../offer';
import { analyzeOffer, offerChains } from '../offer';
import { DEFAULT_INVOICE_RELATIVE_EXPIRY, isSignatureType } from '../tlv-types';
import { CHAIN_HASHES } from '../chains';
import type { ManagerContext } from './context';
import { idOf, mirroredRequestId, readerContext } from './context';
import { InvoiceErrorReceived, OffersError } from './errors';
import type { InvoiceRecord } from './records';
import type { OffersMessage } from '../ports';

export interface FetchParams {
  /** The `lno…` string. */
  readonly offer: string;
  readonly amountMsat?: bigint;
  readonly quantity?: bigint;
  readonly payerNote?: string;
  /**
   * Developer tool: send even when the offer or the request breaks a reader/writer rule of the
   * payer (expired offer, amount below the offer's, quantity above its maximum, a chain the offer
   * does not name), to see how the issuer answers. Parse errors still stop it.
   */
  readonly unchecked?: boolean;
}

/** Where an invoice_request (or a refund's invoice) can go, most preferred first. */
export type Destination =
  /** One of the offer's blinded paths (BOLT 12: "MUST send the onion message via any path in offer_paths"). */
  | { readonly kind: 'path'; readonly index: number; readonly path: BlindedPath; readonly finalBlindedNodeId: Uint8Array }
  /** "otherwise: MUST send the onion message to offer_issuer_id". */
  | { readonly kind: 'node'; readonly nodeId: Uint8Array };

/** A signed request ready to go; its `insert_request` write (status pending) is in the same step. */
export interface PendingFetch {
  readonly offer: Offer;
  readonly offerId: string;
  readonly request: InvoiceRequest;
  readonly requestId: string;
  readonly destinations: readonly Destination[];
}

/** A request whose row is stored (`rowId`: the row the persisted `insert_request` got). */
export interface PreparedFetch extends PendingFetch {
  readonly rowId: number;
}

/** What our request's answer came to: a stored invoice, or the error the fetch ends with (recorded as such). */
export type FetchAnswer =
  | { readonly kind: 'invoice'; readonly invoice: InvoiceRecord }
  | { readonly kind: 'refused'; readonly error: InvoiceErrorReceived | OffersError };

/** The destinations of an offer or a refund: every blinded path, else the node id. */
export function destinationsOf(paths: readonly BlindedPath[] | undefined, nodeId: Uint8Array | undefined): Destination[] {
  if (paths && paths.length > 0) {
    return paths.map((path, index) => ({ kind: 'path', index, path, finalBlindedNodeId: path.hops[path.hops.length - 1]!.blindedNodeId }));
  }
  return nodeId ? [{ kind: 'node', nodeId }] : [];
}

/** Reads the offer (BOLT 12 offer reader), builds and signs the invoice_request, records it as pending. */
export function prepareFetch(ctx: ManagerContext, params: FetchParams, nowMs: number): PendingFetch {
  const analysis = analyzeOffer(params.offer.trim(), readerContext(ctx, nowMs));
  const fatal = analysis.errors.filter((e) => !params.unchecked || e instanceof Bolt12ParseError || e.code === 'offer.missing_issuer_id_and_paths');
  if (fatal.length > 0 || !analysis.value) throw fatal[0] ?? analysis.errors[0] ?? new Bolt12ParseError('bolt12.parse.bad_tlv', 'the offer does not decode');
  const offer = analysis.value;
  const offerId = idOf(offer.records);
  if (offer.fields.issuerId && equalBytes(offer.fields.issuerId, ctx.keys.nodeId)) {
    throw new OffersError('offers.bad_argument', 'this is one of our own offers');
  }
  // Writer: "MUST set invreq_metadata to an unpredictable series of bytes"; our payer key derives from it.
  const metadata = ctx.randomBytes(32);
  const payerId = ctx.keys.payerId(metadata);
  // Writer: invreq_chain one of offer_chains, omitted for bitcoin: ours (the offer reader made sure the offer names it).
  const chain = offerChains(offer.fields).some((c) => equalBytes(c, ctx.chain)) || params.unchecked ? ctx.chain : undefined;
  const invreq = {
    payerId, metadata,
    ...(chain && !equalBytes(chain, CHAIN_HASHES.bitcoin) ? { chain } : {}),
    ...(params.amountMsat !== undefined ? { amount: params.amountMsat } : {}),
    ...(params.quantity !== undefined ? { quantity: params.quantity } : {}),
    ...(params.payerNote !== undefined ? { payerNote: params.payerNote } : {}),
  };
  const unsigned = params.unchecked ? buildUnchecked(offer, invreq) : buildInvoiceRequest(offer, invreq);
  const secret = ctx.keys.payerSecret(metadata);
  let request: InvoiceRequest;
  try {
    request = unsigned.sign(secret);
  } finally {
    zeroize(secret);
  }
  const requestId = idOf(request.records);
  ctx.write({
    kind: 'insert_request',
    request: {
      requestId, role: 'sent', offerId, bolt12: encodeInvoiceRequest(request), status: 'pending',
      amountMsat: params.amountMsat ?? null, quantity: params.quantity ?? null, payerNote: params.payerNote ?? null, payerId: toHex(payerId),
      description: offer.fields.description ?? null, issuer: offer.fields.issuer ?? null, invoiceId: null, errorCode: null, errorMessage: null,
      erroneousField: null, createdAt: nowMs, updatedAt: nowMs,
    },
  });
  return { offer, offerId, request, requestId, destinations: destinationsOf(offer.fields.paths, offer.fields.issuerId) };
}

/**
 * The invoice_request with the payer's fields written as given, skipping the writer's checks
 * (unchecked mode). It still copies every offer record and is signed like any other.
 */
function buildUnchecked(offer: Offer, invreq: InvoiceRequestFields): UnsignedInvoiceRequest {
  const copied = offer.records.filter((r) => !isSignatureType(r.type));
  const { records, bytes } = assemble([...copied, ...encodeFields(invreq, INVREQ_FIELD_SPEC)]);
  return new UnsignedInvoiceRequest(records, bytes, invreq.payerId!);
}


/**
 * Judges the answer to our invoice_request. An invoice must pass the invoice reader requirements
 * and mirror the request (BOLT 12: "MUST reject the invoice if all fields in ranges 0 to 159 and
 * 1000000000 to 2999999999 (inclusive) do not exactly match the invoice request", and with
 * offer_paths its node id must be "the final blinded_node_id it sent the invoice request to").
 * It arrived over our reply path (the messenger matched it to our request). Returns the invoice to
 * store, or the error to end the fetch with: InvoiceErrorReceived for an invoice_error, OffersError
 * otherwise (either way the request's new status is in the step's writes). `answer` is the offers
 * message the reply carried, decoded by the messenger (undefined: it carried none).
 */
export function acceptFetchAnswer(ctx: ManagerContext, f: PreparedFetch, answer: OffersMessage | undefined, sentTo: Destination, nowMs: number): FetchAnswer {
  if (answer?.type === 'invoice_error') {
    const e = answer.decoded.value ?? { error: 'an invoice_error that does not decode' };
    const received = new InvoiceErrorReceived(e, 'the issuer');
    ctx.write({
      kind: 'update_request',
      rowId: f.rowId,
      change: { status: 'invoice_error', errorCode: received.code, errorMessage: received.text, erroneousField: received.erroneousField ?? null, updatedAt: nowMs },
    });
    ctx.emit({
      type: 'offer.invoice_error_received', offerId: f.offerId, requestId: f.requestId, error: received.text,
      erroneousField: received.erroneousField?.toString() ?? null, suggestedValue: received.suggestedValue ? toHex(received.suggestedValue) : null,
    });
    return { kind: 'refused', error: received };
  }
  if (answer?.type !== 'invoice') return refused(ctx, f, new OffersError('offers.unexpected_reply', 'the answer carried neither an invoice nor an invoice_error'), nowMs);
  // The messenger parsed it already (answer.decoded = parseInvoiceBytes(bytes)); the reader rules and the
  // mirroring of our request are checked on that, as analyzeInvoice(bytes, ctx, request) would.
  const reader = readerContext(ctx, nowMs);
  // The messenger's parse checked the points of the invoice's blinded paths for shape only; we pay
  // over invoice_paths, so every point is checked on the curve, once every other rule holds.
  const checked = withSemantics(answer.decoded, (inv) => [...checkInvoice(inv, reader), ...checkInvoiceMatchesRequest(inv, f.request)]);
  const analysis = withPathPointsLast(checked, invoicePathPointErrors);
  const problems: Bolt12Error[] = [...analysis.errors];
  if (analysis.value && problems.length === 0 && sentTo.kind === 'path') {
    problems.push(...checkInvoiceMatchesRequest(analysis.value, f.request, sentTo.finalBlindedNodeId));
  }
  if (problems.length > 0 || !analysis.value) {
    const first = problems[0] ?? new Bolt12SemanticError('invoice.request_mismatch');
    return refused(ctx, f, new OffersError('offers.bad_invoice', `the invoice that came back was refused: ${first.message}`, { code: first.code }), nowMs);
  }
  const record = receivedInvoiceRecord(analysis.value, f.offerId, f.requestId, nowMs);
  ctx.write({ kind: 'insert_invoice', invoice: record });
  ctx.write({ kind: 'update_request', rowId: f.rowId, change: { status: 'invoice', invoiceId: record.invoiceId, updatedAt: nowMs } });
  ctx.emit({
    type: 'offer.invoice_received', offerId: f.offerId, requestId: f.requestId, invoiceId: record.invoiceId, paymentHash: record.paymentHash,
    amountMsat: record.amountMsat.toString(),
  });
  return { kind: 'invoice', invoice: record };
}

function refused(ctx: ManagerContext, f: PreparedFetch, error: OffersError, nowMs: number): FetchAnswer {
  return { kind: 'refused', error: failFetch(ctx, f, error, nowMs) };
}

/** Records a fetch that ended without an invoice; returns the error for the caller to throw. */
export function failFetch(ctx: ManagerContext, f: PreparedFetch, error: OffersError, nowMs: number): OffersError {
  ctx.write({ kind: 'update_request', rowId: f.rowId, change: { status: 'failed', errorCode: error.code, errorMessage: error.message, updatedAt: nowMs } });
  ctx.emit({ type: 'offer.fetch_failed', offerId: f.offerId, requestId: f.requestId, code: error.code, message: error.message });
  return error;
}

/** The record of an invoice someone sent us (it passed every check). */
export function receivedInvoiceRecord(invoice: Invoice, offerId: string | null, requestId: string | null, nowMs: number): InvoiceRecord {
  const f = invoice.invoice;
  const createdAt = Number(f.createdAt!);
  return {
    invoiceId: idOf(invoice.records),
    role: 'received',
    offerId,
    requestId: requestId ?? mirroredRequestId(invoice.records),
    bolt12: encodeInvoice(invoice),
    paymentHash: toHex(f.paymentHash!),
    preimageNonce: null,
    amountMsat: f.amount!,
    createdAt,
    expiresAt: createdAt + Number(f.relativeExpiry ?? DEFAULT_INVOICE_RELATIVE_EXPIRY),
    nodeId: toHex(f.nodeId!),
    description: invoice.offer.description ?? null,
    quantity: invoice.invreq.quantity ?? null,
    payerNote: invoice.invreq.payerNote ?? null,
    storedAt: nowMs,
  };
}

