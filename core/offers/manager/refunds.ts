/**
 * Refunds (BOLT 12: an invoice_request "without an offer ... a kind of offer-to-send-money"):
 * creating ours, answering someone's with an invoice, and accepting the invoice someone sends for
 * ours.
 */
import { equalBytes, toHex } from '../../crypto';
import type { TlvRecord } from '../../wire';
import { decodeBolt12String } from '../bech32';
import { Bolt12SemanticError } from '../errors';
import type { Bolt12Error } from '../errors';
import type { Invoice } from '../invoice';
import { checkInvoice, checkInvoiceMatchesRequest, invoicePathPointErrors, parseInvoiceBytes } from '../invoice';
import { withPathPointsLast, withSemantics } from '../message';
import type { InvoiceRequest, Refund } from '../invoice-request';
import { analyzeInvoiceRequest, buildRefund, encodeInvoiceRequest, isForOffer, parseInvoiceRequestBytes } from '../invoice-request';
import { encodeInvoiceError } from '../invoice-error';
import { nowOf } from '../chains';
import { OFFERS_MESSAGE_TLV } from './constants';
import type { ManagerContext } from './context';
import { idOf, issueInvoice, mirroredRequestId, readerContext } from './context';
import { OffersError } from './errors';
import type { Destination } from './payer';
import { destinationsOf, receivedInvoiceRecord } from './payer';
import { newPublishedPaths } from './publish';
import type { Rejection } from './rejections';
import { OUR_REJECTIONS, invoiceErrorOf, rejectionFor } from './rejections';
import type { IncomingMessage } from './responder';
import { publishedPathOf, viaBlindedPath } from './responder';
import type { InvoiceRecord, InvoiceRequestRecord } from './records';

export interface RefundParams {
  readonly description: string;
  readonly amountMsat: bigint;
  readonly issuer?: string;
  /** Seconds since the epoch. */
  readonly absoluteExpiry?: number;
  readonly payerNote?: string;
  readonly quantity?: bigint;
  /** Blinded paths to us through these peers (introduction node first); none: our node id is invreq_payer_id. */
  readonly via?: readonly (readonly Uint8Array[])[];
  readonly dummyHops?: number;
}

/**
 * Creates a refund (BOLT 12 invoice_request writer, "otherwise (not responding to an offer)"):
 * "MUST set invreq_payer_id (as it would set offer_issuer_id for an offer)" and "MUST set
 * invreq_paths as it would set (or not set) offer_paths". Without paths the invoice must reach
 * invreq_payer_id as a node, so it is our node id; with paths it is a payer key derived from
 * invreq_metadata and invoices arrive over the paths.
 */
export function createRefund(ctx: ManagerContext, params: RefundParams, nowMs: number): InvoiceRequestRecord {
  if (params.amountMsat <= 0n) throw new OffersError('offers.bad_argument', 'a refund needs an amount above zero');
  if (params.absoluteExpiry !== undefined && params.absoluteExpiry <= nowMs / 1000) throw new OffersError('offers.bad_argument', 'the expiry is in the past');
  const via = params.via ?? [];
  const published = via.length > 0 ? newPublishedPaths(ctx, via, params.dummyHops ?? 0) : undefined;
  const metadata = ctx.randomBytes(32);
  const payerId = published ? ctx.keys.payerId(metadata) : ctx.keys.nodeId;
  const refund = buildRefund({
    payerId, metadata, description: params.description, amount: params.amountMsat, chain: ctx.chain,
    ...(params.issuer !== undefined ? { issuer: params.issuer } : {}),
    ...(params.absoluteExpiry !== undefined ? { absoluteExpiry: BigInt(params.absoluteExpiry) } : {}),
    ...(params.payerNote !== undefined ? { payerNote: params.payerNote } : {}),
    ...(params.quantity !== undefined ? { quantity: params.quantity } : {}),
    ...(published ? { paths: published.paths } : {}),
  });
  const refundId = idOf(refund.records);
  const record: InvoiceRequestRecord = {
    requestId: refundId, role: 'refund', offerId: refundId, bolt12: encodeInvoiceRequest(refund), status: 'active',
    amountMsat: params.amountMsat, quantity: params.quantity ?? null, payerNote: params.payerNote ?? null, payerId: toHex(payerId),
    description: params.description, issuer: params.issuer ?? null, invoiceId: null, errorCode: null, errorMessage: null, erroneousField: null,
    createdAt: nowMs, updatedAt: nowMs,
  };
  if (published) ctx.write({ kind: 'insert_paths', paths: published.records(refundId, 'refund') });
  ctx.write({ kind: 'insert_request', request: record });
  ctx.emit({ type: 'offer.refund_created', offerId: refundId, amountMsat: params.amountMsat.toString() });
  return record;
}

