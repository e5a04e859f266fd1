import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Bolt12Decoded } from '../../../core/api/offers';
import {
  answerApplies, checkCount, checkFetchForm, checkOfferForm, checkRefundForm, checkSendInvoice, cleanPasted, emptyFetchDraft, emptyOfferDraft, emptyRefundDraft,
  offerTerms, parseLocalDateTime, toLocalDateTime, type OfferDraft,
} from '../../../renderer/src/lib/offer-form';

const PEER = '02' + 'ab'.repeat(32);
const NOW = new Date(2026, 0, 10, 12, 0).getTime();
const ctx = { nowMs: NOW, connected: [PEER] };
const draft = (over: Partial<OfferDraft>): OfferDraft => ({ ...emptyOfferDraft(), ...over });

function decodedOffer(fields: Record<string, unknown>, over: Partial<Bolt12Decoded> = {}): Bolt12Decoded {
  return { kind: 'offer', prefix: 'lno', valid: true, fields, unknownTlvs: [], errors: [], ...over };
}

describe('create offer form', () => {
  it('builds createOffer parameters from a complete form', () => {
    const c = checkOfferForm(
      draft({ amount: '1,500', description: ' Coffee ', issuer: 'shop@example.com', quantity: 'max', quantityMax: '3', expires: true, expiry: '2026-01-11T09:30', pathVia: [PEER] }),
      ctx,
    );
    expect(c.problems).toEqual({});
    expect(c.params).toEqual({
      description: 'Coffee',
      amountMsat: '1500000',
      issuer: 'shop@example.com',
      quantityMax: '3',
      absoluteExpiry: Math.floor(new Date(2026, 0, 11, 9, 30).getTime() / 1000),
      paths: [[PEER]],
    });
  });

  it('lets the payer choose the amount, with or without a description', () => {
    expect(checkOfferForm(draft({ amountMode: 'any' }), ctx).params).toEqual({ description: '' });
    expect(checkOfferForm(draft({ amountMode: 'any', quantity: 'unlimited' }), ctx).params).toEqual({ description: '', quantityMax: '0' });
  });

  it('names each problem next to its field', () => {
    const c = checkOfferForm(draft({ amount: '0', quantity: 'max', quantityMax: '0', expires: true, expiry: '2026-01-01T00:00', pathVia: ['03' + 'cd'.repeat(32)] }), ctx);
    expect(c.params).toBeNull();
    expect(c.problems.amount).toContain('more than zero');
    expect(c.problems.description).toContain('required when the offer has a price');
    expect(c.problems.quantityMax).toContain('at least 1');
    expect(c.problems.expiry).toContain('passed');
    expect(c.problems.pathVia).toContain('no longer connected');
    expect(checkOfferForm(draft({ amount: '', description: 'x' }), ctx).problems.amount).toContain('Any amount');
    expect(checkOfferForm(draft({ amountMode: 'any', description: 'x'.repeat(1001) }), ctx).problems.description).toContain('at most 1000');
  });

  it('reads datetime-local text in local time and refuses impossible dates', () => {
    expect(parseLocalDateTime('2026-03-01T08:05')).toBe(Math.floor(new Date(2026, 2, 1, 8, 5).getTime() / 1000));
    expect(parseLocalDateTime('2026-02-30T08:05')).toBeNull();
    expect(parseLocalDateTime('tomorrow')).toBeNull();
    const s = Math.floor(new Date(2026, 5, 7, 23, 59).getTime() / 1000);
    expect(parseLocalDateTime(toLocalDateTime(s))).toBe(s);
  });

  it('gives parameters or problems for any form, never both and never a throw (property)', () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '1', '1.5', '0', '10,000', '2026-01-11T09:30'));
    fc.assert(
      fc.property(
        fc.record({
          amountMode: fc.constantFrom('fixed' as const, 'any' as const), amount: text, unit: fc.constantFrom('sat' as const, 'msat' as const),
          description: text, issuer: text, quantity: fc.constantFrom('one' as const, 'max' as const, 'unlimited' as const), quantityMax: text,
          expires: fc.boolean(), expiry: text, pathVia: fc.array(fc.constantFrom(PEER, '03' + '00'.repeat(32)), { maxLength: 3 }),
        }),
        (d) => {
          const c = checkOfferForm(d, ctx);
          return (c.params === null) === Object.keys(c.problems).length > 0;
        },
      ),
    );
  });

  it('counts whole items only, up to 2^64 - 1', () => {
    expect(checkCount('1,000', 'items')).toEqual({ ok: true, value: 1000n });
    expect(checkCount('18446744073709551616', 'items').ok).toBe(false);
    expect(checkCount('2.5', 'items').ok).toBe(false);
  });
});

