/**
 * L2, the static invoice server (sans-I/O): an always-online LSP keeps static invoices for its
 * often-offline clients and answers invoice_requests for their offers. The protocol is LDK 0.2's
 * (lightning/bolts#1149 leaves the server messages out; LDK `offers/flow.rs`,
 * `onion_message/async_payments.rs`):
 *
 * 1. L2 gives each client R blinded paths to itself for `offer_paths_request` (out of band: LSP
 *    configuration), each carrying R's identity in an authenticated context (context.ts 0x01).
 * 2. R sends `offer_paths_request { invoice_slot }` over one; L2 answers `offer_paths` — paths to L2
 *    for R's offer, with context `static_invoice_requested { R, slot }` — and a reply path of its own
 *    with context `serve_static_invoice { R, slot }`.
 * 3. R builds the offer on those paths and its static invoice, and sends `serve_static_invoice` over
 *    that reply path; L2 checks and stores it per (R, slot) (quotas; a slot is replaced), then
 *    answers `static_invoice_persisted` — after the write is durable (the step's writes come first).
 * 4. A payer's invoice_request arrives over an offer path: L2 answers with the static invoice at once
 *    and passes the request on to R over R's `forward_invoice_request_path`, with the payer's reply
 *    path (an online R answers with an ordinary invoice; the payer pays the first answer). When R is
 *    offline the request waits for it — not in the messenger's mailbox, which writes on R's connection
 *    before the channels are reestablished (LDK 0.2's R then answers `invoice_error`, MissingPaths: no
 *    usable channel for a payment path, on which an LDK payer abandons the payment,
 *    `PaymentFailureReason::InvoiceRequestRejected`, before R's release arrives) — but here, for
 *    `forwardHoldSeconds` at most: `recipientReady` hands it over once R is back with its channel to L2
 *    reestablished (the adapter's word), so R can answer with an invoice (which a payer already paying
 *    the static invoice ignores: LDK `DuplicateInvoice`). Older, it is dropped: the payer has long paid
 *    the static invoice and waits for R's release (`held_htlc_available`, kept by the mailbox).
 *
 * Every message type is rate limited per recipient (token buckets, and one bucket for everybody),
 * and every context is checked: a message over a path L2 did not build for that purpose, or built
 * for a recipient that is no longer a client, or expired, is refused.
 */
import { equalBytes, toHex } from '../../crypto';
import { TokenBucket } from '../../token-bucket';
import type { Bolt12Error, StaticInvoice } from '../../offers';
import { OFFER_RANGES, analyzeStaticInvoice, inRanges, merkleRoot } from '../../offers';
import type { AsyncPaymentsProfile, BlindedPath } from '../../wire';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE, decodeAsyncOnionMessage, encodeBlindedPath } from '../../wire';
import { PaymentError } from '../errors';
import type { AsyncContext } from './context';
import { asyncContextOf, encodeAsyncContext } from './context';
import type { AsyncEventBody } from './events';
import type { AsyncStep } from './step';
import { AsyncCollector, asyncMessage } from './step';
import type { StaticInvoiceReader, StaticInvoiceRecord, StaticInvoiceWrite } from './store';

/** The protocol's messages L2 receives, for rate limits. */
export type ServerMessage = 'offer_paths_request' | 'serve_static_invoice' | 'invoice_request';

export interface StaticInvoiceServerPolicy {
  /** Slots a recipient may use: 0 .. n-1 (LDK recipients keep up to 10 offers, `MAX_CACHED_OFFERS_TARGET`). */
  readonly maxSlotsPerRecipient: number;
  /** Invoices stored for all recipients together. */
  readonly maxTotalInvoices: number;
  /** The largest static invoice stored (LDK `MAX_STATIC_INVOICE_SIZE_BYTES`: 5 KiB). */
  readonly maxInvoiceBytes: number;
  /** How long the offer paths L2 hands out are good for (LDK `DEFAULT_ASYNC_RECEIVE_OFFER_EXPIRY`: a year). */
  readonly offerPathsExpirySeconds: number;
  /** How long the paths for offer_paths_request L2 gives a client are good for. */
  readonly requestPathsExpirySeconds: number;
  /**
   * How long the reply path for serve_static_invoice is good for. R keeps it to serve fresh invoices
   * for the same offer (LDK's recipient keeps it as its `invoice_update_path`), so it lives as long
   * as the offer paths.
   */
  readonly servePathExpirySeconds: number;
  /** Per recipient and message type: tokens per second and burst. */
  readonly perRecipient: Readonly<Record<ServerMessage, { readonly perSecond: number; readonly burst: number }>>;
  /** All recipients together, per message type. */
  readonly total: Readonly<Record<ServerMessage, { readonly perSecond: number; readonly burst: number }>>;
  /** How long an invoice_request for an offline recipient waits for it (step 4); 0: not kept. */
  readonly forwardHoldSeconds: number;
  /** At most this many such requests wait per recipient, and for everybody together (the oldest goes first). */
  readonly maxHeldRequestsPerRecipient: number;
  readonly maxHeldRequests: number;
}

