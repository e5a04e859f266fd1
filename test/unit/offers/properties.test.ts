import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../core/crypto';
import type { BlindedPath, TlvRecord } from '../../../core/wire';
import { encodeTlvStream } from '../../../core/wire';
import type { BlindedPayInfo, InvoiceParams, Offer, OfferParams } from '../../../core/offers';
import {
  Bolt12ParseError,
  Bolt12SemanticError,
  PARSE_ERRORS,
  SEMANTIC_ERRORS,
  analyzeInvoice,
  analyzeInvoiceError,
  analyzeInvoiceRequest,
  analyzeOffer,
  analyzeStaticInvoice,
  buildInvoice,
  buildInvoiceError,
  buildInvoiceRequest,
  buildOffer,
  buildRefund,
  buildStaticInvoice,
  decodeBolt12,
  decodeBolt12String,
  decodeInvoice,
  decodeInvoiceError,
  decodeInvoiceRequest,
  decodeOffer,
  decodeStaticInvoice,
  encodeBolt12String,
  encodeInvoice,
  encodeInvoiceRequest,
  encodeOffer,
} from '../../../core/offers';
import { ALICE, AUX, BOB, pubkey } from './fixtures';

const NOW = 1_700_000_000n;
const ctx = { nowSeconds: NOW };
const KEYS = Array.from({ length: 12 }, (_, i) => pubkey(i + 1));
const KNOWN_CODES = new Set([...Object.keys(PARSE_ERRORS), ...Object.keys(SEMANTIC_ERRORS)]);

// ---- arbitraries -------------------------------------------------------------------------
const key = fc.constantFrom(...KEYS);
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const hop = fc.record({ blindedNodeId: key, encryptedRecipientData: fc.uint8Array({ maxLength: 40 }) });
const path: fc.Arbitrary<BlindedPath> = fc.record({
  firstNodeId: fc.oneof(
    fc.record({ kind: fc.constant('node_id' as const), nodeId: key }),
    fc.record({ kind: fc.constant('scid' as const), direction: fc.constantFrom(0 as const, 1 as const), shortChannelId: u64 }),
  ),
  firstPathKey: key,
  hops: fc.array(hop, { minLength: 1, maxLength: 3 }),
});
const payInfo: fc.Arbitrary<BlindedPayInfo> = fc.record({
  feeBaseMsat: fc.nat({ max: 0xffffffff }),
  feeProportionalMillionths: fc.nat({ max: 0xffffffff }),
  cltvExpiryDelta: fc.nat({ max: 0xffff }),
  htlcMinimumMsat: u64,
  htlcMaximumMsat: u64,
  features: fc.constant(new Uint8Array(0)),
});
/** Odd types in a range, for unknown records. */
const oddIn = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi }).map((t) => (t % 2n === 0n ? (t + 1n > hi ? t - 1n : t + 1n) : t));
const extra = (lo: bigint, hi: bigint) =>
  fc.uniqueArray(fc.record({ type: oddIn(lo, hi), value: fc.uint8Array({ maxLength: 20 }) }), { selector: (r) => r.type, maxLength: 2 });

const offerParams: fc.Arbitrary<OfferParams> = fc
  .record(
    {
      amount: fc.option(fc.bigInt({ min: 1n, max: 1n << 40n }), { nil: undefined }),
      description: text,
      issuer: fc.option(text, { nil: undefined }),
      metadata: fc.option(fc.uint8Array({ minLength: 1, maxLength: 16 }), { nil: undefined }),
      quantityMax: fc.option(fc.bigInt({ min: 0n, max: 1000n }), { nil: undefined }),
      absoluteExpiry: fc.option(fc.bigInt({ min: NOW, max: 1n << 40n }), { nil: undefined }),
      withIssuerId: fc.boolean(),
      paths: fc.array(path, { maxLength: 2 }),
      extraRecords: extra(23n, 79n),
    },
    { requiredKeys: ['description', 'withIssuerId', 'paths', 'extraRecords'] },
  )
  .map(({ withIssuerId, paths, ...p }) => ({
    ...p,
    issuerId: withIssuerId || paths.length === 0 ? ALICE.id : undefined,
    paths: paths.length > 0 ? paths : undefined,
  }));

