/** The offers repositories on real SQLite files: what goes in comes back, filters, updates, restarts. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, toHex } from '../../../core/crypto';
import type { InvoiceRecord, InvoiceRequestRecord, OfferRecord, PublishedPathRecord } from '../../../core/offers/manager';
import { InvoiceRequestsRepository, InvoicesRepository, OffersRepository, openDatabase, schemaVersion } from '../../../core/store';
import { tempDir } from '../../support/tmp';
import { T0, makeManager } from './manager-fixtures';

const offer = (id: string, extra: Partial<OfferRecord> = {}): OfferRecord => ({
  offerId: id, bolt12: `lno1${id}`, status: 'active', description: 'd', amountMsat: 18_446_744_073_709_551_615n, issuer: null, quantityMax: 0n,
  absoluteExpiry: 2_000_000_000, issuerId: null, createdAt: T0, disabledAt: null, ...extra,
});
const path = (owner: string, i: number): PublishedPathRecord => ({
  pathId: `${owner}${i}`, ownerId: owner, ownerKind: 'offer', pathIndex: i, introductionNodeId: '02'.padEnd(66, '1'), finalPathKey: 'aa', finalBlindedNodeId: 'bb',
});
const request = (extra: Partial<InvoiceRequestRecord> = {}): InvoiceRequestRecord => ({
  requestId: 'r1', role: 'received', offerId: 'o1', bolt12: 'lnr1x', status: 'invoice', amountMsat: null, quantity: 2n, payerNote: 'hé ✓', payerId: '02ab',
  description: null, issuer: null, invoiceId: null, errorCode: null, errorMessage: null, erroneousField: null, createdAt: T0, updatedAt: T0, ...extra,
});
const invoice = (id: string, extra: Partial<InvoiceRecord> = {}): InvoiceRecord => ({
  invoiceId: id, role: 'issued', offerId: 'o1', requestId: 'r1', bolt12: 'lni1x', paymentHash: `h${id}`, preimageNonce: 'n', amountMsat: 1n, createdAt: 1, expiresAt: 7201,
  nodeId: '02', description: null, quantity: null, payerNote: null, storedAt: T0, ...extra,
});

function repos() {
  const db = openDatabase(join(tempDir('glasswing-offers-repo-'), 'glasswing.sqlite'));
  return { db, offers: new OffersRepository(db), requests: new InvoiceRequestsRepository(db), invoices: new InvoicesRepository(db) };
}

describe('offers repositories', () => {
  it('applies the offers migration (schema version 4 or later)', () => {
    expect(schemaVersion(repos().db)).toBeGreaterThanOrEqual(4);
  });

  it('stores offers with their paths, lists them by status, and disables them', () => {
    const { offers } = repos();
    offers.insertOffer(offer('o1'), [path('o1', 0), path('o1', 1)]);
    offers.insertOffer(offer('o2', { amountMsat: null, quantityMax: null, absoluteExpiry: null, createdAt: T0 + 1 }), []);
    expect(offers.getOffer('o1')).toEqual(offer('o1'));
    expect(offers.pathsOf('o1')).toEqual([path('o1', 0), path('o1', 1)]);
    expect(offers.getPath('o11')).toEqual(path('o1', 1));
    offers.setOfferStatus('o1', 'disabled', T0 + 5);
    expect(offers.listOffers({ status: 'active' }).map((o) => o.offerId)).toEqual(['o2']);
    expect(offers.listOffers().map((o) => [o.offerId, o.status, o.disabledAt])).toEqual([['o1', 'disabled', T0 + 5], ['o2', 'active', null]]);
    expect(() => offers.insertOffer(offer('o3'), [path('o1', 0)])).toThrow(); // a path id twice: nothing of o3 is kept
    expect(offers.getOffer('o3')).toBeUndefined();
  });

  it('stores requests, updates their outcome, finds refunds and keeps the newest N in order', () => {
    const { requests } = repos();
    const id = requests.insertRequest(request());
    requests.updateRequest(id, { status: 'invoice_error', errorCode: 'x', erroneousField: 86n, updatedAt: T0 + 1 });
    expect(requests.getRequest(id)).toEqual(request({ status: 'invoice_error', errorCode: 'x', erroneousField: 86n, updatedAt: T0 + 1 }));
    requests.insertRequest(request({ requestId: 'ref', role: 'refund', offerId: 'ref', status: 'active' }));
    for (let i = 0; i < 5; i++) requests.insertRequest(request({ requestId: `s${i}`, role: 'sent' }));
    expect(requests.getRefund('ref')).toMatchObject({ role: 'refund', rowId: expect.any(Number) });
    expect(requests.getRefund('r1')).toBeUndefined();
    expect(requests.listRequests({ role: 'sent', limit: 2 }).map((r) => r.requestId)).toEqual(['s4', 's3']);
    expect(requests.listRequests({ offerId: 'ref' }).map((r) => r.requestId)).toEqual(['ref']);
  });

  it('stores invoices once, finds issued ones by payment hash, and counts them per offer', () => {
    const { invoices } = repos();
    expect(invoices.insertInvoice(invoice('i1'))).toBe(true);
    expect(invoices.insertInvoice(invoice('i1'))).toBe(false);
    invoices.insertInvoice(invoice('i2', { role: 'received', paymentHash: 'hi1', preimageNonce: null, quantity: 3n }));
    expect(invoices.getInvoice('i2')).toEqual(invoice('i2', { role: 'received', paymentHash: 'hi1', preimageNonce: null, quantity: 3n }));
    expect(invoices.getIssuedByPaymentHash('hi1')?.invoiceId).toBe('i1');
    expect(invoices.countIssued('o1')).toBe(1);
    expect(invoices.listInvoices({ role: 'received' }).map((i) => i.invoiceId)).toEqual(['i2']);
  });

  it('a restarted node still finds the preimage of an invoice it issued (the nonce survived, the seed rebuilds it)', () => {
    const dir = tempDir('glasswing-offers-restart-');
    const before = makeManager('issuer', { dir });
    const payer = makeManager('payer');
    const { offer: o } = before.manager.createOffer({ description: 'durable', amountMsat: 21n }, T0);
    const f = payer.manager.prepareFetch({ offer: o.bolt12 }, T0);
    before.manager.answerInvoiceRequest({ messageId: '00'.repeat(8), value: f.request.bytes, pathId: undefined, hasReplyPath: true }, T0);
    const issued = before.stores.invoices.listInvoices({ role: 'issued' })[0]!;
    before.db.close();
    const after = makeManager('issuer', { dir });
    const preimage = after.manager.preimageFor(Buffer.from(issued.paymentHash, 'hex'))!;
    expect(toHex(sha256(preimage))).toBe(issued.paymentHash);
    expect(after.stores.offers.getOffer(o.offerId)?.status).toBe('active');
  });
});
