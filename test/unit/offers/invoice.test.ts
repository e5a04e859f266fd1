import { describe, expect, it } from 'vitest';
import { sha256, toHex } from '../../../core/crypto';
import { ByteWriter } from '../../../core/wire';
import type { InvoiceParams, Offer, OfferParams } from '../../../core/offers';
import {
  Bolt12SemanticError,
  INVOICE_FEATURE_MPP_OPTIONAL,
  SIGNATURE_TAGS,
  analyzeInvoice,
  buildInvoice,
  buildInvoiceRequest,
  buildOffer,
  buildRefund,
  checkInvoiceMatchesRequest,
  decodeInvoice,
  encodeInvoice,
  featuresFromBits,
  usablePathIndexes,
} from '../../../core/offers';
import { ALICE, AUX, BOB, CAROL, PAYINFO, blindedPath, codes, paymentPath, pubkey, tamper } from './fixtures';

const CREATED = 1_700_000_000n;
const ctx = { nowSeconds: Number(CREATED) + 60 };
const HASH = sha256(new Uint8Array([1]));
const offerOf = (p: Partial<OfferParams> = {}): Offer => buildOffer({ amount: 1000n, description: 'widget', issuerId: ALICE.id, ...p });
const requestFor = (offer: Offer, p: Partial<Parameters<typeof buildInvoiceRequest>[1]> = {}) =>
  buildInvoiceRequest(offer, { payerId: BOB.id, metadata: new Uint8Array(8).fill(1), ...p }).sign(BOB.secret, AUX);
const params = (p: Partial<InvoiceParams> = {}): InvoiceParams => ({ paymentHash: HASH, createdAt: CREATED, paths: [paymentPath()], ...p });
function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof Bolt12SemanticError) return e.code;
    throw e;
  }
  return undefined;
}

