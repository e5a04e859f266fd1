/**
 * OffersService: the thin adapter around the OffersManager. It registers the offers handlers on
 * the onion messenger (invoice_request 64, invoice 66, invoice_error 68), sends our requests and
 * invoices and waits for their answers, reads the time from the node's clock, and turns records into API data. The
 * messenger and the store are reached through narrow ports (core/offers/ports.ts, the manager's
 * store interfaces in records.ts); the composition root wires the concrete ones.
 */
import { fromHex, randomBytes as secureRandomBytes, toHex } from '../../crypto';
import { encodeBlindedPath } from '../../wire';
import { isGlasswingError } from '../../errors';
import type {
  Bolt12Decoded, FetchInvoiceResult, InvoiceInfo, InvoiceRequestInfo, InvoiceRequestRole, InvoiceRole, OfferInfo, OfferStatus, SendInvoiceResult,
} from '../../offers/types';
import type { OfferEventBody } from '../../offers/events';
import type { OffersDelivery, OffersMessage, OffersMessageBytes, OffersMessenger, OffersResponse, OffersSent } from '../../offers/ports';
import type { Analysis } from '../../offers/message';
import type { TlvRecord } from '../../wire';
import { decodeBolt12 } from '../../offers/describe';
import type { OffersPolicy } from '../../offers/manager/constants';
import { MAX_U64, OFFERS_MESSAGE_TLV } from '../../offers/manager/constants';
import { InvoiceErrorReceived, OffersError } from '../../offers/manager/errors';
import type { CreateOfferParams } from '../../offers/manager/manager';
import { OffersManager, destinationText } from '../../offers/manager/manager';
import type { Destination, PreparedFetch } from '../../offers/manager/payer';
import type { PaymentForwarders } from '../../offers/manager/paths';
import { invoiceErrorOf } from '../../offers/manager/rejections';
import type { OffersStep, OffersStores } from '../../offers/manager/records';
import type { PersistedOffersWrites } from '../../offers/manager/persist';
import { persistOffersWrites } from '../../offers/manager/persist';
import type { IncomingMessage } from '../../offers/manager/responder';
import { encodeInvoiceError, lengthPrefixedInvoiceError } from '../../offers/invoice-error';
import { invoiceInfo, invoiceRequestInfo, offerInfo } from '../../offers/manager/views';
import type { Clock } from '../clock';
import type { Offer } from '../../offers';
import { expectedAmount } from '../../offers';

/** What `pay OFFER` got back: an invoice, or a static invoice (async payments) with what the payment needs. */
export type FetchForPayment =
  | { readonly kind: 'invoice'; readonly result: FetchInvoiceResult }
  | { readonly kind: 'static_invoice'; readonly bytes: Uint8Array; readonly offer: Offer; readonly invoiceRequest: Uint8Array; readonly requestId: string; readonly amountMsat: bigint };

export interface OffersServiceOptions {
  readonly nodeKey: Uint8Array;
  /** Derived from the node seed for offers (payer keys, preimages). */
  readonly offersSeed: Uint8Array;
  /** chain_hash of the node's network. */
  readonly chain: Uint8Array;
  /** Where offers, requests and invoices are kept (core/store's repositories). */
  readonly stores: OffersStores;
  readonly messenger: OffersMessenger;
  readonly publish: (event: OfferEventBody) => void;
  readonly policy?: Partial<OffersPolicy>;
  /** The node's clock (the time). */
  readonly clock: Clock;
  readonly randomBytes?: (length: number) => Uint8Array;
  /** Our channel peers that can forward a payment to us, for our invoices' payment paths (the payments service's). */
  readonly paymentForwarders?: () => PaymentForwarders;
  /**
   * Async payments (core/node/async.ts): an offers message over a path an async role built (an
   * invoice_request at a static invoice server, or one it forwarded to its recipient) is theirs:
   * a non-undefined result is the answer (`null`: none), and the offers manager never sees it.
   */
  readonly intercept?: (message: OffersMessage, delivery: OffersDelivery) => { readonly response: OffersResponse | null } | undefined;
}

/** Messenger errors after which another offer path (or the issuer id) may still work. */
const TRY_NEXT = ['messenger.no_route', 'messenger.connect_failed', 'messenger.peer_unsupported', 'messenger.bad_destination', 'messenger.destination_is_us', 'messenger.send_failed'];

export class OffersService {
  readonly manager: OffersManager;
  readonly stores: OffersStores;
  readonly #opts: OffersServiceOptions;
  readonly #now: () => number;
  readonly #unregister: (() => void)[] = [];

