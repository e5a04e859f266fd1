/**
 * OffersManager: the sans-I/O core of the BOLT 12 flow. It owns the offers keys and decides
 * everything — creating and disabling offers, answering invoice_requests, building and judging
 * our own requests, refunds and their invoices — reading and writing through the store
 * interfaces, with the time and randomness handed in. It sends nothing: the caller carries the
 * replies it returns over onion messages.
 */
import { equalBytes, fromHex, toHex } from '../../crypto';
import type { TlvRecord } from '../../wire';
import type { OfferEventBody } from '../events';
import { buildOffer, encodeOffer } from '../offer';
import { parseInvoiceErrorBytes } from '../invoice-error';
import type { OffersPolicy } from './constants';
import { DEFAULT_OFFERS_POLICY } from './constants';
import type { ManagerContext } from './context';
import { idOf } from './context';
import { OffersError } from './errors';
import { OffersKeys } from './keys';
import type { Destination, FetchParams, PreparedFetch } from './payer';
import { acceptFetchAnswer, failFetch, prepareFetch } from './payer';
import { newPublishedPaths } from './publish';
import type { OfferRecord, OffersStores } from './records';
import type { PreparedRefundInvoice, ReceiveInvoiceOutcome, RefundParams } from './refunds';
import { createRefund, prepareRefundInvoice, receiveInvoice } from './refunds';
import type { AnswerOutcome, IncomingMessage } from './responder';
import { answerInvoiceRequest } from './responder';
import type { InvoiceRecord, InvoiceRequestRecord } from './records';

export interface OffersManagerOptions {
  /** Our node key (copied; zeroed by destroy()). */
  readonly nodeKey: Uint8Array;
  /** A seed derived for offers from the node seed (copied into derived bases). */
  readonly offersSeed: Uint8Array;
  /** chain_hash of our network. */
  readonly chain: Uint8Array;
  readonly stores: OffersStores;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly publish: (event: OfferEventBody) => void;
  readonly policy?: Partial<OffersPolicy>;
}

export interface CreateOfferParams {
  readonly description?: string;
  /** Omitted: any amount. */
  readonly amountMsat?: bigint;
  readonly issuer?: string;
  /** 0: no known maximum (BOLT 12). */
  readonly quantityMax?: bigint;
  /** Seconds since the epoch. */
  readonly absoluteExpiry?: number;
  /** Blinded paths through these peers (each list: introduction node first). Empty: our node id as offer_issuer_id. */
  readonly via?: readonly (readonly Uint8Array[])[];
  readonly dummyHops?: number;
}

export class OffersManager {
  readonly #ctx: ManagerContext;