export interface PreparedRefundInvoice {
  readonly refund: Refund;
  readonly refundId: string;
  readonly invoice: Invoice;
  readonly record: InvoiceRecord;
  /** BOLT 12 reader of a refund: "MUST use invreq_paths if present, otherwise MUST use invreq_payer_id as the node id to send to". */
  readonly destinations: readonly Destination[];
}

/** Reads someone's refund and issues the invoice for it (stored before it is sent). */
export function prepareRefundInvoice(ctx: ManagerContext, refundText: string, nowMs: number): PreparedRefundInvoice {
  const reader = readerContext(ctx, nowMs);
  const analysis = analyzeInvoiceRequest(refundText.trim(), reader);
  if (analysis.errors.length > 0 || !analysis.value) throw analysis.errors[0] ?? new OffersError('offers.bad_argument', 'the refund does not decode');
  const refund = analysis.value;
  if (isForOffer(refund)) throw new OffersError('offers.not_a_refund', 'this invoice_request answers an offer: only a refund (no offer_issuer_id or offer_paths) can be sent an invoice');
  // Refund writer: "MUST set (or not set) offer_absolute_expiry ... as it would for an offer"; the
  // offer reader's rule "if the current time is after offer_absolute_expiry: MUST NOT respond" applies.
  const expiry = refund.offer.absoluteExpiry;
  if (expiry !== undefined && nowOf(reader) > expiry) throw new Bolt12SemanticError('offer.expired', undefined, { absoluteExpiry: expiry.toString() });
  const payerId = refund.invreq.payerId!;
  if (equalBytes(payerId, ctx.keys.nodeId)) throw new OffersError('offers.bad_argument', 'this is one of our own refunds');
  const refundId = idOf(refund.records);
  const { invoice, record } = issueInvoice(
    ctx,
    refund,
    // Writer of an invoice for a refund: offer_issuer_id and offer_paths are absent; the node id is ours.
    { nodeId: ctx.keys.nodeId, offerId: refundId, requestId: refundId, sign: (u) => ctx.keys.withNodeKey((k) => u.sign(k)) },
    nowMs,
  );
  // Stored before it is sent (persist before you promise): the adapter persists the step first.
  ctx.write({ kind: 'insert_invoice', invoice: record });
  return { refund, refundId, invoice, record, destinations: destinationsOf(refund.invreq.paths, payerId) };
}

export type ReceiveInvoiceOutcome =
  | { readonly kind: 'accepted'; readonly invoiceId: string }
  | { readonly kind: 'invoice_error'; readonly reply: TlvRecord; readonly rejection: Rejection }
  | { readonly kind: 'ignored'; readonly reason: string };

/**
 * An invoice that arrived on its own (not as the reply to one of our requests): it may answer one
 * of our refunds. BOLT 12 invoice reader: "if invreq_paths is present: MUST reject the invoice if
 * it did not arrive via one of those paths"; "otherwise, neither offer_issuer_id nor offer_paths
 * are present (not derived from an offer): MUST reject the invoice if it arrived via a blinded
 * path"; "otherwise (derived from an offer): MUST reject the invoice if it did not arrive via
 * invoice request onionmsg_tlv reply_path" — which this one did not.
 */
