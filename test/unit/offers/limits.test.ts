/**
 * Issue 20 at the BOLT 12 readers: the work a stranger's message can buy, counted in curve
 * operations (core/crypto backend calls, test/support/curve-ops.ts) for the worst message of each
 * kind — the point-dense offer of the issue, and messages at every limit of core/wire/limits.ts.
 * Parsing refuses what is over a limit before any costly check and checks blinded path points
 * for shape only; the full readers (analyzeX/decodeX) still check every point on the curve; the
 * offers manager applies every cheap rule first and checks the signature last.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, publicKeyFromPrivate, sha256, toHex } from '../../../core/crypto';
import type { Analysis } from '../../../core/offers';
import {
  analyzeInvoice, analyzeInvoiceRequest, analyzeOffer, analyzeStaticInvoice, buildInvoice, decodeBolt12String, decodeOffer, parseInvoiceBytes,
  parseInvoiceRequestBytes, parseOfferBytes, parseStaticInvoiceBytes,
} from '../../../core/offers';
import type { BlindedPath, TlvRecord } from '../../../core/wire';
import { LIMITS, decodeTlvStream, encodeBlindedPath, encodeTlvStream } from '../../../core/wire';
import { OFFERS_MESSAGE_TLV } from '../../../core/offers/manager';
import { countCurveOps } from '../../support/curve-ops';
import {
  densePath, invoiceAtLimits, invoiceRequestAtLimits, invoiceRequestBytes, offerAtLimitsRecords, pathsValue, pointDenseOfferRecords, pointsIn,
  staticInvoiceAtLimits,
} from '../../support/worst-messages';
import { REGTEST, T0, makeManager, testKey } from './manager-fixtures';

const ctx = { nowSeconds: Math.floor(T0 / 1000), chains: [REGTEST] };
const issuerId = publicKeyFromPrivate(testKey('limits/issuer'));
/** The x = 0x0303… string of the BOLT 12 vectors' bad points: the right shape, not on the curve. */
const OFF_CURVE = Uint8Array.of(3, ...new Uint8Array(32).fill(3));

function codes<T>(a: Analysis<T>): string[] {
  return a.errors.map((e) => e.code);
}

/** `path` with the blinded node id of its last hop replaced by a string that is not a point. */
function withBadPoint(path: BlindedPath): BlindedPath {
  return { ...path, hops: path.hops.map((h, i) => (i === path.hops.length - 1 ? { ...h, blindedNodeId: OFF_CURVE } : h)) };
}

describe('the point-dense offer of issue 20', () => {
  // 970 zero-hop paths of valid points fill 65 KB with 1,940 points: before the limits, parsing it
  // checked every one (~250 ms with @noble).
  const bytes = encodeTlvStream(pointDenseOfferRecords(970, issuerId));

  it('is refused after the 8th path with bolt12.parse.over_limit, without checking a path point', () => {
    expect(bytes.length).toBeGreaterThan(64_000);
    const { value, ops } = countCurveOps(() => analyzeOffer(bytes, ctx));
    expect(codes(value)).toEqual(['bolt12.parse.over_limit']);
    expect(value.errors[0]!.details).toMatchObject({ field: 'offer_paths', max: LIMITS.blindedPathsPerField });
    expect(ops.pointChecks).toBe(1); // offer_issuer_id, a single point read as it is parsed
  });

  it('is refused as the offer part of an invoice_request too, before its signature is looked at', () => {
    const request = invoiceRequestBytes({ offerRecords: pointDenseOfferRecords(970, issuerId), payerSecret: testKey('limits/payer'), amountMsat: 1000n });
    const { value, ops } = countCurveOps(() => analyzeInvoiceRequest(request, ctx));
    expect(codes(value)).toEqual(['bolt12.parse.over_limit']);
    expect(ops).toMatchObject({ pointChecks: 2, verifications: 0 }); // offer_issuer_id, invreq_payer_id
  });
});

