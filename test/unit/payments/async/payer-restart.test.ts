/**
 * P's payments to static invoices are kept (core/store migration 17) from the moment P picks the
 * preimage, before the HTLC with hold_htlc (lsp mode) or the held_htlc_available that promises it
 * (self mode) leaves: the payer core writes them, a new core over the same SQLite file reads them
 * back in the same state, and the payment then ends exactly as it would have — released and sent
 * with the same preimage, or failed when its release window ends. Real L2 and R cores, real SQLite.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256, toHex, utf8 } from '../../../../core/crypto';
import type { Offer } from '../../../../core/offers';
import { buildInvoiceRequest, decodeOffer } from '../../../../core/offers';
import type { AsyncPayerOptions, AsyncPayerRecord, PayerAction } from '../../../../core/payments';
import { AsyncPayer, encodeAsyncContext } from '../../../../core/payments';
import { AsyncPayerRepository, DATABASE_FILE, openDatabase } from '../../../../core/store';
import { tempDir } from '../../../support/tmp';
import { PAYER, R, setup } from './roles';
import { REGTEST, node } from './support';

const L1 = node('L1', 0x66);
type Htlc = Extract<PayerAction, { kind: 'send_async_htlc' }>;

/** P over a SQLite file: `restart()` closes it and opens a new core on the same file (what a kill -9 leaves is what was written). */
function withPayer(mode: AsyncPayerOptions['mode'], policy: AsyncPayerOptions['policy'] = {}) {
  const s = setup();
  const file = join(tempDir('glasswing-async-p-'), DATABASE_FILE);
  let db = openDatabase(file);
  let n = 0;
  const make = () =>
    new AsyncPayer({
      chain: REGTEST, mode, messagePathTo: (c) => PAYER.pathTo(c), randomBytes: (len) => new Uint8Array(len).fill(0x90 + (n++ % 16)), policy,
      reader: new AsyncPayerRepository(db),
    });
  const p = { current: make(), store: new AsyncPayerRepository(db) };
  s.lab.add('P', {
    node: PAYER,
    handle: (name, d, now) =>
      name === 'static_invoice' ? p.current.handleStaticInvoice(new TextDecoder().decode(d.context), d.bytes, now)
      : name === 'release_held_htlc' ? p.current.handleReleaseHeldHtlc(d, now)
      : undefined,
    apply: (w) => p.store.applyAsyncPayerWrites(w as never),
  });
  s.lab.run('R', s.recipient.current.tick(s.lab.now));
  const offer = decodeOffer(s.recipient.current.readyOffer()!, { nowSeconds: s.lab.now / 1000, chains: [REGTEST] });
  const restart = () => {
    db.close();
    db = openDatabase(file);
    p.store = new AsyncPayerRepository(db);
    p.current = make();
  };
  const htlcs = () => s.lab.other.filter((o) => o.action.kind === 'send_async_htlc').map((o) => o.action as Htlc);
  return { ...s, p, offer, restart, htlcs };
}

function request(s: ReturnType<typeof withPayer>, paymentId: string, offer: Offer = s.offer): void {
  const invreq = buildInvoiceRequest(offer, { payerId: PAYER.id, metadata: new Uint8Array(16).fill(1) }).sign(PAYER.secret, new Uint8Array(32)).bytes;
  s.p.current.begin({ paymentId, offer, invoiceRequest: invreq, amountMsat: 50_000n });
  s.lab.deliver({ from: 'P', to: 'L2', name: 'invoice_request', bytes: invreq, path: offer.fields.paths![0]!, replyPath: PAYER.pathTo(utf8.encode(paymentId)) });
}

