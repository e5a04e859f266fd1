/**
 * Offer view logic: the per-offer history of invoice requests and what we answered, seeded from
 * `listInvoiceRequests` / `listInvoices` and moved on by live `offer.*` events, plus the offers
 * list reducer. Pure data in, data out.
 */
import type { NodeEvent } from '../../../core/api/events';
import type { InvoiceInfo, InvoiceRequestInfo, OfferEventBody, OfferInfo } from '../../../core/api/offers';
import { formatCount } from './format';

export type RequestOutcome = 'pending' | 'invoice' | 'invoice_error' | 'ignored';

/** One invoice_request someone sent for one of our offers, and our answer. */
export interface OfferHistoryRow {
  /** The request id, or `m:<messageId>` for a request we could not identify. */
  readonly key: string;
  readonly offerId: string | null;
  readonly requestId: string | null;
  /** Unix ms when it arrived. */
  readonly time: number;
  readonly amountMsat: string | null;
  readonly quantity: string | null;
  readonly payerNote: string | null;
  /** Over one of our blinded paths (null when unknown, for stored rows). */
  readonly viaPath: boolean | null;
  readonly outcome: RequestOutcome;
  readonly invoice: { readonly invoiceId: string; readonly amountMsat: string; readonly paymentHash: string } | null;
  readonly error: { readonly code: string; readonly message: string; readonly erroneousField: string | null } | null;
  /** How many times the same request arrived (LDK sends its request twice). */
  readonly arrivals: number;
}

export const HISTORY_CAPACITY = 500;

type OfferEvent = NodeEvent & OfferEventBody;

export function isOfferEvent(event: NodeEvent): event is OfferEvent {
  return event.type.startsWith('offer.');
}

function outcomeOfStatus(status: string): RequestOutcome {
  return status === 'invoice' || status === 'invoice_error' || status === 'ignored' ? status : 'pending';
}

/** History rows from the node's stored requests (role `received`) and issued invoices, newest first. */
export function seedHistory(requests: readonly InvoiceRequestInfo[], invoices: readonly InvoiceInfo[]): OfferHistoryRow[] {
  const byId = new Map(invoices.map((i) => [i.invoiceId, i]));
  return requests
    .filter((r) => r.role === 'received')
    .map((r): OfferHistoryRow => {
      const inv = r.invoiceId ? byId.get(r.invoiceId) : undefined;
      return {
        key: r.requestId,
        offerId: r.offerId,
        requestId: r.requestId,
        time: r.createdAt,
        amountMsat: r.amountMsat,
        quantity: r.quantity,
        payerNote: r.payerNote,
        viaPath: null,
        outcome: outcomeOfStatus(r.status),
        invoice: r.invoiceId ? { invoiceId: r.invoiceId, amountMsat: inv?.amountMsat ?? r.amountMsat ?? '0', paymentHash: inv?.paymentHash ?? '' } : null,
        error: r.error,
        arrivals: 1,
      };
    })
    .sort((a, b) => b.time - a.time);
}

function keyOf(requestId: string | null, messageId: string): string {
  return requestId ?? `m:${messageId}`;
}

/**
 * Moves the history on by one event. A request's answer finds its row by request id (or, when
 * the request could not be read, by the onion message that carried it). `replay`: the event may
 * already be in the stored rows (it arrived while they loaded), so it is not a second arrival.
 */
export function applyOfferEvent(
  rows: readonly OfferHistoryRow[],
  event: NodeEvent,
  opts: { readonly capacity?: number; readonly replay?: boolean } = {},
): readonly OfferHistoryRow[] {
  const capacity = opts.capacity ?? HISTORY_CAPACITY;
  if (!isOfferEvent(event)) return rows;
  const update = (key: string, change: (r: OfferHistoryRow) => OfferHistoryRow, create: () => OfferHistoryRow): readonly OfferHistoryRow[] => {
    const i = rows.findIndex((r) => r.key === key);
    if (i === -1) return [create(), ...rows].slice(0, capacity);
    const next = rows.slice();
    next[i] = change(rows[i]!);
    return next;
  };
  const blank = (key: string, offerId: string | null, requestId: string | null): OfferHistoryRow => ({
    key, offerId, requestId, time: event.time, amountMsat: null, quantity: null, payerNote: null, viaPath: null,
    outcome: 'pending', invoice: null, error: null, arrivals: 1,
  });
  switch (event.type) {
    case 'offer.invoice_request_received': {
      const key = keyOf(event.requestId, event.messageId);
      const fill = (r: OfferHistoryRow): OfferHistoryRow => ({
        ...r, offerId: event.offerId ?? r.offerId, amountMsat: event.amountMsat, quantity: event.quantity, payerNote: event.payerNote, viaPath: event.viaPath,
      });
      // Replaying events that raced the stored snapshot: a row already there is this arrival.
      return update(key, (r) => (opts.replay ? fill(r) : { ...fill(r), arrivals: r.arrivals + 1 }), () => fill(blank(key, event.offerId, event.requestId)));
    }
    case 'offer.invoice_issued': {
      const key = keyOf(event.requestId, event.messageId);
      const answer = (r: OfferHistoryRow): OfferHistoryRow => ({
        ...r, outcome: 'invoice', error: null, invoice: { invoiceId: event.invoiceId, amountMsat: event.amountMsat, paymentHash: event.paymentHash },
      });
      return update(key, answer, () => answer(blank(key, event.offerId, event.requestId)));
    }
    case 'offer.invoice_error_sent': {
      const key = keyOf(event.requestId, event.messageId);
      const answer = (r: OfferHistoryRow): OfferHistoryRow => ({
        ...r, outcome: 'invoice_error', error: { code: event.code, message: event.error, erroneousField: event.erroneousField },
      });
      return update(key, answer, () => answer(blank(key, event.offerId, event.requestId)));
    }
    case 'offer.invoice_request_ignored': {
      const key = keyOf(event.requestId, event.messageId);
      const answer = (r: OfferHistoryRow): OfferHistoryRow => ({ ...r, outcome: 'ignored', error: { code: event.reason, message: ignoredReason(event.reason), erroneousField: null } });
      return update(key, answer, () => answer(blank(key, event.offerId, event.requestId)));
    }
    default:
      return rows;
  }
}

