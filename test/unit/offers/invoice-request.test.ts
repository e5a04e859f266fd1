import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../core/crypto';
import { ByteWriter } from '../../../core/wire';
import type { Offer, OfferParams } from '../../../core/offers';
import {
  Bolt12SemanticError,
  CHAIN_HASHES,
  SIGNATURE_TAGS,
  analyzeInvoiceRequest,
  buildInvoiceRequest,
  buildOffer,
  buildRefund,
  checkInvoiceRequestMatchesOffer,
  decodeInvoiceRequest,
  encodeInvoiceRequest,
  featuresFromBits,
  isForOffer,
  newPayerKey,
  verifyMerkleSignature,
} from '../../../core/offers';
import { ALICE, AUX, BOB, CAROL, blindedPath, codes, pubkey, tamper } from './fixtures';

const ctx = { nowSeconds: 1_700_000_000 };
const offerOf = (p: Partial<OfferParams> = {}): Offer => buildOffer({ amount: 1000n, description: 'widget', issuerId: ALICE.id, ...p });
const tu64 = (n: bigint) => new ByteWriter().writeTruncated(n, 8).finish();
const METADATA = new Uint8Array(16).fill(7);

function requestFor(offer: Offer, p: Partial<Parameters<typeof buildInvoiceRequest>[1]> = {}) {
  return buildInvoiceRequest(offer, { payerId: BOB.id, metadata: METADATA, ...p }).sign(BOB.secret, AUX);
}
function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof Bolt12SemanticError) return e.code;
    throw e;
  }
  return undefined;
}
/** A request for `offer` with `changes` forced into its records, re-signed by Bob. */
function forced(offer: Offer, changes: Record<string, Uint8Array | undefined>, p: Partial<Parameters<typeof buildInvoiceRequest>[1]> = {}) {
  return tamper(requestFor(offer, p).records, changes, SIGNATURE_TAGS.invoiceRequest, BOB.secret);
}

