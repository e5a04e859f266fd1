/**
 * Every case of the BOLT 11 examples (test/vectors/data/bolt11/invoices.json): each value the file
 * states is checked against our decoder, each valid invoice is written back byte for byte from its
 * decoded values, and re-signed with the spec's key (RFC 6979) where its signature is low-S.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, sha256, toHex, utf8 } from '../../../core/crypto';
import type { Bolt11Invoice } from '../../../core/invoices';
import {
  Bolt11ParseError,
  Bolt11SemanticError,
  analyzeBolt11,
  assertBolt11Description,
  decodeBolt11,
  describeBolt11,
  encodeUnsignedBolt11,
  fallbackAddress,
  fallbackType,
  signingData,
  tagLetter,
} from '../../../core/invoices';
import { formatShortChannelId } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';

interface Hop { pubkey: string; short_channel_id: string; fee_base_msat: number; fee_proportional_millionths: number; cltv_expiry_delta: number }
interface Valid {
  name: string;
  invoice: string;
  note?: string;
  prefix: string;
  currency: string;
  network: string;
  amount: { hrp: string; value: number; multiplier: string | null; msat: number } | null;
  timestamp: number;
  payment_hash: string;
  payment_secret: string;
  description?: string;
  description_hash?: string;
  description_text?: string;
  expiry?: number;
  min_final_cltv_expiry_delta?: number;
  fallbacks?: { version: number; type: string; hash?: string; program?: string; address: string }[];
  route_hints?: Hop[][];
  features: number[];
  metadata?: string;
  payee_pubkey: string;
  signature: { rs: string; recovery_id: number; high_s: boolean };
  signing_data?: string;
  signing_hash?: string;
  field_order: string;
  ignored_fields?: { tag: string; data_length: number; why: string }[];
}
interface Invalid { name: string; category: string; invoice: string; features?: number[]; n_field?: string; timestamp?: number }
interface File { private_key: string; signer_pubkey: string; default_payment_secret: string; valid: Valid[]; invalid: Invalid[] }

const file = loadVectors<File>('bolt11/invoices.json');
const PRIVATE_KEY = fromHex(file.private_key);

/** The one valid example whose wrong-length p, h, s and n fields today's reader rule rejects. */
const IGNORED_FIELDS_CASE = 'fields which must be ignored';
const optionsFor = (v: Valid) => (v.name === IGNORED_FIELDS_CASE ? ({ fixedLengthFields: 'skip' } as const) : {});

/** invalid[].category → the code our reader fails with. */
const CODE_OF_CATEGORY: Record<string, string> = {
  unknown_even_feature_bit: 'bolt11.unknown_required_feature',
  invalid_checksum: 'bolt11.bad_checksum',
  malformed_no_separator: 'bolt11.no_separator',
  malformed_mixed_case: 'bolt11.mixed_case',
  signature_not_recoverable: 'bolt11.signature_not_recoverable',
  too_short: 'bolt11.too_short',
  invalid_multiplier: 'bolt11.invalid_multiplier',
  sub_millisatoshi_amount: 'bolt11.sub_millisatoshi_amount',
  missing_payment_secret: 'bolt11.no_payment_secret',
  high_s_with_n_field: 'bolt11.high_s_signature',
};

/** The skip reasons the file words in prose. */
const WHY = { unknown_field: /^unknown field type/, unknown_fallback_version: /^unknown fallback version/, wrong_length: /^wrong data_length/ };