/** The history of one offer, newest first. */
export function historyOf(rows: readonly OfferHistoryRow[], offerId: string): OfferHistoryRow[] {
  return rows.filter((r) => r.offerId === offerId);
}

/** Why a request went unanswered, in words (BOLT 12 "MUST ignore" cases the node reports). */
export function ignoredReason(reason: string): string {
  const words: Record<string, string> = {
    unknown_path: 'it came over a blinded path that is not ours',
    wrong_path: 'it came over a path of another offer',
    not_via_offer_path: 'the offer has blinded paths, but the request did not come over one of them',
    no_reply_path: 'it carried no reply path to answer over',
  };
  const w = words[reason.replace(/^offers\./, '')];
  return w ? `Ignored: ${w}.` : `Ignored (${reason}).`;
}

/** Offers list after an event: created offers appear, disabled ones change status, counts move. */
export function reduceOffers(offers: readonly OfferInfo[], event: NodeEvent, now: number): readonly OfferInfo[] {
  if (!isOfferEvent(event)) return offers;
  switch (event.type) {
    case 'offer.created':
      return offers.some((o) => o.offerId === event.offerId) ? offers : [event.offer, ...offers];
    case 'offer.disabled':
      return offers.map((o) => (o.offerId === event.offerId && o.status !== 'disabled' ? { ...o, status: 'disabled' as const, disabledAt: now } : o));
    case 'offer.invoice_issued':
      return offers.map((o) => (o.offerId === event.offerId ? { ...o, invoicesIssued: o.invoicesIssued + 1 } : o));
    default:
      return offers;
  }
}

/** Active offers first, newest first within each group. */
export function sortOffers(offers: readonly OfferInfo[]): OfferInfo[] {
  return [...offers].sort((a, b) => (a.status === b.status ? b.createdAt - a.createdAt : a.status === 'active' ? -1 : 1));
}

/** Whether an offer has expired at `nowMs`. */
export function offerExpired(offer: Pick<OfferInfo, 'absoluteExpiry'>, nowMs: number): boolean {
  return offer.absoluteExpiry !== null && offer.absoluteExpiry * 1000 <= nowMs;
}

/** A short name for an offer in lists: its description, else its issuer, else its amount. */
export function offerTitle(offer: Pick<OfferInfo, 'description' | 'issuer'>): string {
  return offer.description?.trim() || offer.issuer?.trim() || 'Untitled offer';
}

export interface OfferCounts {
  readonly total: number;
  /** Answering invoice requests: not disabled and not expired. */
  readonly active: number;
}

/** How many offers there are and how many still answer; the Offers tab and its card both say it. */
export function offerCounts(offers: readonly Pick<OfferInfo, 'status' | 'absoluteExpiry'>[], nowMs: number): OfferCounts {
  const active = offers.filter((o) => o.status === 'active' && !offerExpired(o, nowMs)).length;
  return { total: offers.length, active };
}

/** `3 offers · 2 active`, or `2 offers` when all are active. */
export function offerCountText(c: OfferCounts): string {
  const all = `${formatCount(c.total)} ${c.total === 1 ? 'offer' : 'offers'}`;
  return c.active === c.total ? all : `${all} · ${formatCount(c.active)} active`;
}

/** The Offers tab badge's words (its number is `active`). */
export function activeOffersLabel(c: OfferCounts): string {
  return `${formatCount(c.active)} active ${c.active === 1 ? 'offer' : 'offers'}`;
}
