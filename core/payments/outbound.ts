/**
 * OutboundPayments: paying BOLT 11 and BOLT 12 invoices, sans-I/O. `pay` checks the invoice as a
 * payer must, finds routes with core/routing over the graph and our channels, splits the amount
 * into parts (`basic_mpp`) when one route cannot carry it, and returns "add this HTLC" actions with
 * each part's onion. The channel's answers come back as inputs: the HTLC id, a fulfill (the
 * payment succeeded: the preimage is the proof), a fail — decoded with the part's shared secrets,
 * taught to the node's `FailureMemory`, and retried within the payment's limits and time once the
 * removal is irrevocably committed (`htlcResolved`: before that a reconnection could still turn it
 * into a fulfill). Every change is a write of the payment or part record; a restart rebuilds the
 * core from the store, and `reconcile` matches the parts with what the channels hold.
 */
import { equalBytes, fromHex, sha256, toHex, zeroize } from '../crypto';
import type { Bolt11Invoice, Bolt11Network } from '../invoices';
import { decodeBolt11, isBolt11Expired } from '../invoices';
import type { Invoice, InvoiceFields, StaticInvoice } from '../offers';
import { decodeBolt12String, encodeInvoice, parseInvoiceBytes, parseStaticInvoiceBytes, usablePathIndexes } from '../offers';
import type { PaymentRelay } from '../onion';
import { OnionError, blindedAmountToForward, blindedOutgoingCltv, forwardingFee } from '../onion';
import type { BlindedPathTarget, FirstHop, Route, RouteFailure, RouteHintHop } from '../routing';
import type { BlindedPath, BlindedPathHop } from '../wire';
import { AttemptMemory, FailureMemory, RoutingError, directionOf, findRoute } from '../routing';
import type { AsyncPaymentsProfile } from '../wire';
import { FeatureVector, formatShortChannelId } from '../wire';
import type { RouteInfo } from './events';
import { PaymentError } from './errors';
import type { FailureLesson } from './failures';
import { learnFromFailure, localFailure } from './failures';
import type { RouteFinal } from './onion-build';
import { buildPaymentOnion } from './onion-build';
import type { FailureUpdateChecker, OnionKeys, OurChannel, RouteSource } from './ports';
import type { PaymentsStep } from './step';
import { StepCollector } from './step';
import type { PaymentsReader } from './store';
import type { FailureInfo, PartRecord, PaymentRecord } from './types';

export type PayTarget =
  /** A decoded BOLT 11 invoice (core/invoices `decodeBolt11`: every reader rule passed). */
  | { readonly kind: 'bolt11'; readonly invoice: Bolt11Invoice }
  /** A BOLT 12 invoice that passed the payer's checks (core/offers: signature, request match). */
  | { readonly kind: 'bolt12'; readonly invoice: Invoice }
  /**
   * A static invoice (async payments, lightning/bolts#1149): the payer picked the preimage (kept in
   * the record from the start: it is ours) and the final hop carries the invoice_request; `hold`:
   * ask our peer (L1) to hold the HTLC until the recipient releases it (update_add_htlc `hold_htlc`).
   */
  | {
      readonly kind: 'async';
      readonly invoice: StaticInvoice;
      readonly preimage: Uint8Array;
      readonly invoiceRequest: Uint8Array;
      readonly amountMsat: bigint;
      readonly hold: boolean;
      /**
       * With `hold`: the peers that advertised htlc_hold (LDK's bit 153, the draft's 53). The first
       * hop must be a channel with one of them; with none, the payment fails at once
       * (`payments.no_holding_peer`), never asking a hold of a peer that does not do it.
       */
      readonly holders?: readonly Uint8Array[];
    };

export interface PayRequest {
  /** Idempotency key, 1–64 characters: paying the same id again returns the first payment. */
  readonly paymentId: string;
  readonly target: PayTarget;
  /** Required for an invoice without an amount; otherwise at most twice the invoice's (BOLT 4). */
  readonly amountMsat?: bigint;
  /** Most the routes may cost in fees. Default: the larger of 5,000 msat and 0.5 % of the amount. */
  readonly maxFeeMsat?: bigint;
  /** Largest CLTV delta of the first HTLC above the current height. Default 2016 (BOLT 4 max_htlc_cltv). */
  readonly maxCltvExpiryDelta?: number;
  /** No part is started after this long (ms). Default 60 s. */
  readonly timeoutMs?: number;
  /** Most parts in flight at once (1 without basic_mpp). Default 16. */
  readonly maxParts?: number;
}

export interface OutboundPolicy {
  readonly timeoutMs: number;
  /** Most parts started for one payment, retries included. */
  readonly maxAttempts: number;
  readonly maxParts: number;
  /** Parts are not split below this. */
  readonly minPartMsat: bigint;
  /** Default maximum fee: max(exempt, amount · ppm / 10^6). */
  readonly maxFeeExemptMsat: bigint;
  readonly maxFeePpm: bigint;
  readonly maxCltvExpiryDelta: number;
  /**
   * Blocks added to the recipient's final CLTV delta, so a block found while the HTLC travels does
   * not make it too close (BOLT 4 blinded writer: "if a random offset was added ... SHOULD add the offset").
   */
  readonly finalCltvOffset: number;
}

export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = {
  timeoutMs: 60_000,
  maxAttempts: 32,
  maxParts: 16,
  minPartMsat: 1_000n,
  maxFeeExemptMsat: 5_000n,
  maxFeePpm: 5_000n,
  maxCltvExpiryDelta: 2016,
  finalCltvOffset: 3,
};

export interface OutboundOptions {
  readonly store: PaymentsReader;
  readonly ourNodeId: Uint8Array;
  /** The network our BOLT 11 invoices must be for. */
  readonly network: Bolt11Network;
  readonly routes: RouteSource;
  /** Checks a failure's channel_update (the gossip layer). Without it, updates are not used. */
  readonly updates?: FailureUpdateChecker;
  readonly randomBytes: (length: number) => Uint8Array;
  /** What the node learned from failures (shared by every payment). */
  readonly memory?: FailureMemory;
  readonly policy?: Partial<OutboundPolicy>;
  /** The numbers of an async payment's final hop (invoice_request; core/wire async-payments.ts): default LDK's. */
  readonly asyncPayments?: AsyncPaymentsProfile;
  /** The current block height. */
  readonly height: number;
  /** Our node key's reader of a blinded hop: to pay over a BOLT 12 path we introduce ourselves. Without it such paths are not used. */
  readonly onion?: Pick<OnionKeys, 'blindedHop'>;
}

/**
 * A BOLT 12 payment path whose introduction node is us: our own hop read with our node key (BOLT 4
 * reader of `encrypted_recipient_data`), so the route is our one channel to the next node and the
 * onion carries only the hops after us.
 */
interface EnteredPath {
  /** How our hop's data names the next node: `short_channel_id` or `next_node_id`. */
  readonly next: { readonly kind: 'scid'; readonly shortChannelId: bigint } | { readonly kind: 'node'; readonly nodeId: Uint8Array };
  /** Our hop's `payment_relay`: what the path's creator counted for us in the aggregated payinfo. */
  readonly relay: PaymentRelay;
  /** The next `path_key` (update_add_htlc's `blinded_path`) and the hops after us. */
  readonly pathKey: Uint8Array;
  readonly hops: readonly BlindedPathHop[];
}

