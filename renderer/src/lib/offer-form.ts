/**
 * The Offers page's forms, checked as they are typed: create an offer, fetch an invoice for
 * someone's offer, create a refund, answer someone's refund. Each check names the field it is
 * about and builds the NodeApi parameters only when everything is right (the node checks all
 * of it again; BOLT 12 writer requirements are cited where they apply).
 */
import type { Params } from '../../../core/api/methods';
import type { Bolt12Decoded } from '../../../core/api/offers';
import { MAX_MSAT, formatMsat, parseAmount, type AmountUnit } from './amount';

/** The node's schema: free text fields are at most 1,000 characters. */
export const MAX_TEXT = 1000;
/** The node's schema: at most 8 blinded paths. */
export const MAX_PATHS = 8;

export type Problems<F extends string> = Partial<Record<F, string>>;

export interface FormCheck<F extends string, P> {
  readonly problems: Problems<F>;
  /** Parameters for the NodeApi call, or null while anything is missing or wrong. */
  readonly params: P | null;
}

/** `datetime-local` text (`2025-06-01T14:30`) as seconds since the epoch, in local time. */
export function parseLocalDateTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return Math.floor(date.getTime() / 1000);
}

/** Seconds since the epoch as `datetime-local` text in local time. */
export function toLocalDateTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function checkText(text: string, what: string): string | null {
  return text.length > MAX_TEXT ? `${what} is ${text.length} characters; at most ${MAX_TEXT}.` : null;
}

/** A positive whole number up to 2^64 - 1, as typed. */
export function checkCount(text: string, what: string): { ok: true; value: bigint } | { ok: false; reason: string } {
  const t = text.trim().replace(/[,_\s]/g, '');
  if (t === '') return { ok: false, reason: `Enter ${what}.` };
  if (!/^[0-9]+$/.test(t)) return { ok: false, reason: `${what[0]!.toUpperCase()}${what.slice(1)} is a whole number.` };
  const v = BigInt(t);
  if (v < 1n) return { ok: false, reason: `${what[0]!.toUpperCase()}${what.slice(1)} must be at least 1.` };
  if (v > MAX_MSAT) return { ok: false, reason: 'That is more than a BOLT 12 message can carry (2^64 - 1).' };
  return { ok: true, value: v };
}

function checkExpiry(enabled: boolean, text: string, nowMs: number): { problem: string | null; seconds: number | undefined } {
  if (!enabled) return { problem: null, seconds: undefined };
  if (text.trim() === '') return { problem: 'Pick when it expires, or turn expiry off.', seconds: undefined };
  const seconds = parseLocalDateTime(text);
  if (seconds === null) return { problem: 'Not a date and time.', seconds: undefined };
  if (seconds * 1000 <= nowMs) return { problem: 'That time has passed: nobody could use it.', seconds: undefined };
  return { problem: null, seconds };
}

function checkPaths(via: readonly string[], connected: readonly string[]): string | null {
  if (via.length > MAX_PATHS) return `At most ${MAX_PATHS} paths.`;
  const gone = via.filter((v) => !connected.includes(v));
  if (gone.length > 0) return `${gone.length === 1 ? 'A chosen peer is' : `${gone.length} chosen peers are`} no longer connected; a path through it would not be reachable.`;
  return null;
}

// ----- create an offer ------------------------------------------------------------------------

export interface OfferDraft {
  amountMode: 'fixed' | 'any';
  amount: string;
  unit: AmountUnit;
  description: string;
  issuer: string;
  quantity: 'one' | 'max' | 'unlimited';
  quantityMax: string;
  expires: boolean;
  /** `datetime-local` text. */
  expiry: string;
  /** Node ids of peers to build one blinded path through each (introduction node = that peer). */
  pathVia: string[];
}

export type OfferField = 'amount' | 'description' | 'issuer' | 'quantityMax' | 'expiry' | 'pathVia';

