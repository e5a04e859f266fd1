/**
 * R, the often-offline recipient core, against the real L2 core: offer paths, the static invoice
 * handed over and confirmed before the offer is published, refreshes, releases, a forwarded
 * invoice_request, and the checks on a payment to the static invoice. Real keys, real blinded paths
 * and contexts, real SQLite stores.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256, toHex } from '../../../../core/crypto';
import type { Offer } from '../../../../core/offers';
import { buildInvoiceRequest, decodeOffer, decodeStaticInvoice } from '../../../../core/offers';
import { processBlindedHop } from '../../../../core/onion';
import type { AsyncDelivery } from '../../../../core/payments';
import { encodeAsyncContext } from '../../../../core/payments';
import type { BlindedPath } from '../../../../core/wire';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE, encodeAsyncOnionMessage } from '../../../../core/wire';
import type { AsyncLab } from './support';
import { REGTEST } from './support';
import { L2, PAYER, R, setup } from './roles';

/** The default profile's (LDK 0.2's) form of the async payments messages: each stream after its length. */
const LDK_FORM = { lengthPrefixed: DEFAULT_ASYNC_PAYMENTS_PROFILE.lengthPrefixedMessages };

const types = (lab: AsyncLab) => lab.events.map((e) => (e as { type: string }).type);

/** The path_id R's payment path carries to R (peeled at L2, then at R, as the HTLC would be). */
function pathIdOf(path: BlindedPath): Uint8Array {
  const atL2 = processBlindedHop({ privateKey: L2.secret, pathKey: path.firstPathKey, encryptedRecipientData: path.hops[0]!.encryptedRecipientData });
  const atR = processBlindedHop({ privateKey: R.secret, pathKey: atL2.nextPathKey, encryptedRecipientData: path.hops[1]!.encryptedRecipientData });
  return atR.data.pathId!;
}

function invoiceRequestFor(offer: Offer, amount?: bigint): Uint8Array {
  return buildInvoiceRequest(offer, { payerId: PAYER.id, metadata: new Uint8Array(16).fill(1), ...(amount !== undefined ? { amount } : {}) }).sign(PAYER.secret, new Uint8Array(32)).bytes;
}