function checkStatedValues(v: Valid, inv: Bolt11Invoice): void {
  expect(inv.prefix).toBe(v.prefix);
  expect(inv.prefix).toBe('ln' + v.currency);
  expect(inv.network).toBe(v.network);
  expect(inv.amountMsat).toBe(v.amount === null ? undefined : BigInt(v.amount.msat));
  expect(inv.timestamp).toBe(v.timestamp);
  expect(toHex(inv.paymentHash)).toBe(v.payment_hash);
  expect(toHex(inv.paymentSecret)).toBe(v.payment_secret);
  expect(inv.description).toBe(v.description);
  expect(inv.descriptionHash && toHex(inv.descriptionHash)).toBe(v.description_hash);
  if (v.description_text !== undefined) {
    expect(toHex(sha256(utf8.encode(v.description_text)))).toBe(v.description_hash);
    assertBolt11Description(inv, v.description_text);
  }
  // Absent x and c fields: the spec's defaults.
  expect(inv.expirySeconds).toBe(v.expiry ?? 3600);
  expect(inv.minFinalCltvExpiryDelta).toBe(v.min_final_cltv_expiry_delta ?? 18);
  expect(inv.features.bits()).toEqual(v.features);
  expect(inv.metadata && toHex(inv.metadata)).toBe(v.metadata);
  expect(
    inv.fallbacks.map((f) => ({
      version: f.version,
      type: fallbackType(f),
      [f.version >= 17 ? 'hash' : 'program']: toHex(f.program),
      address: fallbackAddress(f, inv.network),
    })),
  ).toEqual(v.fallbacks ?? []);
  expect(
    inv.routeHints.map((route) =>
      route.map((h) => ({
        pubkey: toHex(h.pubkey),
        short_channel_id: formatShortChannelId(h.shortChannelId),
        fee_base_msat: h.feeBaseMsat,
        fee_proportional_millionths: h.feeProportionalMillionths,
        cltv_expiry_delta: h.cltvExpiryDelta,
      })),
    ),
  ).toEqual(v.route_hints ?? []);
  expect(toHex(inv.payeeNodeId)).toBe(v.payee_pubkey);
  expect(inv.payeeNodeIdFrom).toBe('recovery'); // no valid example has an n field
  expect(toHex(inv.signature.rs)).toBe(v.signature.rs);
  expect(inv.signature.recoveryId).toBe(v.signature.recovery_id);
  if (v.signing_hash !== undefined) expect(toHex(inv.signingHash)).toBe(v.signing_hash);
  expect(inv.fields.map((f) => (f.tag === 'skipped' ? tagLetter(f.type) : f.tag)).join('')).toBe(v.field_order);
  const skipped = inv.fields.flatMap((f) => (f.tag === 'skipped' ? [f] : []));
  expect(skipped.map((f) => ({ tag: tagLetter(f.type), data_length: f.words.length }))).toEqual(
    (v.ignored_fields ?? []).map((f) => ({ tag: f.tag, data_length: f.data_length })),
  );
  skipped.forEach((f, i) => expect(v.ignored_fields![i]!.why).toMatch(WHY[f.reason]));
}

describe('BOLT 11 examples: valid invoices', () => {
  it('has the 16 valid cases the spec gives', () => {
    expect(file.valid).toHaveLength(16);
  });

  for (const v of file.valid) {
    describe(v.name, () => {
      it('decodes to every value the example states', () => {
        checkStatedValues(v, decodeBolt11(v.invoice, optionsFor(v)));
      });

      it('writes back to the same string from its decoded values and signature', () => {
        const inv = decodeBolt11(v.invoice, optionsFor(v));
        const unsigned = encodeUnsignedBolt11({ network: inv.network, amountMsat: inv.amountMsat, timestamp: inv.timestamp, fields: inv.fields });
        expect(toHex(unsigned.signingHash)).toBe(toHex(inv.signingHash));
        if (v.signing_data !== undefined) expect(toHex(signingData(unsigned.hrp, unsigned.dataWords))).toBe(v.signing_data);
        expect(unsigned.encode(inv.signature)).toBe(v.invoice.toLowerCase());
      });

      it('describes every field by the names the example uses', () => {
        const d = describeBolt11(v.invoice, optionsFor(v));
        expect(d.valid).toBe(true);
        expect(d.fields).toMatchObject({
          prefix: v.prefix,
          currency: v.currency,
          network: v.network,
          amount_msat: v.amount === null ? null : String(v.amount.msat),
          timestamp: v.timestamp,
          payment_hash: v.payment_hash,
          payment_secret: v.payment_secret,
          payee_pubkey: v.payee_pubkey,
          payee_pubkey_from: 'recovery',
          signature: v.signature,
          field_order: v.field_order,
          features: { bits: v.features },
          ...(v.description !== undefined ? { description: v.description } : { description_hash: v.description_hash }),
          ...(v.fallbacks ? { fallbacks: v.fallbacks } : {}),
          ...(v.route_hints ? { route_hints: v.route_hints } : {}),
          ...(v.metadata ? { metadata: v.metadata } : {}),
          ...(v.ignored_fields ? { ignored_fields: v.ignored_fields.map(({ tag, data_length }) => expect.objectContaining({ tag, data_length })) } : {}),
        });
      });

      if (!v.signature.high_s) {
        it('is reproduced exactly by signing its decoded values with the spec key (RFC 6979)', () => {
          const inv = decodeBolt11(v.invoice, optionsFor(v));
          const unsigned = encodeUnsignedBolt11({ network: inv.network, amountMsat: inv.amountMsat, timestamp: inv.timestamp, fields: inv.fields });
          expect(unsigned.encode(unsigned.signatureBy(PRIVATE_KEY))).toBe(v.invoice.toLowerCase());
        });
      }
    });
  }

  it(`'${IGNORED_FIELDS_CASE}': today's reader fails its wrong-length p field (lightning/bolts#1243)`, () => {
    const v = file.valid.find((x) => x.name === IGNORED_FIELDS_CASE)!;
    const a = analyzeBolt11(v.invoice);
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]).toBeInstanceOf(Bolt11ParseError);
    expect(a.errors[0]).toMatchObject({ code: 'bolt11.bad_field_length', details: { tag: 'p', dataLength: 51 } });
  });

  it('high-S example: recovery with the transmitted id gives the key the file states, not the signer', () => {
    const v = file.valid.find((x) => x.signature.high_s)!;
    const inv = decodeBolt11(v.invoice);
    expect(toHex(inv.payeeNodeId)).toBe(v.payee_pubkey);
    expect(toHex(inv.payeeNodeId)).not.toBe(file.signer_pubkey);
    // Its signed data is the donation example's: re-signing (low-S) gives that invoice back.
    const donation = file.valid.find((x) => x.name === 'donation, no amount')!;
    const unsigned = encodeUnsignedBolt11({ network: inv.network, amountMsat: inv.amountMsat, timestamp: inv.timestamp, fields: inv.fields });
    expect(unsigned.encode(unsigned.signatureBy(PRIVATE_KEY))).toBe(donation.invoice);
  });
});

