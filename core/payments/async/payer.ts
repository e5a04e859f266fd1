/**
 * P, the payer of an offer answered with a static invoice (sans-I/O; lightning/bolts#1149 and LDK
 * 0.2 `ln/outbound_payment.rs` StaticInvoice payments). After P sent its invoice_request:
 *
 * - an ordinary invoice first (R was online): P pays that (`pay_invoice`), as for any offer; only
 *   the first answer is paid (a later one is ignored, as LDK 0.2 does);
 * - a static invoice first: P checks it (for the offer, signed, not expired), picks the preimage
 *   ("MUST set sender_provided_payment_preimage to randomly generated unique bytes") and then
 *   - often-offline P (`mode: 'lsp'`): sends the HTLC now with `hold_htlc`
 *     (`send_async_htlc { hold: true }`); its LSP L1 answers with release paths in revoke_and_ack
 *     (`releasePathsReceived`), and P sends `held_htlc_available` over at least two of the
 *     invoice's message paths with those as reply paths — L1 then holds the HTLC, P may go offline;
 *   - always-online P (`mode: 'self'`): holds the payment itself, sends `held_htlc_available` with a
 *     reply path to itself, and sends the HTLC when `release_held_htlc` arrives;
 * - an unreleased payment fails when its release window ends (`tick`).
 *
 * From the static invoice on, every change of a payment is a write (`AsyncPayerRecord`, core/store
 * migration 17) the adapter applies before it carries out the step's actions: before the HTLC with
 * `hold_htlc` or the `held_htlc_available` that promises it leaves P. After a restart the core reads
 * them back (`reader`), and `resume` sends again the HTLC of a payment whose send may not have
 * happened (the payments core's pay is idempotent per payment id).
 *
 * The onion's final hop carries the invoice_request and the preimage (onion-build.ts `asyncFinal`).
 */
import { sha256, toHex } from '../../crypto';
import type { Offer, PaymentPath, StaticInvoice } from '../../offers';
import { analyzeStaticInvoice, decodeOffer, encodeOffer, isStaticInvoiceForOffer, parseStaticInvoiceBytes } from '../../offers';
import type { AsyncPaymentsProfile, BlindedPath } from '../../wire';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE } from '../../wire';
import { asyncContextOf, encodeAsyncContext } from './context';
import { offerIdOfOffer } from './recipient';
import type { AsyncDelivery } from './server';
import type { AsyncOutMessage } from './step';
import { asyncMessage } from './step';
import type { AsyncEventBody } from './events';
import type { AsyncPayerRecord, AsyncPayerWrite } from './store';

export interface AsyncPayerPolicy {
  /** held_htlc_available goes over at least this many message paths (the issue: "at least two"). */
  readonly announcePaths: number;
  /** How long a payment waits for R's release before it fails (and the release context lives). */
  readonly releaseWindowSeconds: number;
}

export const DEFAULT_ASYNC_PAYER_POLICY: AsyncPayerPolicy = { announcePaths: 2, releaseWindowSeconds: 24 * 3600 };

export interface AsyncPayerOptions {
  readonly chain: Uint8Array;
  /**
   * `lsp`: often offline, L1 holds the HTLC; `self`: always online, P holds it. The default of
   * every payment; `begin` may say otherwise for one (an often-offline P whose peer does not
   * advertise the htlc_hold feature holds the payment itself, as LDK 0.2 does).
   */
  readonly mode: 'lsp' | 'self';
  readonly randomBytes: (length: number) => Uint8Array;
  /** A message path to P whose path_id carries `context` under P's messenger tag (self mode's reply path). */
  readonly messagePathTo: (context: Uint8Array) => BlindedPath;
  readonly profile?: AsyncPaymentsProfile;
  readonly policy?: Partial<AsyncPayerPolicy>;
  /** The payments kept before a restart (core/store `AsyncPayerRepository`). */
  readonly reader?: { asyncPayments(): AsyncPayerRecord[] };
}

export type AsyncPaymentStatus = 'awaiting_invoice' | 'awaiting_release_paths' | 'awaiting_release' | 'htlc_sent' | 'paying_invoice' | 'failed';

