import { describe, expect, it } from 'vitest';
import type { NodeEvent } from '../../../core/api/events';
import type { InvoiceInfo, InvoiceRequestInfo, OfferInfo } from '../../../core/api/offers';
import {
  activeOffersLabel, applyOfferEvent, historyOf, ignoredReason, offerCountText, offerCounts, offerExpired, reduceOffers, seedHistory, sortOffers,
} from '../../../renderer/src/lib/offers';

const OFFER = 'aa'.repeat(32);
const OTHER = 'bb'.repeat(32);
let seq = 0;
const ev = (body: Record<string, unknown>, time = 1000): NodeEvent => ({ seq: ++seq, time, ...body }) as unknown as NodeEvent;

function request(over: Partial<InvoiceRequestInfo>): InvoiceRequestInfo {
  return {
    requestId: 'r1', role: 'received', offerId: OFFER, bolt12: 'lnr1', status: 'invoice', amountMsat: '5000', quantity: null, payerNote: null, payerId: null,
    description: null, issuer: null, invoiceId: 'i1', error: null, createdAt: 100, updatedAt: 100, ...over,
  };
}

const invoice = { invoiceId: 'i1', role: 'issued', amountMsat: '5000', paymentHash: 'ph' } as InvoiceInfo;

function offer(over: Partial<OfferInfo>): OfferInfo {
  return {
    offerId: OFFER, bolt12: 'lno1', status: 'active', description: 'coffee', amountMsat: '1000', issuer: null, quantityMax: null, absoluteExpiry: null, issuerId: null,
    paths: [], createdAt: 1, disabledAt: null, invoicesIssued: 0, ...over,
  };
}

describe('offer history', () => {
  it('seeds rows from stored requests with their invoices and errors, newest first', () => {
    const rows = seedHistory(
      [
        request({}),
        request({ requestId: 'r2', status: 'invoice_error', invoiceId: null, createdAt: 200, error: { code: 'offer.expired', message: 'expired', erroneousField: '14' } }),
        request({ requestId: 'r3', role: 'sent' }),
      ],
      [invoice],
    );
    expect(rows.map((r) => r.key)).toEqual(['r2', 'r1']);
    expect(rows[1]!.invoice).toEqual({ invoiceId: 'i1', amountMsat: '5000', paymentHash: 'ph' });
    expect(rows[0]!.outcome).toBe('invoice_error');
  });

  it('follows a request live: arrival, then our invoice, matched by request id', () => {
    let rows = applyOfferEvent([], ev({ type: 'offer.invoice_request_received', offerId: OFFER, requestId: 'r9', messageId: 'm9', amountMsat: '2000', quantity: '2', payerNote: 'hi', viaPath: true }));
    expect(rows[0]).toMatchObject({ key: 'r9', outcome: 'pending', amountMsat: '2000', quantity: '2', payerNote: 'hi', viaPath: true, arrivals: 1 });
    rows = applyOfferEvent(rows, ev({ type: 'offer.invoice_issued', offerId: OFFER, requestId: 'r9', messageId: 'm9', invoiceId: 'i9', paymentHash: 'p9', amountMsat: '2000' }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'invoice', invoice: { invoiceId: 'i9', amountMsat: '2000', paymentHash: 'p9' } });
    // The same request again (LDK sends twice) counts as a second arrival of one row.
    rows = applyOfferEvent(rows, ev({ type: 'offer.invoice_request_received', offerId: OFFER, requestId: 'r9', messageId: 'm10', amountMsat: '2000', quantity: '2', payerNote: 'hi', viaPath: true }));
    expect(rows[0]!.arrivals).toBe(2);
  });

  it('records invoice_errors and ignored requests, keyed by message when the request had no id', () => {
    let rows = applyOfferEvent([], ev({ type: 'offer.invoice_error_sent', offerId: null, requestId: null, messageId: 'm1', code: 'bolt12.parse.bad_tlv', error: 'bad', erroneousField: null }));
    expect(rows[0]).toMatchObject({ key: 'm:m1', outcome: 'invoice_error', error: { code: 'bolt12.parse.bad_tlv', message: 'bad', erroneousField: null } });
    rows = applyOfferEvent(rows, ev({ type: 'offer.invoice_request_ignored', offerId: OFFER, requestId: 'r5', messageId: 'm5', reason: 'no_reply_path' }));
    expect(rows[0]).toMatchObject({ key: 'r5', outcome: 'ignored' });
    expect(rows[0]!.error!.message).toBe('Ignored: it carried no reply path to answer over.');
    expect(historyOf(rows, OFFER).map((r) => r.key)).toEqual(['r5']);
    expect(ignoredReason('something_new')).toBe('Ignored (something_new).');
    // Events that are not about requests leave the history alone.
    expect(applyOfferEvent(rows, ev({ type: 'offer.disabled', offerId: OFFER }))).toBe(rows);
  });
});

describe('offers list', () => {
  it('adds created offers, marks disabled ones, counts invoices, and sorts active first', () => {
    let list = reduceOffers([], ev({ type: 'offer.created', offerId: OFFER, offer: offer({}) }), 5);
    list = reduceOffers(list, ev({ type: 'offer.created', offerId: OFFER, offer: offer({}) }), 5);
    expect(list).toHaveLength(1);
    list = reduceOffers(list, ev({ type: 'offer.invoice_issued', offerId: OFFER, requestId: 'r', messageId: 'm', invoiceId: 'i', paymentHash: 'p', amountMsat: '1' }), 6);
    expect(list[0]!.invoicesIssued).toBe(1);
    list = reduceOffers(list, ev({ type: 'offer.disabled', offerId: OFFER }), 7);
    expect(list[0]).toMatchObject({ status: 'disabled', disabledAt: 7 });
    const sorted = sortOffers([...list, offer({ offerId: OTHER, createdAt: 0 })]);
    expect(sorted.map((o) => o.offerId)).toEqual([OTHER, OFFER]);
    expect(offerExpired({ absoluteExpiry: 10 }, 10_000)).toBe(true);
    expect(offerExpired({ absoluteExpiry: null }, 10_000)).toBe(false);
  });
});

describe('offer history seeded while events arrive', () => {
  it('does not count an event already in the stored rows as a second arrival', () => {
    const seeded = seedHistory([request({ requestId: 'r7', status: 'invoice' })], [invoice]);
    const raced = ev({ type: 'offer.invoice_request_received', offerId: OFFER, requestId: 'r7', messageId: 'm7', amountMsat: '5000', quantity: null, payerNote: null, viaPath: false });
    expect(applyOfferEvent(seeded, raced, { replay: true })[0]!.arrivals).toBe(1);
    expect(applyOfferEvent(seeded, raced)[0]!.arrivals).toBe(2);
  });
});

describe('offer counts', () => {
  it('counts the same active offers for the tab badge and the card (disabled and expired ones are not active)', () => {
    const offers = [offer({ offerId: '1' }), offer({ offerId: '2' }), offer({ offerId: '3', status: 'disabled' }), offer({ offerId: '4', absoluteExpiry: 5 })];
    const c = offerCounts(offers, 10_000);
    expect(c).toEqual({ total: 4, active: 2 });
    expect(offerCountText(c)).toBe('4 offers · 2 active');
    expect(activeOffersLabel(c)).toBe('2 active offers');
    expect(offerCountText(offerCounts([offer({})], 0))).toBe('1 offer');
    expect(offerCountText(offerCounts([], 0))).toBe('0 offers');
  });
});