/** An offer plus a consistent request for it. */
const offerAndRequest = fc
  .tuple(offerParams, fc.bigInt({ min: 1n, max: 50n }), fc.bigInt({ min: 0n, max: 1000n }), fc.option(text, { nil: undefined }), extra(93n, 159n))
  .map(([p, q, tip, payerNote, extraRecords]) => {
    const offer = buildOffer(p);
    const quantity = p.quantityMax === undefined ? undefined : p.quantityMax === 0n ? q : q > p.quantityMax ? p.quantityMax : q;
    const unit = offer.fields.amount;
    const amount = unit === undefined ? tip + 1n : tip % 2n === 0n ? undefined : unit * (quantity ?? 1n) + tip;
    const request = buildInvoiceRequest(offer, { payerId: BOB.id, metadata: new Uint8Array(8).fill(5), quantity, amount, payerNote, extraRecords }).sign(BOB.secret, AUX);
    return { offer, request };
  });

// ---- helpers ----------------------------------------------------------------------------
/** Calls fn; anything it throws must be a Bolt12 parse or semantic error with a known code. */
function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Bolt12ParseError || e instanceof Bolt12SemanticError)) throw e;
    expect(KNOWN_CODES.has(e.code)).toBe(true);
  }
}
function allTyped(a: { errors: readonly unknown[] }): boolean {
  return a.errors.every((e) => (e instanceof Bolt12ParseError || e instanceof Bolt12SemanticError) && KNOWN_CODES.has(e.code));
}
const paramsOf = (paths: BlindedPayInfo[], p: Partial<InvoiceParams> = {}): InvoiceParams => ({
  paymentHash: new Uint8Array(32).fill(9),
  createdAt: NOW,
  paths: paths.map((payInfo, i) => ({ path: { firstNodeId: { kind: 'node_id', nodeId: KEYS[i]! }, firstPathKey: KEYS[i + 1]!, hops: [{ blindedNodeId: KEYS[i + 2]!, encryptedRecipientData: new Uint8Array(3) }] }, payInfo })),
  ...p,
});
const nodeSecretFor = (offer: Offer) => (offer.fields.issuerId ? ALICE.secret : undefined);