describe('messages at every limit', () => {
  it('an offer at the limits: the parse checks no path point; decodeOffer checks all 176, each one a payer may use', () => {
    const bytes = encodeTlvStream(offerAtLimitsRecords(issuerId, REGTEST));
    const parsed = countCurveOps(() => parseOfferBytes(bytes));
    expect(parsed.value.errors).toEqual([]);
    expect(parsed.ops.pointChecks).toBe(1);
    const full = countCurveOps(() => decodeOffer(bytes, ctx));
    expect(full.ops.pointChecks).toBe(1 + pointsIn(LIMITS.blindedPathsPerField, LIMITS.blindedPathHops));
  });

  it('an invoice_request, an invoice and a static invoice at the limits parse with only their single points checked', () => {
    const request = invoiceRequestAtLimits(offerAtLimitsRecords(issuerId, REGTEST), testKey('limits/payer'), { chain: REGTEST, amountMsat: 1000n, fillBytes: 20_000 });
    const invoice = invoiceAtLimits(testKey('limits/node'), REGTEST);
    const staticInvoice = staticInvoiceAtLimits(testKey('limits/node'), REGTEST);
    const r = countCurveOps(() => parseInvoiceRequestBytes(request));
    expect([r.value.errors, r.value.value!.records.length, r.ops.pointChecks]).toEqual([[], LIMITS.bolt12Records.invoice_request, 2]);
    const i = countCurveOps(() => parseInvoiceBytes(invoice));
    expect([i.value.errors, i.value.value!.records.length, i.ops.pointChecks]).toEqual([[], LIMITS.bolt12Records.invoice, 2]);
    const s = countCurveOps(() => parseStaticInvoiceBytes(staticInvoice));
    expect([s.value.errors, s.value.value!.records.length, s.ops.pointChecks]).toEqual([[], LIMITS.bolt12Records.static_invoice, 2]);
    // The full readers check every point they read (and the signature).
    const full = countCurveOps(() => analyzeInvoice(invoice, ctx));
    expect(full.ops.pointChecks).toBe(2 + 3 * pointsIn(LIMITS.blindedPathsPerField, LIMITS.blindedPathHops));
    expect(codes(analyzeStaticInvoice(staticInvoice, ctx))).toEqual([]);
  });

  it('refuses one path, one hop or one record more than the table allows, before reading it', () => {
    const over = (records: TlvRecord[]) => countCurveOps(() => analyzeOffer(encodeTlvStream(records), ctx));
    const paths = over([{ type: 10n, value: new Uint8Array(1) }, { type: 16n, value: pathsValue(LIMITS.blindedPathsPerField + 1, 1) }]);
    expect([codes(paths.value), paths.ops.pointChecks]).toEqual([['bolt12.parse.over_limit'], 0]);
    const hops = over([{ type: 10n, value: new Uint8Array(1) }, { type: 16n, value: pathsValue(1, LIMITS.blindedPathHops + 1) }]);
    expect([codes(hops.value), hops.value.errors[0]!.details]).toEqual([['bolt12.parse.over_limit'], { field: 'offer_paths', hops: 21, max: 20 }]);
    const records = Array.from({ length: LIMITS.bolt12Records.offer + 1 }, (_, i) => ({ type: 1_000_000_001n + 2n * BigInt(i), value: new Uint8Array(0) }));
    expect(codes(over(records).value)).toEqual(['bolt12.parse.over_limit']);
    expect(codes(over(records.slice(1)).value)).not.toContain('bolt12.parse.over_limit');
  });

  it('keeps the point rule for every path field: a point off the curve parses (shape) but the full reader refuses it, naming the field', () => {
    const offerRecords: TlvRecord[] = [
      { type: 2n, value: REGTEST },
      { type: 10n, value: new Uint8Array(1) },
      { type: 16n, value: encodePaths([densePath(2), withBadPoint(densePath(3))]) },
    ];
    const offer = encodeTlvStream(offerRecords);
    expect(parseOfferBytes(offer).errors).toEqual([]);
    const refused = analyzeOffer(offer, ctx);
    expect(codes(refused)).toEqual(['bolt12.parse.invalid_field']);
    expect(refused.errors[0]!.message).toContain('offer_paths[1].path[2].blinded_node_id');
    const request = invoiceRequestBytes({
      offerRecords: [{ type: 2n, value: REGTEST }, { type: 10n, value: new Uint8Array(1) }, { type: 22n, value: issuerId }], payerSecret: testKey('limits/payer'),
      chain: REGTEST, amountMsat: 5n,
    });
    const withBadInvreqPath = spliceRecord(request, 90n, encodePaths([withBadPoint(densePath(1))]));
    expect(parseInvoiceRequestBytes(withBadInvreqPath).errors).toEqual([]);
    expect(analyzeInvoiceRequest(withBadInvreqPath, ctx).errors[0]).toMatchObject({ code: 'bolt12.parse.invalid_field', details: { field: 'invreq_paths' } });
  });
});

