import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../core/crypto';
import {
  CHAIN_HASHES,
  buildInvoice,
  buildInvoiceRequest,
  buildOffer,
  buildRefund,
  buildStaticInvoice,
  decodeBolt12,
  describeBolt12Bytes,
  encodeInvoice,
  encodeInvoiceRequest,
  encodeOffer,
} from '../../../core/offers';
import { ALICE, AUX, BOB, blindedPath, paymentPath, pubkey } from './fixtures';

const NOW = 1_700_000_000;
const ctx = { nowSeconds: NOW };
const offer = buildOffer({
  amount: 2500n,
  description: 'tea',
  issuerId: ALICE.id,
  quantityMax: 0n,
  extraRecords: [{ type: 41n, value: utf8.encode('x') }],
});
const request = buildInvoiceRequest(offer, { payerId: BOB.id, metadata: new Uint8Array(4), quantity: 2n, payerNote: 'two please' }).sign(BOB.secret, AUX);
const invoice = buildInvoice(request, {
  paymentHash: new Uint8Array(32).fill(0xab),
  createdAt: BigInt(NOW),
  paths: [paymentPath()],
  fallbacks: [{ version: 17, address: new Uint8Array(20) }],
}).sign(ALICE.secret, AUX);

describe('decodeBolt12', () => {
  it('names every offer field and lists unknown TLVs', () => {
    const d = decodeBolt12(encodeOffer(offer), ctx);
    expect(d).toMatchObject({ kind: 'offer', prefix: 'lno', valid: true, errors: [] });
    expect(d.fields).toEqual({ offer_amount: '2500', offer_description: 'tea', offer_quantity_max: '0', offer_issuer_id: toHex(ALICE.id) });
    expect(d.unknownTlvs).toEqual([{ type: '41', length: 1, hex: '78' }]);
  });

  it('describes an invoice_request with its merkle root and signature', () => {
    const d = decodeBolt12(encodeInvoiceRequest(request), ctx);
    expect(d).toMatchObject({ kind: 'invoice_request', valid: true, refund: false });
    expect(d.fields).toMatchObject({ invreq_quantity: '2', invreq_payer_note: 'two please', invreq_payer_id: toHex(BOB.id), signature: toHex(request.signature!) });
    expect(d.merkleRoot).toMatch(/^[0-9a-f]{64}$/);
  });

  it('marks a refund', () => {
    const refund = buildRefund({ payerId: BOB.id, description: 'back', amount: 5n, chain: CHAIN_HASHES.testnet });
    const d = decodeBolt12(encodeInvoiceRequest(refund), { ...ctx, chains: [CHAIN_HASHES.testnet] });
    expect(d).toMatchObject({ refund: true, valid: true, fields: { invreq_chain: { name: 'testnet' } } });
  });

  it('describes an invoice: paths, payinfo, times and ignored fallbacks', () => {
    const d = decodeBolt12(encodeInvoice(invoice), ctx);
    expect(d).toMatchObject({ kind: 'invoice', prefix: 'lni', valid: true });
    expect(d.fields).toMatchObject({
      invoice_amount: '5000',
      invoice_created_at: { seconds: String(NOW), utc: new Date(NOW * 1000).toISOString() },
      invoice_blindedpay: [{ fee_base_msat: 1000, cltv_expiry_delta: 144, htlc_maximum_msat: '1000000000' }],
      invoice_fallbacks: [{ version: 17, ignored: 'version greater than 16' }],
      invoice_node_id: toHex(ALICE.id),
    });
    expect((d.fields.invoice_paths as { num_hops: number }[])[0]!.num_hops).toBe(2);
  });

  it('lists parse and semantic errors together when both apply', () => {
    // Type 1000000002 is an unknown even type inside the offer ranges (parse error); the offer is
    // also expired (semantic error). Both are reported.
    const expired = buildOffer({ issuerId: ALICE.id, absoluteExpiry: 10n });
    const withEven = new Uint8Array([...expired.bytes, 0xfe, 0x3b, 0x9a, 0xca, 0x02, 0x00]);
    const d = describeBolt12Bytes('offer', withEven, ctx);
    expect(d.errors.map((e) => [e.family, e.code])).toEqual([
      ['parse', 'bolt12.parse.unknown_even_type'],
      ['semantic', 'offer.expired'],
    ]);
    expect(d.errors.every((e) => e.explanation.length > 0)).toBe(true);
  });

  it('rejects an unknown prefix and keeps going for a static invoice given as bytes', () => {
    expect(decodeBolt12('lnx1qqqq', ctx)).toMatchObject({ kind: undefined, prefix: 'lnx', valid: false, errors: [{ code: 'bolt12.parse.unknown_prefix' }] });
    const withPaths = buildOffer({ issuerId: ALICE.id, paths: [blindedPath(0x20, pubkey(0x29))] });
    const s = buildStaticInvoice(withPaths, { paths: [paymentPath()], heldHtlcAvailablePaths: [blindedPath(0x70, pubkey(0x79))], createdAt: BigInt(NOW) }).sign(ALICE.secret, AUX);
    const d = describeBolt12Bytes('static_invoice', s.bytes, ctx);
    expect(d).toMatchObject({ kind: 'static_invoice', valid: true });
    expect(d.fields.held_htlc_available_paths).toHaveLength(1);
  });

  it('rejects a prefix named like an Object.prototype member as unknown (found by fuzzing: kind was the Object function)', () => {
    for (const prefix of ['constructor', 'tostring', 'valueof']) {
      const d = decodeBolt12(`${prefix}1qqqq`, ctx);
      expect(d).toMatchObject({ kind: undefined, prefix, valid: false, errors: [{ code: 'bolt12.parse.unknown_prefix', message: `unknown prefix "${prefix}" (expected lno, lnr or lni)` }] });
      expect(structuredClone(d)).toEqual(d);
    }
  });
});