/** What a payment needs to build routes and onions, derived from its invoice (again after a restart). */
interface Plan {
  readonly mpp: boolean;
  readonly paymentHash: Uint8Array;
  /** BOLT 11 */
  readonly destination?: Uint8Array;
  readonly routeHints?: readonly (readonly RouteHintHop[])[];
  readonly finalCltvDelta?: number;
  readonly paymentSecret?: Uint8Array;
  readonly metadata?: Uint8Array;
  /** BOLT 12: usable paths with their index in the invoice. */
  readonly blinded?: readonly {
    readonly invoiceIndex: number;
    readonly target: BlindedPathTarget;
    readonly path: NonNullable<Invoice['invoice']['paths']>[number];
    /** Set when we introduce the path: our hop is read, the route starts after it. */
    readonly entered?: EnteredPath;
  }[];
  /** Async payments: the final hop's invoice_request and sender preimage, and whether our first hop holds the HTLC. */
  readonly async?: {
    readonly invoiceRequest: Uint8Array;
    readonly senderPreimage: Uint8Array;
    readonly hold: boolean;
    /** With `hold`, the first hop's possible peers; null: not restricted (a record from before they were kept). */
    readonly holders: readonly Uint8Array[] | null;
  };
}

interface Live {
  payment: PaymentRecord;
  readonly parts: Map<number, PartRecord>;
  readonly plan: Plan;
  readonly failedPaths: Set<number>;
  /** Most parts at once for this payment. */
  readonly maxParts: number;
  /** Set when no more parts are started (terminal failure, or limits). */
  stopped: FailureInfo | null;
  /** What this payment's failed parts taught its own retries (in memory: a restart starts it afresh, as the node's memory). */
  readonly lessons: AttemptMemory;
}

/** What a payment's planner tracks as parts are planned or started (`#split`). */
interface Split {
  /** Not yet in a part. */
  remaining: bigint;
  feeLeft: bigint;
  /** Parts in flight. */
  liveCount: number;
  /** Parts started, retries included. */
  attempts: number;
  /** What our channels carry that their balance does not show yet, by channel id. */
  readonly inFlight: Map<string, bigint>;
}

/** A part the planner started (or counted): the channel it left on, when it is one of ours, and its first HTLC's amount. */
interface Started {
  readonly channelId: string | null;
  readonly sentMsat: bigint;
}

const LIVE_PART: ReadonlySet<PartRecord['status']> = new Set(['adding', 'inflight', 'failing']);
const htlcKey = (channelId: string, htlcId: bigint): string => `${channelId}:${htlcId}`;

export class OutboundPayments {
  readonly #store: PaymentsReader;
  readonly #us: Uint8Array;
  readonly #asyncPayments: AsyncPaymentsProfile | undefined;
  readonly #network: Bolt11Network;
  readonly #routes: RouteSource;
  readonly #updates: FailureUpdateChecker | undefined;
  readonly #random: (length: number) => Uint8Array;
  readonly #policy: OutboundPolicy;
  readonly memory: FailureMemory;
  readonly #peel: PeelOwnHop | undefined;
  #height: number;
  /** Pending payments by id. */
  readonly #live = new Map<string, Live>();
  /** Our outgoing HTLCs → the part they carry. */
  readonly #byHtlc = new Map<string, { paymentId: string; partId: number }>();

