/**
 * The Payments page's view logic, plain and pure: what a pasted string is (from the node's
 * `decode`) and whether it can be paid, the send and receive forms turned into NodeApi params or
 * problems in words, a payment's progress folded from its `payment.*` events, and BOLT 4 failure
 * codes in words. The node checks everything again; this is so a person learns what is wrong
 * before pressing Pay.
 */
import type { Bolt11InvoiceInfo, DecodeResult, NodeEvent, PaymentInfo } from '../../../core/api';
import type { Params } from '../../../core/api/methods';
import { formatMsat, parseAmount } from './amount';
import { paymentCodeText } from './payment-errors';

/** The node's schema: a description of at most 639 characters (BOLT 11 `d` field in one tagged field). */
export const MAX_DESCRIPTION = 639;
/** The node's schema: expiry 1 s to a year. */
export const MAX_EXPIRY_SECONDS = 31_536_000;
/** BOLT 11: "Default is 3600 (1 hour) if not specified." */
export const DEFAULT_EXPIRY_SECONDS = 3600;

export type PayableKind = 'bolt11' | 'offer' | 'bolt12_invoice';

/** What the pasted string is, as the send form shows it. */
export interface PayTarget {
  /** `null`: something `pay` does not take (an invoice_request, a refund, an invoice_error…). */
  readonly kind: PayableKind | null;
  /** In words: "BOLT 11 invoice", "BOLT 12 offer"… */
  readonly what: string;
  /** Asked for, msat; null: the payer chooses. */
  readonly amountMsat: string | null;
  /** An offer priced in another currency (ISO 4217): the node cannot pay it by itself. */
  readonly currency: string | null;
  readonly description: string | null;
  /** The payee's node id (BOLT 11 payee, BOLT 12 issuer id or invoice node id), or its name. */
  readonly payee: string | null;
  readonly issuer: string | null;
  /** Unix ms; null when it never expires. */
  readonly expiresAt: number | null;
  readonly expired: boolean;
  /** Every problem the decoder found, in its words (an expired one included). */
  readonly problems: readonly string[];
  /** Why it cannot be paid; null when it can. */
  readonly refusal: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function seconds(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  if (v !== null && typeof v === 'object' && 'seconds' in v) return seconds((v as { seconds: unknown }).seconds);
  return null;
}

/** Reads the node's `decode` answer as something to pay; `nowMs` judges BOLT 12 expiry. */
export function payTarget(d: DecodeResult, nowMs: number): PayTarget {
  if (d.kind === 'bolt11') {
    const f = d.bolt11.fields;
    const expiresAt = seconds(f.expires_at);
    const expired = f.expired === true;
    const problems = d.bolt11.errors.map((e) => e.message);
    const refusal = d.bolt11.errors.some((e) => e.code !== 'bolt11.expired') || Object.keys(f).length === 0
      ? `This BOLT 11 invoice cannot be paid: ${d.bolt11.errors[0]?.message ?? 'it does not decode'}.`
      : expired ? 'This invoice has expired: ask the payee for a new one.' : null;
    return {
      kind: 'bolt11', what: 'BOLT 11 invoice', amountMsat: str(f.amount_msat), currency: null,
      description: str(f.description) ?? (str(f.description_hash) ? `(given elsewhere; its hash is ${String(f.description_hash)})` : null),
      payee: str(f.payee_pubkey), issuer: null, expiresAt: expiresAt === null ? null : expiresAt * 1000, expired, problems, refusal,
    };
  }
  const b = d.bolt12;
  const f = b.fields;
  const problems = b.errors.map((e) => e.message);
  const expiredCode = b.errors.some((e) => e.code === 'offer.expired' || e.code === 'invoice.expired');
  if (b.kind === 'offer' && !b.refund) {
    const expiry = seconds(f.offer_absolute_expiry);
    const expiresAt = expiry === null ? null : expiry * 1000;
    const expired = expiredCode || (expiresAt !== null && nowMs > expiresAt);
    const currency = str(f.offer_currency);
    const other = b.errors.filter((e) => e.code !== 'offer.expired');
    const refusal = other.length ? `This offer cannot be paid: ${other[0]!.message}.`
      : expired ? 'This offer has expired.'
      : currency ? `This offer is priced in ${currency}; the node pays offers priced in bitcoin only.` : null;
    return {
      kind: 'offer', what: 'BOLT 12 offer', amountMsat: currency ? null : str(f.offer_amount), currency, description: str(f.offer_description),
      payee: str(f.offer_issuer_id), issuer: str(f.offer_issuer), expiresAt, expired, problems, refusal,
    };
  }
  if (b.kind === 'invoice') {
    const created = seconds(f.invoice_created_at);
    // BOLT 12: invoice_relative_expiry "Default is 7200 seconds".
    const relative = seconds(f.invoice_relative_expiry) ?? 7200;
    const expiresAt = created === null ? null : (created + relative) * 1000;
    const expired = expiredCode || (expiresAt !== null && nowMs > expiresAt);
    const other = b.errors.filter((e) => e.code !== 'invoice.expired');
    return {
      kind: 'bolt12_invoice', what: 'BOLT 12 invoice', amountMsat: str(f.invoice_amount), currency: null, description: str(f.offer_description),
      payee: str(f.invoice_node_id), issuer: str(f.offer_issuer), expiresAt, expired, problems,
      refusal: other.length ? `This invoice cannot be paid: ${other[0]!.message}.` : expired ? 'This invoice has expired.' : null,
    };
  }
  const what = b.refund ? 'BOLT 12 refund' : b.kind === 'invoice_request' ? 'BOLT 12 invoice request' : b.kind === 'invoice_error' ? 'BOLT 12 invoice error' : b.kind === 'static_invoice' ? 'BOLT 12 static invoice' : 'something that is not an invoice or offer';
  return {
    kind: null, what, amountMsat: null, currency: null, description: null, payee: null, issuer: null, expiresAt: null, expired: false, problems,
    refusal: b.kind === undefined ? `That does not decode: ${problems[0] ?? 'not a BOLT 11 invoice or BOLT 12 offer'}.` : `That is a ${what}; paste an invoice (lnbc…) or an offer (lno1…).`,
  };
}

/** Quick look at the text before asking the node: empty, or plainly not an invoice/offer. */
export function pasteProblem(text: string): string | null {
  const t = text.trim().replace(/^lightning:/i, '');
  if (t === '') return 'Paste a BOLT 11 invoice (lnbc…) or a BOLT 12 offer (lno1…).';
  if (/^(bc1|tb1|bcrt1)/i.test(t)) return 'That is an on-chain address: send to it from the Wallet page.';
  if (!/^ln/i.test(t)) return 'An invoice starts with “ln” (lnbc…, lntb…, lnbcrt…), an offer with “lno1”.';
  return null;
}

export interface PayDraft {
  readonly text: string;
  /** Sat, as typed (used only when the target has no amount). */
  readonly amount: string;
  /** Sat, as typed; empty: the node's default. */
  readonly maxFee: string;
}

export type PayField = 'text' | 'amount' | 'maxFee';

export interface PayCheck {
  readonly problems: Partial<Record<PayField, string>>;
  readonly params: Params<'pay'> | null;
  /** What will be paid (msat), for the review. */
  readonly amountMsat: bigint | null;
}

/** The send form as `pay` params (always `wait: false`: the page follows the events). */
export function checkPayForm(draft: PayDraft, target: PayTarget | null, paymentId: string): PayCheck {
  const problems: Partial<Record<PayField, string>> = {};
  const pasted = pasteProblem(draft.text);
  if (pasted) problems.text = pasted;
  else if (!target) problems.text = 'Reading it…';
  else if (target.refusal) problems.text = target.refusal;
  let amountMsat: bigint | null = null;
  if (target && target.amountMsat === null && !target.refusal) {
    const a = parseAmount(draft.amount, 'sat');
    if (a.kind === 'empty') problems.amount = 'This one has no amount: say how much to pay (sat).';
    else if (a.kind === 'invalid') problems.amount = a.reason;
    else if (a.msat === 0n) problems.amount = 'Pay more than nothing.';
    else amountMsat = a.msat;
  } else if (target?.amountMsat) {
    amountMsat = BigInt(target.amountMsat);
  }
  let maxFeeMsat: bigint | null = null;
  const fee = parseAmount(draft.maxFee, 'sat');
  if (fee.kind === 'invalid') problems.maxFee = fee.reason;
  else if (fee.kind === 'valid') maxFeeMsat = fee.msat;
  if (Object.keys(problems).length || !target || amountMsat === null) return { problems, params: null, amountMsat };
  const params: Params<'pay'> = {
    invoice: draft.text.trim().replace(/^lightning:/i, ''),
    ...(target.amountMsat === null ? { amountMsat: amountMsat.toString() } : {}),
    ...(maxFeeMsat !== null ? { maxFeeMsat: maxFeeMsat.toString() } : {}),
    paymentId,
    wait: false,
  };
  return { problems, params, amountMsat };
}

export interface InvoiceDraft {
  /** Sat, as typed; empty: any amount. */
  readonly amount: string;
  readonly description: string;
  /** Seconds, as typed; empty: the default hour. */
  readonly expiry: string;
}

export type InvoiceField = 'amount' | 'description' | 'expiry';

export function checkInvoiceForm(draft: InvoiceDraft): { problems: Partial<Record<InvoiceField, string>>; params: Params<'createInvoice'> | null } {
  const problems: Partial<Record<InvoiceField, string>> = {};
  const a = parseAmount(draft.amount, 'sat');
  if (a.kind === 'invalid') problems.amount = a.reason;
  else if (a.kind === 'valid' && a.msat === 0n) problems.amount = 'Leave it empty for any amount, or ask for more than nothing.';
  // BOLT 11: the `d` field is "UTF-8 encoded"; the node's schema caps it at 639 characters.
  if ([...draft.description].length > MAX_DESCRIPTION) problems.description = `At most ${MAX_DESCRIPTION} characters.`;
  const e = draft.expiry.trim();
  let expirySeconds: number | null = null;
  if (e !== '') {
    if (!/^[0-9]+$/.test(e)) problems.expiry = 'Whole seconds.';
    else if (Number(e) < 1 || Number(e) > MAX_EXPIRY_SECONDS) problems.expiry = `1 second to a year (${MAX_EXPIRY_SECONDS} s).`;
    else expirySeconds = Number(e);
  }
  if (Object.keys(problems).length) return { problems, params: null };
  return {
    problems,
    params: {
      description: draft.description,
      ...(a.kind === 'valid' ? { amountMsat: a.msat.toString() } : {}),
      ...(expirySeconds !== null ? { expirySeconds } : {}),
    },
  };
}

/** A part of a payment as the progress shows it. */
export interface PartView {
  readonly partId: number;
  readonly amountMsat: string;
  readonly feeMsat: string;
  /** Node ids reached, in order, and the channels into them. */
  readonly nodes: readonly string[];
  readonly channels: readonly string[];
  readonly state: 'in_flight' | 'failed' | 'succeeded';
  readonly failure: string | null;
}

export interface PaymentProgress {
  readonly paymentId: string;
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly amountMsat: string | null;
  readonly feeMsat: string | null;
  readonly preimage: string | null;
  readonly failure: string | null;
  readonly parts: readonly PartView[];
}

export function startProgress(paymentId: string): PaymentProgress {
  return { paymentId, status: 'pending', amountMsat: null, feeMsat: null, preimage: null, failure: null, parts: [] };
}

/*
 * Merging what the page learns about one payment. It learns from two sources that race: the
 * `payment.*` events (in the node's order, but batched, buffered while a list loads, and lost while
 * disconnected) and the node's answers (`pay`, `getPayment`, `listPayments`), each a snapshot taken
 * at some moment and read at a later one — possibly after events newer than it, possibly before
 * events older than it. Every fact is final once known: a part sent is sent, a part that failed or
 * succeeded never flies again (core/payments gives each attempt a new partId), a payment that ended
 * stays ended. So the merge keeps, per part and for the payment, the furthest state any source
 * told, and never lets an older source move it back. A part that failed and was sent again is two
 * parts: the failed one and the new one in flight, never two in flight.
 */

/** How far a part has got: in flight, then ended (failed or succeeded). */
const partRank = (state: PartView['state']): number => (state === 'in_flight' ? 0 : 1);

function byPartId(parts: readonly PartView[]): PartView[] {
  return [...parts].sort((a, b) => a.partId - b.partId);
}

/** The progress after one event (events of other payments change nothing; an old event changes nothing). */
export function applyPaymentEvent(p: PaymentProgress, e: NodeEvent): PaymentProgress {
  if (!('paymentId' in e) || e.paymentId !== p.paymentId) return p;
  switch (e.type) {
    case 'payment.started':
      return p.amountMsat === null ? { ...p, amountMsat: e.amountMsat } : p;
    case 'payment.part_sent':
      // Already known (in flight or ended): an event older than what the page knows.
      if (p.parts.some((x) => x.partId === e.partId)) return p;
      return {
        ...p,
        parts: byPartId([...p.parts, {
          partId: e.partId, amountMsat: e.amountMsat, feeMsat: e.feeMsat, nodes: e.route.nodes, channels: e.route.channels, state: 'in_flight', failure: null,
        }]),
      };
    case 'payment.part_failed':
      // A part not known yet (its part_sent was missed while disconnected) waits for the next snapshot.
      return {
        ...p,
        parts: p.parts.map((x) => (x.partId === e.partId && x.state === 'in_flight'
          ? { ...x, state: 'failed' as const, failure: partFailureText(e.code, e.hopIndex, e.fromRecipient, e.message) }
          : x)),
      };
    case 'payment.succeeded':
      if (p.status !== 'pending') return p;
      return {
        ...p, status: 'succeeded', amountMsat: e.amountMsat, feeMsat: e.feeMsat,
        parts: p.parts.map((x) => (x.state === 'in_flight' ? { ...x, state: 'succeeded' as const } : x)),
      };
    case 'payment.failed':
      if (p.status !== 'pending') return p;
      return { ...p, status: 'failed', failure: paymentFailureText(e.code, e.message) };
    default:
      return p;
  }
}

/**
 * The progress after one of the node's answers about it (`pay`, `getPayment`, a `listPayments`
 * row). The answer fills in what the events cannot carry (the preimage, parts whose events were
 * missed) and settles a part either way once it has ended; an answer older than what the page knows
 * moves nothing back. An ended part keeps the events' failure text when both say it failed (the
 * event also tells at which hop).
 */
export function applyPaymentInfo(p: PaymentProgress, info: PaymentInfo): PaymentProgress {
  if (info.paymentId !== p.paymentId) return p;
  const told = progressFromInfo(info);
  const parts = new Map(p.parts.map((x) => [x.partId, x]));
  for (const x of told.parts) {
    const known = parts.get(x.partId);
    if (!known || partRank(x.state) > partRank(known.state)) parts.set(x.partId, x);
    else if (partRank(x.state) === 1 && partRank(known.state) === 1 && x.state !== known.state) parts.set(x.partId, x);
  }
  const payment = p.status === 'pending' || told.status !== 'pending'
    ? { status: told.status, amountMsat: told.amountMsat, feeMsat: told.feeMsat, preimage: told.preimage, failure: told.failure }
    : { status: p.status, amountMsat: p.amountMsat ?? told.amountMsat, feeMsat: p.feeMsat, preimage: p.preimage, failure: p.failure };
  return { paymentId: p.paymentId, ...payment, parts: byPartId([...parts.values()]) };
}

/** What the parts in flight add up to, msat. */
export function inFlightMsat(p: PaymentProgress): bigint {
  return p.parts.reduce((s, x) => (x.state === 'in_flight' ? s + BigInt(x.amountMsat) : s), 0n);
}

/** The progress as the node has it (after `getPayment`), parts in partId order. */
export function progressFromInfo(info: PaymentInfo): PaymentProgress {
  return {
    paymentId: info.paymentId,
    status: info.status,
    amountMsat: info.amountMsat,
    feeMsat: info.feeMsat,
    preimage: info.preimage,
    failure: info.failure ? paymentFailureText(info.failure.code, info.failure.message, info.kind) : null,
    parts: byPartId(info.parts.map((x) => ({
      partId: x.partId, amountMsat: x.amountMsat, feeMsat: x.feeMsat,
      nodes: x.route.map((h) => h.nodeId), channels: x.route.map((h) => h.shortChannelId),
      // core/payments PartStatus: adding, inflight, failing, succeeded, failed.
      state: x.status === 'succeeded' ? 'succeeded' : x.status === 'failed' || x.status === 'failing' || x.failure ? 'failed' : 'in_flight',
      failure: x.failure ? partFailureText(x.failure.code, null, false, x.failure.message) : null,
    }))),
  };
}

/** BOLT 4 failure codes ("Returning Errors") in words. */
const FAILURE_WORDS: Readonly<Record<string, string>> = {
  invalid_realm: 'a node could not read its part of the onion',
  temporary_node_failure: 'a node on the way was temporarily unable to forward',
  permanent_node_failure: 'a node on the way cannot forward at all',
  required_node_feature_missing: 'a node on the way lacks a feature the payment needs',
  invalid_onion_version: 'a node could not read the onion (version)',
  invalid_onion_hmac: 'a node could not read the onion (HMAC)',
  invalid_onion_key: 'a node could not read the onion (key)',
  temporary_channel_failure: 'a channel on the way could not carry it just now: not enough balance there, or busy',
  permanent_channel_failure: 'a channel on the way is closed or unusable',
  required_channel_feature_missing: 'a channel on the way lacks a feature the payment needs',
  unknown_next_peer: 'a node on the way does not know the next channel',
  amount_below_minimum: 'the amount is below what a channel on the way accepts',
  fee_insufficient: 'the fee offered to a node on the way was too low (it has a newer fee)',
  incorrect_cltv_expiry: 'a node on the way wanted a different timelock',
  expiry_too_soon: 'the timelock was too close for a node on the way',
  incorrect_or_unknown_payment_details: 'the recipient does not know this payment: a wrong amount, or an unknown or already paid invoice',
  final_incorrect_cltv_expiry: 'the recipient saw a wrong timelock',
  final_incorrect_htlc_amount: 'the recipient saw a wrong amount',
  channel_disabled: 'a channel on the way is disabled',
  expiry_too_far: 'the timelock was too far in the future for a node on the way',
  invalid_onion_payload: 'a node could not read its instructions in the onion',
  mpp_timeout: 'the recipient did not get all parts in time',
  invalid_onion_blinding: 'a node inside the blinded path refused it',
};

/** A failed part in words: where it failed and why. */
export function partFailureText(code: string, hopIndex: number | null, fromRecipient: boolean, message: string): string {
  const words = FAILURE_WORDS[code];
  // BOLT 4 route blinding: every node of a blinded path (its introduction node too) answers
  // invalid_onion_blinding, so such a failure "from the recipient" may come from any of them.
  const where = fromRecipient ? (code === 'invalid_onion_blinding' ? 'in the recipient\'s blinded path' : 'at the recipient') : hopIndex !== null ? `at hop ${hopIndex + 1}` : null;
  return `${words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}` : message}${where ? ` (${where}; ${code})` : ` (${code})`}.`;
}

/**
 * A payment's failure in words (payment-errors.ts: what happened, what to do), or the node's message
 * and its code when the app has no words for it. `kind`: the payment's (`async` for a static invoice's).
 */
export function paymentFailureText(code: string, message: string, kind?: string): string {
  return paymentCodeText(code, message, kind) ?? `${capital(message)} (${code}).`;
}

function capital(t: string): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A fee as a share of the amount: `0.25%` (null for no fee). */
export function feeShare(feeMsat: string | null, amountMsat: string | null): string | null {
  if (feeMsat === null || amountMsat === null || !/^[1-9][0-9]*$/.test(feeMsat) || !/^[1-9][0-9]*$/.test(amountMsat)) return null;
  const basisPoints = (BigInt(feeMsat) * 10_000n) / BigInt(amountMsat);
  return `${(Number(basisPoints) / 100).toFixed(2)}%`;
}

/** The amount line of a target: `50 sat`, or who chooses. */
export function targetAmountText(t: PayTarget): string {
  if (t.currency) return `priced in ${t.currency}`;
  return t.amountMsat === null ? 'not set: you choose' : formatMsat(t.amountMsat);
}

/** A fresh payment id (the node's idempotency key): `app-<time>-<random>`. */
export function newPaymentId(nowMs: number, random: number): string {
  return `app-${nowMs.toString(36)}-${Math.floor(random * 36 ** 6).toString(36)}`;
}

/**
 * An invoice's times in unix ms, as the page shows times. The node gives `createdAt` and
 * `expiresAt` in unix seconds (the BOLT 11 `timestamp` and timestamp + expiry, core/payments
 * inbound) and `paidAt` in unix ms.
 */
export function invoiceTimes(inv: Pick<Bolt11InvoiceInfo, 'createdAt' | 'expiresAt' | 'paidAt'>): { createdMs: number; expiresMs: number; paidMs: number | null } {
  return { createdMs: inv.createdAt * 1000, expiresMs: inv.expiresAt * 1000, paidMs: inv.paidAt };
}

/** The events after which the Payments page reads its lists again. */
export function isPaymentEvent(e: NodeEvent): boolean {
  return e.type.startsWith('payment.') || e.type.startsWith('forward.');
}

/**
 * A list newest first by `time`, rows of equal times in the order given. The node's list methods
 * return newest first (core/store/newest-rows.ts), so among equal times the node's order stands.
 */
export function newestFirst<T>(rows: readonly T[], time: (row: T) => number): T[] {
  return rows.map((row, i) => ({ row, i, t: time(row) })).sort((a, b) => b.t - a.t || a.i - b.i).map((x) => x.row);
}
