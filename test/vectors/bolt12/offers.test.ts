import { describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, toHex } from '../../../core/crypto';
import {
  Bolt12ParseError,
  Bolt12SemanticError,
  CHAIN_HASHES,
  analyzeOffer,
  decodeOffer,
  encodeOffer,
  featureBits,
} from '../../../core/offers';
import type { Offer } from '../../../core/offers';
import { loadVectors } from '../../support/vectors';

interface OfferCase {
  readonly description: string;
  readonly valid: boolean;
  readonly bolt12: string;
  readonly 'field info'?: string;
  readonly fields?: { type: number; length: number; hex: string }[];
}

const cases = loadVectors<OfferCase[]>('bolt12/offers-test.json');
// A node on bitcoin and testnet (the vectors include a testnet-only offer). "now" is 2023-11-14,
// before the 2035 expiry of the "with expiry" case.
const ctx = { nowSeconds: 1_700_000_000, chains: [CHAIN_HASHES.bitcoin, CHAIN_HASHES.testnet] };

/**
 * The first error each invalid case must give. The vector file names the problem only in prose;
 * where its bytes say something else than its description, the note says what the bytes hold.
 */
const EXPECTED: Record<string, { code: string; note?: string }> = {
  'Malformed: fields out of order': { code: 'bolt12.parse.bad_tlv' },
  // The bytes hold type 0x48 = 72 (the description says 78): still an unknown even type in range.
  'Malformed: unknown even TLV type 78': { code: 'bolt12.parse.unknown_even_type' },
  'Malformed: empty': { code: 'bolt12.parse.empty' },
  'Malformed: truncated at type': { code: 'bolt12.parse.bad_tlv' },
  'Malformed: truncated in length': { code: 'bolt12.parse.bad_tlv' },
  'Malformed: truncated after length': { code: 'bolt12.parse.bad_tlv' },
  'Malformed: truncated in description': { code: 'bolt12.parse.bad_tlv' },
  'Malformed: invalid offer_chains length': { code: 'bolt12.parse.invalid_field' },
  'Malformed: truncated currency UTF-8': { code: 'bolt12.parse.invalid_field' },
  'Malformed: invalid currency UTF-8': { code: 'bolt12.parse.invalid_field' },
  'Malformed: truncated description UTF-8': { code: 'bolt12.parse.invalid_field' },
  'Malformed: invalid description UTF-8': { code: 'bolt12.parse.invalid_field' },
  'Malformed: truncated offer_paths': { code: 'bolt12.parse.invalid_field' },
  // The next five give offer_paths a 2- or 3-byte length, so the path's own bytes are read as
  // the following TLVs, whose types (2 or 3) come after 16: the stream is out of order.
  'Malformed: zero num_hops in blinded_path': { code: 'bolt12.parse.bad_tlv', note: 'offer_paths length 2' },
  'Malformed: truncated onionmsg_hop in blinded_path': { code: 'bolt12.parse.bad_tlv', note: 'offer_paths length 2' },
  'Malformed: bad first_node_id in blinded_path': { code: 'bolt12.parse.bad_tlv', note: 'offer_paths length 3' },
  'Malformed: bad path_key in blinded_path': { code: 'bolt12.parse.bad_tlv', note: 'offer_paths length 2' },
  'Malformed: bad blinded_node_id in onionmsg_hop': { code: 'bolt12.parse.bad_tlv', note: 'offer_paths length 2' },
  'Malformed: truncated issuer UTF-8': { code: 'bolt12.parse.invalid_field' },
  'Malformed: invalid issuer UTF-8': { code: 'bolt12.parse.invalid_field' },
  'Malformed: invalid offer_issuer_id': { code: 'bolt12.parse.invalid_field' },
  'Contains type >= 80': { code: 'bolt12.parse.type_out_of_range' },
  // The type is written fd77359400: a 3-byte BigSize 0x7735 (30517) followed by length 0x94 (148),
  // which runs past the end of the stream.
  'Contains type > 1999999999': { code: 'bolt12.parse.bad_tlv', note: 'type encoded as fd + 4 bytes' },
  // Same encoding slip: fd3b9aca02 is type 0x3b9a (15258) with length 0xca (202), past the end.
  'Contains unknown even type (1000000002)': { code: 'bolt12.parse.bad_tlv', note: 'type encoded as fd + 4 bytes' },
  'Contains unknown feature 122': { code: 'offer.unknown_required_feature' },
  'Missing offer_description, but has offer_amount': { code: 'offer.missing_description' },
  'Missing offer_amount with offer_currency': { code: 'offer.currency_without_amount' },
  'Invalid: zero offer_amount': { code: 'offer.zero_amount' },
  'Invalid: zero offer_amount with currency': { code: 'offer.zero_amount' },
  'Missing offer_issuer_id and no offer_path': { code: 'offer.missing_issuer_id_and_paths' },
  'Second offer_path is empty': { code: 'offer.empty_blinded_path' },
  'offer_chains with zero entries': { code: 'offer.empty_chains' },
  'Bech32 padding exceeds 4-bit limit': { code: 'bolt12.parse.bad_padding' },
};

function expectRecordsMatch(offer: Offer, fields: NonNullable<OfferCase['fields']>): void {
  expect(offer.records.map((r) => ({ type: Number(r.type), length: r.value.length, hex: toHex(r.value) }))).toEqual(fields);
}