export function emptyOfferDraft(): OfferDraft {
  return { amountMode: 'fixed', amount: '', unit: 'sat', description: '', issuer: '', quantity: 'one', quantityMax: '', expires: false, expiry: '', pathVia: [] };
}

export function checkOfferForm(d: OfferDraft, ctx: { nowMs: number; connected: readonly string[] }): FormCheck<OfferField, Params<'createOffer'>> {
  const problems: Problems<OfferField> = {};
  let amountMsat: bigint | undefined;
  if (d.amountMode === 'fixed') {
    const a = parseAmount(d.amount, d.unit);
    if (a.kind === 'empty') problems.amount = 'Enter the price, or choose “Any amount”.';
    else if (a.kind === 'invalid') problems.amount = a.reason;
    // BOLT 12 offer writer: "MUST set offer_amount greater than zero".
    else if (a.msat === 0n) problems.amount = 'The price must be more than zero (or choose “Any amount”).';
    else amountMsat = a.msat;
  }
  // BOLT 12 offer writer: with an amount, "MUST set offer_description to a complete description".
  if (d.amountMode === 'fixed' && d.description.trim() === '') problems.description = 'Say what the payment is for: required when the offer has a price.';
  const long = checkText(d.description, 'The description');
  if (long) problems.description = long;
  const issuer = checkText(d.issuer, 'The issuer');
  if (issuer) problems.issuer = issuer;
  let quantityMax: string | undefined;
  if (d.quantity === 'max') {
    // BOLT 12 offer writer: a known maximum "MUST NOT set offer_quantity_max to 0".
    const q = checkCount(d.quantityMax, 'the most items per invoice');
    if (!q.ok) problems.quantityMax = q.reason;
    else quantityMax = q.value.toString();
  } else if (d.quantity === 'unlimited') quantityMax = '0';
  const expiry = checkExpiry(d.expires, d.expiry, ctx.nowMs);
  if (expiry.problem) problems.expiry = expiry.problem;
  const paths = checkPaths(d.pathVia, ctx.connected);
  if (paths) problems.pathVia = paths;
  if (Object.keys(problems).length > 0) return { problems, params: null };
  return {
    problems,
    params: {
      description: d.description.trim(),
      ...(amountMsat !== undefined ? { amountMsat: amountMsat.toString() } : {}),
      ...(d.issuer.trim() ? { issuer: d.issuer.trim() } : {}),
      ...(quantityMax !== undefined ? { quantityMax } : {}),
      ...(expiry.seconds !== undefined ? { absoluteExpiry: expiry.seconds } : {}),
      ...(d.pathVia.length > 0 ? { paths: d.pathVia.map((v) => [v]) } : {}),
    },
  };
}

// ----- what a pasted string is ----------------------------------------------------------------

export type PastedKind = 'offer' | 'refund' | 'invoice_request' | 'invoice' | 'other';

export function pastedKind(decoded: Bolt12Decoded): PastedKind {
  if (decoded.kind === 'offer') return 'offer';
  if (decoded.kind === 'invoice_request') return decoded.refund ? 'refund' : 'invoice_request';
  if (decoded.kind === 'invoice') return 'invoice';
  return 'other';
}

/** A BOLT 12 string as pasted: whitespace at the ends removed, and a `lightning:` URI prefix. */
export function cleanPasted(text: string): string {
  return text.trim().replace(/^lightning:/i, '');
}

/** What the decoded string says about the amount and quantity a payer must give. */
export interface OfferTerms {
  /** offer_amount in msat (null: the payer chooses, or it is in another currency). */
  readonly amountMsat: bigint | null;
  readonly currency: string | null;
  /** offer_quantity_max: null when absent (one item), 0n for no limit. */
  readonly quantityMax: bigint | null;
}

