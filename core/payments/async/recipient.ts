/**
 * R, the often-offline recipient (sans-I/O), LDK 0.2's flow (`offers/async_receive_offer_cache.rs`,
 * `offers/flow.rs`; lightning/bolts#1149 for the payment):
 *
 * 1. For each slot, R asks L2 for offer paths (`offer_paths_request` over a path L2 gave it, with a
 *    reply path carrying `offer_paths { slot }`).
 * 2. On `offer_paths` (L2's paths must live at least `minOfferPathsSeconds`, LDK: 90 days), R builds
 *    an offer on them and a static invoice — payment paths to R through L2 whose `path_id` carries
 *    R's payment context, and message paths for `held_htlc_available` — and sends
 *    `serve_static_invoice` (with the path L2 forwards invoice_requests over) over L2's reply path.
 * 3. On `static_invoice_persisted` the slot's offer is `ready`: only now is it published
 *    (`async.offer_ready`). Before the invoice expires (`refreshBeforeSeconds`, LDK 2 h) R serves a
 *    fresh invoice for the same offer over L2's update path; before the paths expire it asks anew.
 * 4. Online, R answers a forwarded invoice_request (checked against its offer) with an ordinary
 *    invoice (`issue_invoice`, the offers manager's work); on `held_htlc_available` it answers
 *    `release_held_htlc` over the holder's reply path.
 * 5. A payment over one of its payment paths is accepted (`checkPayment`) only if the path_id is
 *    R's (authenticated), the onion carries an invoice_request that verifies against the offer, a
 *    preimage whose hash is the payment hash, and at least the amount the request asks.
 */
import { concatBytes, equalBytes, fromHex, hmacSha256, sha256, toHex } from '../../crypto';
import type { InvoiceRequest, Offer, PaymentPath, StaticInvoice, UnsignedStaticInvoice } from '../../offers';
import {
  OFFER_RANGES, analyzeInvoiceRequest, buildOffer, buildStaticInvoice, decodeOffer, encodeOffer, expectedAmount, inRanges, merkleRoot,
} from '../../offers';
import type { AsyncPaymentsProfile, BlindedPath } from '../../wire';
import { ByteReader, ByteWriter, DEFAULT_ASYNC_PAYMENTS_PROFILE, decodeAsyncOnionMessage, encodeBlindedPath } from '../../wire';
import { asyncContextOf, encodeAsyncContext } from './context';
import type { AsyncDelivery } from './server';
import type { AsyncStep } from './step';
import { AsyncCollector, asyncMessage } from './step';
import type { AsyncOfferReader, AsyncOfferRecord, AsyncOfferWrite } from './store';

export interface AsyncRecipientPolicy {
  /** Slots R keeps at L2 (each one offer). */
  readonly slots: number;
  /** Static invoice lifetime (LDK `DEFAULT_RELATIVE_EXPIRY`: 14 days). */
  readonly invoiceRelativeExpirySeconds: number;
  /** Serve a fresh invoice this long before the served one expires (LDK `INVOICE_REFRESH_THRESHOLD`: 2 h). */
  readonly refreshBeforeSeconds: number;
  /** Refuse offer paths that expire sooner (LDK `MIN_OFFER_PATHS_RELATIVE_EXPIRY_SECS`: 90 days). */
  readonly minOfferPathsSeconds: number;
  /**
   * A request or a serve L2 has not answered is sent again after `retryFirstSeconds`, then after twice as long each
   * time, up to `retryAfterSeconds` between two (and so on while R is online: LDK 0.2 serves a pending offer's invoice
   * again on every timer tick, about once a minute, and asks for offer paths up to 3 times a tick).
   */
  readonly retryFirstSeconds: number;
  readonly retryAfterSeconds: number;
  /** How long the reply paths R attaches are good for (LDK `TEMP_REPLY_PATH_RELATIVE_EXPIRY`: 2 h). */
  readonly replyPathSeconds: number;
}