describe('the offers manager answering the worst invoice_request', () => {
  function issuer() {
    const m = makeManager('limits-issuer');
    const { offer } = m.manager.createOffer({ description: 'limits', amountMsat: 1000n }, T0);
    const records = parseOfferBytes(decodeBolt12String(offer.bolt12).bytes).value!.records;
    return { m, offer, records };
  }
  const answer = (m: ReturnType<typeof makeManager>, value: Uint8Array) =>
    countCurveOps(() => m.manager.answerInvoiceRequest({ messageId: 'ab'.repeat(8), value, pathId: undefined, hasReplyPath: true }, T0));

  it('one for our offer, at every limit, costs one signature verification and checks no path point', () => {
    const { m, records } = issuer();
    const request = invoiceRequestAtLimits(records, testKey('limits/payer'), { chain: REGTEST, fillBytes: 20_000 });
    const { value, ops } = answer(m, request);
    expect(value.kind).toBe('invoice');
    // 2 points as the request is parsed (offer_issuer_id, invreq_payer_id), 1 as our invoice_node_id
    // is written, 3 as the invoice that copies the request is parsed when built and 3 when signed
    // (node id, issuer id, payer id): none of the 352 points of its offer_paths and invreq_paths.
    // One verification (its signature), one signature (the invoice's), and the one-hop payment
    // path: 1 ECDH, 1 k·P, 2 k·G with the signer's key check.
    expect(ops).toEqual({ pointChecks: 9, ecdh: 1, pointMultiplies: 1, baseMultiplies: 2, signatures: 1, verifications: 1 });
  });

  it('one for an offer that is not ours is refused before its signature, whatever it carries', () => {
    const { m } = issuer();
    const request = invoiceRequestAtLimits(offerAtLimitsRecords(issuerId, REGTEST), testKey('limits/payer'), { chain: REGTEST, amountMsat: 1000n });
    const { value, ops } = answer(m, request);
    expect(value).toMatchObject({ kind: 'invoice_error', rejection: { code: 'offers.unknown_offer' } });
    expect(ops).toEqual({ pointChecks: 2, ecdh: 0, pointMultiplies: 0, baseMultiplies: 0, signatures: 0, verifications: 0 });
  });

  it('one that breaks a cheap rule is refused without verifying its signature, even a forged one', () => {
    const { m, records } = issuer();
    const request = invoiceRequestBytes({ offerRecords: records, payerSecret: testKey('limits/payer'), chain: REGTEST, amountMsat: 1n }); // below the offer's 1000
    const forged = request.slice();
    forged[forged.length - 1]! ^= 1; // the last byte of the signature
    const { value, ops } = answer(m, forged);
    expect(value).toMatchObject({ kind: 'invoice_error', rejection: { code: 'invoice_request.amount_below_expected' } });
    expect(ops.verifications).toBe(0);
    // With every cheap rule kept, the forged signature is what is refused.
    const fine = invoiceRequestBytes({ offerRecords: records, payerSecret: testKey('limits/payer'), chain: REGTEST, amountMsat: 1000n }).slice();
    fine[fine.length - 1]! ^= 1;
    const checked = answer(m, fine);
    expect(checked.value).toMatchObject({ kind: 'invoice_error', rejection: { code: 'invoice_request.invalid_signature' } });
    expect(checked.ops.verifications).toBe(1);
  });

  it('an unsolicited invoice at every limit is refused before its signature or any path point', () => {
    const { m } = issuer();
    const invoice = invoiceAtLimits(testKey('limits/node'), REGTEST);
    const { value, ops } = countCurveOps(() => m.manager.receiveInvoice({ messageId: 'cd'.repeat(8), value: invoice, pathId: undefined, hasReplyPath: true }, T0));
    expect(value).toMatchObject({ kind: 'invoice_error', rejection: { code: 'offers.unexpected_invoice' } });
    expect(ops).toMatchObject({ pointChecks: 2, verifications: 0 });
  });
});

describe('the payer', () => {
  it('checks on the curve every point of the invoice paths it would pay over, and refuses one that is not a point', () => {
    const issuerM = makeManager('limits-issuer2');
    const payer = makeManager('limits-payer');
    const { offer } = issuerM.manager.createOffer({ description: 'pay me', amountMsat: 1000n }, T0);
    const fetch = payer.manager.prepareFetch({ offer: offer.bolt12 }, T0);
    const bad = withBadPoint(densePath(2));
    const payInfo = { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 18, htlcMinimumMsat: 1n, htlcMaximumMsat: 1000n, features: new Uint8Array(0) };
    // The builder checks a path's shape only, as core/wire's writers do: so a signed invoice can carry it.
    const invoice = buildInvoice(fetch.request, { paymentHash: sha256(new Uint8Array(1)), createdAt: BigInt(Math.floor(T0 / 1000)), paths: [{ path: bad, payInfo }] }).sign(
      issuerM.nodeKey,
    );
    const records = [{ type: OFFERS_MESSAGE_TLV.invoice, value: invoice.bytes }];
    expect(() => payer.manager.acceptFetchAnswer(fetch, records, fetch.destinations[0]!, T0)).toThrowError(
      expect.objectContaining({ code: 'offers.bad_invoice', details: { code: 'bolt12.parse.invalid_field' }, message: expect.stringContaining('invoice_paths') }),
    );
    expect(toHex(issuerM.nodeId)).toBe(offer.issuerId);
  });
});

function encodePaths(paths: readonly BlindedPath[]): Uint8Array {
  return concatBytes(...paths.map((p) => encodeBlindedPath(p)));
}

/** `bytes` (a TLV stream) with the record `type` set to `value`; its signature no longer matches, which the reader finds only after the points. */
function spliceRecord(bytes: Uint8Array, type: bigint, value: Uint8Array): Uint8Array {
  return encodeTlvStream([...decodeTlvStream(bytes).filter((r) => r.type !== type), { type, value }]);
}