export interface AsyncPaymentState {
  readonly paymentId: string;
  readonly offerId: string;
  readonly amountMsat: bigint;
  readonly status: AsyncPaymentStatus;
  readonly holdId: string | null;
  readonly paymentHash: string | null;
  /** When the release window ends (ms). */
  readonly releaseDeadline: number | null;
  readonly failure: string | null;
  /** When the static invoice came (ms); null before. */
  readonly createdAt: number | null;
  /** The static invoice's (offer's) description. */
  readonly description: string | null;
}

export type PayerAction =
  /** Send the HTLC to the static invoice's payment paths; `hold`: ask L1 to hold it (`hold_htlc`). Carries the preimage: never log it. */
  | {
      readonly kind: 'send_async_htlc';
      readonly paymentId: string;
      readonly paymentHash: Uint8Array;
      readonly preimage: Uint8Array;
      readonly amountMsat: bigint;
      readonly paths: readonly PaymentPath[];
      readonly invoice: StaticInvoice;
      readonly invoiceRequest: Uint8Array;
      readonly hold: boolean;
    }
  /** R answered with an ordinary invoice: pay it as any BOLT 12 invoice. */
  | { readonly kind: 'pay_invoice'; readonly paymentId: string; readonly invoice: Uint8Array }
  /**
   * An onion message over a blinded path, with our reply path (context) or another's. `announces`: the payment
   * whose held_htlc_available this is — once one of them went out, the adapter tells the core (`announced`).
   */
  | {
      readonly kind: 'send'; readonly destination: BlindedPath; readonly message: AsyncOutMessage; readonly replyContext?: Uint8Array; readonly forwardedReplyPath?: BlindedPath;
      readonly announces?: string;
    };

export interface PayerStep {
  /** Persist these (atomically) before any action is taken. */
  readonly writes: readonly AsyncPayerWrite[];
  readonly actions: readonly PayerAction[];
  readonly events: readonly AsyncEventBody[];
}

interface Live {
  state: AsyncPaymentState;
  /** Null only for a restored payment that no longer reads (failed). */
  readonly offer: Offer | null;
  readonly invoiceRequest: Uint8Array;
  readonly mode: 'lsp' | 'self';
  invoice?: StaticInvoice;
  preimage?: Uint8Array;
  /** Read back after a restart: `resume` sends its HTLC again if it was (maybe) not sent. */
  restored?: boolean;
  /** lsp mode: L1's release paths, once its revoke_and_ack gave them (kept in the record). */
  releasePaths: readonly BlindedPath[];
  /** When a held_htlc_available of this payment first went out (kept); null: not yet. */
  announcedAt: number | null;
  /** When we last asked for the announcement to go (this process only): `tick` asks again after ANNOUNCE_RETRY_MS. */
  attemptedAt?: number;
}

/** How long an announcement that did not go out (no route yet, the first hop away) waits before it is tried again. */
export const ANNOUNCE_RETRY_MS = 10_000;

const NOTHING: PayerStep = { writes: [], actions: [], events: [] };

/**
 * A step whose changes to the core wait for its writes: `commit()` makes them the core's once the writes are durable
 * (true), or does nothing when a later step changed one of those payments meanwhile (false: the caller then carries
 * out nothing of this step). Never committed — the transaction that held its writes rolled back — it leaves the core
 * as it was, so the same input taken again (L1 sends its revoke_and_ack again on reconnection) is the same step.
 */
export interface PreparedPayerStep {
  readonly step: PayerStep;
  commit(): boolean;
}

export class AsyncPayer {
  readonly #opts: AsyncPayerOptions;
  #policy: AsyncPayerPolicy;
  readonly #profile: AsyncPaymentsProfile;
  readonly #live = new Map<string, Live>();

  constructor(opts: AsyncPayerOptions) {
    this.#opts = opts;
    this.#policy = { ...DEFAULT_ASYNC_PAYER_POLICY, ...opts.policy };
    this.#profile = opts.profile ?? DEFAULT_ASYNC_PAYMENTS_PROFILE;
    for (const r of opts.reader?.asyncPayments() ?? []) this.#restore(r);
  }