describe('BOLT 11 examples: invalid invoices', () => {
  it('has the 10 invalid cases the spec gives, each with a code', () => {
    expect(file.invalid).toHaveLength(10);
    for (const v of file.invalid) expect(CODE_OF_CATEGORY[v.category]).toBeDefined();
  });

  for (const v of file.invalid) {
    it(`${v.name}: fails with ${CODE_OF_CATEGORY[v.category]}`, () => {
      const a = analyzeBolt11(v.invoice);
      expect(a.invoice).toBeUndefined();
      expect(a.errors.map((e) => e.code)).toEqual([CODE_OF_CATEGORY[v.category]]);
      let thrown: unknown;
      try {
        decodeBolt11(v.invoice);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(a.parsed ? Bolt11SemanticError : Bolt11ParseError);
      expect(describeBolt11(v.invoice)).toMatchObject({ valid: false, errors: [{ code: CODE_OF_CATEGORY[v.category] }] });
    });
  }

  it('unknown even feature 100: the error names the bit, and the odd 99 is ignored', () => {
    const v = file.invalid.find((x) => x.category === 'unknown_even_feature_bit')!;
    const a = analyzeBolt11(v.invoice);
    expect(a.parsed!.fields.find((f) => f.tag === '9')).toMatchObject({ tag: '9' });
    expect(a.errors[0]!.details).toEqual({ bits: [100] });
    expect(describeBolt11(v.invoice)).toMatchObject({ fields: { features: { bits: v.features } }, errors: [{ bits: [100] }] });
  });

  it('high-S with an n field: n is read, and the low-S twin of the signature verifies', () => {
    const v = file.invalid.find((x) => x.category === 'high_s_with_n_field')!;
    const a = analyzeBolt11(v.invoice);
    expect(a.parsed!.timestamp).toBe(v.timestamp);
    expect(describeBolt11(v.invoice).fields).toMatchObject({ n_field: v.n_field, field_order: 'pdns9s' });
    // Same data signed by the spec key: the RFC 6979 low-S signature is (r, n - s).
    const p = a.parsed!;
    const unsigned = encodeUnsignedBolt11({ network: p.network, amountMsat: p.amountMsat, timestamp: p.timestamp, fields: p.fields });
    const fixed = unsigned.sign(PRIVATE_KEY);
    expect(toHex(fixed.signature.rs.subarray(0, 32))).toBe(toHex(p.signature.rs.subarray(0, 32)));
    expect(fixed.payeeNodeIdFrom).toBe('n_field');
    expect(toHex(fixed.payeeNodeId)).toBe(v.n_field);
  });
});