export const DEFAULT_ASYNC_RECIPIENT_POLICY: AsyncRecipientPolicy = {
  slots: 1,
  invoiceRelativeExpirySeconds: 14 * 24 * 3600,
  refreshBeforeSeconds: 2 * 3600,
  minOfferPathsSeconds: 90 * 24 * 3600,
  // Just over L2's limit of one serve (and one offer_paths_request) a minute per recipient (server.ts), LDK's tick.
  retryFirstSeconds: 65,
  retryAfterSeconds: 3600,
  replyPathSeconds: 2 * 3600,
};

export interface AsyncRecipientOptions {
  readonly reader: AsyncOfferReader;
  /** R's node id: the offer's issuer id and the static invoice's signing key. */
  readonly nodeId: Uint8Array;
  readonly chain: Uint8Array;
  /** Paths to L2 for offer_paths_request (LSP configuration; L2 `pathsForRecipient`). */
  readonly serverPaths: readonly BlindedPath[];
  /** A message path to R (introduced at L2 or a peer) whose path_id carries `context` under R's messenger tag. */
  readonly messagePathTo: (context: Uint8Array) => BlindedPath;
  /**
   * Payment paths to R through L2 whose final hop carries `pathId` (adapter: offers' `createPaymentPath` with L2 as
   * forwarder). None (no channel to L2, or no chain tip to count their max_cltv_expiry from): nothing is served.
   */
  readonly paymentPaths: (pathId: Uint8Array) => PaymentPath[];
  /** Signs with R's node key. */
  readonly sign: (unsigned: UnsignedStaticInvoice) => StaticInvoice;
  /** Secret key (32 bytes, from the node key) that tags R's payment path ids. */
  readonly paymentKey: Uint8Array;
  /** What R's offers ask: a description, and an amount (omitted: any amount). */
  readonly offer: { readonly description: string; readonly amountMsat?: bigint };
  readonly profile?: AsyncPaymentsProfile;
  readonly policy?: Partial<AsyncRecipientPolicy>;
}

export type RecipientStep = AsyncStep<AsyncOfferWrite>;

/** What a payment to R's static invoice carried (core/onion `blinded_receive`). */
export interface AsyncPaymentInput {
  readonly pathId: Uint8Array | undefined;
  readonly paymentHash: Uint8Array;
  /** `total_amount_msat`. */
  readonly amountMsat: bigint;
  readonly invoiceRequest: Uint8Array | undefined;
  readonly senderPreimage: Uint8Array | undefined;
}

export type AsyncPaymentCheck =
  | { readonly accept: true; readonly preimage: Uint8Array; readonly slot: number; readonly offerId: string; readonly request: InvoiceRequest }
  | { readonly accept: false; readonly reason: 'not_async' | 'bad_payment_context' | 'expired' | 'unknown_offer' | 'missing_invoice_request' | 'bad_invoice_request' | 'missing_preimage' | 'preimage_mismatch' | 'amount_mismatch' };

const PAYMENT_CONTEXT_VERSION = 0x02;

/** At most this many answered held_htlc_available reply paths are remembered (the oldest goes first). */
const MAX_ANSWERED_RELEASES = 1024;

export class AsyncRecipient {
  readonly #opts: AsyncRecipientOptions;
  readonly #policy: AsyncRecipientPolicy;
  readonly #profile: AsyncPaymentsProfile;
  readonly #slots = new Map<number, AsyncOfferRecord>();
  /** Offers built and sent but not yet confirmed, by slot (the record keeps them once confirmed). */
  readonly #pending = new Map<number, Offer>();
  /** held_htlc_available reply paths already answered (sha256 of the path → until when our path's context is good, ms). */
  readonly #answered = new Map<string, number>();