  constructor(opts: OffersServiceOptions) {
    this.#opts = opts;
    this.#now = () => opts.clock.now();
    this.stores = opts.stores;
    this.manager = new OffersManager({
      nodeKey: opts.nodeKey, offersSeed: opts.offersSeed, chain: opts.chain, reader: this.stores,
      randomBytes: opts.randomBytes ?? secureRandomBytes, ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.paymentForwarders ? { paymentForwarders: opts.paymentForwarders } : {}),
    });
  }

  /**
   * Carries out a manager step: its writes first (one transaction), then its events; only then
   * does the caller send what the value carries. Returns the value and what persisting reported.
   */
  #apply<T>(step: OffersStep<T>, durability: 'durable' | 'relaxed' = 'durable'): { value: T; persisted: PersistedOffersWrites } {
    const persisted = persistOffersWrites(this.stores, step.writes, durability);
    for (const e of step.events) this.#opts.publish(e);
    return { value: step.value, persisted };
  }

  #run<T>(step: OffersStep<T>): T {
    return this.#apply(step).value;
  }

  /**
   * A step of the invoice_request → invoice exchange, whose rows are history, not promises, so
   * its commit does not wait for the disk (persist before you promise — and these promise
   * nothing a crash could break): an invoice we issue is claimed from its payment path alone (the
   * path_id carries the authenticated context the preimage derives from,
   * OffersManager.paymentForPath), and a fetch of ours that a crash interrupts fails with the process — a payment
   * made with the invoice commits its own rows durably first, which puts these on disk too.
   */
  #runRelaxed<T>(step: OffersStep<T>): T {
    return this.#apply(step, 'relaxed').value;
  }

  /** Becomes the messenger's offers handler (invoice_request 64, invoice 66, invoice_error 68). */
  start(): void {
    this.#unregister.push(this.#opts.messenger.setOffersHandler({ handleOffersMessage: (message, delivery) => this.#handle(message, delivery) }));
  }

  /** One offers message for us, decoded, with the context the messenger authenticated: our answer, if any. */
  #handle(message: OffersMessage, delivery: OffersDelivery): OffersResponse | undefined {
    const taken = this.#opts.intercept?.(message, delivery);
    if (taken) return taken.response ?? undefined;
    const now = this.#now();
    switch (message.type) {
      case 'invoice_request': {
        const out = this.#runRelaxed(this.manager.answerInvoiceRequest(incoming(message, message.decoded, delivery), now));
        if (out.kind === 'invoice_error') this.#alsoLengthPrefixed(out.reply.value, delivery);
        return out.kind === 'ignored' ? undefined : response(out.reply);
      }
      case 'invoice': {
        const out = this.#runRelaxed(this.manager.receiveInvoice(incoming(message, message.decoded, delivery), now));
        if (out.kind !== 'invoice_error') return undefined;
        this.#opts.publish({
          type: 'offer.invoice_error_sent', offerId: null, requestId: null, messageId: delivery.messageId, code: out.rejection.code,
          error: out.rejection.message, erroneousField: out.rejection.erroneousField?.toString() ?? null,
        });
        this.#alsoLengthPrefixed(out.reply.value, delivery);
        return response(out.reply);
      }
      case 'invoice_error':
        this.#run(this.manager.receiveInvoiceError(incoming(message, message.decoded, delivery)));
        return undefined;
    }
  }

  close(): void {
    for (const u of this.#unregister.splice(0)) u();
    this.manager.destroy();
  }

  // ----- our offers ---------------------------------------------------------------------------

  createOffer(params: {
    description: string; amountMsat?: string; issuer?: string; quantityMax?: string; absoluteExpiry?: number; paths?: string[][]; dummyHops?: number;
  }): { offer: OfferInfo; created: boolean } {
    const p: CreateOfferParams = {
      description: params.description,
      ...(params.amountMsat !== undefined ? { amountMsat: u64(params.amountMsat, 'amountMsat') } : {}),
      ...(params.issuer !== undefined ? { issuer: params.issuer } : {}),
      ...(params.quantityMax !== undefined ? { quantityMax: u64(params.quantityMax, 'quantityMax') } : {}),
      ...(params.absoluteExpiry !== undefined ? { absoluteExpiry: params.absoluteExpiry } : {}),
      ...(params.paths ? { via: nodeLists(params.paths) } : {}),
      ...(params.dummyHops !== undefined ? { dummyHops: params.dummyHops } : {}),
    };
    const { offer, created } = this.#run(this.manager.createOffer(p, this.#now()));
    const info = this.#offerInfo(offer.offerId)!;
    if (created) this.#opts.publish({ type: 'offer.created', offerId: offer.offerId, offer: info });
    return { offer: info, created };
  }

  /**
   * Async payments, R online (core/node/async.ts): an invoice_request its LSP forwarded for R's own
   * async offer (`offer`, issuer id = our node key), answered with an ordinary invoice as for any
   * offer of ours — the offer is adopted into our offers first. `null`: ignored (no answer).
   */
  answerForwardedInvoiceRequest(offer: string, message: OffersMessage, messageId: string): OffersResponse | null {
    if (message.type !== 'invoice_request') return null;
    const now = this.#now();
    this.#run(this.manager.adoptOffer(offer, now));
    const out = this.#runRelaxed(this.manager.answerInvoiceRequest({ messageId, value: message.bytes, decoded: message.decoded, context: null, hasReplyPath: true }, now));
    return out.kind === 'ignored' ? null : response(out.reply);
  }

  listOffers(filter: { status?: OfferStatus } = {}): OfferInfo[] {
    return this.stores.offers.listOffers(filter).map((o) => offerInfo(o, this.stores.invoices.countIssued(o.offerId)));
  }

  disableOffer(offerId: string): OfferInfo {
    this.#run(this.manager.disableOffer(offerId, this.#now()));
    return this.#offerInfo(offerId)!;
  }

  #offerInfo(offerId: string): OfferInfo | undefined {
    const o = this.stores.offers.getOffer(offerId);
    return o ? offerInfo(o, this.stores.invoices.countIssued(offerId)) : undefined;
  }

  decode(text: string): Bolt12Decoded {
    return decodeBolt12(text, { nowSeconds: Math.floor(this.#now() / 1000), chains: [this.manager.chain] }) as Bolt12Decoded;
  }

  // ----- someone's offer ----------------------------------------------------------------------

  /** Requests an invoice for someone's offer over its paths (in order) or to its issuer, and waits for the answer. */
  async fetchInvoice(params: {
    offer: string; amountMsat?: string; quantity?: string; payerNote?: string; timeoutSeconds?: number; unchecked?: boolean;
  }): Promise<FetchInvoiceResult> {
    const r = await this.fetchForPayment({ ...params, forPayment: false });
    return (r as { kind: 'invoice'; result: FetchInvoiceResult }).result;
  }

  /**
   * fetchInvoice for `pay OFFER`: the answer is an invoice, or (async payments) a static invoice
   * with the offer and our invoice_request — the payment then carries the request in its onion.
   */
  async fetchForPayment(params: {
    offer: string; amountMsat?: string; quantity?: string; payerNote?: string; timeoutSeconds?: number; unchecked?: boolean; forPayment?: boolean;
  }): Promise<FetchForPayment> {
    // The request is stored as pending before it leaves (relaxed: see #runRelaxed).
    const prepared = this.#apply(this.manager.prepareFetch(
      {
        offer: params.offer,
        ...(params.amountMsat !== undefined ? { amountMsat: u64(params.amountMsat, 'amountMsat') } : {}),
        ...(params.quantity !== undefined ? { quantity: u64(params.quantity, 'quantity') } : {}),
        ...(params.payerNote !== undefined ? { payerNote: params.payerNote } : {}),
        ...(params.unchecked ? { unchecked: true } : {}),
      },
      this.#now(),
    ), 'relaxed');
    const fetch: PreparedFetch = { ...prepared.value, rowId: prepared.persisted.requestRowIds[0]! };
    const timeout = params.timeoutSeconds ?? this.manager.policy.fetchTimeoutSeconds;
    const outcome = await this.#sendToFirstReachable(fetch.destinations, { type: 'invoice_request', bytes: fetch.request.bytes }, timeout, {
      before: (d) => this.#runRelaxed(this.manager.requestSent(fetch, d)),
      fail: (e) => this.#run(this.manager.failFetch(fetch, e, this.#now())),
    });
    if (outcome.kind === 'timeout') {
      throw this.#run(this.manager.failFetch(
        fetch,
        new OffersError('offers.no_answer', `no answer within ${timeout} s (sent via ${destinationText(outcome.to)})`, { timeoutSeconds: timeout }),
        this.#now(),
      ));
    }
    const { sent, to } = outcome;
    if (sent.reply?.staticInvoice && !sent.reply.message) {
      // lightning/bolts#1149: the recipient is often offline, its LSP answered with its static invoice.
      this.#run(this.manager.failFetch(fetch, new OffersError('offers.static_invoice', 'the offer was answered with a static invoice (async payments): pay it with pay'), this.#now()));
      if (!params.forPayment) throw new OffersError('offers.static_invoice', 'the offer was answered with a static invoice (async payments): pay the offer with pay');
      const amountMsat = fetch.request.invreq.amount ?? expectedAmount(fetch.request.offer, fetch.request.invreq);
      if (amountMsat === undefined) throw new OffersError('offers.bad_argument', 'the static invoice\'s offer asks no amount in msat: give one');
      return { kind: 'static_invoice', bytes: sent.reply.staticInvoice, offer: fetch.offer, invoiceRequest: fetch.request.bytes, requestId: fetch.requestId, amountMsat };
    }
    const answer = this.#runRelaxed(this.manager.acceptFetchAnswer(fetch, sent.reply?.message, to, this.#now()));
    if (answer.kind === 'refused') {
      const e = answer.error;
      if (isGlasswingError(e, 'offers.bad_invoice') && sent.reply?.replyPath) this.#answerBadInvoice(fetch, e as OffersError, sent.reply.replyPath, sent.reply.messageId);
      throw e;
    }
    return {
      kind: 'invoice',
      result: {
        invoice: invoiceInfo(answer.invoice),
        request: invoiceRequestInfo(this.stores.requests.getRequest(fetch.rowId)!),
        sentVia: { pathIndex: to.kind === 'path' ? to.index : null, firstHop: sent.firstHop },
      },
    };
  }

  /**
   * An invoice_error also in LDK 0.2's length-prefixed form (offers/invoice-error.ts: no byte string
   * is read by both), over the same reply path: a BOLT 12 reader drops this one, LDK the bare one
   * (which the messenger sends as our answer). Without it LDK waits for an answer until it gives up.
   */
  #alsoLengthPrefixed(bare: Uint8Array, delivery: OffersDelivery | string): void {
    const destination = typeof delivery === 'string' ? delivery : delivery.replyPath ? toHex(encodeBlindedPath(delivery.replyPath)) : null;
    if (destination === null) return;
    this.#opts.messenger.sendOffersMessage({ destination, message: { type: 'invoice_error', bytes: lengthPrefixedInvoiceError(bare) } }).then(
      () => undefined,
      () => undefined,
    );
  }

  /** BOLT 12: invoice_error "for either invoice_request or invoice" — we tell the issuer its invoice was refused. */
  #answerBadInvoice(fetch: PreparedFetch, e: OffersError, replyPath: string, messageId: string): void {
    const code = typeof e.details?.code === 'string' ? e.details.code : e.code;
    const error = invoiceErrorOf({ code, message: e.message });
    this.#alsoLengthPrefixed(encodeInvoiceError(error), replyPath);
    this.#opts.messenger.sendOffersMessage({ destination: replyPath, message: { type: 'invoice_error', bytes: encodeInvoiceError(error) } }).then(
      () => this.#opts.publish({ type: 'offer.invoice_error_sent', offerId: fetch.offerId, requestId: fetch.requestId, messageId, code, error: e.message, erroneousField: null }),
      () => undefined,
    );
  }

  /**
   * Sends one offers message to the first destination the messenger can route to, waiting
   * `waitSeconds` for a reply (0: no wait, a reply path is still attached). Routing failures move
   * on to the next destination; other failures end it through `hooks.fail`.
   */
  async #sendToFirstReachable(
    destinations: readonly Destination[],
    message: OffersMessageBytes,
    waitSeconds: number,
    hooks: { before: (d: Destination) => void; fail: (e: OffersError) => OffersError },
  ): Promise<{ kind: 'sent'; sent: OffersSent; to: Destination } | { kind: 'timeout'; to: Destination }> {
    const failures: string[] = [];
    for (const to of destinations) {
      hooks.before(to);
      try {
        const sent = await this.#opts.messenger.sendOffersMessage({
          destination: to.kind === 'node' ? toHex(to.nodeId) : toHex(encodeBlindedPath(to.path)),
          message,
          ...(waitSeconds > 0 ? { waitReplySeconds: waitSeconds } : { replyPath: true }),
        });
        return { kind: 'sent', sent, to };
      } catch (e) {
        if (isGlasswingError(e, 'messenger.reply_timeout')) return { kind: 'timeout', to };
        if (isGlasswingError(e) && TRY_NEXT.includes(e.code)) {
          failures.push(`${to.kind === 'path' ? `path ${to.index} via ${destinationText(to)}` : `node ${destinationText(to)}`}: ${e.message}`);
          continue;
        }
        throw hooks.fail(isGlasswingError(e) ? new OffersError(e.code, e.message) : new OffersError('offers.unreachable', String(e)));
      }
    }
    throw hooks.fail(new OffersError('offers.unreachable', `could not send to any destination: ${failures.join('; ') || 'none is named'}`, { attempts: failures }));
  }

  listInvoices(filter: { role?: InvoiceRole; offerId?: string; limit?: number } = {}): InvoiceInfo[] {
    return this.stores.invoices.listInvoices(filter).map(invoiceInfo);
  }

  listInvoiceRequests(filter: { role?: InvoiceRequestRole; offerId?: string; limit?: number } = {}): InvoiceRequestInfo[] {
    return this.stores.requests.listRequests(filter).map(invoiceRequestInfo);
  }

  // ----- refunds ------------------------------------------------------------------------------

  createRefund(params: {
    description: string; amountMsat: string; issuer?: string; absoluteExpiry?: number; payerNote?: string; quantity?: string; paths?: string[][]; dummyHops?: number;
  }): InvoiceRequestInfo {
    const record = this.#run(this.manager.createRefund(
      {
        description: params.description,
        amountMsat: u64(params.amountMsat, 'amountMsat'),
        ...(params.issuer !== undefined ? { issuer: params.issuer } : {}),
        ...(params.absoluteExpiry !== undefined ? { absoluteExpiry: params.absoluteExpiry } : {}),
        ...(params.payerNote !== undefined ? { payerNote: params.payerNote } : {}),
        ...(params.quantity !== undefined ? { quantity: u64(params.quantity, 'quantity') } : {}),
        ...(params.paths ? { via: nodeLists(params.paths) } : {}),
        ...(params.dummyHops !== undefined ? { dummyHops: params.dummyHops } : {}),
      },
      this.#now(),
    ));
    return invoiceRequestInfo(record);
  }

  /** Sends an invoice for someone's refund; waits `timeoutSeconds` for an invoice_error (none: sent). */
  async sendInvoice(params: { refund: string; timeoutSeconds?: number }): Promise<SendInvoiceResult> {
    // The invoice is stored before it leaves.
    const prepared = this.#run(this.manager.prepareRefundInvoice(params.refund, this.#now()));
    const wait = params.timeoutSeconds ?? this.manager.policy.sendInvoiceWaitSeconds;
    const outcome = await this.#sendToFirstReachable(prepared.destinations, { type: 'invoice', bytes: prepared.invoice.bytes }, wait, {
      before: () => undefined,
      fail: (e) => e,
    });
    const { to } = outcome;
    this.#run(this.manager.refundInvoiceSent(prepared, destinationText(to)));
    const answer = outcome.kind === 'sent' ? outcome.sent.reply?.message : undefined;
    if (answer?.type === 'invoice_error') {
      const e = answer.decoded.value ?? { error: 'an invoice_error that does not decode' };
      const received = new InvoiceErrorReceived(e, 'the refund payer');
      this.#opts.publish({
        type: 'offer.invoice_error_received', offerId: prepared.refundId, requestId: prepared.refundId, error: received.text,
        erroneousField: received.erroneousField?.toString() ?? null, suggestedValue: received.suggestedValue ? toHex(received.suggestedValue) : null,
      });
      throw received;
    }
    // No invoice_error while we waited: the invoice is out; the payer pays it, or not.
    return { invoice: invoiceInfo(prepared.record), refundId: prepared.refundId, sentVia: { pathIndex: to.kind === 'path' ? to.index : null, destination: destinationText(to) }, status: 'sent' };
  }
}

function incoming<T>(m: OffersMessage, decoded: Analysis<T>, d: OffersDelivery): IncomingMessage<T> {
  return { messageId: d.messageId, value: m.bytes, decoded, context: d.context, unrecognizedPathId: d.unrecognizedPathId, hasReplyPath: d.hasReplyPath };
}

/** The manager's reply record as the typed answer the messenger sends. */
function response(reply: TlvRecord): OffersResponse {
  return { message: { type: reply.type === OFFERS_MESSAGE_TLV.invoice ? 'invoice' : 'invoice_error', bytes: reply.value } };
}

/** A decimal u64 from the API (the schema checks the digits; this checks the range). */
function u64(text: string, name: string): bigint {
  const v = BigInt(text);
  if (v > MAX_U64) throw new OffersError('offers.bad_argument', `${name} is above 2^64 - 1`);
  return v;
}

function nodeLists(paths: readonly (readonly string[])[]): Uint8Array[][] {
  return paths.map((p) => p.map((id) => fromHex(id, 'node id')));
}