describe('R: an offer served by L2', () => {
  it('asks for paths, hands over a static invoice, and publishes the offer only once L2 has it', () => {
    const { lab, recipient, l2store } = setup();
    lab.goOffline('L2'); // nothing is answered yet
    lab.run('R', recipient.current.tick(lab.now));
    expect(recipient.current.readyOffer()).toBeUndefined();
    lab.comeOnline('L2');
    expect(lab.names()).toEqual(['R>L2:offer_paths_request', 'R>L2:offer_paths_request', 'L2>R:offer_paths', 'R>L2:serve_static_invoice', 'L2>R:static_invoice_persisted']);
    expect(types(lab)).toEqual(['async.offer_paths_requested', 'async.offer_paths_given', 'async.static_invoice_sent', 'async.static_invoice_stored', 'async.offer_ready']);
    const offerText = recipient.current.readyOffer()!;
    const offer = decodeOffer(offerText, { nowSeconds: lab.now / 1000, chains: [REGTEST] });
    // The offer's paths end at L2; its issuer id is R's (the static invoice's signer).
    expect(offer.fields.paths![0]!.firstNodeId).toEqual({ kind: 'node_id', nodeId: L2.id });
    expect(toHex(offer.fields.issuerId!)).toBe(R.idHex);
    const stored = l2store.getStaticInvoice(R.idHex, 0)!;
    const inv = decodeStaticInvoice(stored.invoice, { nowSeconds: lab.now / 1000, chains: [REGTEST] });
    expect(inv.invoice.paths![0]!.firstNodeId).toEqual({ kind: 'node_id', nodeId: L2.id });
    expect(inv.invoice.heldHtlcAvailablePaths![0]!.firstNodeId).toEqual({ kind: 'node_id', nodeId: L2.id });
    expect(stored.offerId).toBe(recipient.current.offers()[0]!.offerId);
  });

  it('without payment paths (no chain tip yet) it serves no static invoice: refused with a reason, the slot unchanged; served once paths are there', () => {
    const none = { current: true };
    const { lab, recipient, l2store } = setup({ noPaymentPaths: none });
    lab.run('R', recipient.current.tick(lab.now));
    expect(lab.names()).toEqual(['R>L2:offer_paths_request', 'L2>R:offer_paths']);
    expect(lab.events).toContainEqual({ type: 'async.refused', role: 'recipient', message: 'serve_static_invoice', reason: 'no_payment_paths', recipient: null });
    expect(recipient.current.offers()).toMatchObject([{ slot: 0, status: 'requested', offer: null }]);
    expect(recipient.current.readyOffer()).toBeUndefined();
    expect(l2store.getStaticInvoice(R.idHex, 0)).toBeUndefined();
    // The tip is known: the slot, overdue, asks again and this time the invoice is built, served and confirmed.
    none.current = false;
    lab.now += 3600 * 1000;
    lab.run('R', recipient.current.tick(lab.now));
    expect(recipient.current.readyOffer()).toMatch(/^lno1/);
    expect(decodeStaticInvoice(l2store.getStaticInvoice(R.idHex, 0)!.invoice, { nowSeconds: lab.now / 1000, chains: [REGTEST] }).invoice.paths).toHaveLength(1);
  });

  it('a refresh without payment paths keeps the served invoice and the ready offer', () => {
    const none = { current: false };
    const { lab, recipient, l2store } = setup({ noPaymentPaths: none });
    lab.run('R', recipient.current.tick(lab.now));
    const offer = recipient.current.readyOffer()!;
    const served = l2store.getStaticInvoice(R.idHex, 0)!.invoice;
    none.current = true;
    const expires = recipient.current.offers()[0]!.invoiceExpiresAt!;
    lab.now = expires * 1000 - 60_000; // inside the refresh window
    lab.events.length = 0;
    lab.run('R', recipient.current.tick(lab.now));
    expect(lab.events).toEqual([{ type: 'async.refused', role: 'recipient', message: 'serve_static_invoice', reason: 'no_payment_paths', recipient: null }]);
    expect(recipient.current.readyOffer()).toBe(offer);
    expect(l2store.getStaticInvoice(R.idHex, 0)!.invoice).toEqual(served);
  });

  it('refreshInvoices serves a fresh invoice for the same offer now (the paths\' basis changed), and nothing for a slot without an offer', () => {
    const { lab, recipient, l2store } = setup();
    // Nothing served yet: nothing to refresh.
    expect(recipient.current.refreshInvoices(lab.now)).toEqual({ writes: [], actions: [], events: [] });
    lab.run('R', recipient.current.tick(lab.now));
    const offer = recipient.current.readyOffer()!;
    const served = l2store.getStaticInvoice(R.idHex, 0)!;
    lab.now += 120_000; // past L2's one serve a minute for R
    lab.events.length = 0;
    lab.run('R', recipient.current.refreshInvoices(lab.now));
    expect(types(lab)).toEqual(['async.static_invoice_sent', 'async.static_invoice_stored']);
    const again = l2store.getStaticInvoice(R.idHex, 0)!;
    expect(again.offerId).toBe(served.offerId);
    expect(again.invoice).not.toEqual(served.invoice);
    expect(again.createdAt).toBe(served.createdAt + 120);
    expect(recipient.current.readyOffer()).toBe(offer);
    expect(recipient.current.offers()).toMatchObject([{ slot: 0, status: 'ready', invoiceCreatedAt: again.createdAt }]);
  });

  it('without static_invoice_persisted the offer is never ready; it asks again after the retry time', () => {
    const { lab, recipient } = setup();
    lab.run('R', recipient.current.tick(lab.now));
    // Drop what L2 answered: R saw offer_paths and served, but a lost confirmation leaves the slot serving.
    expect(recipient.current.readyOffer()).toBeDefined();
    const s2 = setup();
    const l2 = s2.lab.roles.get('L2')!;
    s2.lab.roles.set('L2', { ...l2, handle: (n, d, now) => (n === 'serve_static_invoice' ? undefined : l2.handle(n, d, now)) });
    s2.lab.run('R', s2.recipient.current.tick(s2.lab.now));
    expect(s2.recipient.current.readyOffer()).toBeUndefined();
    expect(s2.recipient.current.offers()[0]!.status).toBe('serving');
    s2.lab.now += 3600 * 1000;
    s2.lab.roles.set('L2', l2);
    s2.lab.run('R', s2.recipient.current.tick(s2.lab.now));
    expect(s2.recipient.current.readyOffer()).toBeDefined();
  });

  it('serves a fresh invoice for the same offer before the old one expires, and survives a restart', () => {
    const { lab, recipient, l2store, restart } = setup();
    lab.run('R', recipient.current.tick(lab.now));
    const offer = recipient.current.readyOffer();
    const first = l2store.getStaticInvoice(R.idHex, 0)!;
    restart();
    expect(recipient.current.readyOffer()).toBe(offer);
    lab.now += (14 * 24 - 1) * 3600 * 1000; // one hour before expiry
    lab.log.length = 0;
    lab.run('R', recipient.current.tick(lab.now));
    expect(lab.names()).toEqual(['R>L2:serve_static_invoice', 'L2>R:static_invoice_persisted']);
    const second = l2store.getStaticInvoice(R.idHex, 0)!;
    expect(second.expiresAt).toBeGreaterThan(first.expiresAt);
    expect(second.offerId).toBe(first.offerId);
    expect(recipient.current.readyOffer()).toBe(offer);
  });

  it('refuses offer paths that expire too soon, and messages over paths it did not build', () => {
    const { lab, recipient } = setup();
    lab.goOffline('L2');
    lab.run('R', recipient.current.tick(lab.now));
    const ctx = R.contextOf(R.pathTo(encodeAsyncContext({ kind: 'offer_paths', slot: 0, expiresAt: lab.now / 1000 + 60 })));
    const short: AsyncDelivery = {
      bytes: encodeAsyncOnionMessage({ type: 'offer_paths', paths: [L2.pathTo(new Uint8Array([1]))], pathsAbsoluteExpiry: BigInt(lab.now / 1000 + 86400) }, LDK_FORM),
      context: ctx, replyPath: L2.pathTo(new Uint8Array([2])),
    };
    const step = recipient.current.handleOfferPaths(short, lab.now);
    expect(step.events).toMatchObject([{ type: 'async.refused', reason: 'paths_expire_too_soon' }]);
    expect(recipient.current.handleOfferPaths({ ...short, context: undefined }, lab.now).events).toMatchObject([{ reason: 'bad_context' }]);
    expect(recipient.current.handleStaticInvoicePersisted({ bytes: new Uint8Array(0), context: undefined, replyPath: undefined }, lab.now).events).toMatchObject([{ reason: 'bad_context' }]);
  });
});