  constructor(opts: AsyncRecipientOptions) {
    this.#opts = opts;
    this.#policy = { ...DEFAULT_ASYNC_RECIPIENT_POLICY, ...opts.policy };
    this.#profile = opts.profile ?? DEFAULT_ASYNC_PAYMENTS_PROFILE;
    for (const r of opts.reader.asyncOffers()) this.#slots.set(r.slot, r);
  }

  /** The slots as stored (views: `asyncoffer`). */
  offers(): AsyncOfferRecord[] {
    return [...this.#slots.values()].sort((a, b) => a.slot - b.slot);
  }

  /** A ready offer to publish (bech32), if any. */
  readyOffer(): string | undefined {
    return this.offers().find((r) => r.status === 'ready' && r.offer !== null)?.offer ?? undefined;
  }

  /**
   * Time passes (and at start): ask for paths for empty or stale slots, serve fresh invoices before
   * the served ones expire, ask anew before the offer paths expire.
   */
  tick(nowMs: number): RecipientStep {
    const c = new AsyncCollector<AsyncOfferWrite>();
    const now = Math.floor(nowMs / 1000);
    for (let slot = 0; slot < this.#policy.slots; slot++) {
      const r = this.#slots.get(slot);
      // Unanswered (the request, the serve, or the message that answered it, lost): sent again, with backoff.
      const due = r !== undefined && this.#retryDue(r, nowMs);
      const pathsEnding = r?.offerPathsExpiresAt != null && r.offerPathsExpiresAt - now <= this.#policy.refreshBeforeSeconds;
      if (r === undefined || (due && r.status === 'requested') || pathsEnding || (due && r.updatePath === null)) {
        this.#requestPaths(c, slot, nowMs, r);
        continue;
      }
      const invoiceEnding = r.invoiceExpiresAt !== null && r.invoiceExpiresAt - now <= this.#policy.refreshBeforeSeconds;
      if ((r.status === 'ready' && invoiceEnding) || due) this.#serveFresh(c, r, nowMs);
    }
    return c.finish();
  }

  /**
   * When the slot's unanswered request or serve goes again: `retryFirstSeconds` after the first, twice as long after
   * each next, at most `retryAfterSeconds` (null: nothing unanswered). A slot stored before migration 22 that is not
   * ready counts as having waited the longest.
   */
  retryAt(r: AsyncOfferRecord): number | null {
    const a = r.awaiting ?? (r.status !== 'ready' ? { since: r.updatedAt, attempts: Number.MAX_SAFE_INTEGER } : null);
    if (!a) return null;
    const first = this.#policy.retryFirstSeconds;
    const delay = Math.min(this.#policy.retryAfterSeconds, first * 2 ** Math.min(Math.max(a.attempts - 1, 0), 30));
    return a.since + delay * 1000;
  }

  #retryDue(r: AsyncOfferRecord, nowMs: number): boolean {
    const at = this.retryAt(r);
    return at !== null && nowMs >= at;
  }

  /**
   * What the static invoices' payment paths are built from changed (the node's LSP's real relay policy
   * came after paths built with stand-in values): a fresh invoice for the same offer goes to L2 now for
   * every slot that has one served or being served, over L2's update path. The offer stays as published.
   */
  refreshInvoices(nowMs: number): RecipientStep {
    const c = new AsyncCollector<AsyncOfferWrite>();
    for (const r of this.offers()) if (r.status !== 'requested' || r.offer !== null) this.#serveFresh(c, r, nowMs);
    return c.finish();
  }

  /** `offer_paths` from L2: build the offer and its static invoice, hand it to L2. */
  handleOfferPaths(d: AsyncDelivery, nowMs: number): RecipientStep {
    const c = new AsyncCollector<AsyncOfferWrite>();
    const ctx = asyncContextOf(d.context, 'offer_paths', nowMs);
    if (!ctx) return this.#refuse(c, 'offer_paths', 'bad_context');
    const record = this.#slots.get(ctx.slot);
    if (!record || record.status !== 'requested') return this.#refuse(c, 'offer_paths', 'unexpected');
    if (!d.replyPath) return this.#refuse(c, 'offer_paths', 'no_reply_path');
    let paths: readonly BlindedPath[];
    let expiry: bigint | undefined;
    try {
      ({ paths, pathsAbsoluteExpiry: expiry } = decodeAsyncOnionMessage('offer_paths', d.bytes, { lengthPrefixed: this.#profile.lengthPrefixedMessages }));
    } catch {
      return this.#refuse(c, 'offer_paths', 'malformed');
    }
    const now = Math.floor(nowMs / 1000);
    if (paths.length === 0) return this.#refuse(c, 'offer_paths', 'no_paths');
    // LDK: offer paths that expire within MIN_OFFER_PATHS_RELATIVE_EXPIRY_SECS are not used.
    if (expiry !== undefined && Number(expiry) - now < this.#policy.minOfferPathsSeconds) return this.#refuse(c, 'offer_paths', 'paths_expire_too_soon');
    const offer = buildOffer({
      description: this.#opts.offer.description,
      ...(this.#opts.offer.amountMsat !== undefined ? { amount: this.#opts.offer.amountMsat } : {}),
      // The static invoice is signed by R's node key: it must be the offer's issuer id (L2's paths end at L2).
      issuerId: this.#opts.nodeId,
      paths,
      chains: [this.#opts.chain],
      ...(expiry !== undefined ? { absoluteExpiry: expiry } : {}),
    });
    const next: AsyncOfferRecord = {
      ...record, status: 'serving', offer: encodeOffer(offer), offerId: offerIdOfOffer(offer), offerPathsExpiresAt: expiry !== undefined ? Number(expiry) : null,
      updatePath: d.replyPath, updatedAt: nowMs,
    };
    if (this.#serve(c, next, offer, d.replyPath, nowMs, 'reply')) this.#pending.set(ctx.slot, offer);
    return c.finish();
  }

  /** `static_invoice_persisted`: L2 keeps the invoice, the slot's offer may be published. */
  handleStaticInvoicePersisted(d: AsyncDelivery, nowMs: number): RecipientStep {
    const c = new AsyncCollector<AsyncOfferWrite>();
    const ctx = asyncContextOf(d.context, 'static_invoice_persisted', nowMs);
    if (!ctx) return this.#refuse(c, 'static_invoice_persisted', 'bad_context');
    const record = this.#slots.get(ctx.slot);
    if (!record || record.offerId !== ctx.offerId || record.offer === null) return this.#refuse(c, 'static_invoice_persisted', 'unexpected');
    // The answer to the latest serve: its reply path's context expires replyPathSeconds after it went (#serve).
    const a = record.awaiting;
    const latest = a?.kind === 'invoice' && ctx.expiresAt >= Math.floor(a.since / 1000) + this.#policy.replyPathSeconds;
    // A second copy (the mailbox delivers at least once; L2 answers a served invoice it already keeps again), or the
    // answer to an older serve while a newer one waits: already ready, nothing to do.
    if (record.status === 'ready' && !this.#pending.has(ctx.slot) && !latest) return c.finish();
    const ready: AsyncOfferRecord = {
      ...record, status: 'ready', updatedAt: nowMs,
      // L2 keeps the invoice we sent last: what its path asks is known. An older one's answer: not known which L2 kept.
      servedPayInfo: latest ? a.payInfo : null, awaiting: latest ? null : record.awaiting,
    };
    this.#put(c, ready);
    // A fresh invoice for an offer already ready (a refresh) makes no new offer: only the record changes.
    const fresh = record.status !== 'ready' || this.#pending.has(ctx.slot);
    this.#pending.delete(ctx.slot);
    if (fresh) c.events.push({ type: 'async.offer_ready', slot: ctx.slot, offerId: ctx.offerId, offer: record.offer });
    return c.finish();
  }

  /** `held_htlc_available` (from L2's mailbox when R comes online): release the HTLC. */
  handleHeldHtlcAvailable(d: AsyncDelivery, nowMs: number): RecipientStep {
    const c = new AsyncCollector<AsyncOfferWrite>();
    const ctx = asyncContextOf(d.context, 'held_htlc_available', nowMs);
    if (!ctx) return this.#refuse(c, 'held_htlc_available', 'bad_context');
    if (!d.replyPath) return this.#refuse(c, 'held_htlc_available', 'no_reply_path');
    // One release per held HTLC: the payer announces over several paths with the same reply path (its LSP's release
    // path), and the mailbox delivers at least once — a copy whose reply path we already answered is not answered again.
    const key = toHex(sha256(encodeBlindedPath(d.replyPath)));
    for (const [k, exp] of this.#answered) if (exp <= nowMs) this.#answered.delete(k);
    if (this.#answered.has(key)) return c.finish();
    if (this.#answered.size >= MAX_ANSWERED_RELEASES) this.#answered.delete(this.#answered.keys().next().value!);
    this.#answered.set(key, ctx.expiresAt * 1000);
    c.actions.push({ kind: 'reply', message: asyncMessage(this.#profile, { type: 'release_held_htlc' }) });
    c.events.push({ type: 'async.release_sent', slot: ctx.slot });
    return c.finish();
  }

  /** An invoice_request L2 forwarded (R is online): answer it with an ordinary invoice if it is for the slot's offer. */
  handleForwardedInvoiceRequest(d: AsyncDelivery, nowMs: number): RecipientStep {
    const c = new AsyncCollector<AsyncOfferWrite>();
    const ctx = asyncContextOf(d.context, 'invoice_request_forwarded', nowMs);
    if (!ctx) return this.#refuse(c, 'invoice_request', 'bad_context');
    const record = this.#slots.get(ctx.slot);
    if (!record?.offer || !record.offerId) return this.#refuse(c, 'invoice_request', 'unknown_offer');
    if (!d.replyPath) return this.#refuse(c, 'invoice_request', 'no_reply_path');
    const offer = this.#offerOf(record);
    const analysis = analyzeInvoiceRequest(d.bytes, { nowSeconds: Math.floor(nowMs / 1000), chains: [this.#opts.chain] }, offer);
    if (!analysis.value || analysis.errors.length > 0) return this.#refuse(c, 'invoice_request', 'bad_invoice_request');
    c.actions.push({ kind: 'issue_invoice', offerId: record.offerId, offer: record.offer, invoiceRequest: d.bytes, replyPath: d.replyPath });
    return c.finish();
  }

  /**
   * A payment over one of R's static invoice payment paths (lightning/bolts#1149, reader: the
   * recipient "MUST reject the payment if the invoice_request is missing or does not verify, and if
   * the amount is less than the invoice_request's"; the payment hash is the hash of the payer's
   * preimage). Pure: the adapter claims with the preimage, or fails the HTLC back.
   */
  checkPayment(p: AsyncPaymentInput, nowMs: number): AsyncPaymentCheck {
    const ctx = this.#readPaymentContext(p.pathId);
    if (ctx === 'not_async') return { accept: false, reason: 'not_async' };
    if (ctx === undefined) return { accept: false, reason: 'bad_payment_context' };
    if (ctx.expiresAt * 1000 <= nowMs) return { accept: false, reason: 'expired' };
    const record = this.#slots.get(ctx.slot);
    const offerRecord = record && record.offerId === ctx.offerId ? record : undefined;
    const offer = offerRecord ? this.#offerOf(offerRecord) : this.#pending.get(ctx.slot);
    if (!offer || offerIdOfOffer(offer) !== ctx.offerId) return { accept: false, reason: 'unknown_offer' };
    if (!p.invoiceRequest) return { accept: false, reason: 'missing_invoice_request' };
    const analysis = analyzeInvoiceRequest(p.invoiceRequest, { nowSeconds: Math.floor(nowMs / 1000), chains: [this.#opts.chain] }, offer);
    const request = analysis.value;
    if (!request || analysis.errors.length > 0) return { accept: false, reason: 'bad_invoice_request' };
    if (!p.senderPreimage) return { accept: false, reason: 'missing_preimage' };
    if (!equalBytes(sha256(p.senderPreimage), p.paymentHash)) return { accept: false, reason: 'preimage_mismatch' };
    const expected = request.invreq.amount ?? expectedAmount(request.offer, request.invreq);
    if (expected === undefined || p.amountMsat < expected) return { accept: false, reason: 'amount_mismatch' };
    return { accept: true, preimage: p.senderPreimage, slot: ctx.slot, offerId: ctx.offerId, request };
  }

  // ----- internals ------------------------------------------------------------------------------

  #requestPaths(c: AsyncCollector<AsyncOfferWrite>, slot: number, nowMs: number, previous: AsyncOfferRecord | undefined): void {
    const path = this.#opts.serverPaths[slot % Math.max(1, this.#opts.serverPaths.length)];
    if (!path) return;
    const expiresAt = Math.floor(nowMs / 1000) + this.#policy.replyPathSeconds;
    c.actions.push({
      kind: 'send', destination: path, message: asyncMessage(this.#profile, { type: 'offer_paths_request', invoiceSlot: slot }),
      replyContext: encodeAsyncContext({ kind: 'offer_paths', slot, expiresAt }),
    });
    // A ready offer stays published (and paid) until its replacement is confirmed.
    const awaiting = { kind: 'paths' as const, since: nowMs, attempts: (previous?.awaiting?.kind === 'paths' ? previous.awaiting.attempts : 0) + 1, payInfo: null };
    const record: AsyncOfferRecord = previous?.status === 'ready'
      ? { ...previous, status: 'requested', updatedAt: nowMs, awaiting }
      : {
          slot, status: 'requested', offer: null, offerId: null, offerPathsExpiresAt: null, invoiceCreatedAt: null, invoiceExpiresAt: null, updatePath: null, updatedAt: nowMs,
          servedPayInfo: null, awaiting,
        };
    this.#put(c, record);
    c.events.push({ type: 'async.offer_paths_requested', slot });
  }

  #serveFresh(c: AsyncCollector<AsyncOfferWrite>, r: AsyncOfferRecord, nowMs: number): void {
    if (!r.updatePath || !r.offer) return;
    this.#serve(c, { ...r, updatedAt: nowMs }, this.#offerOf(r), r.updatePath, nowMs, 'send');
  }

  /** Builds and sends the slot's static invoice; false (and a refusal event, the record unchanged) without payment paths. */
  #serve(c: AsyncCollector<AsyncOfferWrite>, record: AsyncOfferRecord, offer: Offer, to: BlindedPath, nowMs: number, how: 'reply' | 'send'): boolean {
    const now = Math.floor(nowMs / 1000);
    const expiresAt = now + this.#policy.invoiceRelativeExpirySeconds;
    const offerId = offerIdOfOffer(offer);
    const pathId = this.#paymentPathId(record.slot, offerId, expiresAt);
    const paths = this.#opts.paymentPaths(pathId);
    // BOLT 12 invoice writer: "MUST include `invoice_paths` containing one or more paths to the node" (a static invoice too,
    // lightning/bolts#1149) — none: nothing is served; the slot stays as it was and is asked for or refreshed again later.
    if (paths.length === 0) {
      c.events.push({ type: 'async.refused', role: 'recipient', message: 'serve_static_invoice', reason: 'no_payment_paths', recipient: null });
      return false;
    }
    const invoice = this.#opts.sign(
      buildStaticInvoice(offer, {
        paths,
        heldHtlcAvailablePaths: [this.#opts.messagePathTo(encodeAsyncContext({ kind: 'held_htlc_available', slot: record.slot, expiresAt }))],
        // The profile's number for these paths: LDK's 236 or lightning/bolts#1149's 178.
        messagePathsTlv: this.#profile.staticInvoiceMessagePathsTlv,
        createdAt: BigInt(now),
        relativeExpiry: BigInt(this.#policy.invoiceRelativeExpirySeconds),
      }),
    );
    const forward = this.#opts.messagePathTo(encodeAsyncContext({ kind: 'invoice_request_forwarded', slot: record.slot, expiresAt }));
    const message = asyncMessage(this.#profile, { type: 'serve_static_invoice', invoice: invoice.bytes, forwardInvoiceRequestPath: forward });
    const replyContext = encodeAsyncContext({ kind: 'static_invoice_persisted', slot: record.slot, offerId, expiresAt: now + this.#policy.replyPathSeconds });
    c.actions.push(how === 'reply' ? { kind: 'reply', message, replyContext } : { kind: 'send', destination: to, message, replyContext });
    const { feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta } = paths[0]!.payInfo;
    const attempts = (record.awaiting?.kind === 'invoice' ? record.awaiting.attempts : 0) + 1;
    const awaiting = { kind: 'invoice' as const, since: nowMs, attempts, payInfo: { feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta } };
    this.#put(c, { ...record, invoiceCreatedAt: now, invoiceExpiresAt: expiresAt, awaiting });
    c.events.push({ type: 'async.static_invoice_sent', slot: record.slot, offerId });
    return true;
  }

  #offerOf(r: AsyncOfferRecord): Offer {
    // Our own offer, as built: its expiry is L2's paths' (checked by payers and by tick), not a reason to lose it.
    return decodeOffer(r.offer!, { nowSeconds: 0, chains: [this.#opts.chain] });
  }

  #put(c: AsyncCollector<AsyncOfferWrite>, record: AsyncOfferRecord): void {
    this.#slots.set(record.slot, record);
    c.writes.push({ kind: 'put_async_offer', record });
  }

  /** 0x02 || slot u16 || offer id 32 || expires u32 || HMAC-SHA256(paymentKey, those)[0..16]. */
  #paymentPathId(slot: number, offerId: string, expiresAt: number): Uint8Array {
    const body = new ByteWriter().writeU8(PAYMENT_CONTEXT_VERSION).writeU16(slot).writeBytes(fromHex(offerId, 'offer id')).writeU32(expiresAt).finish();
    return concatBytes(body, hmacSha256(this.#opts.paymentKey, body).subarray(0, 16));
  }

  #readPaymentContext(pathId: Uint8Array | undefined): { slot: number; offerId: string; expiresAt: number } | 'not_async' | undefined {
    if (!pathId || pathId[0] !== PAYMENT_CONTEXT_VERSION) return 'not_async';
    if (pathId.length !== 1 + 2 + 32 + 4 + 16) return undefined;
    const body = pathId.subarray(0, pathId.length - 16);
    if (!equalBytes(pathId.subarray(pathId.length - 16), hmacSha256(this.#opts.paymentKey, body).subarray(0, 16))) return undefined;
    const r = new ByteReader(body);
    r.readU8('version');
    const slot = r.readU16('slot');
    const offerId = toHex(r.readBytes(32, 'offer id'));
    return { slot, offerId, expiresAt: r.readU32('expires') };
  }

  #refuse(c: AsyncCollector<AsyncOfferWrite>, message: string, reason: string): RecipientStep {
    c.events.push({ type: 'async.refused', role: 'recipient', message, reason, recipient: null });
    return c.finish();
  }
}

/** Hex Merkle root of an offer's records: its id. */
export function offerIdOfOffer(offer: Offer): string {
  const root = merkleRoot(offer.records.filter((r) => inRanges(r.type, OFFER_RANGES)));
  return root ? toHex(root) : '';
}
