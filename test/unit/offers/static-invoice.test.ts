import { describe, expect, it } from 'vitest';
import { sha256, utf8 } from '../../../core/crypto';
import { ASYNC_PAYMENTS_PROFILES } from '../../../core/wire';
import {
  Bolt12ParseError,
  Bolt12SemanticError,
  DEFAULT_STATIC_INVOICE_RELATIVE_EXPIRY,
  SIGNATURE_TAGS,
  analyzeInvoiceError,
  analyzeStaticInvoice,
  buildInvoiceError,
  buildOffer,
  buildStaticInvoice,
  decodeInvoiceError,
  decodeStaticInvoice,
  isStaticInvoiceForOffer,
} from '../../../core/offers';
import { ALICE, AUX, CAROL, blindedPath, codes, paymentPath, pubkey, tamper } from './fixtures';

const CREATED = 1_700_000_000n;
const ctx = { nowSeconds: CREATED };
const offer = buildOffer({ description: 'tips', issuerId: ALICE.id, paths: [blindedPath(0x20, pubkey(0x29))] });
const held = [blindedPath(0x70, pubkey(0x79))];
const build = () => buildStaticInvoice(offer, { paths: [paymentPath()], heldHtlcAvailablePaths: held, createdAt: CREATED }).sign(ALICE.secret, AUX);

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof Bolt12SemanticError || e instanceof Bolt12ParseError) return e.code;
    throw e;
  }
  return undefined;
}

describe('static invoices in lightning/bolts#1149\'s numbers (held_htlc_available paths: 178, not 236)', () => {
  const draft = { messagePathsTlv: ASYNC_PAYMENTS_PROFILES.bolts1149.staticInvoiceMessagePathsTlv };
  const buildDraft = () => buildStaticInvoice(offer, { paths: [paymentPath()], heldHtlcAvailablePaths: held, createdAt: CREATED, ...draft }).sign(ALICE.secret, AUX);

  it('the profile table names 178 for the draft and 236 for LDK', () => {
    expect(draft.messagePathsTlv).toBe(178n);
    expect(ASYNC_PAYMENTS_PROFILES.ldk.staticInvoiceMessagePathsTlv).toBe(236n);
  });

  it('builds and decodes with the paths in type 178, signed over that record', () => {
    const inv = buildDraft();
    expect(inv.records.map((r) => r.type)).toContain(178n);
    expect(inv.records.map((r) => r.type)).not.toContain(236n);
    const decoded = decodeStaticInvoice(inv.bytes, ctx, draft);
    expect(decoded.invoice.heldHtlcAvailablePaths).toEqual(held);
    expect(analyzeStaticInvoice(inv.bytes, ctx, draft).errors).toEqual([]);
  });

  it('a reader of the other profile refuses it with a typed error (178 is an unknown even type to LDK; 236 to the draft)', () => {
    expect(codes(analyzeStaticInvoice(buildDraft().bytes, ctx))).toContain('bolt12.parse.unknown_even_type');
    expect(codes(analyzeStaticInvoice(buildDraft().bytes, ctx))).toContain('static_invoice.missing_held_htlc_available_paths');
    expect(codes(analyzeStaticInvoice(build().bytes, ctx, draft))).toContain('bolt12.parse.unknown_even_type');
  });

  it('missing paths under the draft number is the same typed error', () => {
    const inv = buildDraft();
    expect(codes(analyzeStaticInvoice(tamper(inv.records, { 178: undefined }, SIGNATURE_TAGS.staticInvoice, ALICE.secret), ctx, draft))).toEqual(['static_invoice.missing_held_htlc_available_paths']);
  });
});