describe('fetch invoice form', () => {
  it('requires an amount when the offer leaves it to the payer, and a quantity when it sells several', () => {
    const any = decodedOffer({ offer_description: 'tips' });
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x' }, any).problems.amount).toContain('leaves the amount to you');
    const several = decodedOffer({ offer_amount: '1000', offer_quantity_max: '5' });
    const c = checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x', quantity: '6' }, several);
    expect(c.problems.quantity).toContain('at most 5');
    const ok = checkFetchForm({ ...emptyFetchDraft(), offer: ' lightning:lno1x ', quantity: '2', payerNote: 'thanks' }, several);
    expect(ok.params).toEqual({ offer: 'lno1x', quantity: '2', payerNote: 'thanks', timeoutSeconds: 30 });
  });

  it('refuses less than the price times the quantity, and a quantity the offer does not take', () => {
    const priced = decodedOffer({ offer_amount: '5000', offer_quantity_max: '0' });
    const c = checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x', quantity: '3', amount: '14', unit: 'sat' }, priced);
    expect(c.problems.amount).toBe('At least 15 sat (the offer’s price × 3).');
    const single = decodedOffer({ offer_amount: '5000' });
    // BOLT 12: no offer_quantity_max, no invreq_quantity: the hidden field is never sent, whatever it holds.
    const one = checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x', quantity: '2' }, single);
    expect(one.problems).toEqual({});
    expect(one.params).not.toHaveProperty('quantity');
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x', amount: '6', unit: 'sat' }, single).params).toMatchObject({ amountMsat: '6000' });
  });

  it('starts the quantity at 1, so an offer that sells several can be asked at once', () => {
    const several = decodedOffer({ offer_amount: '1000', offer_quantity_max: '5' });
    expect(emptyFetchDraft().quantity).toBe('1');
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x' }, several).params).toEqual({ offer: 'lno1x', quantity: '1', timeoutSeconds: 30 });
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x', quantity: '' }, several).problems.quantity).toBeDefined();
  });

  it('shows an answer only while the field holds the offer it was about', () => {
    expect(answerApplies('lno1abc', 'lno1abc')).toBe(true);
    expect(answerApplies('lno1abc', '  lightning:lno1abc\n')).toBe(true);
    expect(answerApplies('lno1abc', 'lno1ab')).toBe(false);
    expect(answerApplies('lno1abc', '')).toBe(false);
    expect(answerApplies(null, 'lno1abc')).toBe(false);
  });

  it('says when the pasted string is not a usable offer', () => {
    expect(checkFetchForm(emptyFetchDraft(), null).problems.offer).toContain('Paste an offer');
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x' }, null).problems.offer).toContain('Reading');
    const refund: Bolt12Decoded = { kind: 'invoice_request', valid: true, refund: true, fields: {}, unknownTlvs: [], errors: [] };
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lnr1x' }, refund).problems.offer).toBe('This is a refund, not an offer.');
    const broken = decodedOffer({}, { valid: false, errors: [{ code: 'offer.expired', family: 'semantic', message: 'the offer expired', explanation: '' }] });
    expect(checkFetchForm({ ...emptyFetchDraft(), offer: 'lno1x' }, broken).problems.offer).toBe('The offer has an error: the offer expired.');
    expect(offerTerms(decodedOffer({ offer_amount: '100', offer_currency: 'USD' }))).toEqual({ amountMsat: null, currency: 'USD', quantityMax: null });
    expect(cleanPasted('  LIGHTNING:lno1abc\n')).toBe('lno1abc');
  });
});

describe('refunds', () => {
  it('builds createRefund parameters and names what is missing', () => {
    expect(checkRefundForm(emptyRefundDraft(), ctx).problems).toMatchObject({ amount: expect.stringContaining('pay back'), description: expect.stringContaining('what the refund is for') });
    const c = checkRefundForm({ ...emptyRefundDraft(), amount: '250', description: 'returned mug', pathVia: [PEER] }, ctx);
    expect(c.params).toEqual({ description: 'returned mug', amountMsat: '250000', paths: [[PEER]] });
  });

  it('answers only a valid refund with an invoice', () => {
    const refund: Bolt12Decoded = { kind: 'invoice_request', valid: true, refund: true, fields: {}, unknownTlvs: [], errors: [] };
    expect(checkSendInvoice('lnr1abc', refund).params).toEqual({ refund: 'lnr1abc', timeoutSeconds: 5 });
    expect(checkSendInvoice('lno1abc', decodedOffer({})).problems.refund).toContain('This is an offer');
    expect(checkSendInvoice('', null).problems.refund).toContain('Paste a refund');
  });
});
