/**
 * Whatever bytes arrive, the manager answers with a value or a typed error: random and truncated
 * invoice_requests, invoices and invoice_errors never make it throw anything untyped, and every
 * invoice_error it writes decodes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isGlasswingError } from '../../../core/errors';
import type { TlvRecord } from '../../../core/wire';
import { Bolt12ParseError, Bolt12SemanticError, PARSE_ERRORS, SEMANTIC_ERRORS, decodeInvoiceError } from '../../../core/offers';
import { OFFERS_MESSAGE_TLV, invoiceErrorOf, rejectionFor } from '../../../core/offers/manager';
import { T0, makeManager, peerId } from './manager-fixtures';

const issuer = makeManager('issuer');
const payer = makeManager('payer');
const { offer } = issuer.manager.createOffer({ description: 'widget', amountMsat: 1000n, quantityMax: 5n }, T0);
const { offer: pathOffer } = issuer.manager.createOffer({ description: 'hidden', amountMsat: 10n, via: [[peerId('b')]] }, T0);
const fetch = payer.manager.prepareFetch({ offer: offer.bolt12, quantity: 2n }, T0);
const pathId = issuer.stores.offers.pathsOf(pathOffer.offerId)[0]!.pathId;
const good = issuer.manager.answerInvoiceRequest({ messageId: '00'.repeat(8), value: fetch.request.bytes, pathId: undefined, hasReplyPath: true }, T0);
const goodInvoice = (good as { reply: TlvRecord }).reply.value;

const anyBytes = fc.uint8Array({ maxLength: 400 });
const truncations = (bytes: Uint8Array) => fc.integer({ min: 0, max: bytes.length - 1 }).map((n) => bytes.slice(0, n));
const pathIds = fc.constantFrom(undefined, Uint8Array.from(Buffer.from(pathId, 'hex')), new Uint8Array(32));

describe('the issuer on arbitrary invoice_request bytes', () => {
  it('answers random and truncated requests with an invoice_error that decodes, or ignores them — never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes, truncations(fetch.request.bytes)), pathIds, fc.boolean(), (value, id, hasReplyPath) => {
        const out = issuer.manager.answerInvoiceRequest({ messageId: '01'.repeat(8), value, pathId: id, hasReplyPath }, T0);
        if (out.kind === 'invoice_error') {
          expect(out.reply.type).toBe(OFFERS_MESSAGE_TLV.invoiceError);
          expect(decodeInvoiceError(out.reply.value).error!.length).toBeGreaterThan(0);
        } else {
          expect(out.kind).toBe('ignored');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('answers a request with any one byte flipped with an invoice_error (or ignores it), never an invoice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: fetch.request.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const value = fetch.request.bytes.slice();
        value[i]! ^= x;
        const out = issuer.manager.answerInvoiceRequest({ messageId: '02'.repeat(8), value, pathId: undefined, hasReplyPath: true }, T0);
        expect(out.kind).not.toBe('invoice');
      }),
      { numRuns: 100 },
    );
  });
});

describe('the payer on arbitrary answers', () => {
  it('refuses random or truncated invoices and undecodable invoice_errors with typed errors only', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes, truncations(goodInvoice)), fc.constantFrom(OFFERS_MESSAGE_TLV.invoice, OFFERS_MESSAGE_TLV.invoiceError, 65537n), (value, type) => {
        try {
          payer.manager.acceptFetchAnswer(fetch, [{ type, value }], fetch.destinations[0]!, T0);
          expect.unreachable('a random answer was accepted');
        } catch (e) {
          expect(isGlasswingError(e)).toBe(true);
          expect((e as { code: string }).code).toMatch(/^offers\.(bad_invoice|invoice_error|unexpected_reply)$/);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('handles random unsolicited invoices (for refunds) without throwing', () => {
    fc.assert(
      fc.property(anyBytes, pathIds, fc.boolean(), (value, id, hasReplyPath) => {
        const out = payer.manager.receiveInvoice({ messageId: '03'.repeat(8), value, pathId: id, hasReplyPath }, T0);
        expect(['invoice_error', 'ignored']).toContain(out.kind);
      }),
      { numRuns: 150 },
    );
  });
});

describe('rejections', () => {
  it('every BOLT 12 error code gives an invoice_error that decodes and keeps the writer rules', () => {
    const codes = [...Object.keys(PARSE_ERRORS), ...Object.keys(SEMANTIC_ERRORS)];
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.string({ maxLength: 40 }), (code, words) => {
        const error = code.startsWith('bolt12.parse.')
          ? new Bolt12ParseError(code as keyof typeof PARSE_ERRORS, words || code, { field: 'invreq_quantity' })
          : new Bolt12SemanticError(code as keyof typeof SEMANTIC_ERRORS, words || undefined, { quantity: '5', max: '3' });
        const r = rejectionFor(error, { offer: { amount: 10n, quantityMax: 3n }, invreq: { quantity: 2n }, chain: new Uint8Array(32) });
        const decoded = decodeInvoiceError(invoiceErrorOf(r).bytes);
        expect(decoded.error!.length).toBeGreaterThan(0);
        if (decoded.suggestedValue !== undefined) expect(decoded.erroneousField).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });
});