describe('R: a request or serve L2 does not answer is sent again, with backoff', () => {
  /** L2 reads what R sends but answers none of `dropped` (the answer, or the message, lost). */
  function deaf(s: ReturnType<typeof setup>, dropped: readonly string[]) {
    const l2 = s.lab.roles.get('L2')!;
    s.lab.roles.set('L2', { ...l2, handle: (n, d, now) => (dropped.includes(n) ? undefined : l2.handle(n, d, now)) });
    return () => s.lab.roles.set('L2', l2);
  }
  /** R's ticks every second for `ms`: the times (ms after the start) at which it sent `name`. */
  function run(s: ReturnType<typeof setup>, ms: number, name: string): number[] {
    const start = s.lab.now;
    const sent: number[] = [];
    for (let t = 0; t < ms; t += 1_000) {
      s.lab.now = start + t;
      s.lab.log.length = 0;
      s.lab.run('R', s.recipient.current.tick(s.lab.now));
      if (s.lab.names().includes(`R>L2:${name}`)) sent.push(t);
    }
    s.lab.now = start + ms;
    return sent;
  }

  it('an unanswered serve goes again 65 s later, then twice as long each time, at most an hour apart; the answer to the last makes the offer ready', () => {
    const s = setup();
    const hear = deaf(s, ['serve_static_invoice']);
    // The first serve at 0, then 65, 130, 260, 520, 1040, 2080 s apart, then an hour.
    const sent = run(s, 3 * 3600 * 1000, 'serve_static_invoice');
    const gaps = sent.slice(1).map((t, i) => (t - sent[i]!) / 1000);
    expect(sent[0]).toBe(0);
    expect(gaps).toEqual([65, 130, 260, 520, 1040, 2080, 3600, 3600].slice(0, gaps.length));
    expect(gaps.length).toBeGreaterThanOrEqual(7);
    expect(s.recipient.current.offers()).toMatchObject([{ status: 'serving', servedPayInfo: null, awaiting: { kind: 'invoice', attempts: sent.length } }]);
    expect(s.recipient.current.readyOffer()).toBeUndefined();
    // L2 answers again: the next retry is confirmed, and the slot keeps what its invoice's path asks.
    hear();
    const at = s.recipient.current.retryAt(s.recipient.current.offers()[0]!)!;
    s.lab.now = at;
    s.lab.run('R', s.recipient.current.tick(s.lab.now));
    expect(s.recipient.current.readyOffer()).toBeDefined();
    // The stand-in forwarder of roles.ts (fee 1,000 msat + 100 ppm, CLTV delta 40) plus R's min_final_cltv_expiry_delta of 18.
    expect(s.recipient.current.offers()).toMatchObject([{ status: 'ready', awaiting: null, servedPayInfo: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 58 } }]);
    expect(s.recipient.current.retryAt(s.recipient.current.offers()[0]!)).toBeNull();
  });

  it('an unanswered offer_paths_request goes again with the same backoff, and a refresh of a ready offer too; the attempts survive a restart', () => {
    const s = setup();
    const hear = deaf(s, ['offer_paths_request']);
    const asked = run(s, 400_000, 'offer_paths_request');
    expect(asked.map((t) => t / 1000)).toEqual([0, 65, 195]);
    s.restart();
    expect(s.recipient.current.offers()).toMatchObject([{ status: 'requested', awaiting: { kind: 'paths', attempts: 3 } }]);
    // After the restart the backoff goes on where it was: the 4th 260 s after the 3rd (sent at 195 s).
    expect(s.recipient.current.retryAt(s.recipient.current.offers()[0]!)).toBe(s.lab.now - 400_000 + (195 + 260) * 1000);
    hear();
    s.lab.now = s.recipient.current.retryAt(s.recipient.current.offers()[0]!)!;
    s.lab.run('R', s.recipient.current.tick(s.lab.now));
    const offer = s.recipient.current.readyOffer()!;
    expect(offer).toBeDefined();

    // A refresh (the invoice near its expiry) whose confirmation is lost: the published offer stays, the serve goes again.
    const hearServes = deaf(s, ['serve_static_invoice']);
    s.lab.now += (14 * 24 - 1) * 3600 * 1000;
    const refreshed = run(s, 200_000, 'serve_static_invoice');
    expect(refreshed.map((t) => t / 1000)).toEqual([0, 65, 195]);
    expect(s.recipient.current.readyOffer()).toBe(offer);
    expect(s.recipient.current.offers()).toMatchObject([{ status: 'ready', awaiting: { kind: 'invoice', attempts: 3 } }]);
    hearServes();
    s.lab.now = s.recipient.current.retryAt(s.recipient.current.offers()[0]!)!;
    s.lab.events.length = 0;
    s.lab.run('R', s.recipient.current.tick(s.lab.now));
    expect(s.recipient.current.offers()).toMatchObject([{ status: 'ready', awaiting: null }]);
    // No new offer: a refresh's confirmation only updates the record.
    expect(types(s.lab)).toEqual(['async.static_invoice_sent', 'async.static_invoice_stored']);
  });

  it('the answer to an older serve does not end the wait for a newer one', () => {
    const s = setup();
    s.lab.run('R', s.recipient.current.tick(s.lab.now));
    const [slot] = s.recipient.current.offers();
    expect(slot).toMatchObject({ status: 'ready', awaiting: null });
    // A serve a minute ago whose answer comes now, while a newer serve (sent now) waits for its own.
    s.lab.now += 3_600_000;
    const old = encodeAsyncContext({ kind: 'static_invoice_persisted', slot: 0, offerId: slot!.offerId!, expiresAt: Math.floor(s.lab.now / 1000) - 60 + 7200 });
    s.lab.run('R', s.recipient.current.refreshInvoices(s.lab.now));
    const waiting = s.recipient.current.offers()[0]!.awaiting;
    expect(waiting).toBeNull(); // L2 answered the refresh at once
    const l2 = s.lab.roles.get('L2')!;
    s.lab.roles.set('L2', { ...l2, handle: (n, d, now) => (n === 'serve_static_invoice' ? undefined : l2.handle(n, d, now)) });
    s.lab.now += 120_000;
    s.lab.run('R', s.recipient.current.refreshInvoices(s.lab.now));
    expect(s.recipient.current.offers()[0]!.awaiting).toMatchObject({ kind: 'invoice', attempts: 1 });
    const step = s.recipient.current.handleStaticInvoicePersisted({ bytes: new Uint8Array(0), context: old, replyPath: undefined }, s.lab.now);
    expect(step).toEqual({ writes: [], actions: [], events: [] });
    expect(s.recipient.current.offers()[0]!.awaiting).toMatchObject({ kind: 'invoice', attempts: 1 });
  });
});