describe('invoice answering an invoice_request', () => {
  it('mirrors every request field, sets the expected amount and signs with offer_issuer_id', () => {
    const offer = offerOf({ quantityMax: 0n });
    const request = requestFor(offer, { quantity: 4n });
    const invoice = buildInvoice(request, params({ relativeExpiry: 3600n })).sign(ALICE.secret, AUX);
    const decoded = decodeInvoice(encodeInvoice(invoice), ctx, request);
    expect(decoded.invoice.amount).toBe(4000n);
    expect(toHex(decoded.invoice.nodeId!)).toBe(toHex(ALICE.id));
    expect(decoded.invoice.relativeExpiry).toBe(3600n);
    expect(decoded.invoice.blindedPay).toEqual([PAYINFO]);
    expect(decoded.invreq.quantity).toBe(4n);
    expect(checkInvoiceMatchesRequest(decoded, request)).toEqual([]);
  });

  it('uses invreq_amount when the request names one, and refuses a different amount', () => {
    const request = requestFor(offerOf(), { amount: 1234n });
    expect(buildInvoice(request, params()).sign(ALICE.secret, AUX).invoice.amount).toBe(1234n);
    expect(thrownCode(() => buildInvoice(request, params({ amount: 1000n })))).toBe('invoice.amount_mismatch');
    const forced = tamper(buildInvoice(request, params()).sign(ALICE.secret).records, { 170: new ByteWriter().writeTruncated(1000n, 8).finish() }, SIGNATURE_TAGS.invoice, ALICE.secret);
    expect(codes(analyzeInvoice(forced, ctx))).toEqual(['invoice.amount_mismatch']);
  });

  it('refuses, as the payer, an invoice asking more than offer_amount × quantity when the request named no amount', () => {
    const offer = offerOf({ quantityMax: 0n });
    const request = requestFor(offer, { quantity: 3n });
    const fair = buildInvoice(request, params()).sign(ALICE.secret, AUX);
    expect(checkInvoiceMatchesRequest(fair, request)).toEqual([]);
    // A malicious issuer signs an invoice for 10 BTC for a 3 × 1,000 msat request.
    const greedy = tamper(fair.records, { 170: new ByteWriter().writeTruncated(1_000_000_000_000n, 8).finish() }, SIGNATURE_TAGS.invoice, ALICE.secret);
    expect(codes(analyzeInvoice(greedy, ctx, request))).toEqual(['invoice.amount_not_authorized']);
    expect(codes(analyzeInvoice(greedy, ctx))).toEqual([]);
    // Asking less than authorized is within the range.
    const cheap = tamper(fair.records, { 170: new ByteWriter().writeTruncated(2999n, 8).finish() }, SIGNATURE_TAGS.invoice, ALICE.secret);
    expect(codes(analyzeInvoice(cheap, ctx, request))).toEqual([]);
  });

  it('rejects an invoice that does not mirror the request it answers', () => {
    const offer = offerOf();
    const invoice = buildInvoice(requestFor(offer), params()).sign(ALICE.secret, AUX);
    const other = requestFor(offer, { payerNote: 'another' });
    expect(codes(analyzeInvoice(invoice.bytes, ctx, other))).toEqual(['invoice.request_mismatch']);
  });

  it('expires invoice_created_at + 7200 seconds by default, or + invoice_relative_expiry', () => {
    const request = requestFor(offerOf());
    const plain = buildInvoice(request, params()).sign(ALICE.secret, AUX);
    expect(analyzeInvoice(plain.bytes, { nowSeconds: CREATED + 7200n }).errors).toEqual([]);
    expect(codes(analyzeInvoice(plain.bytes, { nowSeconds: CREATED + 7201n }))).toEqual(['invoice.expired']);
    const short = buildInvoice(request, params({ relativeExpiry: 10n })).sign(ALICE.secret, AUX);
    expect(codes(analyzeInvoice(short.bytes, { nowSeconds: CREATED + 11n }))).toEqual(['invoice.expired']);
  });

  it('rejects a signature by any key other than invoice_node_id, and an invoice_node_id other than the issuer', () => {
    const request = requestFor(offerOf());
    const invoice = buildInvoice(request, params()).sign(ALICE.secret, AUX);
    expect(thrownCode(() => buildInvoice(request, params()).sign(CAROL.secret))).toBe('builder.wrong_signing_key');
    const forged = tamper(invoice.records, {}, SIGNATURE_TAGS.invoice, CAROL.secret);
    expect(codes(analyzeInvoice(forged, ctx))).toEqual(['invoice.invalid_signature']);
    const carolNode = tamper(invoice.records, { 176: CAROL.id }, SIGNATURE_TAGS.invoice, CAROL.secret);
    expect(codes(analyzeInvoice(carolNode, ctx))).toEqual(['invoice.node_id_mismatch']);
    expect(codes(analyzeInvoice(tamper(invoice.records, {}, ''), ctx))).toEqual(['invoice.missing_signature']);
    expect(thrownCode(() => buildInvoice(request, params({ nodeId: CAROL.id })))).toBe('invoice.node_id_mismatch');
  });

  it('requires the final blinded node id of an offer path when the offer has no issuer id', () => {
    const final = pubkey(0x29);
    const offer = buildOffer({ amount: 5n, description: 'x', paths: [blindedPath(0x20, final)] });
    const request = requestFor(offer);
    expect(thrownCode(() => buildInvoice(request, params()))).toBe('builder.invalid_parameter');
    expect(thrownCode(() => buildInvoice(request, params({ nodeId: CAROL.id })))).toBe('invoice.node_id_mismatch');
    const invoice = buildInvoice(request, params({ nodeId: final })).sign(new Uint8Array(32).fill(0x29), AUX);
    expect(analyzeInvoice(invoice.bytes, ctx).errors).toEqual([]);
    expect(checkInvoiceMatchesRequest(invoice, request, final)).toEqual([]);
    expect(codes({ errors: checkInvoiceMatchesRequest(invoice, request, CAROL.id) })).toEqual(['invoice.node_id_mismatch']);
  });

  it('rejects invoices missing amount, created_at, payment_hash or node_id', () => {
    const invoice = buildInvoice(requestFor(offerOf()), params()).sign(ALICE.secret, AUX);
    const without = (type: number) => codes(analyzeInvoice(tamper(invoice.records, { [type]: undefined }, SIGNATURE_TAGS.invoice, ALICE.secret), ctx));
    expect(without(170)).toEqual(['invoice.missing_amount']);
    expect(without(164)).toEqual(['invoice.missing_created_at']);
    expect(without(168)).toEqual(['invoice.missing_payment_hash']);
    expect(without(176)).toEqual(['invoice.missing_node_id']);
  });

  it('checks paths against blindedpay: presence, count, empty paths, usable features', () => {
    const request = requestFor(offerOf());
    const two = buildInvoice(request, params({ paths: [paymentPath(0x50), paymentPath(0x60)] })).sign(ALICE.secret, AUX);
    expect(analyzeInvoice(two.bytes, ctx).errors).toEqual([]);
    const oneInfo = new ByteWriter();
    const r = two.records.find((x) => x.type === 162n)!;
    oneInfo.writeBytes(r.value.subarray(0, r.value.length / 2));
    const resign = (changes: Record<string, Uint8Array | undefined>) => codes(analyzeInvoice(tamper(two.records, changes, SIGNATURE_TAGS.invoice, ALICE.secret), ctx));
    expect(resign({ 162: oneInfo.finish() })).toEqual(['invoice.blindedpay_count_mismatch']);
    expect(resign({ 162: undefined })).toEqual(['invoice.missing_blindedpay']);
    expect(resign({ 160: undefined })).toEqual(['invoice.missing_paths', 'invoice.blindedpay_count_mismatch']);
    const emptyPath = new ByteWriter().writeBytes(pubkey(1)).writeBytes(pubkey(2)).writeU8(0).finish();
    expect(resign({ 160: emptyPath, 162: oneInfo.finish() })).toEqual(['invoice.empty_blinded_path']);
    // A payinfo with an unknown even feature makes its path unusable; none usable is a rejection.
    const odd = { ...PAYINFO, features: featuresFromBits([1]) };
    const even = { ...PAYINFO, features: featuresFromBits([0]) };
    const mixed = buildInvoice(request, params({ paths: [paymentPath(0x50, even), paymentPath(0x60, odd)] })).sign(ALICE.secret, AUX);
    expect(analyzeInvoice(mixed.bytes, ctx).errors).toEqual([]);
    expect(usablePathIndexes(mixed.invoice)).toEqual([1]);
    const none = buildInvoice(request, params({ paths: [paymentPath(0x50, even)] })).sign(ALICE.secret, AUX);
    expect(codes(analyzeInvoice(none.bytes, ctx))).toEqual(['invoice.no_usable_paths']);
    expect(thrownCode(() => buildInvoice(request, params({ paths: [] })))).toBe('invoice.missing_paths');
  });

  it('accepts the MPP feature bits and rejects unknown even invoice features', () => {
    const request = requestFor(offerOf());
    const mpp = buildInvoice(request, params({ features: featuresFromBits([INVOICE_FEATURE_MPP_OPTIONAL]) })).sign(ALICE.secret, AUX);
    expect(analyzeInvoice(mpp.bytes, ctx).errors).toEqual([]);
    const mppRequired = buildInvoice(request, params({ features: featuresFromBits([16]) })).sign(ALICE.secret, AUX);
    expect(analyzeInvoice(mppRequired.bytes, ctx).errors).toEqual([]);
    const unknown = buildInvoice(request, params({ features: featuresFromBits([22]) })).sign(ALICE.secret, AUX);
    expect(codes(analyzeInvoice(unknown.bytes, ctx))).toEqual(['invoice.unknown_required_feature']);
  });

  it('keeps fallback addresses, and an unknown even invoice type is a parse error', () => {
    const request = requestFor(offerOf());
    const fallbacks = [{ version: 0, address: new Uint8Array(20).fill(3) }, { version: 17, address: new Uint8Array(2) }];
    const invoice = buildInvoice(request, params({ fallbacks })).sign(ALICE.secret, AUX);
    expect(decodeInvoice(invoice.bytes, ctx).invoice.fallbacks).toEqual(fallbacks);
    const even = tamper(invoice.records, { 178: new Uint8Array(1) }, SIGNATURE_TAGS.invoice, ALICE.secret);
    expect(codes(analyzeInvoice(even, ctx))).toEqual(['bolt12.parse.unknown_even_type']);
  });
});

describe('invoice answering a refund', () => {
  it('needs our node id, signs with it and mirrors the refund', () => {
    const refund = buildRefund({ payerId: BOB.id, description: 'refund', amount: 777n });
    expect(thrownCode(() => buildInvoice(refund, params()))).toBe('builder.invalid_parameter');
    const invoice = buildInvoice(refund, params({ nodeId: CAROL.id })).sign(CAROL.secret, AUX);
    const decoded = decodeInvoice(encodeInvoice(invoice), ctx, refund);
    expect(decoded.invoice.amount).toBe(777n);
    expect(toHex(decoded.invoice.nodeId!)).toBe(toHex(CAROL.id));
  });
});
