/**
 * The issuer's side: answering an invoice_request that arrived for one of our offers with a
 * signed invoice, an invoice_error saying what was wrong, or nothing when BOLT 12 says to ignore
 * it. Everything is decided here from the request, where it arrived (the `path_id` of our hop)
 * and our stored offers; the caller sends the reply over the message's reply path.
 */
import { fromHex, toHex, zeroize } from '../../crypto';
import type { TlvRecord } from '../../wire';
import { decodeBolt12String } from '../bech32';
import type { Bolt12Error } from '../errors';
import type { InvoiceRequest } from '../invoice-request';
import { checkInvoiceRequest, encodeInvoiceRequest, invoiceRequestSignatureError, isForOffer, parseInvoiceRequestBytes } from '../invoice-request';
import { merkleRoot } from '../merkle';
import { encodeInvoiceError } from '../invoice-error';
import { OFFERS_MESSAGE_TLV } from './constants';
import type { ManagerContext } from './context';
import { issueInvoice, mirroredOfferId, msatText, readerContext } from './context';
import type { Rejection } from './rejections';
import { OUR_REJECTIONS, invoiceErrorOf, rejectionFor } from './rejections';
import type { InvoiceRequestRecord, OfferRecord, PublishedPathRecord } from './records';
import type { Analysis } from '../message';
import type { OffersContext } from '../ports';

/** An offers message as the messenger delivered it to us. */
export interface IncomingMessage<T = unknown> {
  /** The messenger's id of the onion message (events tie to it). */
  readonly messageId: string;
  /** The message record's value (the TLV stream). */
  readonly value: Uint8Array;
  /** `value` decoded, when the messenger already did (else it is parsed here). */
  readonly decoded?: Analysis<T>;
  /**
   * Where it arrived, as the messenger authenticated it from our hop's path_id: one of our
   * published paths (its record), a reply context of ours, or null when not over a path of ours.
   */
  readonly context: OffersContext | null;
  /** It came over a blinded path whose path_id we never issued. */
  readonly unrecognizedPathId?: boolean;
  readonly hasReplyPath: boolean;
}

/** Whether it came over a blinded path that ends at us with a path_id (ours or not). */
export function viaBlindedPath(msg: IncomingMessage): boolean {
  return msg.context !== null || msg.unrecognizedPathId === true;
}

/** The published path it came over, when it is one of ours. */
export function publishedPathOf(msg: IncomingMessage): PublishedPathRecord | undefined {
  return msg.context?.kind === 'published_path' ? msg.context.path : undefined;
}

/** What to do about one invoice_request. */
export type AnswerOutcome =
  | { readonly kind: 'invoice'; readonly reply: TlvRecord; readonly invoiceId: string }
  | { readonly kind: 'invoice_error'; readonly reply: TlvRecord; readonly rejection: Rejection }
  | { readonly kind: 'ignored'; readonly reason: string };

/**
 * Decides the answer to one invoice_request, the cheap rules before the costly ones, so that a
 * stranger's request costs little until it has shown it is worth answering: the parse (bounded by
 * the limits table, core/wire/limits.ts, with blinded path points checked for shape only), its
 * Merkle roots (at most LIMITS.bolt12Records.invoice_request leaves), where it arrived, our offer
 * looked up by the root of its offer records — a request for an offer of ours carries a copy of
 * that offer's paths, whose points we checked when we built them, and invreq_paths, which an
 * answer to an offer never uses, so no path point is checked here —, every other reader rule, and
 * last the BIP340 signature (the one curve operation, with invreq_payer_id checked as it was parsed).
 */