export const DEFAULT_STATIC_INVOICE_SERVER_POLICY: StaticInvoiceServerPolicy = {
  maxSlotsPerRecipient: 10,
  maxTotalInvoices: 10_000,
  maxInvoiceBytes: 5 * 1024,
  offerPathsExpirySeconds: 365 * 24 * 3600,
  requestPathsExpirySeconds: 365 * 24 * 3600,
  servePathExpirySeconds: 365 * 24 * 3600,
  // A recipient refreshes its slots a few times a day; a burst covers a fresh start of 10 slots.
  perRecipient: {
    offer_paths_request: { perSecond: 1 / 60, burst: 20 },
    serve_static_invoice: { perSecond: 1 / 60, burst: 20 },
    invoice_request: { perSecond: 1, burst: 10 },
  },
  total: {
    offer_paths_request: { perSecond: 5, burst: 50 },
    serve_static_invoice: { perSecond: 5, burst: 50 },
    invoice_request: { perSecond: 20, burst: 100 },
  },
  // About as long as a payer waits for an answer to its invoice_request (LDK 0.2 abandons an unanswered one after a
  // timer tick or two, about a minute); past it the request can only race R's release.
  forwardHoldSeconds: 60,
  maxHeldRequestsPerRecipient: 10,
  maxHeldRequests: 1_000,
};

/** An invoice_request waiting for its offline recipient (step 4). */
interface HeldRequest {
  readonly recipient: string;
  readonly forwardPath: BlindedPath;
  readonly replyPath: BlindedPath;
  readonly bytes: Uint8Array;
  readonly at: number;
}

export interface StaticInvoiceServerOptions {
  readonly store: StaticInvoiceReader;
  /** The chain we serve (BOLT 0 chain_hash): a static invoice for another chain is refused. */
  readonly chain: Uint8Array;
  /** Whether `recipient` (hex node id) is a client L2 serves (LSP configuration). */
  readonly isClient: (recipient: string) => boolean;
  /**
   * A blinded message path to us whose `path_id` carries `context` under the messenger's tag
   * (adapter: core/messenger `MessagePathIds.withContext` + `createMessagePath`, introduced at a peer
   * or at us). Each call builds a fresh path.
   */
  readonly pathTo: (context: Uint8Array) => BlindedPath;
  /**
   * The context of a path `pathTo` built (what our messenger would authenticate for a message over
   * it; adapter: core/messenger `contextOfOurPath`), undefined for any other path: an offer served
   * must use the offer paths we gave for that recipient and slot.
   */
  readonly pathContext: (path: BlindedPath) => Uint8Array | undefined;
  readonly profile?: AsyncPaymentsProfile;
  readonly policy?: Partial<StaticInvoiceServerPolicy>;
  /** How many offer paths to give per slot. */
  readonly offerPathCount?: number;
}

/** What the messenger delivered: the message's value, its authenticated context bytes (if any), the sender's reply path. */
export interface AsyncDelivery {
  readonly bytes: Uint8Array;
  /** The context of our path it came over (messenger `{ kind: 'reply', data }`), or undefined. */
  readonly context: Uint8Array | undefined;
  readonly replyPath: BlindedPath | undefined;
}

export type ServerStep = AsyncStep<StaticInvoiceWrite>;

export class StaticInvoiceServer {
  readonly #opts: StaticInvoiceServerOptions;
  readonly #policy: StaticInvoiceServerPolicy;
  readonly #profile: AsyncPaymentsProfile;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #total = new Map<ServerMessage, TokenBucket>();
  /** Requests for offline recipients, oldest first (in memory: a restart of L2 outlasts forwardHoldSeconds anyway). */
  #held: HeldRequest[] = [];

  constructor(opts: StaticInvoiceServerOptions) {
    this.#opts = opts;
    this.#policy = { ...DEFAULT_STATIC_INVOICE_SERVER_POLICY, ...opts.policy };
    this.#profile = opts.profile ?? DEFAULT_ASYNC_PAYMENTS_PROFILE;
  }