export function offerTerms(decoded: Bolt12Decoded): OfferTerms {
  const f = decoded.fields;
  const amount = typeof f.offer_amount === 'string' && /^[0-9]+$/.test(f.offer_amount) ? BigInt(f.offer_amount) : null;
  const currency = typeof f.offer_currency === 'string' ? f.offer_currency : null;
  const max = typeof f.offer_quantity_max === 'string' && /^[0-9]+$/.test(f.offer_quantity_max) ? BigInt(f.offer_quantity_max) : null;
  return { amountMsat: currency ? null : amount, currency, quantityMax: max };
}

// ----- fetch an invoice -------------------------------------------------------------------------

export interface FetchDraft {
  offer: string;
  amount: string;
  unit: AmountUnit;
  quantity: string;
  payerNote: string;
}

export type FetchField = 'offer' | 'amount' | 'quantity' | 'payerNote';

/** Quantity starts at 1: an offer that sells several needs one, and one item is what most people buy. */
export function emptyFetchDraft(): FetchDraft {
  return { offer: '', amount: '', unit: 'sat', quantity: '1', payerNote: '' };
}

/**
 * `decoded` is the node's description of `d.offer` (null while it is being decoded). The rules
 * are the BOLT 12 invoice_request writer's for an offer.
 */
export function checkFetchForm(d: FetchDraft, decoded: Bolt12Decoded | null): FormCheck<FetchField, Params<'fetchInvoice'>> {
  const problems: Problems<FetchField> = {};
  const offer = cleanPasted(d.offer);
  if (offer === '') problems.offer = 'Paste an offer (lno1…).';
  else if (!decoded) problems.offer = 'Reading the offer…';
  else if (decoded.kind !== 'offer') problems.offer = decoded.kind ? `This is ${decoded.refund ? 'a refund' : `an ${decoded.kind.replace('_', ' ')}`}, not an offer.` : 'This is not a BOLT 12 offer.';
  else if (!decoded.valid) problems.offer = `The offer has ${decoded.errors.length === 1 ? 'an error' : `${decoded.errors.length} errors`}: ${decoded.errors[0]!.message}.`;
  const terms = decoded && decoded.kind === 'offer' ? offerTerms(decoded) : null;

  let quantity: bigint | undefined;
  if (terms && terms.quantityMax !== null) {
    // BOLT 12: with offer_quantity_max, "MUST set invreq_quantity" (at least 1, at most a non-zero max).
    const q = checkCount(d.quantity, 'how many items');
    if (!q.ok) problems.quantity = q.reason;
    else if (terms.quantityMax > 0n && q.value > terms.quantityMax) problems.quantity = `The offer sells at most ${terms.quantityMax} per invoice.`;
    else quantity = q.value;
  }
  // BOLT 12: otherwise "MUST NOT set invreq_quantity": the field is hidden and its text never sent.

  let amountMsat: bigint | undefined;
  const a = parseAmount(d.amount, d.unit);
  if (a.kind === 'invalid') problems.amount = a.reason;
  else if (a.kind === 'valid') {
    if (a.msat === 0n) problems.amount = 'The amount must be more than zero.';
    else amountMsat = a.msat;
  }
  if (terms && a.kind === 'empty' && terms.amountMsat === null) {
    // BOLT 12: "if offer_amount is not present: MUST specify invreq_amount" (and we cannot convert currencies).
    problems.amount = terms.currency ? `The price is in ${terms.currency}; say how much to pay in bitcoin.` : 'The offer leaves the amount to you: enter it.';
  }
  if (terms && amountMsat !== undefined && terms.amountMsat !== null) {
    // BOLT 12: invreq_amount "greater or equal to amount expected by offer_amount" (× invreq_quantity).
    const expected = terms.amountMsat * (quantity ?? 1n);
    if (amountMsat < expected) problems.amount = `At least ${formatMsat(expected)} (the offer’s price${quantity !== undefined && quantity > 1n ? ` × ${quantity}` : ''}).`;
  }
  const note = checkText(d.payerNote, 'The note');
  if (note) problems.payerNote = note;
  if (Object.keys(problems).length > 0) return { problems, params: null };
  return {
    problems,
    params: {
      offer,
      ...(amountMsat !== undefined ? { amountMsat: amountMsat.toString() } : {}),
      ...(quantity !== undefined ? { quantity: quantity.toString() } : {}),
      ...(d.payerNote.trim() ? { payerNote: d.payerNote.trim() } : {}),
      timeoutSeconds: 30,
    },
  };
}