describe('invoice_request for an offer', () => {
  it('copies every offer record, signs with the payer key, and decodes as valid', () => {
    const offer = offerOf({ extraRecords: [{ type: 33n, value: utf8.encode('odd') }] });
    const request = requestFor(offer, { payerNote: 'thanks', amount: 1500n });
    const decoded = decodeInvoiceRequest(encodeInvoiceRequest(request), ctx, offer);
    expect(isForOffer(decoded)).toBe(true);
    expect(decoded.invreq).toMatchObject({ amount: 1500n, payerNote: 'thanks' });
    expect(toHex(decoded.invreq.metadata!)).toBe(toHex(METADATA));
    expect(decoded.unknownRecords.map((r) => r.type)).toEqual([33n]);
    expect(checkInvoiceRequestMatchesOffer(decoded, offer)).toEqual([]);
  });

  it('fills invreq_metadata with fresh random bytes when none is given', () => {
    const payer = newPayerKey();
    const a = buildInvoiceRequest(offerOf(), { payerId: payer.publicKey }).sign(payer.secret);
    const b = buildInvoiceRequest(offerOf(), { payerId: payer.publicKey }).sign(payer.secret);
    expect(a.invreq.metadata).toHaveLength(32);
    expect(toHex(a.invreq.metadata!)).not.toBe(toHex(b.invreq.metadata!));
  });

  it('refuses to sign with a key other than invreq_payer_id', () => {
    const unsigned = buildInvoiceRequest(offerOf(), { payerId: BOB.id, metadata: METADATA });
    expect(thrownCode(() => unsigned.sign(CAROL.secret))).toBe('builder.wrong_signing_key');
  });

  it('rejects a request whose offer fields differ from the offer it claims', () => {
    const request = requestFor(offerOf());
    expect(codes(analyzeInvoiceRequest(request.bytes, ctx, offerOf({ amount: 999n })))).toEqual(['invoice_request.offer_mismatch']);
  });

  it('rejects a missing or broken signature', () => {
    const request = requestFor(offerOf());
    expect(codes(analyzeInvoiceRequest(tamper(request.records, {}, ''), ctx))).toEqual(['invoice_request.missing_signature']);
    const bad = request.bytes.slice();
    bad[bad.length - 1]! ^= 1;
    expect(codes(analyzeInvoiceRequest(bad, ctx))).toEqual(['invoice_request.invalid_signature']);
    const signature = request.signature!;
    expect(verifyMerkleSignature(SIGNATURE_TAGS.invoiceRequest, new Uint8Array(32), signature, BOB.id)).toBe(false);
  });

  it('rejects a request without invreq_metadata or invreq_payer_id', () => {
    const offer = offerOf();
    expect(codes(analyzeInvoiceRequest(forced(offer, { 0: undefined }), ctx))).toEqual(['invoice_request.missing_metadata']);
    const noPayer = tamper(requestFor(offer).records, { 88: undefined }, '');
    expect(codes(analyzeInvoiceRequest(noPayer, ctx))).toContain('invoice_request.missing_payer_id');
  });

  it('enforces offer_quantity_max: required, non-zero, at most the maximum', () => {
    const offer = offerOf({ quantityMax: 5n });
    expect(analyzeInvoiceRequest(requestFor(offer, { quantity: 5n }).bytes, ctx).errors).toEqual([]);
    expect(codes(analyzeInvoiceRequest(forced(offer, { 86: tu64(6n) }, { quantity: 5n }), ctx))).toEqual(['invoice_request.quantity_exceeds_max']);
    expect(codes(analyzeInvoiceRequest(forced(offer, { 86: tu64(0n) }, { quantity: 5n }), ctx))).toEqual(['invoice_request.zero_quantity']);
    expect(codes(analyzeInvoiceRequest(forced(offer, { 86: undefined }, { quantity: 5n }), ctx))).toEqual(['invoice_request.missing_quantity']);
    expect(thrownCode(() => requestFor(offer, { quantity: 6n }))).toBe('invoice_request.quantity_exceeds_max');
    expect(thrownCode(() => requestFor(offer))).toBe('invoice_request.missing_quantity');
  });

  it('treats offer_quantity_max 0 as unlimited, and rejects a quantity when the offer has no maximum', () => {
    const unlimited = offerOf({ quantityMax: 0n });
    expect(analyzeInvoiceRequest(requestFor(unlimited, { quantity: 1_000_000n }).bytes, ctx).errors).toEqual([]);
    const single = offerOf();
    expect(codes(analyzeInvoiceRequest(forced(single, { 86: tu64(2n) }), ctx))).toEqual(['invoice_request.unexpected_quantity']);
    expect(thrownCode(() => requestFor(single, { quantity: 1n }))).toBe('invoice_request.unexpected_quantity');
  });

  it('rejects invreq_amount below offer_amount × quantity, and accepts a tip above it', () => {
    const offer = offerOf({ quantityMax: 0n });
    expect(analyzeInvoiceRequest(requestFor(offer, { quantity: 3n, amount: 3000n }).bytes, ctx).errors).toEqual([]);
    expect(analyzeInvoiceRequest(requestFor(offer, { quantity: 3n, amount: 5000n }).bytes, ctx).errors).toEqual([]);
    const low = forced(offer, { 82: tu64(2999n) }, { quantity: 3n });
    expect(codes(analyzeInvoiceRequest(low, ctx))).toEqual(['invoice_request.amount_below_expected']);
    expect(thrownCode(() => requestFor(offer, { quantity: 3n, amount: 2999n }))).toBe('invoice_request.amount_below_expected');
  });

  it('compares a currency amount only through the converter it is given', () => {
    const offer = offerOf({ amount: { currency: 'USD', amount: 100n } });
    const request = requestFor(offer, { amount: 50_000n });
    expect(analyzeInvoiceRequest(request.bytes, ctx).errors).toEqual([]);
    const convertCurrency = (currency: string, cents: bigint) => (currency === 'USD' ? cents * 1000n : undefined);
    expect(codes(analyzeInvoiceRequest(request.bytes, { ...ctx, convertCurrency }))).toEqual(['invoice_request.amount_below_expected']);
  });

  it('requires invreq_amount when the offer has no amount', () => {
    const offer = buildOffer({ issuerId: ALICE.id });
    expect(thrownCode(() => requestFor(offer))).toBe('invoice_request.missing_amount');
    const request = requestFor(offer, { amount: 1n });
    expect(codes(analyzeInvoiceRequest(forced(offer, { 82: undefined }, { amount: 1n }), ctx))).toEqual(['invoice_request.missing_amount']);
    expect(analyzeInvoiceRequest(request.bytes, ctx).errors).toEqual([]);
  });

  it('checks invreq_chain against the offer chains and the chains the node accepts', () => {
    const offer = offerOf({ chains: [CHAIN_HASHES.testnet] });
    const request = requestFor(offer);
    expect(toHex(request.invreq.chain!)).toBe(toHex(CHAIN_HASHES.testnet));
    expect(analyzeInvoiceRequest(request.bytes, { ...ctx, chains: [CHAIN_HASHES.testnet] }).errors).toEqual([]);
    expect(codes(analyzeInvoiceRequest(request.bytes, ctx))).toEqual(['offer.unsupported_chain', 'invoice_request.unsupported_chain']);
    const wrong = forced(offer, { 80: CHAIN_HASHES.signet });
    expect(codes(analyzeInvoiceRequest(wrong, { ...ctx, chains: [CHAIN_HASHES.testnet, CHAIN_HASHES.signet] }))).toEqual([
      'invoice_request.chain_not_in_offer',
    ]);
    expect(thrownCode(() => requestFor(offerOf(), { chain: CHAIN_HASHES.testnet }))).toBe('invoice_request.chain_not_in_offer');
    // An offer for signet and bitcoin: the request defaults to bitcoin and so omits invreq_chain.
    expect(requestFor(offerOf({ chains: [CHAIN_HASHES.signet, CHAIN_HASHES.bitcoin] })).invreq.chain).toBeUndefined();
  });

  it('rejects unknown even invreq_features, empty invreq_paths and a bad BIP 353 name', () => {
    const offer = offerOf();
    expect(codes(analyzeInvoiceRequest(requestFor(offer, { features: featuresFromBits([100]) }).bytes, ctx))).toEqual([
      'invoice_request.unknown_required_feature',
    ]);
    const emptyPath = new ByteWriter().writeBytes(pubkey(1)).writeBytes(pubkey(2)).writeU8(0).finish();
    expect(codes(analyzeInvoiceRequest(forced(offer, { 90: emptyPath }), ctx))).toEqual(['invoice_request.empty_blinded_path']);
    const name = { name: utf8.encode('bob'), domain: utf8.encode('example.com') };
    expect(analyzeInvoiceRequest(requestFor(offer, { bip353Name: name }).bytes, ctx).errors).toEqual([]);
    const bad = new Uint8Array([3, 0x62, 0x20, 0x62, 1, 0x63]); // "b b" @ "c"
    expect(codes(analyzeInvoiceRequest(forced(offer, { 91: bad }), ctx))).toEqual(['invoice_request.invalid_bip353_name']);
  });

  it('rejects a request for an expired offer', () => {
    const offer = offerOf({ absoluteExpiry: 1_700_000_000n });
    const request = requestFor(offer);
    expect(analyzeInvoiceRequest(request.bytes, ctx).errors).toEqual([]);
    expect(codes(analyzeInvoiceRequest(request.bytes, { nowSeconds: 1_700_000_001 }))).toEqual(['offer.expired']);
  });

  it('rejects types outside 0..159 and 1000000000..2999999999 (signature range excepted)', () => {
    const request = requestFor(offerOf());
    const odd = tamper(request.records, { 161: new Uint8Array(1) }, SIGNATURE_TAGS.invoiceRequest, BOB.secret);
    expect(codes(analyzeInvoiceRequest(odd, ctx))).toEqual(['bolt12.parse.type_out_of_range']);
    const experimental = tamper(request.records, { 2_000_000_001: new Uint8Array(1) }, SIGNATURE_TAGS.invoiceRequest, BOB.secret);
    expect(analyzeInvoiceRequest(experimental, ctx).errors).toEqual([]);
  });
});