  get policy(): StaticInvoiceServerPolicy {
    return this.#policy;
  }

  /** The paths a client sends offer_paths_request over (LDK `blinded_paths_for_async_recipient`), to hand it out of band. */
  pathsForRecipient(recipient: string, nowMs: number, count = 1): BlindedPath[] {
    if (!this.#opts.isClient(recipient)) throw new PaymentError('payments.bad_request', `${recipient} is not a client of this static invoice server`);
    const expiresAt = Math.floor(nowMs / 1000) + this.#policy.requestPathsExpirySeconds;
    return Array.from({ length: count }, () => this.#opts.pathTo(encodeAsyncContext({ kind: 'offer_paths_request', recipient, expiresAt })));
  }

  /** `offer_paths_request` from a client: answer with offer paths to us for its slot. */
  handleOfferPathsRequest(d: AsyncDelivery, nowMs: number): ServerStep {
    const c = new AsyncCollector<StaticInvoiceWrite>();
    const ctx = asyncContextOf(d.context, 'offer_paths_request', nowMs);
    if (!this.#admit(c, 'offer_paths_request', ctx, nowMs)) return c.finish();
    const recipient = ctx!.recipient;
    let slot: number;
    try {
      slot = decodeAsyncOnionMessage('offer_paths_request', d.bytes, { lengthPrefixed: this.#profile.lengthPrefixedMessages }).invoiceSlot;
    } catch {
      return this.#refuse(c, 'offer_paths_request', 'malformed', recipient);
    }
    if (slot >= this.#policy.maxSlotsPerRecipient) return this.#refuse(c, 'offer_paths_request', 'slot_out_of_range', recipient);
    if (!d.replyPath) return this.#refuse(c, 'offer_paths_request', 'no_reply_path', recipient);
    const now = Math.floor(nowMs / 1000);
    const pathsExpiry = now + this.#policy.offerPathsExpirySeconds;
    const count = Math.max(1, this.#opts.offerPathCount ?? 1);
    const paths = Array.from({ length: count }, () =>
      this.#opts.pathTo(encodeAsyncContext({ kind: 'static_invoice_requested', recipient, slot, expiresAt: pathsExpiry })),
    );
    c.actions.push({
      kind: 'reply',
      message: asyncMessage(this.#profile, { type: 'offer_paths', paths, pathsAbsoluteExpiry: BigInt(pathsExpiry) }),
      replyContext: encodeAsyncContext({ kind: 'serve_static_invoice', recipient, slot, expiresAt: now + this.#policy.servePathExpirySeconds, ...(ctx!.byConnection ? { byConnection: true } : {}) }),
    });
    c.events.push({ type: 'async.offer_paths_given', recipient, slot, paths: paths.length });
    return c.finish();
  }

  /** `serve_static_invoice` over the reply path of our offer_paths: check, store, then confirm. */
  handleServeStaticInvoice(d: AsyncDelivery, nowMs: number): ServerStep {
    const c = new AsyncCollector<StaticInvoiceWrite>();
    const ctx = asyncContextOf(d.context, 'serve_static_invoice', nowMs);
    if (!this.#admit(c, 'serve_static_invoice', ctx, nowMs)) return c.finish();
    const { recipient, slot } = ctx!;
    let invoiceBytes: Uint8Array;
    let forwardPath: BlindedPath;
    try {
      const m = decodeAsyncOnionMessage('serve_static_invoice', d.bytes, { lengthPrefixed: this.#profile.lengthPrefixedMessages });
      invoiceBytes = m.invoice;
      forwardPath = m.forwardInvoiceRequestPath;
    } catch {
      return this.#refuse(c, 'serve_static_invoice', 'malformed', recipient);
    }
    if (invoiceBytes.length > this.#policy.maxInvoiceBytes) return this.#refuse(c, 'serve_static_invoice', 'invoice_too_large', recipient);
    // The same invoice again (the mailbox delivers at least once; R serves again when our answer was lost): kept already
    // (checked when it was stored), so only the answer goes again — no write, no second event.
    const kept = this.#opts.store.getStaticInvoice(recipient, slot);
    if (kept && d.replyPath && equalBytes(kept.invoice, invoiceBytes) && equalBytes(encodeBlindedPath(kept.forwardPath), encodeBlindedPath(forwardPath))) {
      c.actions.push({ kind: 'reply', message: asyncMessage(this.#profile, { type: 'static_invoice_persisted' }) });
      return c.finish();
    }
    const analysis = analyzeStaticInvoice(invoiceBytes, { nowSeconds: Math.floor(nowMs / 1000), chains: [this.#opts.chain] }, { messagePathsTlv: this.#profile.staticInvoiceMessagePathsTlv });
    if (!analysis.value || analysis.errors.length > 0) {
      return this.#refuse(c, 'serve_static_invoice', `invalid_invoice:${(analysis.errors[0] as Bolt12Error | undefined)?.code ?? 'undecodable'}`, recipient);
    }
    // A client known only by its connection (context.ts, byConnection): someone else may have asked through it, so
    // only the client's own key may sign what is served as its invoice. Over paths we handed the client, the path
    // authenticates it, and its invoice is signed by whatever key its offer names (LDK derives one per offer).
    const signer = analysis.value.invoice.nodeId;
    if (ctx!.byConnection && (!signer || toHex(signer) !== recipient)) return this.#refuse(c, 'serve_static_invoice', 'not_signed_by_recipient', recipient);
    // The offer must use the paths we gave for this recipient and slot (issue 16: invoice_requests for it then reach us,
    // authenticated as this slot's, and nobody gets us to serve an invoice for an offer whose requests we never see).
    const offerPaths = analysis.value.offer.paths ?? [];
    const ours = offerPaths.length > 0 && offerPaths.every((p) => {
      const pc = asyncContextOf(this.#opts.pathContext(p), 'static_invoice_requested', nowMs);
      return pc !== undefined && pc.recipient === recipient && pc.slot === slot;
    });
    if (!ours) return this.#refuse(c, 'serve_static_invoice', 'offer_paths_not_ours', recipient);
    if (!d.replyPath) return this.#refuse(c, 'serve_static_invoice', 'no_reply_path', recipient);
    const existing = this.#opts.store.getStaticInvoice(recipient, slot);
    if (!existing && this.#opts.store.countStaticInvoices() >= this.#policy.maxTotalInvoices) return this.#refuse(c, 'serve_static_invoice', 'server_full', recipient);
    const inv = analysis.value;
    const record: StaticInvoiceRecord = {
      recipient, slot, invoice: invoiceBytes, offerId: offerIdOf(inv), forwardPath,
      createdAt: Number(inv.invoice.createdAt!), expiresAt: Number(inv.invoice.createdAt!) + Number(inv.invoice.relativeExpiry ?? 14n * 24n * 3600n),
      storedAt: nowMs,
    };
    c.writes.push({ kind: 'put_static_invoice', record });
    // LDK: "a StaticInvoicePersisted message should be sent once the message is handled" — after the write.
    c.actions.push({ kind: 'reply', message: asyncMessage(this.#profile, { type: 'static_invoice_persisted' }) });
    c.events.push({ type: 'async.static_invoice_stored', recipient, slot, offerId: record.offerId, expiresAt: record.expiresAt * 1000, replaced: existing !== undefined });
    return c.finish();
  }

  /**
   * An invoice_request over one of the offer paths we gave a client: answer with its static invoice
   * for that slot and, if the client is connected (`recipientOnline`), forward the request to it (the
   * payer's reply path attached, so an online R answers the payer directly; step 4 above says why
   * not when it is offline). Nothing when the slot is empty or its invoice expired.
   */
  handleInvoiceRequest(d: AsyncDelivery, nowMs: number, recipientOnline: (recipient: string) => boolean): ServerStep {
    const c = new AsyncCollector<StaticInvoiceWrite>();
    const ctx = asyncContextOf(d.context, 'static_invoice_requested', nowMs);
    if (!this.#admit(c, 'invoice_request', ctx, nowMs)) return c.finish();
    const { recipient, slot } = ctx!;
    if (!d.replyPath) return this.#refuse(c, 'invoice_request', 'no_reply_path', recipient);
    const record = this.#opts.store.getStaticInvoice(recipient, slot);
    if (!record) return this.#refuse(c, 'invoice_request', 'no_static_invoice', recipient);
    if (record.expiresAt * 1000 <= nowMs) {
      c.writes.push({ kind: 'delete_static_invoice', recipient, slot });
      return this.#refuse(c, 'invoice_request', 'static_invoice_expired', recipient);
    }
    c.actions.push({ kind: 'reply', message: { name: 'static_invoice', tlvType: this.#profile.onionMessages.staticInvoice, bytes: record.invoice } });
    const forwarded = recipientOnline(recipient);
    if (forwarded) c.actions.push(forwardAction(record.forwardPath, d.replyPath, d.bytes));
    else this.#hold({ recipient, forwardPath: record.forwardPath, replyPath: d.replyPath, bytes: d.bytes, at: nowMs });
    c.events.push({ type: 'async.static_invoice_served', recipient, slot, offerId: record.offerId, forwarded });
    return c.finish();
  }

  /**
   * `recipient` is back and its channel to us is reestablished (the adapter says so): the invoice_requests that waited
   * for it at most `forwardHoldSeconds` go to it now, each with its payer's reply path; older ones are dropped (step 4).
   */
  recipientReady(recipient: string, nowMs: number): ServerStep {
    const c = new AsyncCollector<StaticInvoiceWrite>();
    const fresh = (h: HeldRequest) => nowMs - h.at < this.#policy.forwardHoldSeconds * 1000;
    for (const h of this.#held) if (h.recipient === recipient && fresh(h)) c.actions.push(forwardAction(h.forwardPath, h.replyPath, h.bytes));
    this.#held = this.#held.filter((h) => h.recipient !== recipient && fresh(h));
    return c.finish();
  }

  /** The recipients some invoice_request waits for (the adapter asks `recipientReady` for them when they are back). */
  waitingRecipients(nowMs: number): string[] {
    this.#held = this.#held.filter((h) => nowMs - h.at < this.#policy.forwardHoldSeconds * 1000);
    return [...new Set(this.#held.map((h) => h.recipient))];
  }

  #hold(h: HeldRequest): void {
    if (this.#policy.forwardHoldSeconds <= 0) return;
    const own = this.#held.filter((x) => x.recipient === h.recipient);
    if (own.length >= this.#policy.maxHeldRequestsPerRecipient) this.#held.splice(this.#held.indexOf(own[0]!), 1);
    if (this.#held.length >= this.#policy.maxHeldRequests) this.#held.shift();
    this.#held.push(h);
  }

  /** A context of ours for a client we serve, within the rate limits; otherwise refused (false). */
  #admit(c: AsyncCollector<StaticInvoiceWrite>, message: ServerMessage, ctx: Extract<AsyncContext, { recipient: string }> | undefined, nowMs: number): boolean {
    if (!ctx) {
      this.#refuse(c, message, 'bad_context', null);
      return false;
    }
    if (!this.#opts.isClient(ctx.recipient)) {
      this.#refuse(c, message, 'not_a_client', ctx.recipient);
      return false;
    }
    const total = this.#bucket(this.#total, message, this.#policy.total[message], nowMs);
    const key = `${message}:${ctx.recipient}`;
    const own = this.#buckets.get(key) ?? new TokenBucket(this.#policy.perRecipient[message].perSecond, this.#policy.perRecipient[message].burst, nowMs);
    this.#buckets.set(key, own);
    if (!own.take(nowMs)) {
      this.#refuse(c, message, 'rate_limited', ctx.recipient);
      return false;
    }
    if (!total.take(nowMs)) {
      this.#refuse(c, message, 'rate_limited_total', ctx.recipient);
      return false;
    }
    return true;
  }

  #bucket(map: Map<ServerMessage, TokenBucket>, message: ServerMessage, rate: { perSecond: number; burst: number }, nowMs: number): TokenBucket {
    let b = map.get(message);
    if (!b) {
      b = new TokenBucket(rate.perSecond, rate.burst, nowMs);
      map.set(message, b);
    }
    return b;
  }

  #refuse(c: AsyncCollector<StaticInvoiceWrite>, message: string, reason: string, recipient: string | null): ServerStep {
    const event: AsyncEventBody = { type: 'async.refused', role: 'server', message, reason, recipient };
    c.events.push(event);
    return c.finish();
  }
}

/** Hex Merkle root of a static invoice's offer records: the id of the offer it answers. */
export function offerIdOf(inv: StaticInvoice): string {
  const root = merkleRoot(inv.records.filter((r) => inRanges(r.type, OFFER_RANGES)));
  return root ? toHex(root) : '';
}

/** The payer's invoice_request passed on to R over its forward_invoice_request_path, the payer's reply path attached. */
function forwardAction(forwardPath: BlindedPath, replyPath: BlindedPath, bytes: Uint8Array) {
  // BOLT 4 `onionmsg_tlv` 64: the invoice_request as the payer sent it.
  return { kind: 'send' as const, destination: forwardPath, forwardedReplyPath: replyPath, message: { name: 'invoice_request', tlvType: 64n, bytes } };
}