export function receiveInvoice(ctx: ManagerContext, msg: IncomingMessage<Invoice>, nowMs: number): ReceiveInvoiceOutcome {
  const parsed = msg.decoded ?? parseInvoiceBytes(msg.value);
  const invoice = parsed.value;
  const reject = (rejection: Rejection): ReceiveInvoiceOutcome =>
    msg.hasReplyPath
      ? { kind: 'invoice_error', reply: { type: OFFERS_MESSAGE_TLV.invoiceError, value: encodeInvoiceError(invoiceErrorOf(rejection)) }, rejection }
      : { kind: 'ignored', reason: rejection.code };
  if (!invoice || parsed.errors.length > 0) return reject(parsed.errors[0] ? rejectionFor(parsed.errors[0]) : { code: 'bolt12.parse.bad_tlv', message: 'the invoice does not decode' });
  if (isForOffer(invoice)) return reject(OUR_REJECTIONS.notForRefund);
  const refundId = mirroredRequestId(invoice.records);
  // Where it arrived, before whether the refund is ours: answering "unknown refund" only for
  // refunds that are not ours would link a refund with invreq_paths (or an offer whose path was
  // used) to this node.
  const refundHasPaths = invoice.invreq.paths !== undefined;
  if (viaBlindedPath(msg)) {
    const arrived = publishedPathOf(msg);
    if (!arrived || arrived.ownerKind !== 'refund' || arrived.ownerId !== refundId) {
      return { kind: 'ignored', reason: refundHasPaths ? 'not_via_refund_path' : 'arrived_via_blinded_path' };
    }
  } else if (refundHasPaths) {
    return { kind: 'ignored', reason: 'not_via_refund_path' };
  }
  const refund = ctx.reader.requests.getRefund(refundId);
  if (!refund) return reject(OUR_REJECTIONS.unknownRefund);
  // A refund is paid once: the first valid invoice answers it; later ones are ignored (and not stored).
  if (refund.status === 'invoiced' && refund.invoiceId !== null) {
    const again = idOf(invoice.records) === refund.invoiceId;
    return again ? { kind: 'accepted', invoiceId: refund.invoiceId } : { kind: 'ignored', reason: 'refund_already_invoiced' };
  }
  const refundRequest: InvoiceRequest = parseInvoiceRequestBytes(decodeBolt12String(refund.bolt12).bytes).value!;
  // Every reader rule (the mirror of our refund and the signature among them), then the points of
  // its paths (shape-checked by the parse): an invoice that is not the answer costs no point check.
  const reader = readerContext(ctx, nowMs);
  const checked = withSemantics(parsed, (inv) => [...checkInvoice(inv, reader), ...checkInvoiceMatchesRequest(inv, refundRequest)]);
  const analysis = withPathPointsLast(checked, invoicePathPointErrors);
  const problems: Bolt12Error[] = [...analysis.errors];
  if (problems.length > 0 || !analysis.value) return reject(rejectionFor(problems[0]!, { chain: ctx.chain }));
  const record = receivedInvoiceRecord(analysis.value, refundId, refundId, nowMs);
  // Stored once: an invoice already stored (the same one sent again) changes nothing.
  if (!ctx.reader.invoices.getInvoice(record.invoiceId)) {
    ctx.write({ kind: 'insert_invoice', invoice: record });
    ctx.write({ kind: 'update_request', rowId: refund.rowId, change: { status: 'invoiced', invoiceId: record.invoiceId, updatedAt: nowMs } });
    ctx.emit({
      type: 'offer.refund_invoice_received', offerId: refundId, invoiceId: record.invoiceId, paymentHash: record.paymentHash, amountMsat: record.amountMsat.toString(),
    });
  }
  return { kind: 'accepted', invoiceId: record.invoiceId };
}