describe('R online: releases and forwarded requests', () => {
  it('answers held_htlc_available over its invoice\'s message path with release_held_htlc, and nothing over other paths', () => {
    const { lab, recipient, l2store } = setup();
    lab.run('R', recipient.current.tick(lab.now));
    const inv = decodeStaticInvoice(l2store.getStaticInvoice(R.idHex, 0)!.invoice, { nowSeconds: lab.now / 1000, chains: [REGTEST] });
    const holderReply = PAYER.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId: '00'.repeat(32), expiresAt: lab.now / 1000 + 600 }));
    const step = recipient.current.handleHeldHtlcAvailable({ bytes: new Uint8Array(0), context: R.contextOf(inv.invoice.heldHtlcAvailablePaths![0]!), replyPath: holderReply }, lab.now);
    expect(step.actions).toMatchObject([{ kind: 'reply', message: { name: 'release_held_htlc', tlvType: 74n } }]);
    const forged = recipient.current.handleHeldHtlcAvailable({ bytes: new Uint8Array(0), context: undefined, replyPath: holderReply }, lab.now);
    expect(forged.actions).toEqual([]);
  });

  it('a forwarded invoice_request for its offer becomes an ordinary invoice to issue; one for another offer is refused', () => {
    const { lab, recipient, l2store } = setup();
    lab.run('R', recipient.current.tick(lab.now));
    const offer = decodeOffer(recipient.current.readyOffer()!, { nowSeconds: lab.now / 1000, chains: [REGTEST] });
    const payerReply = PAYER.pathTo(new Uint8Array([7]));
    const forward = l2store.getStaticInvoice(R.idHex, 0)!.forwardPath;
    lab.deliver({ from: 'L2', to: 'R', name: 'invoice_request', bytes: invoiceRequestFor(offer), path: forward, replyPath: payerReply });
    expect(lab.other).toMatchObject([{ role: 'R', action: { kind: 'issue_invoice', offerId: recipient.current.offers()[0]!.offerId, replyPath: payerReply } }]);
    const step = recipient.current.handleForwardedInvoiceRequest({ bytes: new Uint8Array([0, 1, 0]), context: R.contextOf(forward), replyPath: payerReply }, lab.now);
    expect(step.events).toMatchObject([{ type: 'async.refused', reason: 'bad_invoice_request' }]);
  });
});

