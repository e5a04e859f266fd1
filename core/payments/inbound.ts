/**
 * InboundPayments: being paid, sans-I/O. It issues BOLT 11 invoices (payment hash, secret and
 * preimage, amount or any, `min_final_cltv_expiry_delta`, expiry — stored), and judges each HTLC
 * whose onion says we are the final node by the BOLT 4 reader rules, collecting the parts of a
 * multi-part payment until `total_msat` has arrived (or failing them with `mpp_timeout`). BOLT 12
 * payments are judged from their blinded path alone: the `path_id` carries the payment's context,
 * authenticated by the offers layer (the `Bolt12Payee` port), so an unpaid BOLT 12 invoice is not
 * stored anywhere. A claim is a write (the preimage, the HTLCs, "paid") in the same step as the
 * fulfills, and the adapter persists a step's writes before it carries out its actions.
 */
import { equalBytes, fromHex, sha256, toHex } from '../crypto';
import type { Bolt11Invoice, Bolt11Network, RouteHintHop as Bolt11RouteHint } from '../invoices';
import { buildBolt11Invoice } from '../invoices';
import type { PaymentHopAction } from '../onion';
import { PaymentError } from './errors';
import type { IncomingRef, Refusal } from './htlc-failures';
import { failIncoming } from './htlc-failures';
import type { Bolt11Signer, Bolt12Payee } from './ports';
import type { PaymentsStep } from './step';
import { StepCollector } from './step';
import type { PaymentsReader } from './store';
import type { BlindedRole, InvoiceRecord, PaymentKind, ReceivedRecord } from './types';

export interface InboundPolicy {
  /** BOLT 4 basic_mpp: "MUST fail all HTLCs in the HTLC set after some reasonable timeout. SHOULD wait for at least 60 seconds". */
  readonly mppTimeoutMs: number;
  /** BOLT 11 `x` default. */
  readonly expirySeconds: number;
  /** BOLT 11 `c`; BOLT 2 `cltv_expiry_delta` Selection: "the minimum cltv_expiry accepted for terminal payments ... 18". */
  readonly minFinalCltvExpiryDelta: number;
  /** Most HTLCs in one payment's set (a bound against a sender that splits into dust). */
  readonly maxPartsPerPayment: number;
  /** Most payments being collected at once. */
  readonly maxPendingPayments: number;
}

export const DEFAULT_INBOUND_POLICY: InboundPolicy = {
  mppTimeoutMs: 60_000,
  expirySeconds: 3600,
  minFinalCltvExpiryDelta: 18,
  maxPartsPerPayment: 64,
  maxPendingPayments: 1_000,
};

export interface InboundOptions {
  readonly store: PaymentsReader;
  readonly network: Bolt11Network;
  readonly sign: Bolt11Signer;
  readonly randomBytes: (length: number) => Uint8Array;
  /** The offers layer's check of our BOLT 12 payment paths. Without it, no BOLT 12 payment is accepted. */
  readonly bolt12?: Bolt12Payee;
  readonly policy?: Partial<InboundPolicy>;
  readonly height: number;
}

export interface CreateInvoiceParams {
  /** Omitted: any amount. */
  readonly amountMsat?: bigint;
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  readonly expirySeconds?: number;
  readonly minFinalCltvExpiryDelta?: number;
  /** BOLT 11 writer: "if there is NOT a public channel associated with its public key: MUST include at least one r field". */
  readonly routeHints?: readonly (readonly Bolt11RouteHint[])[];
}

/** An incoming HTLC, irrevocably committed, whose onion we peeled. */
export interface IncomingHtlc extends IncomingRef {
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly paymentHash: Uint8Array;
}

type FinalHop = Extract<PaymentHopAction, { kind: 'receive' } | { kind: 'blinded_receive' }>;

interface Part {
  readonly htlc: IncomingHtlc;
  readonly amtToForward: bigint;
  readonly role: BlindedRole;
  /** Secret: our layer's shared secret, to return a failure. */
  readonly sharedSecret: Uint8Array;
}