describe('BOLT 12 offers (offers-test.json)', () => {
  it('has the 53 cases the README counts (20 valid, 33 invalid)', () => {
    expect(cases).toHaveLength(53);
    expect(cases.filter((c) => c.valid)).toHaveLength(20);
    expect(Object.keys(EXPECTED)).toHaveLength(33);
  });

  for (const c of cases.filter((x) => x.valid)) {
    it(`accepts "${c.description}" with the vector's records, and re-encodes it unchanged`, () => {
      const offer = decodeOffer(c.bolt12, ctx);
      if (c.fields) expectRecordsMatch(offer, c.fields);
      expect(encodeOffer(offer)).toBe(c.bolt12);
    });
  }

  for (const c of cases.filter((x) => !x.valid)) {
    const want = EXPECTED[c.description];
    it(`rejects "${c.description}" with ${want?.code}`, () => {
      expect(want, 'an expectation for every invalid case').toBeDefined();
      const a = analyzeOffer(c.bolt12, ctx);
      expect(a.errors.length).toBeGreaterThan(0);
      expect(a.errors[0]!.code).toBe(want!.code);
      const family = want!.code.startsWith('bolt12.parse.') ? Bolt12ParseError : Bolt12SemanticError;
      expect(a.errors[0]).toBeInstanceOf(family);
      expect(() => decodeOffer(c.bolt12, ctx)).toThrow(family);
      if (c.fields && a.value) expectRecordsMatch(a.value, c.fields);
    });
  }

  const byDescription = (d: string) => decodeOffer(cases.find((c) => c.description === d)!.bolt12, ctx).fields;

  it('decodes the typed values the "field info" notes state', () => {
    expect(byDescription('with description (but no amount)').description).toBe('Test vectors');
    expect(byDescription('for testnet').chains!.map(toHex)).toEqual([toHex(CHAIN_HASHES.testnet)]);
    expect(byDescription('for bitcoin or liquidv1').chains!.map(toHex)[1]).toBe(toHex(CHAIN_HASHES.bitcoin));
    expect(byDescription('with metadata').metadata).toEqual(new Uint8Array(16));
    expect(byDescription('with amount').amount).toBe(10000n);
    const usd = byDescription('with currency');
    expect([usd.currency, usd.amount]).toEqual(['USD', 10000n]);
    // 0x7a4297d8 = 2051184600 = 2035-01-01 00:00 at UTC+10:30 (the note's "2035-01-01" is local time).
    expect(byDescription('with expiry').absoluteExpiry).toBe(2051184600n);
    expect(byDescription('with issuer').issuer).toBe('https://bolt12.org BOLT12 industries');
    expect(byDescription('with quantity').quantityMax).toBe(5n);
    expect(byDescription('with unlimited (or unknown) quantity').quantityMax).toBe(0n);
    expect(byDescription('with single quantity (weird but valid)').quantityMax).toBe(1n);
    expect(featureBits(byDescription('with feature').features!)).toEqual([99]);
  });

  it('decodes blinded paths, including a sciddir first_node_id', () => {
    const bob = byDescription('with blinded path via Bob (0x424242...), path_key 020202...').paths!;
    expect(bob).toHaveLength(1);
    // Bob is the node whose private key is 0x4242…42.
    expect(bob[0]!.firstNodeId).toEqual({ kind: 'node_id', nodeId: publicKeyFromPrivate(new Uint8Array(32).fill(0x42)) });
    expect(toHex(bob[0]!.firstPathKey)).toBe('02'.repeat(33));
    expect(bob[0]!.hops.map((h) => toHex(h.encryptedRecipientData))).toEqual(['00'.repeat(16), '11'.repeat(8)]);
    const scid = byDescription('same, with blinded path first_node_id using sciddir').paths![0]!.firstNodeId;
    expect(scid).toEqual({ kind: 'scid', direction: 0, shortChannelId: 42n });
    const two = byDescription('... and with second blinded path via 1x2x3 (direction 1), path_key 020202...').paths!;
    expect(two[1]!.firstNodeId).toEqual({ kind: 'scid', direction: 1, shortChannelId: (1n << 40n) | (2n << 16n) | 3n });
  });

  it('keeps unknown odd fields as records, re-encoded byte for byte', () => {
    for (const d of ['unknown odd field', 'unknown odd experimental field']) {
      const offer = decodeOffer(cases.find((c) => c.description === d)!.bolt12, ctx);
      expect(offer.unknownRecords).toHaveLength(1);
      expect(new TextDecoder().decode(offer.unknownRecords[0]!.value)).toBe('helloworld');
    }
  });

  it('rejects the 2035 offer once its absolute expiry has passed, and only then', () => {
    const expiring = cases.find((c) => c.description === 'with expiry')!.bolt12;
    const expiry = 2051184600;
    expect(analyzeOffer(expiring, { ...ctx, nowSeconds: expiry }).errors).toEqual([]);
    expect(analyzeOffer(expiring, { ...ctx, nowSeconds: expiry + 1 }).errors.map((e) => e.code)).toEqual(['offer.expired']);
  });

  it('rejects a testnet-only offer on a bitcoin-only node', () => {
    const testnet = cases.find((c) => c.description === 'for testnet')!.bolt12;
    expect(analyzeOffer(testnet, { nowSeconds: 0 }).errors.map((e) => e.code)).toEqual(['offer.unsupported_chain']);
  });
});