describe('refunds (invoice_request without an offer)', () => {
  const refund = () => buildRefund({ payerId: BOB.id, metadata: METADATA, description: 'refund for order 7', amount: 20_000n, issuer: 'shop' });

  it('builds an unsigned lnr refund that decodes as valid', () => {
    const r = refund();
    expect(r.signature).toBeUndefined();
    const decoded = decodeInvoiceRequest(encodeInvoiceRequest(r), ctx);
    expect(isForOffer(decoded)).toBe(false);
    expect(decoded.offer).toMatchObject({ description: 'refund for order 7', issuer: 'shop' });
    expect(decoded.invreq.amount).toBe(20_000n);
  });

  it('rejects a refund with offer_chains, offer_features or offer_quantity_max, or without an amount', () => {
    const r = refund();
    expect(codes(analyzeInvoiceRequest(tamper(r.records, { 20: new Uint8Array(0) }, ''), ctx))).toEqual(['invoice_request.unexpected_offer_field']);
    expect(codes(analyzeInvoiceRequest(tamper(r.records, { 12: new Uint8Array([2]) }, ''), ctx))).toEqual(['invoice_request.unexpected_offer_field']);
    expect(codes(analyzeInvoiceRequest(tamper(r.records, { 82: undefined }, ''), ctx))).toEqual(['invoice_request.missing_amount']);
  });

  it('accepts a refund signed by its payer (as CLN writes them) and rejects a bad signature', () => {
    const r = refund();
    const signed = tamper(r.records, {}, SIGNATURE_TAGS.invoiceRequest, BOB.secret);
    expect(analyzeInvoiceRequest(signed, ctx).errors).toEqual([]);
    const forged = tamper(r.records, {}, SIGNATURE_TAGS.invoiceRequest, CAROL.secret);
    expect(codes(analyzeInvoiceRequest(forged, ctx))).toEqual(['invoice_request.invalid_signature']);
  });

  it('uses invreq_paths when given', () => {
    const r = buildRefund({ payerId: BOB.id, description: 'x', amount: 1n, paths: [blindedPath(0x30, BOB.id)] });
    expect(decodeInvoiceRequest(r.bytes, ctx).invreq.paths).toHaveLength(1);
  });
});