/** The HTLCs of one payment collected so far (BOLT 4 "HTLC set"). */
interface HtlcSet {
  readonly paymentHash: string;
  readonly kind: PaymentKind;
  readonly totalMsat: bigint;
  readonly invoiceAmountMsat: bigint | null;
  readonly offerId: string | null;
  /** Secret. */
  readonly preimage: Uint8Array;
  readonly parts: Part[];
  readonly firstAt: number;
}

export class InboundPayments {
  readonly #store: PaymentsReader;
  readonly #network: Bolt11Network;
  readonly #sign: Bolt11Signer;
  readonly #random: (length: number) => Uint8Array;
  readonly #bolt12: Bolt12Payee | undefined;
  readonly #policy: InboundPolicy;
  #height: number;
  readonly #sets = new Map<string, HtlcSet>();

  constructor(opts: InboundOptions) {
    this.#store = opts.store;
    this.#network = opts.network;
    this.#sign = opts.sign;
    this.#random = opts.randomBytes;
    this.#bolt12 = opts.bolt12;
    this.#policy = { ...DEFAULT_INBOUND_POLICY, ...opts.policy };
    this.#height = opts.height;
  }

  get policy(): InboundPolicy {
    return this.#policy;
  }

  setHeight(height: number): void {
    this.#height = height;
  }

  /** Payments whose parts are being collected (hash hex → received so far / total). */
  pending(): { paymentHash: string; receivedMsat: bigint; totalMsat: bigint; parts: number }[] {
    return [...this.#sets.values()].map((s) => ({ paymentHash: s.paymentHash, receivedMsat: sum(s.parts), totalMsat: s.totalMsat, parts: s.parts.length }));
  }

  // ----- invoices --------------------------------------------------------------------------------

  /**
   * Issues a BOLT 11 invoice: a fresh preimage (its SHA256 is `p`), a fresh `payment_secret`,
   * basic_mpp optional; stored before it is returned (the adapter persists the write first).
   */
  createInvoice(params: CreateInvoiceParams, nowMs: number): PaymentsStep<{ record: InvoiceRecord; invoice: Bolt11Invoice }> {
    const c = new StepCollector();
    if (params.amountMsat !== undefined && params.amountMsat <= 0n) throw new PaymentError('payments.bad_request', 'the amount must be above zero (omit it for any amount)');
    const expirySeconds = params.expirySeconds ?? this.#policy.expirySeconds;
    const minFinal = params.minFinalCltvExpiryDelta ?? this.#policy.minFinalCltvExpiryDelta;
    if (!Number.isInteger(expirySeconds) || expirySeconds <= 0) throw new PaymentError('payments.bad_request', 'the expiry must be a positive number of seconds');
    if (!Number.isInteger(minFinal) || minFinal < 1 || minFinal > 0xffff) throw new PaymentError('payments.bad_request', 'min_final_cltv_expiry_delta must be 1 to 65535 blocks');
    const preimage = this.#random(32);
    const paymentSecret = this.#random(32);
    const paymentHash = sha256(preimage);
    if (this.#store.getInvoice(toHex(paymentHash))) throw new PaymentError('payments.invoice_exists', 'an invoice for this payment hash exists');
    const timestamp = Math.floor(nowMs / 1000);
    const invoice = this.#sign(
      buildBolt11Invoice({
        network: this.#network,
        timestamp,
        paymentHash,
        paymentSecret,
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.descriptionHash !== undefined ? { descriptionHash: params.descriptionHash } : {}),
        ...(params.description === undefined && params.descriptionHash === undefined ? { description: '' } : {}),
        ...(params.amountMsat !== undefined ? { amountMsat: params.amountMsat } : {}),
        expirySeconds,
        minFinalCltvExpiryDelta: minFinal,
        ...(params.routeHints ? { routeHints: params.routeHints } : {}),
        basicMpp: true,
      }),
    );
    const record: InvoiceRecord = {
      paymentHash: toHex(paymentHash),
      preimage: toHex(preimage),
      paymentSecret: toHex(paymentSecret),
      bolt11: invoice.string,
      amountMsat: params.amountMsat ?? null,
      description: params.description ?? (params.descriptionHash === undefined ? '' : null),
      descriptionHash: params.descriptionHash ? toHex(params.descriptionHash) : null,
      createdAt: timestamp,
      expiresAt: timestamp + expirySeconds,
      minFinalCltvExpiryDelta: minFinal,
      status: 'unpaid',
      paidMsat: null,
      paidAt: null,
    };
    c.write({ kind: 'put_invoice', invoice: record });
    c.emit({ type: 'payment.invoice_created', paymentHash: record.paymentHash, amountMsat: record.amountMsat?.toString() ?? null, expiresAt: record.expiresAt });
    return c.finish({ record, invoice });
  }

