/**
 * P's payments to static invoices (migration 17, AsyncPayerRepository): what is put is read back
 * the same, across a reopen of the file, one row per payment id (a later write replaces it: a step's
 * write of the same payment is idempotent), oldest first; a row that does not read is a typed
 * `store.corrupt`, never anything else.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AsyncPayerRecord } from '../../../core/payments';
import { AsyncPayerRepository, DATABASE_FILE, StoreError, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';
import { blindedPath } from '../wire/arbitraries';

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const record: fc.Arbitrary<AsyncPayerRecord> = fc.record({
  paymentId: fc.string({ minLength: 1, maxLength: 64 }),
  mode: fc.constantFrom('lsp' as const, 'self' as const),
  status: fc.constantFrom('awaiting_release_paths' as const, 'awaiting_release' as const, 'htlc_sent' as const, 'failed' as const),
  offer: fc.string({ minLength: 1, maxLength: 200 }),
  offerId: hex32,
  amountMsat: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
  invoiceRequest: fc.uint8Array({ minLength: 1, maxLength: 300 }),
  staticInvoice: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  preimage: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  holdId: hex32,
  paymentHash: hex32,
  releaseDeadline: fc.integer({ min: 0, max: 2 ** 47 }),
  failure: fc.option(fc.constantFrom('payments.timeout', 'payments.bad_static_invoice'), { nil: null }),
  createdAt: fc.integer({ min: 0, max: 2 ** 47 }),
  releasePaths: fc.array(blindedPath, { maxLength: 3 }),
  announcedAt: fc.option(fc.integer({ min: 0, max: 2 ** 47 }), { nil: null }),
});

function open(file: string): { repo: AsyncPayerRepository; db: ReturnType<typeof openDatabase>; close: () => void } {
  const db = openDatabase(file);
  return { repo: new AsyncPayerRepository(db), db, close: () => db.close() };
}

describe('AsyncPayerRepository', () => {
  it('round trip: what is put is read back the same after a reopen, one row per payment id, the last write kept, oldest first', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), (records) => {
        const file = join(tempDir('glasswing-async-payer-'), DATABASE_FILE);
        let db = open(file);
        // Each record in its own step, then all again (a step replayed after a restart).
        for (const r of records) db.repo.applyAsyncPayerWrites([{ kind: 'put_async_payment', record: r }]);
        db.repo.applyAsyncPayerWrites(records.map((r) => ({ kind: 'put_async_payment' as const, record: r })));
        db.close();
        db = open(file);
        const last = new Map<string, AsyncPayerRecord>();
        for (const r of records) last.set(r.paymentId, r);
        const want = [...last.values()].sort((a, b) => a.createdAt - b.createdAt || (a.paymentId < b.paymentId ? -1 : a.paymentId > b.paymentId ? 1 : 0));
        expect(db.repo.asyncPayments()).toEqual(want);
        db.close();
      }),
      { numRuns: 60 },
    );
  });

  it('a row written before migration 18 reads with no release paths and not announced', () => {
    const { repo, db, close } = open(join(tempDir('glasswing-async-payer-'), DATABASE_FILE));
    db.prepare(`INSERT INTO async_payer_payments (payment_id, mode, status, offer, offer_id, amount_msat, invoice_request, static_invoice, preimage, hold_id,
      payment_hash, release_deadline, failure, created_at) VALUES ('old', 'lsp', 'htlc_sent', 'lno1x', '00', '5', '01', '02', '03', 'aa', 'bb', 7, NULL, 1)`).run();
    expect(repo.asyncPayments()).toMatchObject([{ paymentId: 'old', releasePaths: [], announcedAt: null }]);
    close();
  });

  it('no writes, no transaction: an empty step leaves the table as it was', () => {
    const { repo, close } = open(join(tempDir('glasswing-async-payer-'), DATABASE_FILE));
    repo.applyAsyncPayerWrites([]);
    expect(repo.asyncPayments()).toEqual([]);
    close();
  });

  it('a row that does not read (bad status, mode, amount or hex) is store.corrupt', () => {
    const columns = [['status', "'later'"], ['mode', "'both'"], ['amount_msat', "'-5'"], ['preimage', "'zz'"], ['static_invoice', "'abc'"], ['release_paths', "'zz'"], ['release_paths', "'00'"]] as const;
    fc.assert(
      fc.property(fc.constantFrom(...columns), record, ([column, junk], r) => {
        const file = join(tempDir('glasswing-async-payer-'), DATABASE_FILE);
        const db = openDatabase(file);
        const repo = new AsyncPayerRepository(db);
        repo.applyAsyncPayerWrites([{ kind: 'put_async_payment', record: r }]);
        db.prepare(`UPDATE async_payer_payments SET ${column} = ${junk}`).run();
        let thrown: unknown;
        try {
          repo.asyncPayments();
        } catch (e) {
          thrown = e;
        }
        db.close();
        expect(thrown).toBeInstanceOf(StoreError);
        expect((thrown as StoreError).code).toBe('store.corrupt');
      }),
      { numRuns: 25 },
    );
  });
});