describe('offers property tests', () => {
  it('string format: encode then decode gives back prefix and bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('lno', 'lnr', 'lni'), fc.uint8Array({ maxLength: 300 }), (prefix, bytes) => {
        const s = encodeBolt12String(prefix, bytes);
        const d = decodeBolt12String(s);
        expect(d.prefix).toBe(prefix);
        expect(toHex(d.bytes)).toBe(toHex(bytes));
        expect(toHex(decodeBolt12String(s.toUpperCase()).bytes)).toBe(toHex(bytes));
      }),
    );
  });

  it('offer: build → encode → decode keeps every field and record', () => {
    fc.assert(
      fc.property(offerParams, (p) => {
        const offer = buildOffer(p);
        const decoded = decodeOffer(encodeOffer(offer), ctx);
        expect(decoded.records).toEqual(offer.records);
        expect(decoded.fields).toEqual(offer.fields);
        expect(decoded.unknownRecords).toEqual([...(p.extraRecords ?? [])].sort((a, b) => Number(a.type - b.type)));
      }),
      { numRuns: 60 },
    );
  });

  it('invoice_request: build → sign → encode → decode is valid and unchanged, unknown odd records included', () => {
    fc.assert(
      fc.property(offerAndRequest, ({ offer, request }) => {
        const decoded = decodeInvoiceRequest(encodeInvoiceRequest(request), ctx, offer);
        expect(decoded.records).toEqual(request.records);
        expect(decoded.invreq).toEqual(request.invreq);
        expect(toHex(decoded.bytes)).toBe(toHex(encodeTlvStream(decoded.records)));
      }),
      { numRuns: 30 },
    );
  });

  it('invoice: build → sign → encode → decode is valid and mirrors the request', () => {
    fc.assert(
      fc.property(offerAndRequest, fc.array(payInfo, { minLength: 1, maxLength: 3 }), extra(161n, 235n), ({ offer, request }, infos, extraRecords) => {
        fc.pre(nodeSecretFor(offer) !== undefined);
        const params = paramsOf(infos, { extraRecords, amount: request.invreq.amount === undefined ? undefined : request.invreq.amount });
        const invoice = buildInvoice(request, params).sign(nodeSecretFor(offer)!, AUX);
        const decoded = decodeInvoice(encodeInvoice(invoice), ctx, request);
        expect(decoded.records).toEqual(invoice.records);
        expect(decoded.invoice.blindedPay).toEqual(infos);
        expect(decoded.unknownRecords.filter((r) => r.type >= 160n).map((r) => r.type)).toEqual(extraRecords.map((r) => r.type).sort((a, b) => Number(a - b)));
      }),
      { numRuns: 20 },
    );
  });

  it('refund and its invoice round-trip', () => {
    fc.assert(
      fc.property(text, fc.bigInt({ min: 1n, max: 1n << 50n }), fc.option(text, { nil: undefined }), (description, amount, payerNote) => {
        const refund = buildRefund({ payerId: BOB.id, description, amount, payerNote });
        expect(decodeInvoiceRequest(encodeInvoiceRequest(refund), ctx).records).toEqual(refund.records);
        const invoice = buildInvoice(refund, paramsOf([{ feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 0, htlcMinimumMsat: 0n, htlcMaximumMsat: 0n, features: new Uint8Array(0) }], { nodeId: ALICE.id })).sign(ALICE.secret, AUX);
        expect(decodeInvoice(encodeInvoice(invoice), ctx, refund).invoice.amount).toBe(amount);
      }),
      { numRuns: 20 },
    );
  });

  it('invoice_error and static invoice round-trip', () => {
    fc.assert(
      fc.property(fc.option(u64, { nil: undefined }), fc.uint8Array({ maxLength: 10 }), text, (field, value, error) => {
        const e = buildInvoiceError({ erroneousField: field, suggestedValue: field === undefined ? undefined : value, error });
        expect(decodeInvoiceError(e.bytes)).toEqual(e);
      }),
    );
    fc.assert(
      fc.property(fc.array(payInfo, { minLength: 1, maxLength: 2 }), fc.array(path, { minLength: 1, maxLength: 2 }), (infos, held) => {
        const offer = buildOffer({ issuerId: ALICE.id, paths: [held[0]!] });
        const inv = buildStaticInvoice(offer, { ...paramsOf(infos), heldHtlcAvailablePaths: held }).sign(ALICE.secret, AUX);
        const decoded = decodeStaticInvoice(inv.bytes, ctx);
        expect(decoded.invoice.heldHtlcAvailablePaths).toEqual(held);
        expect(decoded.records).toEqual(inv.records);
        // lightning/bolts#1149's number for the held_htlc_available paths (178).
        const draft = buildStaticInvoice(offer, { ...paramsOf(infos), heldHtlcAvailablePaths: held, messagePathsTlv: 178n }).sign(ALICE.secret, AUX);
        const back = decodeStaticInvoice(draft.bytes, ctx, { messagePathsTlv: 178n });
        expect(back.invoice.heldHtlcAvailablePaths).toEqual(held);
        expect(back.records).toEqual(draft.records);
      }),
      { numRuns: 20 },
    );
  });

  it('random strings give only typed errors, and decodeBolt12 never throws', () => {
    const near = fc.tuple(fc.constantFrom('lno1', 'lnr1', 'lni1', 'LNO1', 'ln', ''), fc.string({ maxLength: 80 })).map(([a, b]) => a + b);
    const bech = fc.tuple(fc.constantFrom('lno1', 'lnr1', 'lni1'), fc.string({ unit: fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l+ '.split('')), maxLength: 120 })).map(([a, b]) => a + b);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), near, bech), (s) => {
        onlyTypedErrors(() => decodeOffer(s, ctx));
        onlyTypedErrors(() => decodeInvoiceRequest(s, ctx));
        onlyTypedErrors(() => decodeInvoice(s, ctx));
        const d = decodeBolt12(s, ctx);
        expect(d.errors.every((e) => KNOWN_CODES.has(e.code))).toBe(true);
        expect(JSON.parse(JSON.stringify(d))).toEqual(d);
      }),
      { numRuns: 400 },
    );
  });

  it('random and truncated bytes give only typed errors', () => {
    const valid = buildInvoice(
      buildInvoiceRequest(buildOffer({ amount: 5n, description: 'd', issuerId: ALICE.id }), { payerId: BOB.id, metadata: new Uint8Array(4) }).sign(BOB.secret, AUX),
      paramsOf([{ feeBaseMsat: 1, feeProportionalMillionths: 2, cltvExpiryDelta: 3, htlcMinimumMsat: 4n, htlcMaximumMsat: 5n, features: new Uint8Array([1]) }]),
    ).sign(ALICE.secret, AUX).bytes;
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n)),
      fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
        const b = valid.slice();
        b[i]! ^= x;
        return b;
      }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        for (const a of [analyzeOffer(b, ctx), analyzeInvoiceRequest(b, ctx), analyzeInvoice(b, ctx), analyzeInvoiceError(b), analyzeStaticInvoice(b, ctx), analyzeStaticInvoice(b, ctx, { messagePathsTlv: 178n })]) {
          expect(allTyped(a)).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('unknown odd records in every allowed range survive a round trip and are covered by the signature', () => {
    fc.assert(
      fc.property(extra(1_000_000_000n, 1_999_999_999n), extra(2_000_000_000n, 2_999_999_999n), (offerExtra, invreqExtra) => {
        const o = buildOffer({ amount: 10n, description: 'x', issuerId: ALICE.id, extraRecords: offerExtra });
        const r = buildInvoiceRequest(o, { payerId: BOB.id, metadata: new Uint8Array(2), extraRecords: invreqExtra }).sign(BOB.secret, AUX);
        const back = decodeInvoiceRequest(encodeInvoiceRequest(r), ctx, o);
        const types = (rs: readonly TlvRecord[]) => rs.map((x) => x.type);
        expect(types(back.unknownRecords)).toEqual(types([...offerExtra, ...invreqExtra].sort((a, b) => Number(a.type - b.type))));
        expect(decodeOffer(encodeOffer(o), ctx).unknownRecords).toEqual(o.unknownRecords);
        // Changing an unknown record's value (keeping the old signature) breaks the signature.
        const target = back.unknownRecords[0];
        if (target) {
          const changed = back.records.map((x) => (x.type === target.type ? { type: x.type, value: Uint8Array.of(...x.value, 0) } : x));
          expect(analyzeInvoiceRequest(encodeTlvStream(changed), ctx).errors.map((e) => e.code)).toEqual(['invoice_request.invalid_signature']);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('any single flipped bit in a signed invoice_request or invoice is detected', () => {
    const offer = buildOffer({ amount: 10n, description: 'flip', issuerId: ALICE.id });
    const request = buildInvoiceRequest(offer, { payerId: BOB.id, metadata: new Uint8Array(6).fill(1), payerNote: 'hi' }).sign(BOB.secret, AUX);
    const invoice = buildInvoice(request, paramsOf([{ feeBaseMsat: 1, feeProportionalMillionths: 1, cltvExpiryDelta: 1, htlcMinimumMsat: 1n, htlcMaximumMsat: 1n, features: new Uint8Array(0) }])).sign(ALICE.secret, AUX);
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.nat({ max: 7 }), (isInvoice, at, bit) => {
        const original = isInvoice ? invoice.bytes : request.bytes;
        const b = original.slice();
        b[at % b.length]! ^= 1 << bit;
        const a = isInvoice ? analyzeInvoice(b, { nowSeconds: NOW }) : analyzeInvoiceRequest(b, ctx);
        expect(a.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });

  it('a changed metadata byte breaks exactly the signature check', () => {
    const offer = buildOffer({ amount: 10n, description: 'meta', issuerId: ALICE.id });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (metadata, at, x) => {
        const r = buildInvoiceRequest(offer, { payerId: BOB.id, metadata }).sign(BOB.secret, AUX);
        const b = r.bytes.slice();
        b[2 + (at % metadata.length)]! ^= x; // type 0, length, then the metadata bytes
        expect(analyzeInvoiceRequest(b, ctx).errors.map((e) => e.code)).toEqual(['invoice_request.invalid_signature']);
      }),
      { numRuns: 40 },
    );
  });
});