  // ----- HTLCs for us -----------------------------------------------------------------------------

  /** Whether this incoming HTLC is part of a payment we claimed (after a restart: fulfill it again). */
  claimOf(channelId: string, htlcId: bigint, paymentHash: Uint8Array): ReceivedRecord | undefined {
    const r = this.#store.getReceived(toHex(paymentHash));
    return r && r.htlcs.some((h) => h.channelId === channelId && h.htlcId === htlcId) ? r : undefined;
  }

  /**
   * An HTLC whose onion makes us the final node (core/onion already applied the payload's reader
   * rules). Refused at once, added to its payment's set, or — when the set reaches `total_msat` —
   * the whole set claimed.
   */
  receive(htlc: IncomingHtlc, hop: FinalHop, nowMs: number): PaymentsStep {
    const c = new StepCollector();
    const hash = toHex(htlc.paymentHash);
    // BOLT 2: inside a blinded route every error is invalid_onion_blinding (in update_fail_malformed_htlc
    // when the path key came with the HTLC); as the introduction node and final node, errors are ordinary.
    const role: BlindedRole = hop.kind === 'blinded_receive' && !hop.introduction ? 'inside' : 'none';
    const refuse = (r: Refusal): PaymentsStep => {
      c.act(failIncoming(htlc, role, hop.sharedSecret, r));
      c.emit({ type: 'payment.htlc_refused', paymentHash: hash, channelId: htlc.channelId, htlcId: htlc.htlcId.toString(), code: role === 'inside' ? 'invalid_onion_blinding' : r.name, reason: r.reason });
      return c.finish(undefined);
    };
    // BOLT 4: "incorrect_or_unknown_payment_details" carries the HTLC amount and our height.
    const unknown = (reason: string): Refusal => ({ name: 'incorrect_or_unknown_payment_details', data: { htlcMsat: htlc.amountMsat, height: this.#height }, reason });

    const claimed = this.claimOf(htlc.channelId, htlc.htlcId, htlc.paymentHash);
    if (claimed) {
      // Already claimed (we restarted before the fulfill was committed): fulfill it again.
      c.act({ kind: 'fulfill_htlc', channelId: htlc.channelId, htlcId: htlc.htlcId, preimage: fromHex(claimed.preimage) });
      return c.finish(undefined);
    }

    const judged = hop.kind === 'receive' ? this.#judgeBolt11(htlc, hop, nowMs, unknown) : this.#judgeBolt12(htlc, hop, nowMs, unknown);
    if ('name' in judged) return refuse(judged);

    const part: Part = { htlc, amtToForward: hop.amtToForward, role, sharedSecret: hop.sharedSecret };
    let set = this.#sets.get(hash);
    // The same HTLC again (reconcile after a reconnection re-feeds what waits): it is in its set already.
    if (set?.parts.some((p) => p.htlc.channelId === htlc.channelId && p.htlc.htlcId === htlc.htlcId)) return c.finish(undefined);
    if (!set) {
      if (this.#sets.size >= this.#policy.maxPendingPayments) return refuse({ name: 'temporary_node_failure', data: {}, reason: 'too many payments are being collected' });
      set = { paymentHash: hash, kind: judged.kind, totalMsat: judged.totalMsat, invoiceAmountMsat: judged.invoiceAmountMsat, offerId: judged.offerId, preimage: judged.preimage, parts: [], firstAt: nowMs };
      this.#sets.set(hash, set);
    } else if (set.totalMsat !== judged.totalMsat || set.kind !== judged.kind) {
      // BOLT 4 basic_mpp final node: "SHOULD fail the entire HTLC set if total_msat is not the same for all HTLCs in the set."
      this.#sets.delete(hash);
      for (const p of set.parts) this.#refusePart(c, p, hash, unknown('the parts disagree on total_msat'));
      return refuse(unknown('the parts disagree on total_msat'));
    } else if (set.parts.length >= this.#policy.maxPartsPerPayment) {
      return refuse(unknown(`more than ${this.#policy.maxPartsPerPayment} parts`));
    }
    set.parts.push(part);
    const received = sum(set.parts);
    c.emit({
      type: 'payment.htlc_accepted', paymentHash: hash, channelId: htlc.channelId, htlcId: htlc.htlcId.toString(), amountMsat: htlc.amountMsat.toString(),
      totalMsat: set.totalMsat.toString(), receivedMsat: received.toString(),
    });
    // "if the total amt_to_forward of this HTLC set is equal to or greater than total_msat: SHOULD fulfill all HTLCs in the HTLC set";
    // otherwise "MUST NOT fulfill any HTLCs in the HTLC set".
    if (received >= set.totalMsat) this.#claim(set, c, nowMs);
    return c.finish(undefined);
  }

  /** BOLT 4 final node, outside a blinded route (a BOLT 11 invoice of ours). */
  #judgeBolt11(
    htlc: IncomingHtlc,
    hop: Extract<FinalHop, { kind: 'receive' }>,
    nowMs: number,
    unknown: (reason: string) => Refusal,
  ): Refusal | { kind: PaymentKind; totalMsat: bigint; invoiceAmountMsat: bigint | null; offerId: null; preimage: Uint8Array } {
    const inv = this.#store.getInvoice(toHex(htlc.paymentHash));
    // "if the payment hash is unknown: MUST fail the HTLC" (incorrect_or_unknown_payment_details).
    if (!inv) return unknown('unknown payment hash');
    // "if the payment hash has already been paid: MAY treat the payment hash as unknown."
    if (inv.status === 'paid') return unknown('the invoice is paid already');
    // "if the payment_secret doesn't match the expected value for that payment_hash, or the payment_secret
    // is required and is not present: MUST fail the HTLC" (BOLT 11 invoices always require it).
    if (!hop.paymentData || !equalBytes(hop.paymentData.paymentSecret, fromHex(inv.paymentSecret))) return unknown('wrong or missing payment_secret');
    // BOLT 11 payee: "after the timestamp plus expiry has passed: SHOULD NOT accept a payment" (a set already started is finished).
    if (!this.#sets.has(inv.paymentHash) && Math.floor(nowMs / 1000) > inv.expiresAt) return unknown('the invoice has expired');
    const amounts = this.#checkAmounts(htlc, hop.amtToForward, hop.outgoingCltvValue, hop.totalMsat, inv.amountMsat, inv.minFinalCltvExpiryDelta, unknown);
    if (amounts) return amounts;
    return { kind: 'bolt11', totalMsat: hop.totalMsat, invoiceAmountMsat: inv.amountMsat, offerId: null, preimage: fromHex(inv.preimage) };
  }

  /** BOLT 4 final node of a blinded route (a BOLT 12 invoice of ours, judged from its path alone). */
  #judgeBolt12(
    htlc: IncomingHtlc,
    hop: Extract<FinalHop, { kind: 'blinded_receive' }>,
    nowMs: number,
    unknown: (reason: string) => Refusal,
  ): Refusal | { kind: PaymentKind; totalMsat: bigint; invoiceAmountMsat: bigint | null; offerId: string | null; preimage: Uint8Array } {
    // BOLT 4 blinded path reader, final recipient: "MUST ignore the message if the path_id does not match the
    // blinded route it created for this purpose" — for a payment, refuse it.
    const context = hop.pathId && this.#bolt12 ? this.#bolt12.paymentForPath(hop.pathId, htlc.paymentHash, {
      totalMsat: hop.totalAmountMsat,
      ...(hop.invoiceRequest ? { invoiceRequest: hop.invoiceRequest } : {}),
      ...(hop.senderPreimage ? { senderPreimage: hop.senderPreimage } : {}),
    }) : undefined;
    if (!context) return unknown('not a payment path of ours, or not for this payment hash');
    const received = this.#store.getReceived(toHex(htlc.paymentHash));
    if (received) return unknown('the invoice is paid already');
    // "If payment_constraints is present: MUST return an error if the expiry is greater than
    // max_cltv_expiry, the amount is below htlc_minimum_msat."
    if (hop.paymentConstraints) {
      if (htlc.cltvExpiry > hop.paymentConstraints.maxCltvExpiry) return unknown('the HTLC expires after the path\'s max_cltv_expiry');
      if (htlc.amountMsat < hop.paymentConstraints.htlcMinimumMsat) return unknown('the HTLC is below the path\'s htlc_minimum_msat');
    }
    if (!this.#sets.has(toHex(htlc.paymentHash)) && Math.floor(nowMs / 1000) > context.expiresAt) return unknown('the invoice has expired');
    // BOLT 4 blinded final node: "MUST return an error if amt_to_forward is below what it expects for the payment",
    // and the final node's amount and CLTV rules with total_amount_msat.
    const amounts = this.#checkAmounts(htlc, hop.amtToForward, hop.outgoingCltvValue, hop.totalAmountMsat, context.amountMsat, context.minFinalCltvExpiryDelta, unknown);
    if (amounts) return amounts;
    return { kind: 'bolt12', totalMsat: hop.totalAmountMsat, invoiceAmountMsat: context.amountMsat, offerId: context.offerId, preimage: context.preimage };
  }

  #checkAmounts(
    htlc: IncomingHtlc,
    amtToForward: bigint,
    outgoingCltvValue: number,
    totalMsat: bigint,
    expectedMsat: bigint | null,
    minFinalCltvExpiryDelta: number,
    unknown: (reason: string) => Refusal,
  ): Refusal | null {
    // "if the cltv_expiry value is unreasonably near the present: MUST fail the HTLC" (incorrect_or_unknown_payment_details);
    // payload reader: "incoming cltv_expiry < current_block_height + min_final_cltv_expiry_delta".
    if (htlc.cltvExpiry < this.#height + minFinalCltvExpiryDelta) return unknown(`the HTLC expires at ${htlc.cltvExpiry}, before ${this.#height} + ${minFinalCltvExpiryDelta}`);
    if (expectedMsat !== null) {
      // "if the amount paid is less than the amount expected: MUST fail" — the amount paid is total_msat (basic_mpp).
      if (totalMsat < expectedMsat) return unknown(`total_msat ${totalMsat} is below the invoice's ${expectedMsat}`);
      // "if the amount paid is more than twice the amount expected: SHOULD fail the HTLC".
      if (totalMsat > expectedMsat * 2n) return unknown(`total_msat ${totalMsat} is more than twice the invoice's ${expectedMsat}`);
    }
    // "if the cltv_expiry from the final node's HTLC is below outgoing_cltv_value: MUST return final_incorrect_cltv_expiry".
    if (htlc.cltvExpiry < outgoingCltvValue) {
      return { name: 'final_incorrect_cltv_expiry', data: { cltvExpiry: htlc.cltvExpiry }, reason: `the HTLC expires at ${htlc.cltvExpiry}, the onion says ${outgoingCltvValue}` };
    }
    // "if amount_msat from the final node's HTLC is below amt_to_forward: MUST return a final_incorrect_htlc_amount error".
    if (htlc.amountMsat < amtToForward) {
      return { name: 'final_incorrect_htlc_amount', data: { incomingHtlcAmt: htlc.amountMsat }, reason: `the HTLC carries ${htlc.amountMsat}, the onion says ${amtToForward}` };
    }
    // basic_mpp: a part of more than the whole is not a part ("total_msat ... equal to amt_to_forward" without mpp).
    if (amtToForward > totalMsat) return unknown(`amt_to_forward ${amtToForward} exceeds total_msat ${totalMsat}`);
    return null;
  }

  /** The set is complete: store the claim, then fulfill every part ("MUST fulfill the entire HTLC set"). */
  #claim(set: HtlcSet, c: StepCollector, nowMs: number): void {
    this.#sets.delete(set.paymentHash);
    const amountMsat = sum(set.parts);
    const received: ReceivedRecord = {
      paymentHash: set.paymentHash,
      kind: set.kind,
      amountMsat,
      invoiceAmountMsat: set.invoiceAmountMsat,
      offerId: set.offerId,
      preimage: toHex(set.preimage),
      htlcs: set.parts.map((p) => ({ channelId: p.htlc.channelId, htlcId: p.htlc.htlcId, amountMsat: p.htlc.amountMsat })),
      claimedAt: nowMs,
    };
    // Persist before you promise: these writes are durable before the fulfills below leave.
    if (set.kind === 'bolt11') {
      const inv = this.#store.getInvoice(set.paymentHash);
      if (inv) c.write({ kind: 'put_invoice', invoice: { ...inv, status: 'paid', paidMsat: amountMsat, paidAt: nowMs } });
    }
    c.write({ kind: 'put_received', received });
    for (const p of set.parts) c.act({ kind: 'fulfill_htlc', channelId: p.htlc.channelId, htlcId: p.htlc.htlcId, preimage: set.preimage });
    c.emit({ type: 'payment.received', paymentHash: set.paymentHash, kind: set.kind, amountMsat: amountMsat.toString(), parts: set.parts.length, offerId: set.offerId });
  }

  #refusePart(c: StepCollector, p: Part, hash: string, r: Refusal): void {
    c.act(failIncoming(p.htlc, p.role, p.sharedSecret, r));
    c.emit({ type: 'payment.htlc_refused', paymentHash: hash, channelId: p.htlc.channelId, htlcId: p.htlc.htlcId.toString(), code: p.role === 'inside' ? 'invalid_onion_blinding' : r.name, reason: r.reason });
  }

