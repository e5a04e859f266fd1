/**
 * OffersManager: the sans-I/O core of the BOLT 12 flow. It owns the offers keys and decides
 * everything — creating and disabling offers, answering invoice_requests, building and judging
 * our own requests, refunds and their invoices — from what it reads through the store port, with
 * the time and randomness handed in. It writes nothing, publishes nothing and sends nothing: each
 * call returns an `OffersStep` (its value, the writes to persist, the events to publish), and the
 * adapter (core/runtime/offers) persists the writes before it publishes the events or sends the
 * replies and requests the value carries.
 */
import { equalBytes, fromHex, sha256, toHex, zeroize } from '../../crypto';
import type { OfferEventBody } from '../events';
import { buildOffer, decodeOffer, encodeOffer } from '../offer';
import { parseInvoiceErrorBytes } from '../invoice-error';
import type { InvoiceError } from '../invoice-error';
import type { Invoice } from '../invoice';
import type { InvoiceRequest } from '../invoice-request';
import type { OffersMessage } from '../ports';
import type { OffersPolicy } from './constants';
import { DEFAULT_OFFERS_POLICY } from './constants';
import type { ManagerContext } from './context';
import type { PaymentForwarders } from './paths';
import { idOf } from './context';
import { OffersError } from './errors';
import { OffersKeys } from './keys';
import type { Destination, FetchAnswer, FetchParams, PendingFetch, PreparedFetch } from './payer';
import { acceptFetchAnswer, failFetch, prepareFetch } from './payer';
import { newPublishedPaths } from './publish';
import type { OfferRecord, OffersReader, OffersStep, OffersWrite } from './records';
import type { PreparedRefundInvoice, ReceiveInvoiceOutcome, RefundParams } from './refunds';
import { createRefund, prepareRefundInvoice, receiveInvoice } from './refunds';
import type { AnswerOutcome, IncomingMessage } from './responder';
import { answerInvoiceRequest } from './responder';
import type { InvoiceRequestRecord } from './records';

export interface OffersManagerOptions {
  /** Our node key (copied; zeroed by destroy()). */
  readonly nodeKey: Uint8Array;
  /** A seed derived for offers from the node seed (copied into derived bases). */
  readonly offersSeed: Uint8Array;
  /** chain_hash of our network. */
  readonly chain: Uint8Array;
  /** The store, read-only (the adapter persists the writes each step returns). */
  readonly reader: OffersReader;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly policy?: Partial<OffersPolicy>;
  /** Our channel peers that can forward a payment to us, for our invoices' payment paths (default: none). */
  readonly paymentForwarders?: () => PaymentForwarders;
}

/** What a BOLT 12 payment over one of our payment paths is owed (OffersManager.paymentForPath). */
export interface Bolt12PathPayment {
  /** Secret: zero it once used. */
  readonly preimage: Uint8Array;
  /** `invoice_amount`: the least the payment must bring. */
  readonly amountMsat: bigint;
  /** Unix seconds after which the invoice is not paid any more. */
  readonly expiresAt: number;
  readonly offerId: string | null;
  /** The final CLTV delta our payment paths ask for (their payinfo's, with no forwarders). */
  readonly minFinalCltvExpiryDelta: number;
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

type Base = Omit<ManagerContext, 'write' | 'emit'>;

export class OffersManager {
  readonly #base: Base;

  constructor(opts: OffersManagerOptions) {
    this.#base = {
      keys: new OffersKeys(opts.nodeKey, opts.offersSeed),
      reader: opts.reader,
      chain: opts.chain.slice(),
      policy: { ...DEFAULT_OFFERS_POLICY, ...opts.policy },
      randomBytes: opts.randomBytes,
      ...(opts.paymentForwarders ? { paymentForwarders: opts.paymentForwarders } : {}),
    };
  }