describe('P holds the payment itself (self mode) across a restart', () => {
  it('is written before held_htlc_available leaves, read back in the same state, and sent with the same preimage when R releases it', () => {
    const s = withPayer('self');
    s.lab.goOffline('R');
    request(s, 'pay-1');
    const before = s.p.current.payment('pay-1')!;
    expect(before).toMatchObject({ status: 'awaiting_release', description: 'often offline coffee', createdAt: s.lab.now });
    // The record is there as soon as the announcements wait in R's mailbox.
    expect(s.lab.mailbox.filter((m) => m.name === 'held_htlc_available')).toHaveLength(2);
    const [stored] = s.p.store.asyncPayments();
    expect(stored).toMatchObject({ paymentId: 'pay-1', mode: 'self', status: 'awaiting_release', paymentHash: before.paymentHash, holdId: before.holdId });
    expect(toHex(sha256(stored!.preimage))).toBe(before.paymentHash);

    s.restart();
    expect(s.p.current.payment('pay-1')).toEqual(before);
    expect(s.p.current.payments()).toEqual([before]);
    // Nothing to send again: the HTLC has not gone, it waits for the release.
    expect(s.p.current.resume().actions).toEqual([]);

    s.lab.comeOnline('R');
    const [htlc] = s.htlcs();
    expect(htlc).toMatchObject({ paymentId: 'pay-1', hold: false, amountMsat: 50_000n });
    expect(toHex(htlc!.paymentHash)).toBe(before.paymentHash);
    expect(toHex(sha256(htlc!.preimage))).toBe(before.paymentHash);
    expect(s.p.store.asyncPayments()[0]!.status).toBe('htlc_sent');
  });

  it('after a restart, a payment R never releases fails when its release window ends, and stays failed after another', () => {
    const s = withPayer('self', { releaseWindowSeconds: 600 });
    s.lab.goOffline('R');
    request(s, 'pay-2');
    s.restart();
    expect(s.p.current.tick(s.lab.now + 599_000)).toEqual({ writes: [], actions: [], events: [] });
    const step = s.p.current.tick(s.lab.now + 600_000);
    expect(step.events).toMatchObject([{ type: 'async.hold_expired', reason: 'release_expired' }]);
    s.p.store.applyAsyncPayerWrites(step.writes);
    s.restart();
    expect(s.p.current.payment('pay-2')).toMatchObject({ status: 'failed', failure: 'payments.timeout' });
    // A late release is refused: no HTLC.
    s.lab.comeOnline('R');
    expect(s.htlcs()).toEqual([]);
  });

  it('released just before the restart: the HTLC is asked for again once (the payments core answers a known payment id with it)', () => {
    const s = withPayer('self');
    s.lab.goOffline('R');
    request(s, 'pay-3');
    s.lab.comeOnline('R');
    const [first] = s.htlcs();
    s.restart();
    const again = s.p.current.resume().actions as Htlc[];
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ paymentId: 'pay-3', hold: false, amountMsat: 50_000n });
    expect(again[0]!.preimage).toEqual(first!.preimage);
    expect(again[0]!.invoiceRequest).toEqual(first!.invoiceRequest);
    expect(s.p.current.resume().actions).toEqual([]);
  });

  it('is idempotent per payment id: the same id again, before or after a restart, changes nothing and sends nothing', () => {
    const s = withPayer('self');
    s.lab.goOffline('R');
    request(s, 'pay-4');
    const before = s.p.current.payment('pay-4')!;
    const invoice = s.l2store.getStaticInvoice(R.idHex, 0)!.invoice;
    expect(s.p.current.handleStaticInvoice('pay-4', invoice, s.lab.now + 1)).toEqual({ writes: [], actions: [], events: [] });
    s.restart();
    expect(s.p.current.begin({ paymentId: 'pay-4', offer: s.offer, invoiceRequest: new Uint8Array([1]), amountMsat: 1n })).toEqual(before);
    expect(s.p.current.handleStaticInvoice('pay-4', invoice, s.lab.now + 2)).toEqual({ writes: [], actions: [], events: [] });
    expect(s.p.store.asyncPayments()).toHaveLength(1);
  });
});

describe('P often offline (lsp mode) across a restart', () => {
  it('is written before the HTLC with hold_htlc leaves; after a restart the HTLC is asked for again once, held, with the same preimage', () => {
    const s = withPayer('lsp');
    s.lab.goOffline('R');
    request(s, 'pay-5');
    const [first] = s.htlcs();
    expect(first).toMatchObject({ hold: true });
    expect(s.p.store.asyncPayments()).toMatchObject([{ paymentId: 'pay-5', mode: 'lsp', status: 'awaiting_release_paths' }]);
    s.restart();
    const again = s.p.current.resume().actions as Htlc[];
    expect(again.map((a) => [a.paymentId, a.hold, toHex(a.preimage)])).toEqual([['pay-5', true, toHex(first!.preimage)]]);
    // L1's release paths (its revoke_and_ack) still reach the restored payment.
    const release = L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId: 'aa'.repeat(32), expiresAt: s.lab.now / 1000 + 3600 }));
    const step = s.p.current.releasePathsReceived('pay-5', [release]);
    expect(step.actions).toHaveLength(2);
    expect(step.writes).toMatchObject([{ record: { status: 'htlc_sent' } }]);
    // Its release window is L1's to keep: the payer core does not fail an HTLC that is out.
    expect(s.p.current.tick(s.lab.now + 48 * 3600 * 1000).events).toEqual([]);
  });
});

describe('P reads back whatever its store holds', () => {
  it('a record whose offer or static invoice no longer reads is restored failed, never sent, and never makes the core throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 200 }), fc.constantFrom('awaiting_release_paths' as const, 'awaiting_release' as const, 'htlc_sent' as const), (offer, staticInvoice, status) => {
        const record: AsyncPayerRecord = {
          paymentId: 'x', mode: 'self', status, offer, offerId: '00'.repeat(32), amountMsat: 1n, invoiceRequest: new Uint8Array([1]), staticInvoice,
          preimage: new Uint8Array(32), holdId: '11'.repeat(32), paymentHash: '22'.repeat(32), releaseDeadline: 1, failure: null, createdAt: 1,
        };
        const payer = new AsyncPayer({ chain: REGTEST, mode: 'self', messagePathTo: (c) => PAYER.pathTo(c), randomBytes: (n) => new Uint8Array(n), reader: { asyncPayments: () => [record] } });
        expect(payer.payment('x')).toMatchObject({ status: 'failed' });
        expect(payer.resume().actions).toEqual([]);
        expect(payer.tick(10 ** 13).actions).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
