/**
 * PaymentsRepository on real SQLite files: every record round-trips (after reopening the file),
 * writes are upserts applied in one transaction (a failing write leaves nothing), the lists filter
 * and order as the cores expect, and a row of an impossible shape is `store.corrupt`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DATABASE_FILE, PaymentsRepository, StoreError, openDatabase } from '../../../core/store';
import type { ForwardRecord, InvoiceRecord, PartRecord, PaymentRecord, ReceivedRecord } from '../../../core/payments';
import { tempDir } from '../../support/tmp';

const hex = (b: number, n = 32) => b.toString(16).padStart(2, '0').repeat(n);

const payment: PaymentRecord = {
  paymentId: 'pay-1', kind: 'bolt11', paymentHash: hex(1), destination: '02' + hex(2), amountMsat: 123_456_789_012n, maxFeeMsat: 5_000n, maxCltvExpiryDelta: 2016,
  request: 'lnbcrt1...', description: 'coffee', status: 'pending', createdAt: 1, deadline: 60_001, completedAt: null, preimage: null, feeMsat: null, failure: null, attempts: 1,
};
const part: PartRecord = {
  paymentId: 'pay-1', partId: 0, status: 'inflight', channelId: hex(3), htlcId: 7n, amountMsat: 123_456_789_012n, sentMsat: 123_456_800_000n, feeMsat: 10_988n,
  cltvExpiry: 800_061, hops: [{ nodeId: '03' + hex(4), shortChannelId: (1n << 63n) + 5n, amountMsat: 123_456_800_000n, cltvExpiry: 800_061, feeMsat: 10_988n }],
  blinded: { pathIndex: 1, feeMsat: 1_300n, blindedHops: 2 }, onionNodeIds: ['03' + hex(4), '02' + hex(5)], sessionKey: hex(6), failReason: null, failMalformedCode: null,
  failure: null, createdAt: 1, resolvedAt: null,
};
const invoice: InvoiceRecord = {
  paymentHash: hex(7), preimage: hex(8), paymentSecret: hex(9), bolt11: 'lnbcrt...', amountMsat: null, description: '', descriptionHash: null, createdAt: 1_700_000_000,
  expiresAt: 1_700_003_600, minFinalCltvExpiryDelta: 18, status: 'unpaid', paidMsat: null, paidAt: null,
};
const received: ReceivedRecord = {
  paymentHash: hex(7), kind: 'bolt12', amountMsat: 10_000n, invoiceAmountMsat: 9_000n, offerId: hex(10), preimage: hex(8),
  htlcs: [{ channelId: hex(3), htlcId: 0n, amountMsat: 4_000n }, { channelId: hex(11), htlcId: 18_446_744_073_709_551_615n, amountMsat: 6_000n }], claimedAt: 5,
};
const forward: ForwardRecord = {
  forwardId: `${hex(3)}:2`, inChannelId: hex(3), inHtlcId: 2n, inAmountMsat: 101_010n, inCltvExpiry: 800_140, paymentHash: hex(12), outChannelId: hex(13), outHtlcId: null,
  outAmountMsat: 100_000n, outCltvExpiry: 800_100, outOnion: hex(14, 1366), outPathKey: null, status: 'offered', feeMsat: 1_010n, blinded: 'introduction',
  sharedSecret: hex(15), onionHash: hex(16), preimage: null, failReason: null, failMalformedCode: null, failure: null, upstream: null,
  hold: { key: 'release/x', deadlineHeight: 800_010 }, receivedAt: 9, resolvedAt: null,
};

function open(dir = tempDir('glasswing-payrepo-')) {
  const db = openDatabase(join(dir, DATABASE_FILE));
  return { dir, db, repo: new PaymentsRepository(db) };
}

describe('PaymentsRepository', () => {
  it('keeps every record as written, across a reopen of the file', () => {
    const first = open();
    first.repo.applyPaymentsWrites([
      { kind: 'put_payment', payment }, { kind: 'put_part', part }, { kind: 'put_invoice', invoice }, { kind: 'put_received', received }, { kind: 'put_forward', forward },
    ]);
    first.db.close();
    const { repo, db } = open(first.dir);
    expect(repo.getPayment('pay-1')).toEqual(payment);
    expect(repo.partsOf('pay-1')).toEqual([part]);
    expect(repo.getInvoice(hex(7))).toEqual(invoice);
    expect(repo.getReceived(hex(7))).toEqual(received);
    expect(repo.getForward(forward.forwardId)).toEqual(forward);
    expect(repo.livePayments()).toEqual([payment]);
    expect(repo.activeForwards()).toEqual([forward]);
    db.close();
  });

  it('upserts: a later write of a record replaces what changes, and the lists follow the status', () => {
    const { repo, db } = open();
    repo.applyPaymentsWrites([{ kind: 'put_payment', payment }, { kind: 'put_part', part }, { kind: 'put_forward', forward }, { kind: 'put_invoice', invoice }]);
    const done: PaymentRecord = { ...payment, status: 'succeeded', preimage: hex(20), feeMsat: 10_988n, completedAt: 9 };
    const partDone: PartRecord = { ...part, status: 'succeeded', sessionKey: null, resolvedAt: 9 };
    const failed: ForwardRecord = { ...forward, status: 'failed', failure: 'downstream', upstream: { reason: hex(21, 10) }, sharedSecret: null, outOnion: null, outHtlcId: 3n, resolvedAt: 9 };
    repo.applyPaymentsWrites([
      { kind: 'put_payment', payment: done }, { kind: 'put_part', part: partDone }, { kind: 'put_forward', forward: failed },
      { kind: 'put_invoice', invoice: { ...invoice, status: 'paid', paidMsat: 1n, paidAt: 3 } },
    ]);
    expect(repo.getPayment('pay-1')).toEqual(done);
    expect(repo.partsOf('pay-1')).toEqual([partDone]);
    expect(repo.getForward(forward.forwardId)).toEqual(failed);
    expect(repo.livePayments()).toEqual([]);
    expect(repo.activeForwards()).toEqual([]);
    expect(repo.listPayments({ status: 'succeeded' })).toEqual([done]);
    expect(repo.listForwards({ status: 'failed' })).toEqual([failed]);
    expect(repo.listInvoices({ status: 'paid' })).toHaveLength(1);
    expect(repo.paymentsByHash(hex(1))).toEqual([done]);
    repo.applyPaymentsWrites([{ kind: 'put_forward', forward: { ...forward, forwardId: 'x:1', upstream: { malformedCode: 0xc018 } } }]);
    expect(repo.getForward('x:1')!.upstream).toEqual({ malformedCode: 0xc018 });
    db.close();
  });

  it('lists newest first, as the NodeApi promises (the newest `limit` rows, the newest at index 0)', () => {
    const { repo, db } = open();
    const ids = [0, 1, 2, 3];
    repo.applyPaymentsWrites(ids.flatMap((i) => [
      { kind: 'put_payment' as const, payment: { ...payment, paymentId: `pay-${i}`, paymentHash: hex(30 + i), createdAt: i } },
      { kind: 'put_invoice' as const, invoice: { ...invoice, paymentHash: hex(40 + i), createdAt: i } },
      { kind: 'put_received' as const, received: { ...received, paymentHash: hex(50 + i), claimedAt: i } },
      { kind: 'put_forward' as const, forward: { ...forward, forwardId: `f:${i}`, receivedAt: i } },
    ]));
    // A later write of the oldest payment (an upsert) keeps its place.
    repo.applyPaymentsWrites([{ kind: 'put_payment', payment: { ...payment, paymentId: 'pay-0', paymentHash: hex(30), createdAt: 0, status: 'failed' } }]);
    expect(repo.listPayments().map((p) => p.createdAt)).toEqual([3, 2, 1, 0]);
    expect(repo.listInvoices().map((i) => i.createdAt)).toEqual([3, 2, 1, 0]);
    expect(repo.listReceived().map((r) => r.claimedAt)).toEqual([3, 2, 1, 0]);
    expect(repo.listForwards().map((f) => f.receivedAt)).toEqual([3, 2, 1, 0]);
    expect(repo.listPayments({ limit: 2 }).map((p) => p.paymentId)).toEqual(['pay-3', 'pay-2']);
    expect(repo.listForwards({ limit: 1 }).map((f) => f.forwardId)).toEqual(['f:3']);
    db.close();
  });

  it('sums the fees of every fulfilled forward, not only those a list shows (amounts past 2^53 exact)', () => {
    const { repo, db } = open();
    const fees = [1_010n, 2n ** 60n + 7n, 5n];
    repo.applyPaymentsWrites([
      ...fees.map((feeMsat, i) => ({ kind: 'put_forward' as const, forward: { ...forward, forwardId: `ok:${i}`, status: 'fulfilled' as const, feeMsat } })),
      { kind: 'put_forward', forward: { ...forward, forwardId: 'no:1', status: 'failed', feeMsat: 999n } },
    ]);
    expect(repo.listForwards({ limit: 1 })).toHaveLength(1);
    expect(repo.feesEarnedMsat()).toBe(fees.reduce((a, f) => a + f, 0n));
    db.close();
  });

  it('applies a step\'s writes all or nothing', () => {
    const { repo, db } = open();
    // A part of a payment that is not stored breaks the foreign key: the payment before it is rolled back too.
    expect(() => repo.applyPaymentsWrites([{ kind: 'put_payment', payment: { ...payment, paymentId: 'other' } }, { kind: 'put_part', part: { ...part, paymentId: 'nobody' } }])).toThrow();
    expect(repo.getPayment('other')).toBeUndefined();
    db.close();
  });

  it('reports a damaged row as store.corrupt, whatever is in it', () => {
    const { repo, db } = open();
    repo.applyPaymentsWrites([{ kind: 'put_payment', payment }, { kind: 'put_part', part }, { kind: 'put_forward', forward }]);
    const columns = [
      ['payments', 'failure', "payment_id = 'pay-1'"], ['payments', 'amount_msat', "payment_id = 'pay-1'"], ['payments', 'status', "payment_id = 'pay-1'"],
      ['payment_parts', 'hops', "payment_id = 'pay-1'"], ['payment_parts', 'blinded', "payment_id = 'pay-1'"], ['payment_parts', 'onion_node_ids', "payment_id = 'pay-1'"],
      ['payment_parts', 'failure', "payment_id = 'pay-1'"], ['forwards', 'upstream', '1 = 1'], ['forwards', 'hold', '1 = 1'], ['forwards', 'in_htlc_id', '1 = 1'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...columns), fc.oneof(fc.json(), fc.string()), ([table, column, where], junk) => {
        db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(junk);
        try {
          repo.getPayment('pay-1');
          repo.partsOf('pay-1');
          repo.listForwards();
        } catch (e) {
          expect(e).toBeInstanceOf(StoreError);
          expect((e as StoreError).code).toBe('store.corrupt');
        }
        // Put the good row back for the next run.
        repo.applyPaymentsWrites([{ kind: 'put_payment', payment }, { kind: 'put_part', part }]);
        db.prepare('DELETE FROM forwards').run();
        repo.applyPaymentsWrites([{ kind: 'put_forward', forward }]);
        db.prepare("UPDATE payments SET amount_msat = ?, status = ? WHERE payment_id = 'pay-1'").run(payment.amountMsat.toString(), payment.status);
        db.prepare("UPDATE payment_parts SET hops = ?, onion_node_ids = ? WHERE payment_id = 'pay-1'").run(
          JSON.stringify(part.hops.map((h) => ({ ...h, shortChannelId: h.shortChannelId.toString(), amountMsat: h.amountMsat.toString(), feeMsat: h.feeMsat.toString() }))),
          JSON.stringify(part.onionNodeIds),
        );
      }),
      { numRuns: 150 },
    );
    expect(repo.getPayment('pay-1')).toEqual(payment);
    db.close();
  });
});