  /** BOLT 4 basic_mpp: sets still short of total_msat after the timeout fail with `mpp_timeout`. */
  tick(nowMs: number): PaymentsStep {
    const c = new StepCollector();
    for (const set of [...this.#sets.values()]) {
      if (nowMs - set.firstAt < this.#policy.mppTimeoutMs) continue;
      this.#sets.delete(set.paymentHash);
      // "SHOULD use mpp_timeout for the failure message."
      for (const p of set.parts) this.#refusePart(c, p, set.paymentHash, { name: 'mpp_timeout', data: {}, reason: `only ${sum(set.parts)} of ${set.totalMsat} msat arrived in time` });
    }
    return c.finish(undefined);
  }

  /** An incoming HTLC left the channel while in a set (e.g. the channel failed): forget the part. */
  forgetHtlc(channelId: string, htlcId: bigint): void {
    for (const set of this.#sets.values()) {
      const i = set.parts.findIndex((p) => p.htlc.channelId === channelId && p.htlc.htlcId === htlcId);
      if (i >= 0) set.parts.splice(i, 1);
      if (set.parts.length === 0) this.#sets.delete(set.paymentHash);
    }
  }
}

function sum(parts: readonly Part[]): bigint {
  return parts.reduce((s, p) => s + p.amtToForward, 0n);
}