describe('R: a payment to its static invoice', () => {
  function paid() {
    const s = setup();
    s.lab.run('R', s.recipient.current.tick(s.lab.now));
    const offer = decodeOffer(s.recipient.current.readyOffer()!, { nowSeconds: s.lab.now / 1000, chains: [REGTEST] });
    const inv = decodeStaticInvoice(s.l2store.getStaticInvoice(R.idHex, 0)!.invoice, { nowSeconds: s.lab.now / 1000, chains: [REGTEST] });
    const pathId = pathIdOf(inv.invoice.paths![0]!);
    const preimage = new Uint8Array(32).fill(0xab);
    const good = { pathId, paymentHash: sha256(preimage), amountMsat: 50_000n, invoiceRequest: invoiceRequestFor(offer), senderPreimage: preimage };
    return { ...s, offer, good, preimage };
  }

  it('accepts a payment whose invoice_request verifies, whose preimage hashes to the payment hash, for the amount asked', () => {
    const { recipient, lab, good, preimage } = paid();
    const check = recipient.current.checkPayment(good, lab.now);
    expect(check).toMatchObject({ accept: true, slot: 0, preimage });
  });

  it('refuses a missing invoice_request, a smaller amount, a bad payment context (tag), a wrong preimage, an expired invoice, a request for another offer', () => {
    const { recipient, lab, good, offer } = paid();
    const reason = (p: Partial<typeof good>, now = lab.now) => {
      const c = recipient.current.checkPayment({ ...good, ...p }, now);
      return c.accept ? 'accepted' : c.reason;
    };
    expect(reason({ invoiceRequest: undefined })).toBe('missing_invoice_request');
    expect(reason({ amountMsat: 49_999n })).toBe('amount_mismatch');
    expect(reason({ invoiceRequest: invoiceRequestFor(offer, 60_000n), amountMsat: 55_000n })).toBe('amount_mismatch');
    const tampered = good.pathId.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(reason({ pathId: tampered })).toBe('bad_payment_context');
    expect(reason({ pathId: new Uint8Array(16) })).toBe('not_async');
    expect(reason({ senderPreimage: new Uint8Array(32) })).toBe('preimage_mismatch');
    expect(reason({ senderPreimage: undefined })).toBe('missing_preimage');
    expect(reason({}, lab.now + 15 * 24 * 3600 * 1000)).toBe('expired');
    const notOurs = invoiceRequestFor({ ...offer, records: offer.records.map((r) => (r.type === 10n ? { type: 10n, value: new TextEncoder().encode('tea') } : r)) } as Offer);
    expect(reason({ invoiceRequest: notOurs })).toBe('bad_invoice_request');
  });

  it('any payment input gives a decision, never a throw', () => {
    const { recipient, lab, good } = paid();
    fc.assert(
      fc.property(fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }), fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }), fc.bigInt({ min: 0n, max: 1n << 40n }), (pathId, invreq, amount) => {
        const c = recipient.current.checkPayment({ ...good, pathId, invoiceRequest: invreq, amountMsat: amount }, lab.now);
        expect(typeof c.accept).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});