  /** Runs one decision with a fresh collector of writes and events. Throws (nothing collected) only before any. */
  #step<T>(run: (ctx: ManagerContext) => T): OffersStep<T> {
    const writes: OffersWrite[] = [];
    const events: OfferEventBody[] = [];
    const value = run({ ...this.#base, write: (w) => void writes.push(w), emit: (e) => void events.push(e) });
    return { value, writes, events };
  }

  get policy(): OffersPolicy {
    return this.#base.policy;
  }

  get nodeId(): Uint8Array {
    return this.#base.keys.nodeId;
  }

  get chain(): Uint8Array {
    return this.#base.chain;
  }

  // ----- our offers ---------------------------------------------------------------------------

  /**
   * BOLT 12 offer writer: with paths "MAY set offer_issuer_id" — we do not, so the offer does not
   * name our node; without paths "MUST set offer_issuer_id to the node's public key". Creating an
   * offer identical to an active one returns that one (`created: false`).
   */
  createOffer(params: CreateOfferParams, nowMs: number): OffersStep<{ offer: OfferRecord; created: boolean }> {
    return this.#step((ctx) => {
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
      const existing = ctx.reader.offers.getOffer(offerId);
      if (existing) {
        if (existing.status === 'active') return { offer: existing, created: false };
        throw new OffersError('offers.offer_exists', `an identical offer ${offerId} exists and is disabled (offers are not re-enabled)`, { offerId });
      }
      const record: OfferRecord = {
        offerId, bolt12: encodeOffer(offer), status: 'active', description: params.description ?? null, amountMsat: params.amountMsat ?? null,
        issuer: params.issuer ?? null, quantityMax: params.quantityMax ?? null, absoluteExpiry: params.absoluteExpiry ?? null,
        issuerId: published ? null : toHex(ctx.keys.nodeId), createdAt: nowMs, disabledAt: null,
      };
      ctx.write({ kind: 'insert_offer', offer: record, paths: published?.records(offerId, 'offer') ?? [] });
      return { offer: record, created: true };
    });
  }

  /**
   * Async payments (lightning/bolts#1149; core/payments/async recipient.ts): an offer built outside
   * this manager — an often-offline recipient's offer on its LSP's paths — that names our node key as
   * `offer_issuer_id`, kept so an invoice_request for it (forwarded by the LSP while we are online)
   * is answered like one for our own offers: BOLT 12 writer "if offer_issuer_id is present: MUST set
   * invoice_node_id to the offer_issuer_id" — ours, so we sign with our node key. Stored without
   * published paths (the paths end at the LSP, not at us). Adopting it again returns the record.
   */
  adoptOffer(bolt12: string, nowMs: number): OffersStep<OfferRecord> {
    return this.#step((ctx) => {
      const offer = decodeOffer(bolt12, { nowSeconds: Math.floor(nowMs / 1000), chains: [ctx.chain] });
      const f = offer.fields;
      if (!f.issuerId || !equalBytes(f.issuerId, ctx.keys.nodeId)) throw new OffersError('offers.bad_argument', 'the offer does not name our node key as offer_issuer_id');
      const offerId = idOf(offer.records);
      const existing = ctx.reader.offers.getOffer(offerId);
      if (existing) return existing;
      const record: OfferRecord = {
        offerId, bolt12: encodeOffer(offer), status: 'active', description: f.description ?? null, amountMsat: f.currency === undefined ? (f.amount ?? null) : null,
        issuer: f.issuer ?? null, quantityMax: f.quantityMax ?? null, absoluteExpiry: f.absoluteExpiry === undefined ? null : Number(f.absoluteExpiry),
        issuerId: toHex(ctx.keys.nodeId), createdAt: nowMs, disabledAt: null,
      };
      ctx.write({ kind: 'insert_offer', offer: record, paths: [] });
      return record;
    });
  }

  /** Disables an offer: invoice_requests for it are answered with an invoice_error from now on. */
  disableOffer(offerId: string, nowMs: number): OffersStep<OfferRecord> {
    return this.#step((ctx) => {
      const offer = ctx.reader.offers.getOffer(offerId);
      if (!offer) throw new OffersError('offers.unknown_offer', `no offer of ours has id ${offerId}`, { offerId });
      if (offer.status === 'disabled') return offer;
      ctx.write({ kind: 'set_offer_status', offerId, status: 'disabled', at: nowMs });
      ctx.emit({ type: 'offer.disabled', offerId });
      return { ...offer, status: 'disabled', disabledAt: nowMs };
    });
  }

  // ----- the issuer's side ----------------------------------------------------------------------

  /** An invoice_request delivered to us: the reply to send (invoice or invoice_error), or nothing. */
  answerInvoiceRequest(msg: IncomingMessage<InvoiceRequest>, nowMs: number): OffersStep<AnswerOutcome> {
    return this.#step((ctx) => answerInvoiceRequest(ctx, msg, nowMs));
  }

  // ----- the payer's side -----------------------------------------------------------------------

  /** Our signed request for someone's offer, recorded as pending by the step's write (its row id comes back from persisting it). */
  prepareFetch(params: FetchParams, nowMs: number): OffersStep<PendingFetch> {
    return this.#step((ctx) => prepareFetch(ctx, params, nowMs));
  }

  /** Judges the answer that came back (invoice or invoice_error); the request's new status is in the writes. */
  acceptFetchAnswer(fetch: PreparedFetch, answer: OffersMessage | undefined, sentTo: Destination, nowMs: number): OffersStep<FetchAnswer> {
    return this.#step((ctx) => acceptFetchAnswer(ctx, fetch, answer, sentTo, nowMs));
  }

  /** Records a fetch that ended without an invoice (no answer, no route); the value is the error to throw. */
  failFetch(fetch: PreparedFetch, error: OffersError, nowMs: number): OffersStep<OffersError> {
    return this.#step((ctx) => failFetch(ctx, fetch, error, nowMs));
  }

  /** Announces a request that left (once the messenger took it). */
  requestSent(fetch: PendingFetch, to: Destination): OffersStep<void> {
    return this.#step((ctx) => {
      ctx.emit({
        type: 'offer.invoice_requested', offerId: fetch.offerId, requestId: fetch.requestId,
        amountMsat: fetch.request.invreq.amount?.toString() ?? null, quantity: fetch.request.invreq.quantity?.toString() ?? null,
        destination: destinationText(to), pathIndex: to.kind === 'path' ? to.index : null,
      });
    });
  }

  // ----- refunds --------------------------------------------------------------------------------

  createRefund(params: RefundParams, nowMs: number): OffersStep<InvoiceRequestRecord> {
    return this.#step((ctx) => createRefund(ctx, params, nowMs));
  }

  /** Someone's refund read and our invoice for it issued; the invoice is in the writes (stored before it is sent). */
  prepareRefundInvoice(refund: string, nowMs: number): OffersStep<PreparedRefundInvoice> {
    return this.#step((ctx) => prepareRefundInvoice(ctx, refund, nowMs));
  }

  /** Announces an invoice for someone's refund that left. */
  refundInvoiceSent(prepared: PreparedRefundInvoice, destination: string): OffersStep<void> {
    return this.#step((ctx) => {
      ctx.emit({
        type: 'offer.refund_invoice_sent', offerId: prepared.refundId, invoiceId: prepared.record.invoiceId, paymentHash: prepared.record.paymentHash,
        amountMsat: prepared.record.amountMsat.toString(), destination,
      });
    });
  }

  /** An invoice that is not a reply to one of our requests (for one of our refunds, or nothing of ours). */
  receiveInvoice(msg: IncomingMessage<Invoice>, nowMs: number): OffersStep<ReceiveInvoiceOutcome> {
    return this.#step((ctx) => receiveInvoice(ctx, msg, nowMs));
  }

  /** An invoice_error that is not a reply we wait for: reported, nothing else. */
  receiveInvoiceError(msg: IncomingMessage<InvoiceError>): OffersStep<void> {
    return this.#step((ctx) => {
      const e = (msg.decoded ?? parseInvoiceErrorBytes(msg.value)).value;
      ctx.emit({
        type: 'offer.invoice_error_received', offerId: null, requestId: null, error: e?.error ?? '(undecodable invoice_error)',
        erroneousField: e?.erroneousField?.toString() ?? null, suggestedValue: e?.suggestedValue ? toHex(e.suggestedValue) : null,
      });
    });
  }

  // ----- for the payment layer --------------------------------------------------------------------

  /**
   * The preimage of an invoice we issued, rebuilt from its nonce (never stored). Secret: the
   * caller zeroes it. Undefined for a payment hash we did not issue.
   */
  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined {
    const inv = this.#base.reader.invoices.getIssuedByPaymentHash(toHex(paymentHash));
    if (!inv?.preimageNonce) return undefined;
    const nonce = fromHex(inv.preimageNonce);
    if (!equalBytes(this.#base.keys.paymentHash(nonce), paymentHash)) return undefined;
    return this.#base.keys.preimage(nonce);
  }

  /**
   * For the payments layer (its `Bolt12Payee` port): what a payment that reached us over one of our
   * invoices' payment paths with this `path_id` and `payment_hash` is owed, from the path alone —
   * the context's tag must be ours and its preimage must hash to `paymentHash` (else undefined).
   * A 32-byte path_id is an invoice issued before the context existed (its nonce): then the stored
   * invoice is the context. The preimage is secret: the caller zeroes it once used.
   */
  paymentForPath(pathId: Uint8Array, paymentHash: Uint8Array): Bolt12PathPayment | undefined {
    const keys = this.#base.keys;
    const opened = keys.openPaymentPathId(pathId);
    if (opened) {
      if (!equalBytes(sha256(opened.preimage), paymentHash)) {
        zeroize(opened.preimage);
        return undefined;
      }
      const c = opened.context;
      return { preimage: opened.preimage, amountMsat: c.amountMsat, expiresAt: c.expiresAt, offerId: c.offerId, minFinalCltvExpiryDelta: this.#base.policy.minFinalCltvExpiryDelta };
    }
    if (pathId.length !== 32) return undefined;
    const inv = this.#base.reader.invoices.getIssuedByPaymentHash(toHex(paymentHash));
    if (!inv?.preimageNonce || !equalBytes(fromHex(inv.preimageNonce), pathId)) return undefined;
    const preimage = keys.preimage(pathId);
    if (!equalBytes(sha256(preimage), paymentHash)) {
      zeroize(preimage);
      return undefined;
    }
    return { preimage, amountMsat: inv.amountMsat, expiresAt: inv.expiresAt, offerId: inv.offerId, minFinalCltvExpiryDelta: this.#base.policy.minFinalCltvExpiryDelta };
  }

  destroy(): void {
    this.#base.keys.destroy();
  }
}

/** Where a request goes, in words for events: the introduction node, or the node id. */
export function destinationText(d: Destination): string {
  if (d.kind === 'node') return toHex(d.nodeId);
  const first = d.path.firstNodeId;
  return first.kind === 'node_id' ? toHex(first.nodeId) : `${first.shortChannelId}/${first.direction}`;
}