describe('static invoices (LDK numbers)', () => {
  it('builds one for an offer with paths, signed with the static_invoice tag, and decodes it', () => {
    const inv = build();
    const decoded = decodeStaticInvoice(inv.bytes, ctx);
    expect(decoded.invoice.heldHtlcAvailablePaths).toEqual(held);
    expect(decoded.invoice.paymentHash).toBeUndefined();
    expect(decoded.records.some((r) => r.type === 236n)).toBe(true);
    expect(isStaticInvoiceForOffer(decoded, offer)).toBe(true);
  });

  it('expires after 14 days by default', () => {
    const inv = build();
    expect(analyzeStaticInvoice(inv.bytes, { nowSeconds: CREATED + DEFAULT_STATIC_INVOICE_RELATIVE_EXPIRY }).errors).toEqual([]);
    expect(codes(analyzeStaticInvoice(inv.bytes, { nowSeconds: CREATED + DEFAULT_STATIC_INVOICE_RELATIVE_EXPIRY + 1n }))).toEqual(['static_invoice.expired']);
  });

  it('rejects a payment hash, an amount, missing held paths and a signature with the invoice tag', () => {
    const inv = build();
    const resign = (changes: Record<string, Uint8Array | undefined>, tag: string = SIGNATURE_TAGS.staticInvoice) =>
      codes(analyzeStaticInvoice(tamper(inv.records, changes, tag, ALICE.secret), ctx));
    expect(resign({ 168: sha256(new Uint8Array(0)) })).toEqual(['static_invoice.unexpected_payment_hash']);
    expect(resign({ 170: new Uint8Array([1]) })).toEqual(['static_invoice.unexpected_amount']);
    expect(resign({ 236: undefined })).toEqual(['static_invoice.missing_held_htlc_available_paths']);
    expect(resign({ 16: undefined })).toEqual(['static_invoice.missing_offer_paths']);
    expect(resign({}, SIGNATURE_TAGS.invoice)).toEqual(['static_invoice.invalid_signature']);
    expect(resign({ 82: new Uint8Array([1]) })).toEqual(['bolt12.parse.type_out_of_range']);
  });

  it('refuses to build without offer paths or held-HTLC paths, or with a foreign node id', () => {
    const noPaths = buildOffer({ issuerId: ALICE.id });
    expect(thrownCode(() => buildStaticInvoice(noPaths, { paths: [paymentPath()], heldHtlcAvailablePaths: held, createdAt: CREATED }))).toBe(
      'static_invoice.missing_offer_paths',
    );
    expect(thrownCode(() => buildStaticInvoice(offer, { paths: [paymentPath()], heldHtlcAvailablePaths: [], createdAt: CREATED }))).toBe(
      'static_invoice.missing_held_htlc_available_paths',
    );
    expect(thrownCode(() => buildStaticInvoice(offer, { paths: [paymentPath()], heldHtlcAvailablePaths: held, createdAt: CREATED, nodeId: CAROL.id }))).toBe(
      'invoice.node_id_mismatch',
    );
  });
});

describe('invoice_error', () => {
  it('round-trips erroneous_field, suggested_value and error', () => {
    const e = buildInvoiceError({ erroneousField: 82n, suggestedValue: new Uint8Array([0x27, 0x10]), error: 'amount too low' });
    const decoded = decodeInvoiceError(e.bytes);
    expect(decoded).toMatchObject({ erroneousField: 82n, suggestedValue: new Uint8Array([0x27, 0x10]), error: 'amount too low' });
  });

  it('rejects suggested_value without erroneous_field, and a missing error string', () => {
    expect(thrownCode(() => buildInvoiceError({ suggestedValue: new Uint8Array([1]), error: 'x' }))).toBe('invoice_error.suggested_value_without_field');
    const onlyField = new Uint8Array([1, 1, 82]);
    expect(codes(analyzeInvoiceError(onlyField))).toEqual(['invoice_error.missing_error']);
  });

  it('rejects unknown even types and invalid UTF-8, keeps unknown odd ones', () => {
    expect(codes(analyzeInvoiceError(new Uint8Array([2, 0, 5, 1, 0x41])))).toEqual(['bolt12.parse.unknown_even_type']);
    expect(codes(analyzeInvoiceError(new Uint8Array([5, 1, 0xff])))).toEqual(['bolt12.parse.invalid_field']);
    const kept = decodeInvoiceError(new Uint8Array([5, 1, 0x41, 7, 1, 9]));
    expect(kept.unknownRecords).toEqual([{ type: 7n, value: new Uint8Array([9]) }]);
    expect(kept.error).toBe(utf8.decode(new Uint8Array([0x41])));
  });
});