export function answerInvoiceRequest(ctx: ManagerContext, msg: IncomingMessage<InvoiceRequest>, nowMs: number): AnswerOutcome {
  const parsed = msg.decoded ?? parseInvoiceRequestBytes(msg.value);
  const request = parsed.value;
  const root = request ? merkleRoot(request.records) : undefined;
  const requestId = request ? (root ? toHex(root) : '') : null;
  const offerId = request && isForOffer(request) ? mirroredOfferId(request.records) : null;
  ctx.emit({
    type: 'offer.invoice_request_received', offerId, requestId, messageId: msg.messageId,
    amountMsat: msatText(request?.invreq.amount), quantity: msatText(request?.invreq.quantity), payerNote: request?.invreq.payerNote ?? null,
    viaPath: viaBlindedPath(msg),
  });
  const base = { ctx, msg, request, requestId, nowMs };

  // Where it arrived. BOLT 12 reader: "if offer_paths is present: MUST ignore the invoice_request
  // if it did not arrive via one of those paths; otherwise: MUST ignore any invoice_request if it
  // arrived via a blinded path" — ours carry a path_id, which the messenger turned into the
  // path's record; a request over a path that is not one of this offer's (another offer's, a
  // refund's, not ours) is ignored, revealing nothing.
  let path: PublishedPathRecord | undefined;
  if (viaBlindedPath(msg)) {
    path = publishedPathOf(msg);
    if (!path || path.ownerKind !== 'offer') return ignore(base, undefined, 'unknown_path', 'it came over a blinded path that is none of our offer paths');
    if (offerId !== null && offerId !== path.ownerId) return ignore(base, undefined, 'wrong_path', 'it came over the path of another offer');
  } else if (request && isForOffer(request) && request.offer.issuerId === undefined && request.offer.paths !== undefined) {
    // The same rule for an offer with offer_paths and no offer_issuer_id that arrived directly —
    // ours or not, and without storing anything: answering "unknown offer" only for offers that
    // are not ours would tell anyone who asks us directly which blinded offers are ours.
    const ours = offerId ? ctx.reader.offers.getOffer(offerId) : undefined;
    return ignore(base, undefined, 'not_via_offer_path', 'the offer has offer_paths but the request did not arrive via one of them', ours?.offerId ?? null);
  }
  const knownOffer = path ? ctx.reader.offers.getOffer(path.ownerId) : offerId ? ctx.reader.offers.getOffer(offerId) : undefined;
  if (!msg.hasReplyPath) return ignore(base, knownOffer, 'no_reply_path', 'it has no reply path to answer over');
  if (!request || parsed.errors.length > 0) {
    return reject(base, knownOffer, parsed.errors[0] ? rejectionFor(parsed.errors[0]) : { code: 'bolt12.parse.bad_tlv', message: 'the invoice_request does not decode' });
  }
  if (!isForOffer(request) || !knownOffer) return reject(base, undefined, OUR_REJECTIONS.unknownOffer);
  if (!path && knownOffer.issuerId === null) {
    return ignore(base, knownOffer, 'not_via_offer_path', 'the offer has offer_paths but the request did not arrive via one of them');
  }
  if (knownOffer.status === 'disabled') return reject(base, knownOffer, OUR_REJECTIONS.disabledOffer);

  // BOLT 12 reader requirements. "MUST reject the invoice request if the offer fields do not exactly
  // match a valid, unexpired offer": the offer was found by the Merkle root of exactly those fields
  // (so they match it), and its validity, expiry included, is part of checkInvoiceRequest. The
  // signature is verified last, once every cheap rule holds.
  const problems: Bolt12Error[] = checkInvoiceRequest(request, readerContext(ctx, nowMs), { signature: false });
  const badSignature = problems.length === 0 ? invoiceRequestSignatureError(request, root) : undefined;
  if (badSignature) problems.push(badSignature);
  if (problems.length > 0) {
    return reject(base, knownOffer, rejectionFor(problems[0]!, { offer: request.offer, invreq: request.invreq, chain: ctx.chain }));
  }

  // Reader: "if offer_issuer_id is present, and invreq_metadata is identical to a previous
  // invoice_request: MAY simply reply with the previous invoice; otherwise: MUST NOT reply with a
  // previous invoice". Payers send the same request more than once (LDK does); we answer an
  // identical request (same Merkle root, so same metadata) with its unexpired invoice.
  if (knownOffer.issuerId !== null) {
    const previous = ctx.reader.requests.findAnsweredRequest(requestId!);
    const invoice = previous?.invoiceId ? ctx.reader.invoices.getInvoice(previous.invoiceId) : undefined;
    if (invoice && invoice.expiresAt > nowMs / 1000) {
      ctx.emit({
        type: 'offer.invoice_issued', offerId: knownOffer.offerId, requestId: requestId!, messageId: msg.messageId, invoiceId: invoice.invoiceId,
        paymentHash: invoice.paymentHash, amountMsat: invoice.amountMsat.toString(),
      });
      return { kind: 'invoice', reply: { type: OFFERS_MESSAGE_TLV.invoice, value: decodeBolt12String(invoice.bolt12).bytes }, invoiceId: invoice.invoiceId };
    }
  }

  // Bounded storage: every invoice we issue is kept until it expires (a payment may still come),
  // so a stranger's flood of requests meets a cap instead of filling the disk.
  const nowSeconds = Math.floor(nowMs / 1000);
  const outstanding = ctx.reader.invoices.countOutstandingIssued(knownOffer.offerId, nowSeconds);
  if (outstanding.count >= ctx.policy.maxOutstandingInvoicesPerOffer || outstanding.bytes >= ctx.policy.maxOutstandingInvoiceBytesPerOffer) {
    return reject(base, knownOffer, OUR_REJECTIONS.busyOffer);
  }
  const expired = ctx.reader.invoices.expiredIssued(knownOffer.offerId, nowSeconds, ctx.policy.maxExpiredInvoicesPerOffer);
  if (expired.length > 0) ctx.write({ kind: 'delete_invoices', invoiceIds: expired });

  // Writer: "if offer_issuer_id is present: MUST set invoice_node_id to the offer_issuer_id;
  // otherwise, if offer_paths is present: MUST set invoice_node_id to the final blinded_node_id on
  // the path it received the invoice request".
  const nodeId = knownOffer.issuerId !== null ? ctx.keys.nodeId : fromHex(path!.finalBlindedNodeId);
  const { invoice, record } = issueInvoice(
    ctx,
    request,
    {
      nodeId,
      offerId: knownOffer.offerId,
      requestId: requestId!,
      sign: (unsigned) => {
        if (knownOffer.issuerId !== null) return ctx.keys.withNodeKey((k) => unsigned.sign(k));
        const secret = ctx.keys.blindedSecret(fromHex(path!.finalPathKey));
        try {
          return unsigned.sign(secret);
        } finally {
          zeroize(secret);
        }
      },
    },
    nowMs,
  );
  // Persist before we promise: the invoice (and its preimage nonce) is stored before it is sent.
  ctx.write({ kind: 'insert_invoice', invoice: record });
  ctx.write({ kind: 'insert_request', request: requestRecord(base, knownOffer, { status: 'invoice', invoiceId: record.invoiceId }) });
  ctx.emit({
    type: 'offer.invoice_issued', offerId: knownOffer.offerId, requestId: requestId!, messageId: msg.messageId, invoiceId: record.invoiceId,
    paymentHash: record.paymentHash, amountMsat: record.amountMsat.toString(),
  });
  return { kind: 'invoice', reply: { type: OFFERS_MESSAGE_TLV.invoice, value: invoice.bytes }, invoiceId: record.invoiceId };
}

