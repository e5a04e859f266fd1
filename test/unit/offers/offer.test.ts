import { describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import {
  Bolt12SemanticError,
  CHAIN_HASHES,
  analyzeOffer,
  buildOffer,
  decodeOffer,
  encodeOffer,
  featuresFromBits,
} from '../../../core/offers';
import { ALICE, blindedPath, codes, pubkey } from './fixtures';

const ctx = { nowSeconds: 1_700_000_000 };

function semanticCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof Bolt12SemanticError) return e.code;
    throw e;
  }
  return undefined;
}

describe('buildOffer', () => {
  it('builds an offer whose lno string decodes to the same fields', () => {
    const offer = buildOffer({
      amount: 50_000n,
      description: 'coffee',
      issuer: 'cafe.example',
      quantityMax: 10n,
      absoluteExpiry: 1_800_000_000n,
      issuerId: ALICE.id,
      metadata: new Uint8Array([1, 2, 3]),
    });
    const decoded = decodeOffer(encodeOffer(offer), ctx);
    expect(toHex(decoded.bytes)).toBe(toHex(offer.bytes));
    expect(decoded.fields).toMatchObject({ amount: 50_000n, description: 'coffee', issuer: 'cafe.example', quantityMax: 10n, absoluteExpiry: 1_800_000_000n });
    expect(toHex(decoded.fields.issuerId!)).toBe(toHex(ALICE.id));
  });

  it('builds an "any amount" offer reachable only through blinded paths', () => {
    const offer = buildOffer({ paths: [blindedPath(0x10, pubkey(0x19))] });
    expect(offer.fields.amount).toBeUndefined();
    expect(offer.fields.issuerId).toBeUndefined();
    expect(analyzeOffer(offer.bytes, ctx).errors).toEqual([]);
  });

  it('writes a currency amount with offer_currency', () => {
    const offer = buildOffer({ amount: { currency: 'EUR', amount: 250n }, description: 'book', issuerId: ALICE.id });
    expect(offer.fields).toMatchObject({ currency: 'EUR', amount: 250n });
  });

  it('omits offer_chains for bitcoin alone and keeps other chains', () => {
    expect(buildOffer({ chains: [CHAIN_HASHES.bitcoin], issuerId: ALICE.id }).fields.chains).toBeUndefined();
    const multi = buildOffer({ chains: [CHAIN_HASHES.testnet, CHAIN_HASHES.signet], issuerId: ALICE.id });
    expect(multi.fields.chains!.map(toHex)).toEqual([toHex(CHAIN_HASHES.testnet), toHex(CHAIN_HASHES.signet)]);
  });

  it('refuses what the writer requirements forbid', () => {
    expect(semanticCode(() => buildOffer({ amount: 1n, issuerId: ALICE.id }))).toBe('offer.missing_description');
    expect(semanticCode(() => buildOffer({ amount: 0n, description: 'x', issuerId: ALICE.id }))).toBe('offer.zero_amount');
    expect(semanticCode(() => buildOffer({ description: 'x' }))).toBe('offer.missing_issuer_id_and_paths');
    expect(semanticCode(() => buildOffer({ paths: [blindedPath(0x10, pubkey(0x19), 0)] }))).toBe('offer.empty_blinded_path');
    expect(semanticCode(() => buildOffer({ amount: { currency: 'euro', amount: 1n }, description: 'x', issuerId: ALICE.id }))).toBe(
      'builder.invalid_parameter',
    );
    expect(semanticCode(() => buildOffer({ issuerId: ALICE.id, extraRecords: [{ type: 40n, value: new Uint8Array(1) }] }))).toBe(
      'builder.invalid_parameter',
    );
  });

  it('keeps extra odd records and their bytes', () => {
    const offer = buildOffer({ issuerId: ALICE.id, extraRecords: [{ type: 1_000_000_001n, value: new Uint8Array([9, 9]) }] });
    const decoded = decodeOffer(encodeOffer(offer), ctx);
    expect(decoded.unknownRecords).toEqual([{ type: 1_000_000_001n, value: new Uint8Array([9, 9]) }]);
  });
});

describe('offer reader', () => {
  it('rejects an offer with an unknown even feature bit but ignores an unknown odd one', () => {
    const odd = buildOffer({ issuerId: ALICE.id, features: featuresFromBits([41]) });
    expect(analyzeOffer(odd.bytes, ctx).errors).toEqual([]);
    // Writers must not set unknown even bits; force one in through the TLV bytes.
    const even = buildOffer({ issuerId: ALICE.id, features: featuresFromBits([40]) });
    expect(codes(analyzeOffer(even.bytes, ctx))).toEqual(['offer.unknown_required_feature']);
  });

  it('rejects an offer on a chain the node does not accept', () => {
    const offer = buildOffer({ chains: [CHAIN_HASHES.regtest], issuerId: ALICE.id });
    expect(codes(analyzeOffer(offer.bytes, ctx))).toEqual(['offer.unsupported_chain']);
    expect(analyzeOffer(offer.bytes, { ...ctx, chains: [CHAIN_HASHES.regtest] }).errors).toEqual([]);
  });

  it('rejects an lnr string given where an offer is expected', () => {
    expect(codes(analyzeOffer('lnr1qqqq', ctx))).toEqual(['bolt12.parse.unknown_prefix']);
  });
});