  /**
   * Runs `run` (any of this core's steps) without changing the core: what it changed is kept aside and applied by the
   * returned `commit()`. Persist before you promise, and memory after disk: the adapter writes the step's writes
   * (in its own transaction, or in the channel step's), then commits, then carries out the actions. A write that
   * throws leaves the core as it was — never a payment that memory says moved on while SQLite does not (a restart
   * would then disagree with what was sent), never one stuck because its input is ignored as already taken.
   */
  prepare(run: () => PayerStep): PreparedPayerStep {
    const before = new Map([...this.#live].map(([id, live]) => [id, { ...live }]));
    // Puts back what `run` changed (steps change a payment's fields in place or add one; they never remove one).
    const restore = (): Map<string, Live | undefined> => {
      const changed = new Map<string, Live | undefined>();
      for (const [id, live] of [...this.#live]) {
        const was = before.get(id);
        if (sameLive(was, live)) continue;
        changed.set(id, { ...live });
        if (was) this.#live.set(id, { ...was }); // a copy: `before` stays as it was whatever later steps do in place
        else this.#live.delete(id);
      }
      return changed;
    };
    let step: PayerStep;
    try {
      step = run();
    } catch (e) {
      restore();
      throw e;
    }
    const changed = restore();
    let done = false;
    return {
      step,
      commit: () => {
        if (done) return false;
        done = true;
        // Another step committed a change to one of these payments meanwhile: its write came after ours and is what
        // SQLite holds, and its state is what memory holds; this step is stale (nothing of it is carried out).
        for (const id of changed.keys()) {
          const now = this.#live.get(id);
          if (now === undefined ? before.has(id) : !sameLive(before.get(id), now)) return false;
        }
        for (const [id, live] of changed) this.#live.set(id, live!);
        return true;
      },
    };
  }

  /** A new release window (Settings, live) for payments begun from now on; a payment begun keeps its deadline. */
  setReleaseWindow(seconds: number): void {
    this.#policy = { ...this.#policy, releaseWindowSeconds: seconds };
  }

  /** Every payment the core knows, oldest first (views: `listpayments`). */
  payments(): AsyncPaymentState[] {
    return [...this.#live.values()].map((l) => l.state).sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
  }

  /**
   * After a restart: the HTLC of every payment whose record says it goes (or went) out — lsp mode
   * waiting for L1's release paths, self mode released — is sent again; the payments core answers a
   * payment id it already has with that payment and sends nothing. Once per restored payment.
   */
  resume(nowMs: number, htlcSettled: (paymentId: string) => boolean = () => false): PayerStep {
    const actions: PayerAction[] = [];
    const events: AsyncEventBody[] = [];
    for (const live of this.#live.values()) {
      if (!live.restored) continue;
      live.restored = false;
      const s = live.state.status;
      if (live.invoice && live.preimage && (s === 'htlc_sent' || s === 'awaiting_release_paths')) actions.push(this.#htlc(live, live.mode === 'lsp'));
      // Persisted, never announced (the process ended before held_htlc_available went out): R learns of it now.
      if (this.#unannounced(live, nowMs, htlcSettled)) this.#announceAgain(live, nowMs, actions, events);
    }
    return { writes: [], actions, events };
  }

  /**
   * One of `paymentId`'s held_htlc_available went out (handed to the first hop): kept, so a restart does not
   * announce it again. Only the first counts.
   */
  announced(paymentId: string, nowMs: number): PayerStep {
    const live = this.#live.get(paymentId);
    if (!live || live.announcedAt !== null || !live.invoice) return NOTHING;
    live.announcedAt = nowMs;
    return { writes: [this.#write(live)], actions: [], events: [] };
  }

  payment(paymentId: string): AsyncPaymentState | undefined {
    return this.#live.get(paymentId)?.state;
  }

  /** P sent `invoiceRequest` for `offer` (the offers flow) and waits for an answer. */
  begin(p: { paymentId: string; offer: Offer; invoiceRequest: Uint8Array; amountMsat: bigint; mode?: 'lsp' | 'self' }): AsyncPaymentState {
    const existing = this.#live.get(p.paymentId);
    if (existing) return existing.state;
    const state: AsyncPaymentState = {
      paymentId: p.paymentId, offerId: offerIdOfOffer(p.offer), amountMsat: p.amountMsat, status: 'awaiting_invoice', holdId: null, paymentHash: null, releaseDeadline: null, failure: null,
      createdAt: null, description: p.offer.fields.description ?? null,
    };
    this.#live.set(p.paymentId, { state, offer: p.offer, invoiceRequest: p.invoiceRequest, mode: p.mode ?? this.#opts.mode, releasePaths: [], announcedAt: null });
    return state;
  }

  /**
   * An ordinary invoice answered our request: pay it if it is the first answer. P may get two (the
   * static invoice from L2 and, when R is online, R's own invoice to the request L2 forwarded); it
   * pays only the first, as LDK 0.2 does (`ignore_duplicate_invoice`: a later invoice is
   * `DuplicateInvoice`), and as the messenger takes only one reply per reply path.
   */
  handleInvoice(paymentId: string, invoice: Uint8Array): PayerStep {
    const live = this.#live.get(paymentId);
    if (!live || live.state.status !== 'awaiting_invoice') return NOTHING;
    this.#set(live, { status: 'paying_invoice' });
    return { writes: [], actions: [{ kind: 'pay_invoice', paymentId, invoice }], events: [] };
  }

  /** The static invoice L2 answered with. */
  handleStaticInvoice(paymentId: string, bytes: Uint8Array, nowMs: number): PayerStep {
    const live = this.#live.get(paymentId);
    if (!live || live.state.status !== 'awaiting_invoice') return NOTHING;
    const analysis = analyzeStaticInvoice(bytes, { nowSeconds: Math.floor(nowMs / 1000), chains: [this.#opts.chain] }, { messagePathsTlv: this.#profile.staticInvoiceMessagePathsTlv });
    const inv = analysis.value;
    if (!inv || analysis.errors.length > 0 || !live.offer || !isStaticInvoiceForOffer(inv, live.offer)) {
      const code = analysis.errors[0]?.code ?? 'static_invoice.not_for_offer';
      this.#set(live, { status: 'failed', failure: code === 'static_invoice.expired' ? 'payments.invoice_expired' : `payments.bad_static_invoice:${code}` });
      return { writes: [], actions: [], events: [{ type: 'async.refused', role: 'payer', message: 'static_invoice', reason: code, recipient: null }] };
    }
    live.invoice = inv;
    // bolts#1149 writer: "MUST set sender_provided_payment_preimage to randomly generated unique bytes".
    const preimage = this.#opts.randomBytes(32);
    const holdId = toHex(this.#opts.randomBytes(32));
    live.preimage = preimage;
    const paymentHash = sha256(preimage);
    const releaseDeadline = nowMs + this.#policy.releaseWindowSeconds * 1000;
    const events: AsyncEventBody[] = [{ type: 'async.static_invoice_received', paymentId, offerId: live.state.offerId }];
    const common = { holdId, paymentHash: toHex(paymentHash), releaseDeadline, createdAt: nowMs, description: inv.offer.description ?? null };
    // Persist before we promise: the record is written before the HTLC (lsp) or held_htlc_available (self) leaves.
    if (live.mode === 'lsp') {
      this.#set(live, { status: 'awaiting_release_paths', ...common });
      return { writes: [this.#write(live)], actions: [this.#htlc(live, true)], events };
    }
    this.#set(live, { status: 'awaiting_release', ...common });
    const actions: PayerAction[] = [];
    this.#announceAgain(live, nowMs, actions, events);
    return { writes: [this.#write(live)], actions, events };
  }

  /**
   * L1's revoke_and_ack gave the release paths for our held HTLC: kept (the step's write) before they are relied
   * on, then held_htlc_available to R with them as reply paths. A second copy (L1 sends them again in a
   * retransmitted revoke_and_ack) changes nothing.
   */
  releasePathsReceived(paymentId: string, paths: readonly BlindedPath[], nowMs: number): PayerStep {
    const live = this.#live.get(paymentId);
    if (!live || live.state.status !== 'awaiting_release_paths' || !live.invoice || paths.length === 0) return NOTHING;
    this.#set(live, { status: 'htlc_sent' });
    live.releasePaths = [...paths];
    const actions: PayerAction[] = [];
    const events: AsyncEventBody[] = [];
    this.#announceAgain(live, nowMs, actions, events);
    return { writes: [this.#write(live)], actions, events };
  }

  /** `release_held_htlc` over our own reply path (self mode): send the HTLC now. */
  handleReleaseHeldHtlc(d: AsyncDelivery, nowMs: number): PayerStep {
    const ctx = asyncContextOf(d.context, 'release_held_htlc', nowMs);
    const live = ctx ? [...this.#live.values()].find((l) => l.state.holdId === ctx.holdId) : undefined;
    // A second release of a payment already released (R answers each copy of held_htlc_available; the mailbox delivers
    // at least once): its HTLC went with the first, nothing to do.
    if (ctx && live?.mode === 'self' && live.state.status === 'htlc_sent') return NOTHING;
    if (!ctx || !live || live.state.status !== 'awaiting_release') {
      return { writes: [], actions: [], events: [{ type: 'async.refused', role: 'payer', message: 'release_held_htlc', reason: ctx ? 'unknown_hold' : 'bad_context', recipient: null }] };
    }
    this.#set(live, { status: 'htlc_sent' });
    return { writes: [this.#write(live)], actions: [this.#htlc(live, false)], events: [{ type: 'async.htlc_released', holdId: ctx.holdId }] };
  }

  /**
   * Payments whose release window ended unreleased fail (LDK: the async payment times out); an announcement
   * that has not gone out yet is asked for again every ANNOUNCE_RETRY_MS (a payment restored unannounced waits for `resume`).
   */
  tick(nowMs: number, htlcSettled: (paymentId: string) => boolean = () => false): PayerStep {
    const events: AsyncEventBody[] = [];
    const writes: AsyncPayerWrite[] = [];
    const actions: PayerAction[] = [];
    for (const live of this.#live.values()) {
      if (live.attemptedAt !== undefined && nowMs - live.attemptedAt >= ANNOUNCE_RETRY_MS && this.#unannounced(live, nowMs, htlcSettled)) {
        this.#announceAgain(live, nowMs, actions, events);
      }
      const s = live.state;
      // lsp mode: the HTLC is out (L1 holds it and fails it back): its end is the payments core's, not ours.
      if (s.status === 'awaiting_release' && s.releaseDeadline !== null && nowMs >= s.releaseDeadline) {
        this.#set(live, { status: 'failed', failure: 'payments.timeout' });
        writes.push(this.#write(live));
        events.push({ type: 'async.hold_expired', holdId: s.holdId!, reason: 'release_expired' });
      }
    }
    return { writes, actions, events };
  }

  /** Waits for R, is not announced yet, and its announcement still means something. */
  #unannounced(live: Live, nowMs: number, htlcSettled: (paymentId: string) => boolean): boolean {
    const s = live.state;
    if (live.announcedAt !== null || !live.invoice || s.releaseDeadline === null || nowMs >= s.releaseDeadline) return false;
    // No paths to announce over (the invoice gave none): nothing to send again.
    if ((live.invoice.invoice.heldHtlcAvailablePaths ?? []).length === 0) return false;
    if (live.mode === 'self') return s.status === 'awaiting_release';
    // lsp: the HTLC is held at L1 with these reply paths, and its payment not ended.
    return s.status === 'htlc_sent' && live.releasePaths.length > 0 && !htlcSettled(s.paymentId);
  }

  /** held_htlc_available for `live` (self mode: a reply path to us; lsp mode: L1's release paths). */
  #announceAgain(live: Live, nowMs: number, actions: PayerAction[], events: AsyncEventBody[]): void {
    const s = live.state;
    live.attemptedAt = nowMs;
    const paths = live.releasePaths;
    const reply = live.mode === 'self'
      ? (() => {
          const context = encodeAsyncContext({ kind: 'release_held_htlc', holdId: s.holdId!, expiresAt: Math.floor(s.releaseDeadline! / 1000) });
          return () => ({ replyContext: context });
        })()
      : (i: number) => ({ forwardedReplyPath: paths[i % paths.length]! });
    const sends = this.#announce(live.invoice!, reply).map((a) => ({ ...a, announces: s.paymentId }));
    actions.push(...sends);
    events.push({ type: 'async.held_htlc_announced', paymentId: s.paymentId, holdId: s.holdId!, paths: sends.length });
  }

  #htlc(live: Live, hold: boolean): PayerAction {
    return {
      kind: 'send_async_htlc', paymentId: live.state.paymentId, paymentHash: sha256(live.preimage!), preimage: live.preimage!, amountMsat: live.state.amountMsat,
      paths: live.invoice!.invoice.paths!.map((path, i) => ({ path, payInfo: live.invoice!.invoice.blindedPay![i]! })), invoice: live.invoice!, invoiceRequest: live.invoiceRequest, hold,
    };
  }

  /** The record of a payment that has its static invoice and preimage. */
  #write(live: Live): AsyncPayerWrite {
    const s = live.state;
    return {
      kind: 'put_async_payment',
      record: {
        paymentId: s.paymentId, mode: live.mode, status: s.status as AsyncPayerRecord['status'], offer: encodeOffer(live.offer!), offerId: s.offerId, amountMsat: s.amountMsat,
        invoiceRequest: live.invoiceRequest, staticInvoice: live.invoice!.bytes, preimage: live.preimage!, holdId: s.holdId!, paymentHash: s.paymentHash!,
        releaseDeadline: s.releaseDeadline!, failure: s.failure, createdAt: s.createdAt!, releasePaths: live.releasePaths, announcedAt: live.announcedAt,
      },
    };
  }

  #restore(r: AsyncPayerRecord): void {
    const state: AsyncPaymentState = {
      paymentId: r.paymentId, offerId: r.offerId, amountMsat: r.amountMsat, status: r.status, holdId: r.holdId, paymentHash: r.paymentHash, releaseDeadline: r.releaseDeadline,
      failure: r.failure, createdAt: r.createdAt, description: null,
    };
    const read = this.#read(r);
    if (!read) {
      // Not readable any more (another wire profile than the one it was paid with): shown failed, never sent.
      this.#live.set(r.paymentId, {
        state: { ...state, status: 'failed', failure: r.failure ?? 'payments.bad_static_invoice' }, offer: null, invoiceRequest: r.invoiceRequest, mode: r.mode,
        releasePaths: r.releasePaths, announcedAt: r.announcedAt,
      });
      return;
    }
    const { offer, invoice } = read;
    this.#live.set(r.paymentId, {
      state: { ...state, description: invoice.offer.description ?? null }, offer, invoiceRequest: r.invoiceRequest, mode: r.mode, invoice, preimage: r.preimage, restored: true,
      releasePaths: r.releasePaths, announcedAt: r.announcedAt,
    });
  }

  /** held_htlc_available over at least `announcePaths` sends, spread over the invoice's message paths. */
  #announce(inv: StaticInvoice, reply: (i: number) => { replyContext?: Uint8Array; forwardedReplyPath?: BlindedPath }): PayerAction[] {
    const paths = inv.invoice.heldHtlcAvailablePaths ?? [];
    const n = Math.max(paths.length, this.#policy.announcePaths);
    const message = asyncMessage(this.#profile, { type: 'held_htlc_available' });
    return paths.length === 0 ? [] : Array.from({ length: n }, (_, i) => ({ kind: 'send' as const, destination: paths[i % paths.length]!, message, ...reply(i) }));
  }

  #read(r: AsyncPayerRecord): { offer: Offer; invoice: StaticInvoice } | undefined {
    try {
      // Ours as we paid it: read without the clock (an expired offer is still the one this payment is for).
      const offer = decodeOffer(r.offer, { nowSeconds: 0, chains: [this.#opts.chain] });
      const invoice = parseStaticInvoiceBytes(r.staticInvoice, { messagePathsTlv: this.#profile.staticInvoiceMessagePathsTlv }).value;
      return invoice ? { offer, invoice } : undefined;
    } catch {
      return undefined;
    }
  }

  #set(live: Live, change: Partial<AsyncPaymentState>): void {
    live.state = { ...live.state, ...change };
  }
}

/** The same payment in the same state (every field the same value: states are replaced, never changed in place). */
function sameLive(a: Live | undefined, b: Live): boolean {
  if (!a) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Live>;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