  constructor(opts: OffersManagerOptions) {
    this.#ctx = {
      keys: new OffersKeys(opts.nodeKey, opts.offersSeed),
      stores: opts.stores,
      chain: opts.chain.slice(),
      policy: { ...DEFAULT_OFFERS_POLICY, ...opts.policy },
      randomBytes: opts.randomBytes,
      publish: opts.publish,
    };
  }

  get policy(): OffersPolicy {
    return this.#ctx.policy;
  }

  get nodeId(): Uint8Array {
    return this.#ctx.keys.nodeId;
  }

  get chain(): Uint8Array {
    return this.#ctx.chain;
  }

  // ----- our offers ---------------------------------------------------------------------------

  /**
   * BOLT 12 offer writer: with paths "MAY set offer_issuer_id" — we do not, so the offer does not
   * name our node; without paths "MUST set offer_issuer_id to the node's public key". Creating an
   * offer identical to an active one returns that one (`created: false`).
   */
  createOffer(params: CreateOfferParams, nowMs: number): { offer: OfferRecord; created: boolean } {
    const ctx = this.#ctx;
    if (params.absoluteExpiry !== undefined && params.absoluteExpiry <= nowMs / 1000) {
      throw new OffersError('offers.bad_argument', 'the expiry is not in the future: the offer would be expired already');
    }
    if (params.amountMsat !== undefined && params.amountMsat <= 0n) throw new OffersError('offers.bad_argument', 'the amount must be above zero (omit it for any amount)');
    const via = params.via ?? [];
    const published = via.length > 0 ? newPublishedPaths(ctx, via, params.dummyHops ?? 0) : undefined;
    const offer = buildOffer({
      chains: [ctx.chain],
      ...(params.amountMsat !== undefined ? { amount: params.amountMsat } : {}),
      ...(params.description !== undefined ? { description: params.description } : {}),
      ...(params.issuer !== undefined ? { issuer: params.issuer } : {}),
      ...(params.quantityMax !== undefined ? { quantityMax: params.quantityMax } : {}),
      ...(params.absoluteExpiry !== undefined ? { absoluteExpiry: BigInt(params.absoluteExpiry) } : {}),
      ...(published ? { paths: published.paths } : { issuerId: ctx.keys.nodeId }),
    });
    const offerId = idOf(offer.records);
    const existing = ctx.stores.offers.getOffer(offerId);
    if (existing) {
      if (existing.status === 'active') return { offer: existing, created: false };
      throw new OffersError('offers.offer_exists', `an identical offer ${offerId} exists and is disabled (offers are not re-enabled)`, { offerId });
    }
    const record: OfferRecord = {
      offerId, bolt12: encodeOffer(offer), status: 'active', description: params.description ?? null, amountMsat: params.amountMsat ?? null,
      issuer: params.issuer ?? null, quantityMax: params.quantityMax ?? null, absoluteExpiry: params.absoluteExpiry ?? null,
      issuerId: published ? null : toHex(ctx.keys.nodeId), createdAt: nowMs, disabledAt: null,
    };
    ctx.stores.offers.insertOffer(record, published?.records(offerId, 'offer') ?? []);
    return { offer: record, created: true };
  }

  /** Disables an offer: invoice_requests for it are answered with an invoice_error from now on. */
  disableOffer(offerId: string, nowMs: number): OfferRecord {
    const { stores } = this.#ctx;
    const offer = stores.offers.getOffer(offerId);
    if (!offer) throw new OffersError('offers.unknown_offer', `no offer of ours has id ${offerId}`, { offerId });
    if (offer.status === 'disabled') return offer;
    stores.offers.setOfferStatus(offerId, 'disabled', nowMs);
    this.#ctx.publish({ type: 'offer.disabled', offerId });
    return stores.offers.getOffer(offerId)!;
  }

  // ----- the issuer's side ----------------------------------------------------------------------

  /** An invoice_request delivered to us: the reply to send (invoice or invoice_error), or nothing. */
  answerInvoiceRequest(msg: IncomingMessage, nowMs: number): AnswerOutcome {
    return answerInvoiceRequest(this.#ctx, msg, nowMs);
  }

  // ----- the payer's side -----------------------------------------------------------------------

  prepareFetch(params: FetchParams, nowMs: number): PreparedFetch {
    return prepareFetch(this.#ctx, params, nowMs);
  }

  acceptFetchAnswer(fetch: PreparedFetch, records: readonly TlvRecord[], sentTo: Destination, nowMs: number): InvoiceRecord {
    return acceptFetchAnswer(this.#ctx, fetch, records, sentTo, nowMs);
  }

  /** Records a fetch that ended without an invoice (no answer, no route) and returns the error to throw. */
  failFetch(fetch: PreparedFetch, error: OffersError, nowMs: number): OffersError {
    return failFetch(this.#ctx, fetch, error, nowMs);
  }

  /** Announces a request that left (once the messenger took it). */
  requestSent(fetch: PreparedFetch, to: Destination): void {
    this.#ctx.publish({
      type: 'offer.invoice_requested', offerId: fetch.offerId, requestId: fetch.requestId,
      amountMsat: fetch.request.invreq.amount?.toString() ?? null, quantity: fetch.request.invreq.quantity?.toString() ?? null,
      destination: destinationText(to), pathIndex: to.kind === 'path' ? to.index : null,
    });
  }

  // ----- refunds --------------------------------------------------------------------------------

  createRefund(params: RefundParams, nowMs: number): InvoiceRequestRecord {
    return createRefund(this.#ctx, params, nowMs);
  }

  prepareRefundInvoice(refund: string, nowMs: number): PreparedRefundInvoice {
    return prepareRefundInvoice(this.#ctx, refund, nowMs);
  }

  /** Announces an invoice for someone's refund that left. */
  refundInvoiceSent(prepared: PreparedRefundInvoice, destination: string): void {
    this.#ctx.publish({
      type: 'offer.refund_invoice_sent', offerId: prepared.refundId, invoiceId: prepared.record.invoiceId, paymentHash: prepared.record.paymentHash,
      amountMsat: prepared.record.amountMsat.toString(), destination,
    });
  }

  /** An invoice that is not a reply to one of our requests (for one of our refunds, or nothing of ours). */
  receiveInvoice(msg: IncomingMessage, nowMs: number): ReceiveInvoiceOutcome {
    return receiveInvoice(this.#ctx, msg, nowMs);
  }

  /** An invoice_error that is not a reply we wait for: reported, nothing else. */
  receiveInvoiceError(msg: IncomingMessage): void {
    const e = parseInvoiceErrorBytes(msg.value).value;
    this.#ctx.publish({
      type: 'offer.invoice_error_received', offerId: null, requestId: null, error: e?.error ?? '(undecodable invoice_error)',
      erroneousField: e?.erroneousField?.toString() ?? null, suggestedValue: e?.suggestedValue ? toHex(e.suggestedValue) : null,
    });
  }

  /** A rejection to publish when we answer someone's answer (e.g. a bad invoice) with an invoice_error. */
  publish(event: OfferEventBody): void {
    this.#ctx.publish(event);
  }

  // ----- for the payment layer --------------------------------------------------------------------

  /**
   * The preimage of an invoice we issued, rebuilt from its nonce (never stored). Secret: the
   * caller zeroes it. Undefined for a payment hash we did not issue.
   */
  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined {
    const inv = this.#ctx.stores.invoices.getIssuedByPaymentHash(toHex(paymentHash));
    if (!inv?.preimageNonce) return undefined;
    const nonce = fromHex(inv.preimageNonce);
    if (!equalBytes(this.#ctx.keys.paymentHash(nonce), paymentHash)) return undefined;
    return this.#ctx.keys.preimage(nonce);
  }

  destroy(): void {
    this.#ctx.keys.destroy();
  }
}

/** Where a request goes, in words for events: the introduction node, or the node id. */
export function destinationText(d: Destination): string {
  if (d.kind === 'node') return toHex(d.nodeId);
  const first = d.path.firstNodeId;
  return first.kind === 'node_id' ? toHex(first.nodeId) : `${first.shortChannelId}/${first.direction}`;
}