  constructor(opts: OutboundOptions) {
    this.#store = opts.store;
    this.#us = opts.ourNodeId.slice();
    this.#network = opts.network;
    this.#routes = opts.routes;
    this.#updates = opts.updates;
    this.#random = opts.randomBytes;
    this.#policy = { ...DEFAULT_OUTBOUND_POLICY, ...opts.policy };
    this.memory = opts.memory ?? new FailureMemory();
    this.#height = opts.height;
    this.#asyncPayments = opts.asyncPayments;
    this.#peel = opts.onion ? peelOwnHop(opts.onion, this.#us) : undefined;
    // Rebuild from the store: every pending payment, and every final one with a part in flight, with its parts.
    for (const payment of this.#store.livePayments()) {
      const plan = planFromRecord(payment, this.#us, this.#policy, this.#peel);
      const live: Live = { payment, parts: new Map(), plan, failedPaths: new Set(), maxParts: plan.mpp ? this.#policy.maxParts : 1, stopped: payment.failure, lessons: new AttemptMemory() };
      for (const part of this.#store.partsOf(payment.paymentId)) {
        live.parts.set(part.partId, part);
        if (part.htlcId !== null && LIVE_PART.has(part.status)) this.#byHtlc.set(htlcKey(part.channelId, part.htlcId), { paymentId: payment.paymentId, partId: part.partId });
        if (part.status === 'failed' && part.blinded && part.failure?.fromRecipient && (part.blinded.blindedHops > 1 || part.blinded.entered === true)) {
          live.failedPaths.add(part.blinded.pathIndex);
        }
      }
      this.#live.set(payment.paymentId, live);
    }
  }

  get policy(): OutboundPolicy {
    return this.#policy;
  }

  setHeight(height: number): void {
    this.#height = height;
  }

  /** A payment by id: the live one, or what the store has. */
  getPayment(paymentId: string): PaymentRecord | undefined {
    return this.#live.get(paymentId)?.payment ?? this.#store.getPayment(paymentId);
  }

  /** Whether our outgoing HTLC `channelId`:`htlcId` carries a part of one of our payments. */
  owns(channelId: string, htlcId: bigint): boolean {
    return this.#byHtlc.has(htlcKey(channelId, htlcId));
  }

  /** Whether the part is ours and still waits for its HTLC id. */
  ownsPart(paymentId: string, partId: number): boolean {
    return this.#live.get(paymentId)?.parts.get(partId)?.status === 'adding';
  }

  // ----- pay ------------------------------------------------------------------------------------

  /**
   * Starts paying, or returns the payment already made under this id (idempotent: no new action).
   * Throws PaymentError before anything is written when the invoice cannot be paid as asked.
   */
  pay(req: PayRequest, nowMs: number): PaymentsStep<PaymentRecord> {
    const c = new StepCollector();
    if (typeof req.paymentId !== 'string' || req.paymentId.length === 0 || req.paymentId.length > 64) {
      throw new PaymentError('payments.bad_request', 'the payment id must be 1 to 64 characters');
    }
    const existing = this.getPayment(req.paymentId);
    if (existing) return c.finish(existing);

    const t = this.#checkTarget(req, nowMs);
    const hashHex = toHex(t.plan.paymentHash);
    // Idempotent per payment hash too: a second payment of an invoice that is paid, or being paid, is refused.
    const others = [...this.#store.paymentsByHash(hashHex), ...[...this.#live.values()].map((l) => l.payment).filter((p) => p.paymentHash === hashHex)];
    if (others.some((p) => p.status === 'succeeded')) throw new PaymentError('payments.already_paid', `payment hash ${hashHex} is already paid`, { paymentHash: hashHex });
    if (others.some((p) => p.status === 'pending')) throw new PaymentError('payments.in_progress', `payment hash ${hashHex} is being paid`, { paymentHash: hashHex });

    const maxFeeMsat = req.maxFeeMsat ?? maxBig(this.#policy.maxFeeExemptMsat, (t.amountMsat * this.#policy.maxFeePpm) / 1_000_000n);
    const maxCltv = req.maxCltvExpiryDelta ?? this.#policy.maxCltvExpiryDelta;
    if (maxFeeMsat < 0n) throw new PaymentError('payments.bad_request', 'the maximum fee cannot be negative');
    if (!Number.isInteger(maxCltv) || maxCltv <= 0) throw new PaymentError('payments.bad_request', 'the maximum CLTV delta must be a positive number of blocks');
    const timeoutMs = req.timeoutMs ?? this.#policy.timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new PaymentError('payments.bad_request', 'the timeout must be positive');

    const payment: PaymentRecord = {
      paymentId: req.paymentId,
      kind: req.target.kind,
      paymentHash: hashHex,
      destination: t.plan.destination ? toHex(t.plan.destination) : null,
      amountMsat: t.amountMsat,
      maxFeeMsat,
      maxCltvExpiryDelta: maxCltv,
      request: t.request,
      description: t.description,
      status: 'pending',
      createdAt: nowMs,
      deadline: nowMs + timeoutMs,
      completedAt: null,
      // Async: the preimage we picked, kept from the start (the payment's proof once the recipient claims it).
      preimage: t.preimage ?? null,
      feeMsat: null,
      failure: null,
      attempts: 0,
    };
    const maxParts = t.plan.mpp ? Math.max(1, req.maxParts ?? this.#policy.maxParts) : 1;
    const live: Live = { payment, parts: new Map(), plan: t.plan, failedPaths: new Set(), maxParts, stopped: null, lessons: new AttemptMemory() };
    this.#live.set(payment.paymentId, live);
    c.emit({
      type: 'payment.started', paymentId: payment.paymentId, paymentHash: hashHex, kind: payment.kind, destination: payment.destination,
      amountMsat: payment.amountMsat.toString(), maxFeeMsat: maxFeeMsat.toString(),
    });
    this.#progress(live, c, nowMs);
    return c.finish(live.payment);
  }

  #checkTarget(req: PayRequest, nowMs: number): { plan: Plan; amountMsat: bigint; request: string; description: string | null; preimage?: string } {
    const nowSeconds = Math.floor(nowMs / 1000);
    if (req.amountMsat !== undefined && req.amountMsat <= 0n) throw new PaymentError('payments.bad_request', 'the amount must be above zero');
    if (req.target.kind === 'async') {
      const t = req.target;
      const f = t.invoice.invoice;
      // bolts#1149 static invoice reader: not after invoice_created_at + invoice_relative_expiry.
      if (f.createdAt !== undefined && Number(f.createdAt + (f.relativeExpiry ?? 7200n)) < nowSeconds) throw new PaymentError('payments.invoice_expired', 'the static invoice has expired');
      if (t.amountMsat <= 0n) throw new PaymentError('payments.bad_request', 'the amount must be above zero');
      const plan: Plan = { ...planForBolt12(f, sha256(t.preimage), this.#us, this.#policy, this.#peel), async: { invoiceRequest: t.invoiceRequest, senderPreimage: t.preimage, hold: t.hold, holders: t.hold ? (t.holders ?? []) : null } };
      if (plan.blinded!.length === 0) throw new PaymentError('payments.no_usable_path', 'none of the static invoice\'s blinded paths can be used');
      return { plan, amountMsat: t.amountMsat, request: asyncRequest(t), description: t.invoice.offer.description ?? null, preimage: toHex(t.preimage) };
    }
    if (req.target.kind === 'bolt11') {
      const inv = req.target.invoice;
      if (inv.network !== this.#network) throw new PaymentError('payments.wrong_network', `the invoice is for ${inv.network}, this node runs on ${this.#network}`);
      // BOLT 11 payer: "after the timestamp plus expiry has passed: SHOULD NOT attempt a payment".
      if (isBolt11Expired(inv, nowSeconds)) throw new PaymentError('payments.invoice_expired', 'the invoice has expired');
      if (equalBytes(inv.payeeNodeId, this.#us)) throw new PaymentError('payments.self_payment', 'the invoice is our own');
      const amountMsat = amountFor(inv.amountMsat, req.amountMsat);
      return { plan: planForBolt11(inv, this.#policy), amountMsat, request: inv.string, description: inv.description ?? null };
    }
    const inv = req.target.invoice;
    const f = inv.invoice;
    // BOLT 12 reader: "MUST reject the invoice if the current time ... is greater than invoice_created_at plus seconds_from_creation" (7200 by default).
    if (f.createdAt !== undefined && Number(f.createdAt + (f.relativeExpiry ?? 7200n)) < nowSeconds) {
      throw new PaymentError('payments.invoice_expired', 'the invoice has expired');
    }
    if (f.amount === undefined || f.paymentHash === undefined) throw new PaymentError('payments.bad_request', 'the invoice has no amount or payment hash');
    // BOLT 12: the invoice's amount is what the request asked (the offers payer checked it against the request).
    if (req.amountMsat !== undefined && req.amountMsat !== f.amount) throw new PaymentError('payments.amount_mismatch', `the invoice asks ${f.amount} msat, not ${req.amountMsat}`);
    const plan = planForBolt12(f, f.paymentHash, this.#us, this.#policy, this.#peel);
    if (plan.blinded!.length === 0) {
      throw new PaymentError('payments.no_usable_path', 'none of the invoice\'s blinded paths can be used (unknown features, an introduction node given by channel, or a path to ourselves)');
    }
    return { plan, amountMsat: f.amount, request: encodeInvoice(inv), description: inv.offer.description ?? null };
  }

  // ----- the channel's answers --------------------------------------------------------------------

  /** The add of a part went onto the channel as HTLC `htlcId`. */
  htlcAdded(paymentId: string, partId: number, channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const live = this.#live.get(paymentId);
    const part = live?.parts.get(partId);
    if (!live || !part || part.status !== 'adding') return c.finish(undefined);
    this.#putPart(live, { ...part, status: 'inflight', channelId, htlcId }, c);
    this.#byHtlc.set(htlcKey(channelId, htlcId), { paymentId, partId });
    void nowMs;
    return c.finish(undefined);
  }

  /** The channel refused the add (ChannelCommandError): the first channel cannot carry it now. */
  htlcAddFailed(paymentId: string, partId: number, code: string, message: string, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const live = this.#live.get(paymentId);
    const part = live?.parts.get(partId);
    if (!live || !part || part.status !== 'adding') return c.finish(undefined);
    this.#partFailed(live, part, localFailure(part, code, `our channel refused the HTLC: ${message}`, this.#us, false), c, nowMs);
    this.#progress(live, c, nowMs);
    return c.finish(undefined);
  }

  /** A reconnection forgot our add before it was committed (BOLT 2): the part never left. */
  htlcForgotten(channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const found = this.#find(channelId, htlcId);
    if (found) {
      this.#byHtlc.delete(htlcKey(channelId, htlcId));
      // The channel refused nothing: the connection dropped (BOLT 2: unacknowledged updates are forgotten). Blaming the
      // channel would make the retry avoid or split around a channel that can carry it once it is back.
      const lesson = localFailure(found.part, 'forgotten', 'the connection dropped before the HTLC was committed', this.#us, false);
      this.#partFailed(found.live, found.part, { ...lesson, penalties: [] }, c, nowMs);
      this.#progress(found.live, c, nowMs);
    }
    return c.finish(undefined);
  }

  /**
   * The peer fulfilled one of our HTLCs (update_fulfill_htlc, or the chain revealed it): the
   * payment succeeded. Stored at once (the preimage is our proof of payment).
   */
  htlcFulfilled(channelId: string, htlcId: bigint, preimage: Uint8Array, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const found = this.#find(channelId, htlcId);
    if (!found) return c.finish(undefined);
    const { live, part } = found;
    // BOLT 2: the preimage must hash to the HTLC's payment_hash (the channel checked it; so do we).
    if (!equalBytes(sha256(preimage), live.plan.paymentHash)) return c.finish(undefined);
    this.#byHtlc.delete(htlcKey(channelId, htlcId));
    this.#putPart(live, { ...part, status: 'succeeded', sessionKey: null, resolvedAt: nowMs }, c);
    this.memory.reportSuccess(this.#directedHops(part));
    const succeeded = [...live.parts.values()].filter((p) => p.status === 'succeeded');
    const feeMsat = succeeded.reduce((s, p) => s + p.feeMsat, 0n);
    const first = live.payment.status !== 'succeeded';
    live.payment = { ...live.payment, status: 'succeeded', preimage: toHex(preimage), feeMsat, completedAt: live.payment.completedAt ?? nowMs, failure: null };
    live.stopped = null;
    c.write({ kind: 'put_payment', payment: live.payment });
    if (first) {
      c.emit({
        type: 'payment.succeeded', paymentId: live.payment.paymentId, paymentHash: live.payment.paymentHash,
        amountMsat: live.payment.amountMsat.toString(), feeMsat: feeMsat.toString(), parts: succeeded.length,
      });
    }
    this.#retire(live);
    return c.finish(undefined);
  }

  /** The peer failed one of our HTLCs (not committed yet): kept until `htlcResolved`. */
  htlcFailReceived(channelId: string, htlcId: bigint, fail: { readonly reason: Uint8Array } | { readonly malformedCode: number }, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const found = this.#find(channelId, htlcId);
    if (!found || found.part.status !== 'inflight') return c.finish(undefined);
    const part: PartRecord = {
      ...found.part,
      status: 'failing',
      failReason: 'reason' in fail ? toHex(fail.reason) : null,
      failMalformedCode: 'malformedCode' in fail ? fail.malformedCode : null,
    };
    this.#putPart(found.live, part, c);
    void nowMs;
    return c.finish(undefined);
  }

  /** The removal of our HTLC is irrevocably committed: a failure is final now — learn and retry. */
  htlcResolved(channelId: string, htlcId: bigint, outcome: 'fulfilled' | 'failed', nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const found = this.#find(channelId, htlcId);
    if (!found || outcome !== 'failed') return c.finish(undefined);
    const { live, part } = found;
    this.#byHtlc.delete(htlcKey(channelId, htlcId));
    const lesson =
      part.failReason !== null || part.failMalformedCode !== null
        ? learnFromFailure(part, this.#updates, this.#us)
        : localFailure(part, 'unknown_failure', 'the HTLC was failed without a reason we kept', this.#us, false);
    this.#partFailed(live, part, lesson, c, nowMs);
    this.#progress(live, c, nowMs);
    return c.finish(undefined);
  }

  /** The chain settled our HTLC as timed out (the monitor's `htlc_failed`): the channel is gone. */
  htlcFailedOnChain(channelId: string, htlcId: bigint, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const found = this.#find(channelId, htlcId);
    if (!found) return c.finish(undefined);
    this.#byHtlc.delete(htlcKey(channelId, htlcId));
    this.#partFailed(found.live, found.part, localFailure(found.part, 'permanent_channel_failure', 'the channel closed and the HTLC timed out on chain', this.#us, true), c, nowMs);
    this.#progress(found.live, c, nowMs);
    return c.finish(undefined);
  }

  /** Time passes: a payment past its deadline starts nothing more and ends once nothing is in flight. */
  tick(nowMs: number): PaymentsStep {
    const c = new StepCollector();
    for (const live of [...this.#live.values()]) this.#progress(live, c, nowMs);
    return c.finish(undefined);
  }

  /**
   * After a restart, what one of our channels holds of the HTLCs we offered: the parts still
   * `adding` get their HTLC id (matched by hash, amount and expiry) or are failed (the add never
   * left); removals the peer sent are taken up; parts whose HTLC is gone are resolved.
   * `nextLocalHtlcId` is the channel's next id for an HTLC we offer: a part whose HTLC id is at or
   * above it was never written with the channel, so no commitment_signed of ours covered it.
   */
  reconcile(channelId: string, offered: readonly OfferedHtlc[], nowMs: number, nextLocalHtlcId?: bigint): PaymentsStep {
    const c = new StepCollector();
    const mine = new Set([...this.#byHtlc.entries()].filter(([k]) => k.startsWith(`${channelId}:`)).map(([k]) => k));
    for (const live of [...this.#live.values()]) {
      for (const part of [...live.parts.values()]) {
        if (part.channelId !== channelId || part.status !== 'adding') continue;
        const match = offered.find(
          (h) => !mine.has(htlcKey(channelId, h.id)) && h.paymentHash === live.payment.paymentHash && h.amountMsat === part.sentMsat && h.cltvExpiry === part.cltvExpiry,
        );
        if (match) {
          mine.add(htlcKey(channelId, match.id));
          this.#putPart(live, { ...part, status: 'inflight', htlcId: match.id }, c);
          this.#byHtlc.set(htlcKey(channelId, match.id), { paymentId: live.payment.paymentId, partId: part.partId });
        } else {
          // We stopped before adding it (a crash): the channel never refused anything, so nothing is
          // learned against it (a penalty would make the retry split or avoid a channel never tried).
          this.#partFailed(live, part, { ...localFailure(part, 'not_sent', 'the HTLC was never added to the channel', this.#us, false), penalties: [] }, c, nowMs);
        }
      }
    }
    for (const h of offered) {
      const key = htlcKey(channelId, h.id);
      if (!this.#byHtlc.has(key)) continue;
      if (h.removal?.kind === 'fulfill') this.#merge(c, this.htlcFulfilled(channelId, h.id, h.removal.preimage, nowMs));
      else if (h.removal?.kind === 'fail') this.#merge(c, this.htlcFailReceived(channelId, h.id, { reason: h.removal.reason }, nowMs));
      else if (h.removal?.kind === 'fail_malformed') this.#merge(c, this.htlcFailReceived(channelId, h.id, { malformedCode: h.removal.failureCode }, nowMs));
    }
    // Parts whose HTLC is no longer on the channel: the removal was committed while we were away.
    const present = new Set(offered.map((h) => htlcKey(channelId, h.id)));
    for (const [key, ref] of [...this.#byHtlc.entries()]) {
      if (!key.startsWith(`${channelId}:`) || present.has(key)) continue;
      const live = this.#live.get(ref.paymentId);
      const part = live?.parts.get(ref.partId);
      if (!live || !part) continue;
      if (part.status === 'failing') this.#merge(c, this.htlcResolved(channelId, part.htlcId!, 'failed', nowMs));
      else if (nextLocalHtlcId !== undefined && part.htlcId !== null && part.htlcId >= nextLocalHtlcId) {
        // The add left (update_add_htlc) but the channel was never written with it: we persist before
        // every commitment_signed, so none of ours covered it, and the peer forgot it on reconnection
        // (BOLT 2: "MUST reverse any uncommitted updates sent by the other side"). It never reached
        // the payee: failed as not sent, the payment may retry, and no channel is blamed.
        this.#byHtlc.delete(key);
        this.#partFailed(live, part, { ...localFailure(part, 'not_sent', 'the HTLC was sent but never committed before a restart', this.#us, false), penalties: [] }, c, nowMs);
      } else {
        // Gone without a fulfill or fail we kept: never retried (it may have been paid).
        this.#byHtlc.delete(key);
        live.stopped = { code: 'payments.lost_track', message: 'an HTLC of this payment left the channel without a result we kept' };
        this.#partFailed(live, part, { ...localFailure(part, 'unknown_resolution', 'the HTLC left the channel while we were away', this.#us, false), terminal: true, penalties: [] }, c, nowMs);
      }
    }
    for (const live of [...this.#live.values()]) this.#progress(live, c, nowMs);
    return c.finish(undefined);
  }

  // ----- internals --------------------------------------------------------------------------------

  #merge(c: StepCollector, s: PaymentsStep<unknown>): void {
    for (const w of s.writes) c.write(w);
    for (const a of s.actions) c.act(a);
    for (const e of s.events) c.emit(e);
  }

  #find(channelId: string, htlcId: bigint): { live: Live; part: PartRecord } | undefined {
    const ref = this.#byHtlc.get(htlcKey(channelId, htlcId));
    if (!ref) return undefined;
    const live = this.#live.get(ref.paymentId);
    const part = live?.parts.get(ref.partId);
    return live && part ? { live, part } : undefined;
  }

  #putPart(live: Live, part: PartRecord, c: StepCollector): void {
    live.parts.set(part.partId, part);
    c.write({ kind: 'put_part', part });
  }

  #directedHops(part: PartRecord): { shortChannelId: bigint; from: string; amountMsat: bigint }[] {
    return part.hops.map((h, i) => ({ shortChannelId: h.shortChannelId, from: i === 0 ? toHex(this.#us) : part.hops[i - 1]!.nodeId, amountMsat: h.amountMsat }));
  }

  /**
   * A channel lesson with the timestamp of the channel_update the graph holds for that direction now:
   * a newer one restores the channel (BOLT 4 "SHOULD restore the channels as it receives new channel_updates").
   */
  #dated(p: RouteFailure): RouteFailure {
    if ((p.kind !== 'channel' && p.kind !== 'disabled') || p.knownUpdate !== undefined) return p;
    const known = this.#updates?.policyTimestamp?.(p.shortChannelId, directionOf(p.from, p.to));
    return known === undefined ? p : { ...p, knownUpdate: known };
  }

  #partFailed(live: Live, part: PartRecord, lesson: FailureLesson, c: StepCollector, nowMs: number): void {
    this.#putPart(live, { ...part, status: 'failed', failure: lesson.failure, sessionKey: null, resolvedAt: nowMs }, c);
    for (const p of lesson.penalties) {
      const learned = this.#dated(p);
      this.memory.reportFailure(learned, nowMs);
      live.lessons.report(learned);
    }
    if (lesson.failedBlindedPath !== null) live.failedPaths.add(lesson.failedBlindedPath);
    if (lesson.terminal && !live.stopped) live.stopped = { code: 'payments.rejected', message: lesson.failure.message };
    // Async payments (lightning/bolts#1149): a held HTLC is tied to the release path its holder gave for it and to the one
    // release_held_htlc the recipient sends; a new HTLC would be held again with no release coming. A held part that fails
    // (failed back unreleased at the holder's deadline, or failed on after its release) ends the payment, saying which.
    if (live.plan.async?.hold && !live.stopped) live.stopped = asyncHoldFailure(part, lesson);
    const retry = live.payment.status === 'pending' && !live.stopped && nowMs < live.payment.deadline;
    c.emit({
      type: 'payment.part_failed', paymentId: live.payment.paymentId, partId: part.partId, code: lesson.failure.code, erringNode: lesson.failure.erringNode,
      hopIndex: lesson.failure.hopIndex, fromRecipient: lesson.failure.fromRecipient, message: lesson.failure.message, retry,
    });
  }

  /** Starts parts for what is not in flight yet, or ends the payment when nothing more can happen. */
  #progress(live: Live, c: StepCollector, nowMs: number): void {
    const p = live.payment;
    if (p.status !== 'pending') return this.#retire(live);
    let reason: FailureInfo | null = live.stopped;
    if (!reason && nowMs >= p.deadline) reason = { code: 'payments.timeout', message: `no part succeeded within ${p.deadline - p.createdAt} ms` };
    if (!reason && p.attempts >= this.#policy.maxAttempts) reason = { code: 'payments.too_many_attempts', message: `${p.attempts} parts were tried` };
    if (!reason) reason = this.#launch(live, c, nowMs);
    if ([...live.parts.values()].some((x) => LIVE_PART.has(x.status))) {
      // Parts are in flight: a decision to stop is kept (and stored); "no route" for the rest waits for them.
      if (!live.stopped && reason && reason.code !== 'payments.no_route') live.stopped = reason;
      if (live.stopped && live.payment.failure === null) {
        live.payment = { ...live.payment, failure: live.stopped };
        c.write({ kind: 'put_payment', payment: live.payment });
      }
      return;
    }
    if (!reason) return;
    // Nothing in flight and nothing more to try: the payment failed.
    const failure = live.stopped ?? reason;
    live.payment = { ...live.payment, status: 'failed', failure, completedAt: nowMs };
    c.write({ kind: 'put_payment', payment: live.payment });
    c.emit({ type: 'payment.failed', paymentId: p.paymentId, paymentHash: p.paymentHash, code: failure.code, message: failure.message });
    this.#retire(live);
  }

  /** Forgets a payment that is final and has nothing in flight. */
  #retire(live: Live): void {
    if (live.payment.status === 'pending') return;
    if ([...live.parts.values()].some((x) => LIVE_PART.has(x.status))) return;
    this.#live.delete(live.payment.paymentId);
  }

  /**
   * Routes what is not yet in flight, splitting it in halves while no single route carries it
   * (BOLT 4 basic_mpp writer: "MUST NOT send another HTLC if the total amt_to_forward of the HTLC set
   * is already greater or equal to total_msat"). Returns why nothing more was started, or null.
   */
  #launch(live: Live, c: StepCollector, nowMs: number): FailureInfo | null {
    const p = live.payment;
    const parts = [...live.parts.values()];
    const counted = parts.filter((x) => LIVE_PART.has(x.status) || x.status === 'succeeded');
    const remaining = p.amountMsat - counted.reduce((s, x) => s + x.amountMsat, 0n);
    if (remaining <= 0n) return null;
    // Parts handed to a channel in this step (or before their add was confirmed) are not in its balance yet.
    const pending = new Map<string, bigint>();
    for (const x of parts) if (x.status === 'adding') pending.set(x.channelId, (pending.get(x.channelId) ?? 0n) + x.sentMsat);
    let channels = this.#routes.channels().filter((ch) => ch.active);
    // lightning/bolts#1149 (LDK 0.2 `hold_htlc_channels`): an HTLC with hold_htlc goes only to a channel peer that
    // advertised htlc_hold; with none, the payment ends now rather than asking a hold of a peer that does not do it.
    const holders = live.plan.async?.hold ? live.plan.async.holders : null;
    if (holders !== null) {
      channels = channels.filter((ch) => holders.some((h) => equalBytes(h, ch.peerNodeId)));
      if (channels.length === 0) {
        return { code: 'payments.no_holding_peer', message: 'no active channel to a peer that holds HTLCs (feature htlc_hold): the held HTLC has nowhere to go' };
      }
    }
    const split: Split = {
      remaining, feeLeft: p.maxFeeMsat - counted.reduce((s, x) => s + x.feeMsat, 0n),
      liveCount: parts.filter((x) => LIVE_PART.has(x.status)).length, attempts: p.attempts, inFlight: pending,
    };
    const feeBefore = split.feeLeft;
    const start = (route: Route, invoiceIndex: number | null): Started | null => {
      const sent = this.#startPart(live, route, invoiceIndex, c, nowMs);
      return sent ? { channelId: sent.channelId, sentMsat: sent.sentMsat } : null;
    };
    const { started, lastError } = this.#split(live, split, channels, nowMs, start, true);
    if (split.remaining <= 0n) return null;
    const dust = this.#dustNote(live);
    if (started > 0) return { code: 'payments.no_route', message: `no route for the last ${split.remaining} msat: ${lastError}${dust}` };
    return { code: 'payments.no_route', message: `no route for ${split.remaining} msat within a fee of ${feeBefore} msat: ${lastError}${dust}` };
  }

  /** What the payment's failure says of the dust parts its channels refused, if any. */
  #dustNote(live: Live): string {
    const floors = [...live.lessons.dustFloors.values()];
    if (floors.length === 0) return '';
    const most = floors.reduce((a, b) => (a > b ? a : b));
    return `; parts of ${most} msat or less are not sent again where our channel refused them for dust exposure (max_dust_htlc_exposure_msat)`;
  }

  /**
   * The one planner of a payment's parts, by halving: the amount left goes whole over one route if one
   * carries it, else the largest half that has a route goes first and the rest is planned again, within
   * the part and attempt limits. `start` sends a part (or, in a dry run, only counts it); it returns null
   * when the route cannot become a part (an onion too large), and that amount is halved in turn.
   * `allOrNothing`: when the whole amount has no route and nothing has started, a dry run must first find
   * routes for every part: a set short of total_msat is held by the payee until its MPP timeout (BOLT 4:
   * 60 s) fails it, locking our liquidity and the payee's for a payment that cannot succeed — as LDK's
   * router returns every path of a multi-path payment or none. `s` is updated as parts start.
   */
  #split(
    live: Live, s: Split, channels: readonly OurChannel[], nowMs: number, start: (route: Route, invoiceIndex: number | null) => Started | null, allOrNothing: boolean,
  ): { started: number; lastError: string } {
    let amount = s.remaining;
    let lastError = 'no route';
    let started = 0;
    while (s.remaining > 0n && s.liveCount < live.maxParts && s.attempts < this.#policy.maxAttempts) {
      const firstHops: FirstHop[] = channels.map((ch) => ({
        shortChannelId: ch.shortChannelId,
        peerNodeId: ch.peerNodeId,
        outboundMsat: maxBig(0n, ch.outboundMsat - (s.inFlight.get(ch.channelId) ?? 0n)),
        htlcMinimumMsat: ch.htlcMinimumMsat,
      }));
      const found = this.#findRoute(live, amount, s.feeLeft, firstHops, nowMs);
      if ('route' in found) {
        const sent = start(found.route, found.invoiceIndex);
        if (sent) {
          if (sent.channelId !== null) s.inFlight.set(sent.channelId, (s.inFlight.get(sent.channelId) ?? 0n) + sent.sentMsat);
          s.remaining -= amount;
          s.feeLeft -= found.route.totalFeeMsat;
          s.liveCount++;
          s.attempts++;
          started++;
          amount = s.remaining;
          continue;
        }
        lastError = 'the route does not fit in an onion';
      } else {
        lastError = found.error;
        if (allOrNothing && live.plan.mpp && started === 0 && amount === s.remaining && !this.#splittable(live, s, channels, nowMs)) {
          lastError = `${lastError}; no split of ${s.remaining} msat within ${live.maxParts - s.liveCount} part(s) has routes now`;
          break;
        }
      }
      if (!live.plan.mpp) break;
      const half = (amount + 1n) / 2n;
      if (half < this.#policy.minPartMsat || half >= amount) break;
      amount = half;
    }
    return { started, lastError };
  }

  /** Whether what `s` leaves splits over the routes known now within the limits: `#split` as a dry run (nothing started or written). */
  #splittable(live: Live, s: Split, channels: readonly OurChannel[], nowMs: number): boolean {
    const dry: Split = { ...s, inFlight: new Map(s.inFlight) };
    const count = (route: Route): Started => {
      const first = route.hops[0]!;
      const channel = channels.find((ch) => ch.shortChannelId === first.shortChannelId && equalBytes(ch.peerNodeId, first.nodeId));
      return { channelId: channel?.channelId ?? null, sentMsat: route.totalAmountMsat };
    };
    this.#split(live, dry, channels, nowMs, count, false);
    return dry.remaining <= 0n;
  }

  #findRoute(live: Live, amountMsat: bigint, feeLeft: bigint, firstHops: FirstHop[], nowMs: number): { route: Route; invoiceIndex: number | null } | { error: string } {
    const plan = live.plan;
    if (feeLeft < 0n) return { error: 'the fee budget is spent' };
    const usable = (plan.blinded ?? []).filter((b) => !live.failedPaths.has(b.invoiceIndex));
    if (plan.blinded && usable.length === 0) return { error: 'every blinded path failed' };
    let enteredError: string | null = null;
    for (const b of usable) {
      if (!b.entered) continue;
      const r = this.#enteredRoute(b.entered, b.target, amountMsat, feeLeft, firstHops, live.payment.maxCltvExpiryDelta);
      if ('route' in r) return { route: r.route, invoiceIndex: b.invoiceIndex };
      enteredError = r.error;
    }
    const blinded = usable.filter((b) => !b.entered);
    if (plan.blinded && blinded.length === 0) return { error: enteredError ?? 'every blinded path failed' };
    try {
      const route = findRoute({
        graph: this.#routes.graph(),
        source: this.#us,
        amountMsat,
        maxFeeMsat: feeLeft,
        maxTotalCltvExpiryDelta: live.payment.maxCltvExpiryDelta,
        firstHops,
        // This payment's own lessons are hard; the node's are soft and restored by newer channel_updates.
        penalties: live.lessons.over(this.memory.penalties(nowMs, this.#updates)),
        ...(plan.destination ? { destination: plan.destination, finalCltvExpiryDelta: plan.finalCltvDelta!, routeHints: plan.routeHints ?? [] } : {}),
        ...(plan.blinded ? { blindedPaths: blinded.map((b) => b.target) } : {}),
      });
      const invoiceIndex = route.blindedTail ? blinded[route.blindedTail.pathIndex]!.invoiceIndex : null;
      return { route, invoiceIndex };
    } catch (e) {
      if (e instanceof RoutingError) return { error: e.message };
      throw e;
    }
  }

  /**
   * The route over a path we introduce: our hop forwards as its `payment_relay` says (BOLT 4 reader,
   * blinded non-final node: "MUST use values from payment_relay to calculate amt_to_forward and
   * outgoing_cltv_value"), from what the aggregated payinfo asks to enter the path; the one channel
   * is the one our hop's data names, to the next node.
   */
  #enteredRoute(
    e: EnteredPath, target: BlindedPathTarget, amountMsat: bigint, feeLeft: bigint, firstHops: readonly FirstHop[], maxCltv: number,
  ): { route: Route } | { error: string } {
    const pi = target.payInfo;
    const intoPath = amountMsat + forwardingFee(amountMsat, pi.feeBaseMsat, pi.feeProportionalMillionths);
    if (amountMsat < pi.htlcMinimumMsat || intoPath > pi.htlcMaximumMsat) return { error: 'the amount is outside the blinded path\'s limits' };
    if (intoPath < BigInt(e.relay.feeBaseMsat)) return { error: 'the blinded path\'s payinfo does not cover our own hop' };
    const out = blindedAmountToForward(intoPath, e.relay);
    const cltv = blindedOutgoingCltv(pi.cltvExpiryDelta, e.relay);
    const fee = out - amountMsat;
    if (fee > feeLeft) return { error: `the blinded path after us costs ${fee} msat, more than the ${feeLeft} msat left` };
    if (cltv > maxCltv) return { error: `the blinded path needs a CLTV delta of ${cltv}, above ${maxCltv}` };
    const channel = this.#enteredChannel(e, firstHops, out);
    if (typeof channel === 'string') return { error: channel };
    const hop = { nodeId: channel.peerNodeId, shortChannelId: channel.shortChannelId, amountMsat: out, cltvExpiryDelta: cltv, feeMsat: 0n, source: 'first_hop' as const };
    return {
      route: {
        hops: [hop], amountMsat, totalAmountMsat: out, totalFeeMsat: fee, totalCltvExpiryDelta: cltv,
        blindedTail: { pathIndex: 0, introductionNodeId: this.#us, feeMsat: fee, cltvExpiryDelta: cltv }, cost: fee,
      },
    };
  }

  /** Our channel to the node after us in a path we introduce, able to carry `amountMsat` now, or why there is none. */
  #enteredChannel(e: EnteredPath, firstHops: readonly FirstHop[], amountMsat: bigint): OurChannel | string {
    const channels = this.#routes.channels().filter((ch) => ch.active);
    const next = e.next;
    const candidates =
      next.kind === 'scid'
        ? channels.filter((ch) => ch.shortChannelId === next.shortChannelId || ch.knownAs?.includes(next.shortChannelId) === true)
        : channels.filter((ch) => equalBytes(ch.peerNodeId, next.nodeId));
    if (candidates.length === 0) {
      return next.kind === 'scid'
        ? `the blinded path we introduce goes on over channel ${formatShortChannelId(next.shortChannelId)}, which is not an active channel of ours`
        : 'the blinded path we introduce goes on to a node we have no active channel with';
    }
    const fits = candidates.find((ch) => {
      const fh = firstHops.find((h) => h.shortChannelId === ch.shortChannelId && equalBytes(h.peerNodeId, ch.peerNodeId));
      return fh !== undefined && fh.outboundMsat >= amountMsat && amountMsat >= (fh.htlcMinimumMsat ?? 0n);
    });
    return fits ?? `our channel to the node after us cannot carry ${amountMsat} msat now`;
  }

  /** Builds the part's onion and hands its HTLC to the first channel. Null if the onion cannot be built. */
  #startPart(live: Live, route: Route, invoiceIndex: number | null, c: StepCollector, nowMs: number): PartRecord | null {
    const plan = live.plan;
    const channel = this.#routes.channels().find((ch) => ch.shortChannelId === route.hops[0]!.shortChannelId && equalBytes(ch.peerNodeId, route.hops[0]!.nodeId));
    if (!channel) return null;
    const height = this.#height;
    const entry = invoiceIndex === null ? undefined : plan.blinded!.find((b) => b.invoiceIndex === invoiceIndex)!;
    const entered = entry?.entered;
    // A path we introduce: what follows our hop, its first node reached over the route's one channel.
    const path: BlindedPath | undefined = entered
      ? { firstNodeId: { kind: 'node_id', nodeId: route.hops[0]!.nodeId }, firstPathKey: entered.pathKey, hops: entered.hops }
      : entry?.path;
    const final: RouteFinal =
      invoiceIndex === null
        ? { kind: 'clear', paymentSecret: plan.paymentSecret ?? null, totalMsat: live.payment.amountMsat, paymentMetadata: plan.metadata ?? null }
        : {
            kind: 'blinded',
            path: path!,
            ...(entered ? { entered: true } : {}),
            totalMsat: live.payment.amountMsat,
            finalCltvValue: height + this.#policy.finalCltvOffset,
            ...(plan.async ? { asyncFinal: { invoiceRequest: plan.async.invoiceRequest, senderPreimage: plan.async.senderPreimage } } : {}),
            ...(plan.async && this.#asyncPayments ? { asyncPayments: this.#asyncPayments } : {}),
          };
    const sessionKey = this.#random(32);
    let built: ReturnType<typeof buildPaymentOnion>;
    try {
      built = buildPaymentOnion({ route, height, paymentHash: plan.paymentHash, sessionKey, final });
    } catch (e) {
      zeroize(sessionKey);
      if (e instanceof OnionError) return null;
      throw e;
    }
    const partId = live.payment.attempts;
    const part: PartRecord = {
      paymentId: live.payment.paymentId,
      partId,
      status: 'adding',
      channelId: channel.channelId,
      htlcId: null,
      amountMsat: route.amountMsat,
      sentMsat: route.totalAmountMsat,
      feeMsat: route.totalFeeMsat,
      cltvExpiry: built.cltvExpiry,
      hops: route.hops.map((h) => ({ nodeId: toHex(h.nodeId), shortChannelId: h.shortChannelId, amountMsat: h.amountMsat, cltvExpiry: height + h.cltvExpiryDelta, feeMsat: h.feeMsat })),
      blinded: route.blindedTail && entry
        ? { pathIndex: entry.invoiceIndex, feeMsat: route.blindedTail.feeMsat, blindedHops: path!.hops.length, ...(entered ? { entered: true } : {}) }
        : null,
      onionNodeIds: built.nodeIds.map((n) => toHex(n)),
      sessionKey: toHex(sessionKey),
      failReason: null,
      failMalformedCode: null,
      failure: null,
      createdAt: nowMs,
      resolvedAt: null,
    };
    zeroize(sessionKey);
    live.payment = { ...live.payment, attempts: live.payment.attempts + 1 };
    c.write({ kind: 'put_payment', payment: live.payment });
    this.#putPart(live, part, c);
    c.act({
      kind: 'add_htlc', ref: { kind: 'payment', paymentId: part.paymentId, partId }, channelId: channel.channelId,
      // BOLT 4 reader of encrypted_recipient_data: "MUST forward the onion and include the next path_key in the lightning message for the next node".
      amountMsat: built.amountMsat, cltvExpiry: built.cltvExpiry, paymentHash: plan.paymentHash, onion: built.packet, pathKey: entered ? entered.pathKey : null,
      ...(plan.async?.hold ? { holdHtlc: true } : {}),
    });
    c.emit({
      type: 'payment.part_sent', paymentId: part.paymentId, partId, channelId: channel.channelId, amountMsat: part.amountMsat.toString(),
      feeMsat: part.feeMsat.toString(), route: routeInfo(part),
    });
    return part;
  }
}

/** One HTLC we offered on a channel, as the channel state holds it (for `reconcile`). */
export interface OfferedHtlc {
  readonly id: bigint;
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  /** A removal the peer sent and that is not committed yet. Secret: a fulfill's preimage. */
  readonly removal:
    | { readonly kind: 'fulfill'; readonly preimage: Uint8Array }
    | { readonly kind: 'fail'; readonly reason: Uint8Array }
    | { readonly kind: 'fail_malformed'; readonly failureCode: number; readonly sha256OfOnion: Uint8Array }
    | null;
}

export function routeInfo(part: PartRecord): RouteInfo {
  return {
    nodes: part.hops.map((h) => h.nodeId),
    channels: part.hops.map((h) => formatShortChannelId(h.shortChannelId)),
    blindedHops: part.blinded ? part.blinded.blindedHops : null,
  };
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** BOLT 11 / BOLT 4: the amount to send for an invoice amount and the caller's. */
function amountFor(invoiceMsat: bigint | undefined, requested: bigint | undefined): bigint {
  if (invoiceMsat === undefined) {
    if (requested === undefined) throw new PaymentError('payments.bad_request', 'the invoice names no amount: give one');
    return requested;
  }
  if (requested === undefined) return invoiceMsat;
  // BOLT 4 basic_mpp writer: total_msat "at least that amount, and less than or equal to twice amount".
  if (requested < invoiceMsat || requested > invoiceMsat * 2n) {
    throw new PaymentError('payments.amount_mismatch', `the invoice asks ${invoiceMsat} msat; ${requested} is not between it and twice it`);
  }
  return requested;
}

function planForBolt11(inv: Bolt11Invoice, policy: OutboundPolicy): Plan {
  return {
    // BOLT 4 basic_mpp writer: "if the invoice offers the basic_mpp feature: MAY send more than one HTLC".
    mpp: inv.features.has('basic_mpp'),
    paymentHash: inv.paymentHash,
    destination: inv.payeeNodeId,
    // BOLT 11 payer: "MAY use the sequence of channels, specified by the r field, to route to the payee."
    routeHints: inv.routeHints.map((hint) =>
      hint.map((h) => ({
        nodeId: h.pubkey, shortChannelId: h.shortChannelId, feeBaseMsat: BigInt(h.feeBaseMsat),
        feeProportionalMillionths: BigInt(h.feeProportionalMillionths), cltvExpiryDelta: h.cltvExpiryDelta,
      })),
    ),
    // BOLT 11: "if the c field is not provided: MUST use an expiry delta of at least 18" (decodeBolt11 applies 18).
    finalCltvDelta: inv.minFinalCltvExpiryDelta + policy.finalCltvOffset,
    paymentSecret: inv.paymentSecret,
    ...(inv.metadata ? { metadata: inv.metadata } : {}),
  };
}

/** BOLT 12 invoice feature bits 16/17: "MPP/compulsory" and "MPP/optional". */
const BOLT12_MPP_BITS = [16, 17];

/** Reads our own hops at the start of a path we introduce; null if the path is not usable that way. */
type PeelOwnHop = (path: BlindedPath) => EnteredPath | null;

/**
 * BOLT 4 reader of `encrypted_recipient_data`, as the path's introduction node that is also its
 * payer: decrypt our hop and take the next path key. A path that ends at us (a payment to ourselves),
 * whose hop for us has no `payment_relay` or no next hop or forwards to ourselves again, or that does
 * not decrypt, is not used.
 */
function peelOwnHop(onion: Pick<OnionKeys, 'blindedHop'>, us: Uint8Array): PeelOwnHop {
  return (path) => {
    const [own, ...after] = path.hops;
    if (!own || after.length === 0) return null;
    let read: ReturnType<OnionKeys['blindedHop']>;
    try {
      read = onion.blindedHop(path.firstPathKey, own.encryptedRecipientData);
    } catch (e) {
      if (e instanceof OnionError) return null;
      throw e;
    }
    const d = read.data;
    // BOLT 4 reader, non-final blinded node: "MUST return an error if payment_relay is missing" (path_id is the final node's).
    if (d.pathId !== undefined || d.paymentRelay === undefined) return null;
    if (d.nextNodeId !== undefined && equalBytes(d.nextNodeId, us)) return null;
    const next = d.shortChannelId !== undefined
      ? { kind: 'scid' as const, shortChannelId: d.shortChannelId }
      : d.nextNodeId !== undefined ? { kind: 'node' as const, nodeId: d.nextNodeId } : null;
    return next ? { next, relay: d.paymentRelay, pathKey: read.nextPathKey, hops: after } : null;
  };
}

function planForBolt12(f: InvoiceFields, paymentHash: Uint8Array, us: Uint8Array, policy: OutboundPolicy, peel?: PeelOwnHop): Plan {
  const features = FeatureVector.decode(f.features ?? new Uint8Array(0));
  const blinded: NonNullable<Plan['blinded']>[number][] = [];
  for (const i of usablePathIndexes(f)) {
    const path = f.paths?.[i];
    const pay = f.blindedPay?.[i];
    if (!path || !pay || path.hops.length === 0) continue;
    // An introduction node named by short_channel_id would need the graph to resolve it: not used here.
    if (path.firstNodeId.kind !== 'node_id') continue;
    const intro = path.firstNodeId.nodeId;
    const entered = equalBytes(intro, us) ? peel?.(path) : undefined;
    // Our own introduction: usable once our hop is read (with the node key), never otherwise.
    if (entered === null || (equalBytes(intro, us) && entered === undefined)) continue;
    blinded.push({
      invoiceIndex: i,
      path,
      target: {
        introductionNodeId: intro,
        payInfo: {
          feeBaseMsat: BigInt(pay.feeBaseMsat),
          feeProportionalMillionths: BigInt(pay.feeProportionalMillionths),
          cltvExpiryDelta: pay.cltvExpiryDelta + policy.finalCltvOffset,
          htlcMinimumMsat: pay.htlcMinimumMsat,
          htlcMaximumMsat: pay.htlcMaximumMsat,
        },
        blindedHops: path.hops.length,
      },
      ...(entered ? { entered } : {}),
    });
  }
  return {
    // BOLT 12 reader: "if invoice_features contains the MPP/optional bit: MAY pay the invoice via multiple
    // separate payments; otherwise: MUST NOT use multiple parts" (compulsory: MUST use several paths).
    mpp: BOLT12_MPP_BITS.some((b) => features.hasBit(b)),
    paymentHash,
    blinded,
  };
}

/** Why a held async payment stopped: the holder (our first hop) failed it back unreleased, or it failed elsewhere (after its release, or on chain). */
function asyncHoldFailure(part: PartRecord, lesson: FailureLesson): FailureInfo {
  const f = lesson.failure;
  const holder = part.hops[0]?.nodeId ?? null;
  if (f.erringNode !== null && f.erringNode === holder) {
    return { code: 'payments.async_hold_failed', message: `the HTLC held at ${holder} was failed back unreleased: the recipient did not release it in time (${f.message})` };
  }
  return { code: 'payments.async_hold_failed', message: `the held HTLC failed at ${f.erringNode ?? 'an unknown node'}: ${f.message}` };
}

/** The record's `request` of an async payment: the static invoice and our invoice_request (hex), and whether it is held. */
function asyncRequest(t: Extract<PayTarget, { kind: 'async' }>): string {
  return JSON.stringify({ staticInvoice: toHex(t.invoice.bytes), invoiceRequest: toHex(t.invoiceRequest), hold: t.hold, ...(t.hold ? { holders: (t.holders ?? []).map(toHex) } : {}) });
}

function planForAsync(p: PaymentRecord, us: Uint8Array, policy: OutboundPolicy, peel?: PeelOwnHop): Plan {
  const r = JSON.parse(p.request) as { staticInvoice: string; invoiceRequest: string; hold: boolean; holders?: string[] };
  const inv = parseStaticInvoiceBytes(fromHex(r.staticInvoice, 'static invoice')).value;
  if (!inv || p.preimage === null) throw new PaymentError('payments.bad_record', `payment ${p.paymentId}: its static invoice or preimage is missing`);
  const senderPreimage = fromHex(p.preimage, 'preimage');
  const holders = r.hold === true && Array.isArray(r.holders) ? r.holders.map((h) => fromHex(h, 'holder')) : null;
  return { ...planForBolt12(inv.invoice, sha256(senderPreimage), us, policy, peel), async: { invoiceRequest: fromHex(r.invoiceRequest, 'invoice request'), senderPreimage, hold: r.hold === true, holders } };
}

/** The plan of a stored payment (after a restart), from the invoice it kept. */
function planFromRecord(p: PaymentRecord, us: Uint8Array, policy: OutboundPolicy, peel?: PeelOwnHop): Plan {
  try {
    if (p.kind === 'bolt11') return planForBolt11(decodeBolt11(p.request), policy);
    if (p.kind === 'async') return planForAsync(p, us, policy, peel);
    const inv = parseInvoiceBytes(decodeBolt12String(p.request).bytes).value;
    if (!inv) throw new PaymentError('payments.bad_record', `payment ${p.paymentId}: its invoice does not parse`);
    return planForBolt12(inv.invoice, inv.invoice.paymentHash!, us, policy, peel);
  } catch (e) {
    if (e instanceof PaymentError) throw e;
    throw new PaymentError('payments.bad_record', `payment ${p.paymentId}: its invoice does not decode (${e instanceof Error ? e.message : String(e)})`);
  }
}

