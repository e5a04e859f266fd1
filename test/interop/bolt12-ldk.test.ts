/**
 * Issue 6 "Done when": an independent Lightning implementation can request and accept an invoice
 * for our offer, and we can fetch a valid invoice for its offer. The other implementation is LDK
 * itself (rust-lightning 0.1, compiled to WebAssembly: the `lightningdevkit` npm package), whose
 * offers code parses and verifies our offers, invoice_requests and invoices, and builds offers we
 * read. (Its TypeScript bindings cannot drive the invoice_request / invoice builders, whose
 * Results hand out borrowed builders, so the flow in which LDK pays runs over the network.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ldk from 'lightningdevkit';
import {
  buildInvoice, buildInvoiceRequest, buildOffer, decodeOffer, encodeOffer, type PaymentPath,
} from '../../core/offers';
import { createBlindedPath } from '../../core/onion';
import { publicKeyFromPrivate, randomPrivateKey, sha256, toHex } from '../../core/crypto';

const require = createRequire(import.meta.url);
const ctx = () => ({ nowSeconds: Math.floor(Date.now() / 1000) });

/** Unwraps an LDK Result, failing the test with LDK's error when it is not OK. */
function ok<T>(r: { is_ok(): boolean; res?: T; err?: unknown }, what: string): T {
  if (!r.is_ok()) throw new Error(`LDK refused: ${what} (${String((r as { err?: unknown }).err?.constructor?.name ?? r.err)})`);
  return (r as { res: T }).res;
}

const entropy = () => ldk.EntropySource.new_impl({ get_secure_random_bytes: () => new Uint8Array(randomBytes(32)) });

/** A one-hop blinded payment path to `nodeId` (we have no channels), with zero fees. */
function oneHopPaymentPath(nodeId: Uint8Array): PaymentPath {
  const { path } = createBlindedPath({ sessionKey: randomPrivateKey(), hops: [{ nodeId, data: { pathId: new Uint8Array(randomBytes(32)) } }] });
  return { path, payInfo: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 18, htlcMinimumMsat: 1n, htlcMaximumMsat: 10_000_000_000n, features: new Uint8Array(0) } };
}

beforeAll(async () => {
  await ldk.initializeWasmFromBinary(readFileSync(require.resolve('lightningdevkit/liblightningjs.wasm')));
});

describe('interop with LDK: BOLT 12 encodings', () => {
  it('LDK parses our offer, an invoice_request for it and our signed invoice, checking both signatures', () => {
    const ourKey = randomPrivateKey();
    const ourId = publicKeyFromPrivate(ourKey);
    const offer = buildOffer({ description: 'glasswing tea', amount: 5_000n, issuer: 'Glasswing shop', issuerId: ourId, quantityMax: 5n });
    const ldkOffer = ok<ldk.Offer>(ldk.Offer.constructor_from_str(encodeOffer(offer)), 'our offer');
    expect(ldkOffer.description().to_str()).toBe('glasswing tea');
    expect(ldkOffer.issuer().to_str()).toBe('Glasswing shop');
    expect(toHex(ldkOffer.issuer_signing_pubkey())).toBe(toHex(ourId));
    expect(Boolean(ldkOffer.is_valid_quantity(5n))).toBe(true); // LDK's booleans arrive as 0/1
    expect(Boolean(ldkOffer.is_valid_quantity(6n))).toBe(false);

    const payerKey = randomPrivateKey();
    const request = buildInvoiceRequest(offer, { payerId: publicKeyFromPrivate(payerKey), quantity: 2n, payerNote: 'two please' }).sign(payerKey);
    const ldkRequest = ok<ldk.InvoiceRequest>(ldk.InvoiceRequest.constructor_read(request.bytes), 'our invoice_request');
    expect(ldkRequest.payer_note().to_str()).toBe('two please');
    expect(toHex(ldkRequest.payer_signing_pubkey())).toBe(toHex(publicKeyFromPrivate(payerKey)));

    const preimage = new Uint8Array(randomBytes(32));
    const invoice = buildInvoice(request, { paymentHash: sha256(preimage), createdAt: BigInt(ctx().nowSeconds), paths: [oneHopPaymentPath(ourId)] }).sign(ourKey);
    const ldkInvoice = ok<ldk.Bolt12Invoice>(ldk.Bolt12Invoice.constructor_read(invoice.bytes), 'our invoice');
    expect(toHex(ldkInvoice.payment_hash())).toBe(toHex(sha256(preimage)));
    expect(ldkInvoice.amount_msats()).toBe(10_000n);
    expect(toHex(ldkInvoice.signing_pubkey())).toBe(toHex(ourId));
    expect(ldkInvoice.payment_paths()).toHaveLength(1);

    // A tampered invoice is refused by LDK's parser (its signature no longer matches).
    const tampered = invoice.bytes.slice();
    tampered[tampered.length - 70]! ^= 1;
    expect(Boolean(ldk.Bolt12Invoice.constructor_read(tampered).is_ok())).toBe(false);
  });

  it('we read an LDK offer, and LDK recognises our signed invoice_request as one for its own offer', () => {
    const ldkNodeId = publicKeyFromPrivate(randomPrivateKey());
    const expandedKey = ldk.ExpandedKey.constructor_new(new Uint8Array(randomBytes(32)));
    const offerNonce = ldk.Nonce.constructor_from_entropy_source(entropy());
    const ldkOffer = ok<ldk.Offer>(ldk.OfferWithDerivedMetadataBuilder.constructor_deriving_signing_pubkey(ldkNodeId, expandedKey, offerNonce).build(), 'offer build');

    const offer = decodeOffer(ldkOffer.to_str(), ctx());
    expect(toHex(offer.fields.issuerId!)).toBe(toHex(ldkOffer.issuer_signing_pubkey()));
    expect(offer.fields.metadata).toBeDefined(); // LDK derives its offer metadata from its key

    const payerKey = randomPrivateKey();
    const request = buildInvoiceRequest(offer, { payerId: publicKeyFromPrivate(payerKey), amount: 3_000n, payerNote: 'from glasswing' }).sign(payerKey);
    const ldkRequest = ok<ldk.InvoiceRequest>(ldk.InvoiceRequest.constructor_read(request.bytes), 'our invoice_request');
    // LDK re-derives the offer from the metadata our request mirrors: it is its own, unmodified offer.
    ok(ldkRequest.verify_using_metadata(expandedKey), 'verify_using_metadata');
    expect(ldkRequest.amount_msats().constructor.name).toBe('Option_u64Z_Some');

    // A request for an offer LDK did not make (another key) does not verify.
    const foreign = ok<ldk.Offer>(ldk.OfferWithDerivedMetadataBuilder.constructor_deriving_signing_pubkey(ldkNodeId, ldk.ExpandedKey.constructor_new(new Uint8Array(randomBytes(32))), offerNonce).build(), 'foreign offer');
    const forForeign = buildInvoiceRequest(decodeOffer(foreign.to_str(), ctx()), { payerId: publicKeyFromPrivate(payerKey), amount: 3_000n }).sign(payerKey);
    expect(Boolean(ok<ldk.InvoiceRequest>(ldk.InvoiceRequest.constructor_read(forForeign.bytes), 'read').verify_using_metadata(expandedKey).is_ok())).toBe(false);
  });
});