// ----- refunds ----------------------------------------------------------------------------------

export interface RefundDraft {
  amount: string;
  unit: AmountUnit;
  description: string;
  payerNote: string;
  expires: boolean;
  expiry: string;
  pathVia: string[];
}

export type RefundField = 'amount' | 'description' | 'payerNote' | 'expiry' | 'pathVia';

export function emptyRefundDraft(): RefundDraft {
  return { amount: '', unit: 'sat', description: '', payerNote: '', expires: false, expiry: '', pathVia: [] };
}

export function checkRefundForm(d: RefundDraft, ctx: { nowMs: number; connected: readonly string[] }): FormCheck<RefundField, Params<'createRefund'>> {
  const problems: Problems<RefundField> = {};
  let amountMsat: bigint | undefined;
  const a = parseAmount(d.amount, d.unit);
  // BOLT 12: a refund (invoice_request without an offer) "MUST set invreq_amount".
  if (a.kind === 'empty') problems.amount = 'Enter how much you will pay back.';
  else if (a.kind === 'invalid') problems.amount = a.reason;
  else if (a.msat === 0n) problems.amount = 'The amount must be more than zero.';
  else amountMsat = a.msat;
  if (d.description.trim() === '') problems.description = 'Say what the refund is for.';
  const long = checkText(d.description, 'The description');
  if (long) problems.description = long;
  const note = checkText(d.payerNote, 'The note');
  if (note) problems.payerNote = note;
  const expiry = checkExpiry(d.expires, d.expiry, ctx.nowMs);
  if (expiry.problem) problems.expiry = expiry.problem;
  const paths = checkPaths(d.pathVia, ctx.connected);
  if (paths) problems.pathVia = paths;
  if (Object.keys(problems).length > 0 || amountMsat === undefined) return { problems, params: null };
  return {
    problems,
    params: {
      description: d.description.trim(),
      amountMsat: amountMsat.toString(),
      ...(d.payerNote.trim() ? { payerNote: d.payerNote.trim() } : {}),
      ...(expiry.seconds !== undefined ? { absoluteExpiry: expiry.seconds } : {}),
      ...(d.pathVia.length > 0 ? { paths: d.pathVia.map((v) => [v]) } : {}),
    },
  };
}

/** Answering someone's refund with an invoice: the pasted string must be a valid refund. */
export function checkSendInvoice(text: string, decoded: Bolt12Decoded | null): FormCheck<'refund', Params<'sendInvoice'>> {
  const refund = cleanPasted(text);
  let problem: string | null = null;
  if (refund === '') problem = 'Paste a refund (lnr1…) someone gave you.';
  else if (!decoded) problem = 'Reading the refund…';
  else if (decoded.kind !== 'invoice_request' || !decoded.refund) problem = decoded.kind === 'offer' ? 'This is an offer: pay it under “Pay an offer”.' : 'This is not a refund (an lnr1… string without an offer).';
  else if (!decoded.valid) problem = `The refund has ${decoded.errors.length === 1 ? 'an error' : `${decoded.errors.length} errors`}: ${decoded.errors[0]!.message}.`;
  return problem ? { problems: { refund: problem }, params: null } : { problems: {}, params: { refund, timeoutSeconds: 5 } };
}

/**
 * Whether an answer (an invoice or an error) still belongs to the offer in the field: once the
 * string is edited, the answer was about another offer and is no longer shown.
 */
export function answerApplies(askedFor: string | null, offerText: string): boolean {
  return askedFor !== null && cleanPasted(askedFor) === cleanPasted(offerText);
}