interface Base {
  readonly ctx: ManagerContext;
  readonly msg: IncomingMessage;
  readonly request: InvoiceRequest | undefined;
  readonly requestId: string | null;
  readonly nowMs: number;
}

function requestRecord(b: Base, offer: OfferRecord, outcome: Pick<InvoiceRequestRecord, 'status'> & Partial<InvoiceRequestRecord>): InvoiceRequestRecord {
  const r = b.request;
  return {
    requestId: b.requestId ?? '',
    role: 'received',
    offerId: offer.offerId,
    bolt12: r ? encodeInvoiceRequest(r) : '',
    amountMsat: r?.invreq.amount ?? null,
    quantity: r?.invreq.quantity ?? null,
    payerNote: r?.invreq.payerNote ?? null,
    payerId: r?.invreq.payerId ? toHex(r.invreq.payerId) : null,
    description: r?.offer.description ?? null,
    issuer: r?.offer.issuer ?? null,
    invoiceId: null,
    errorCode: null,
    errorMessage: null,
    erroneousField: null,
    createdAt: b.nowMs,
    updatedAt: b.nowMs,
    ...outcome,
  };
}

/**
 * Requests are recorded only when they concern one of our offers (so strangers cannot fill the
 * table), and only the newest `maxRefusedRequestsPerOffer` of those not answered with an invoice.
 */
function recordRefused(b: Base, offer: OfferRecord, outcome: Pick<InvoiceRequestRecord, 'status'> & Partial<InvoiceRequestRecord>): void {
  b.ctx.write({ kind: 'insert_request', request: requestRecord(b, offer, outcome) });
  b.ctx.write({ kind: 'prune_refused_requests', offerId: offer.offerId, keep: b.ctx.policy.maxRefusedRequestsPerOffer });
}

/** `eventOfferId`: the offer named in the (local) event when nothing is recorded against it. */
function ignore(b: Base, offer: OfferRecord | undefined, reason: string, message: string, eventOfferId: string | null = null): AnswerOutcome {
  if (offer) recordRefused(b, offer, { status: 'ignored', errorCode: `offers.ignored.${reason}`, errorMessage: message });
  b.ctx.emit({ type: 'offer.invoice_request_ignored', offerId: offer?.offerId ?? eventOfferId, requestId: b.requestId, messageId: b.msg.messageId, reason });
  return { kind: 'ignored', reason };
}

function reject(b: Base, offer: OfferRecord | undefined, rejection: Rejection): AnswerOutcome {
  const error = invoiceErrorOf(rejection);
  if (offer) {
    recordRefused(b, offer, { status: 'invoice_error', errorCode: rejection.code, errorMessage: rejection.message, erroneousField: rejection.erroneousField ?? null });
  }
  b.ctx.emit({
    type: 'offer.invoice_error_sent', offerId: offer?.offerId ?? (b.request && isForOffer(b.request) ? mirroredOfferId(b.request.records) : null),
    requestId: b.requestId, messageId: b.msg.messageId, code: rejection.code, error: rejection.message,
    erroneousField: rejection.erroneousField?.toString() ?? null,
  });
  return { kind: 'invoice_error', reply: { type: OFFERS_MESSAGE_TLV.invoiceError, value: encodeInvoiceError(error) }, rejection };
}
