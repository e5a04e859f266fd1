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
import { ANNOUNCE_RETRY_MS, AsyncPayer, encodeAsyncContext } from '../../../../core/payments';
import { AsyncPayerRepository, DATABASE_FILE, openDatabase } from '../../../../core/store';
import { tempDir } from '../../../support/tmp';
import { PAYER, R, setup } from './roles';
import { REGTEST, node } from './support';

const L1 = node('L1', 0x66);
type Htlc = Extract<PayerAction, { kind: 'send_async_htlc' }>;
type Send = Extract<PayerAction, { kind: 'send' }>;
const sends = (actions: readonly PayerAction[]): Send[] => actions.filter((a): a is Send => a.kind === 'send');

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
    announced: (id, now) => p.current.announced(id, now),
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
    expect(s.p.current.resume(s.lab.now).actions).toEqual([]);

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
    const again = s.p.current.resume(s.lab.now).actions as Htlc[];
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ paymentId: 'pay-3', hold: false, amountMsat: 50_000n });
    expect(again[0]!.preimage).toEqual(first!.preimage);
    expect(again[0]!.invoiceRequest).toEqual(first!.invoiceRequest);
    expect(s.p.current.resume(s.lab.now).actions).toEqual([]);
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
    const again = s.p.current.resume(s.lab.now).actions as Htlc[];
    expect(again.map((a) => [a.paymentId, a.hold, toHex(a.preimage)])).toEqual([['pay-5', true, toHex(first!.preimage)]]);
    // L1's release paths (its revoke_and_ack) still reach the restored payment.
    const release = L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId: 'aa'.repeat(32), expiresAt: s.lab.now / 1000 + 3600 }));
    const step = s.p.current.releasePathsReceived('pay-5', [release], s.lab.now);
    expect(step.actions).toHaveLength(2);
    expect(step.writes).toMatchObject([{ record: { status: 'htlc_sent' } }]);
    // Its release window is L1's to keep: the payer core does not fail an HTLC that is out.
    expect(s.p.current.tick(s.lab.now + 48 * 3600 * 1000).events).toEqual([]);
  });
});

describe('P often offline (lsp mode): L1\'s release paths are kept before they are relied on (issue 16, P offline after the revoke_and_ack)', () => {
  const releaseFor = (s: ReturnType<typeof withPayer>) => L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId: 'ab'.repeat(32), expiresAt: s.lab.now / 1000 + 3600 }));

  it('the paths are in the step\'s write, before held_htlc_available; killed before it went out, the restarted P announces with them, once', () => {
    const s = withPayer('lsp');
    s.lab.goOffline('R');
    request(s, 'pay-6');
    const release = releaseFor(s);
    const step = s.p.current.releasePathsReceived('pay-6', [release], s.lab.now);
    // Written first (the adapter applies writes before actions): the record names the paths, not yet announced.
    expect(step.writes).toMatchObject([{ record: { status: 'htlc_sent', releasePaths: [release], announcedAt: null } }]);
    expect(sends(step.actions).map((a) => [a.message.name, a.forwardedReplyPath, a.announces])).toEqual([
      ['held_htlc_available', release, 'pay-6'], ['held_htlc_available', release, 'pay-6'],
    ]);
    // The process dies with the write done and the messages not gone.
    s.p.store.applyAsyncPayerWrites(step.writes);
    s.restart();
    const resumed = s.p.current.resume(s.lab.now);
    // Its HTLC is asked for once more (the payments core answers a known id and sends nothing), then announced.
    expect(resumed.actions.map((a) => a.kind)).toEqual(['send_async_htlc', 'send', 'send']);
    const again = sends(resumed.actions);
    expect(again.map((a) => [a.message.name, a.forwardedReplyPath, a.announces])).toEqual([
      ['held_htlc_available', release, 'pay-6'], ['held_htlc_available', release, 'pay-6'],
    ]);
    expect(again.map((a) => a.destination)).toEqual(step.actions.map((a) => (a as Send).destination));
    expect(resumed.events).toMatchObject([{ type: 'async.held_htlc_announced', paymentId: 'pay-6', paths: 2 }]);
    // One went out: kept, and a later restart announces nothing.
    const ack = s.p.current.announced('pay-6', s.lab.now + 5);
    expect(ack.writes).toMatchObject([{ record: { announcedAt: s.lab.now + 5, releasePaths: [release] } }]);
    s.p.store.applyAsyncPayerWrites(ack.writes);
    expect(s.p.current.announced('pay-6', s.lab.now + 6)).toEqual({ writes: [], actions: [], events: [] });
    s.restart();
    expect(sends(s.p.current.resume(s.lab.now + 10).actions)).toEqual([]);
    expect(s.p.current.tick(s.lab.now + 10 * ANNOUNCE_RETRY_MS).actions).toEqual([]);
  });

  it('killed before L1\'s revoke_and_ack: the HTLC is asked for again, and the paths of the retransmitted revoke_and_ack announce it; a second copy does nothing', () => {
    const s = withPayer('lsp');
    s.lab.goOffline('R');
    request(s, 'pay-7');
    s.restart();
    expect(s.p.current.resume(s.lab.now).actions.map((a) => a.kind)).toEqual(['send_async_htlc']);
    const release = releaseFor(s);
    s.lab.run('P', s.p.current.releasePathsReceived('pay-7', [release], s.lab.now));
    const waiting = s.lab.mailbox.filter((m) => m.name === 'held_htlc_available' && m.to === 'R');
    expect(waiting.map((m) => m.replyPath)).toEqual([release, release]);
    expect(s.p.store.asyncPayments()[0]).toMatchObject({ status: 'htlc_sent', releasePaths: [release] });
    expect(s.p.store.asyncPayments()[0]!.announcedAt).not.toBeNull();
    expect(s.p.current.releasePathsReceived('pay-7', [release], s.lab.now + 1)).toEqual({ writes: [], actions: [], events: [] });
  });

  it('an announcement that did not go out is asked for again after ANNOUNCE_RETRY_MS, until it goes, its payment ends, or its release window ends', () => {
    const s = withPayer('lsp', { releaseWindowSeconds: 60 });
    s.lab.goOffline('R');
    request(s, 'pay-8');
    const t0 = s.lab.now;
    s.p.store.applyAsyncPayerWrites(s.p.current.releasePathsReceived('pay-8', [releaseFor(s)], t0).writes);
    expect(s.p.current.tick(t0 + ANNOUNCE_RETRY_MS - 1).actions).toEqual([]);
    expect(sends(s.p.current.tick(t0 + ANNOUNCE_RETRY_MS).actions)).toHaveLength(2);
    // Its HTLC's payment ended (the payments core's record): nothing more to say to R.
    expect(s.p.current.tick(t0 + 2 * ANNOUNCE_RETRY_MS, () => true).actions).toEqual([]);
    expect(sends(s.p.current.tick(t0 + 2 * ANNOUNCE_RETRY_MS).actions)).toHaveLength(2);
    // The release window ended: L1 fails it back; no announcement.
    expect(s.p.current.tick(t0 + 60_000).actions).toEqual([]);
  });

  it('self mode: killed before held_htlc_available went out, the restarted P announces it with the same release context', () => {
    const s = withPayer('self');
    s.lab.goOffline('R');
    const invreq = buildInvoiceRequest(s.offer, { payerId: PAYER.id, metadata: new Uint8Array(16).fill(1) }).sign(PAYER.secret, new Uint8Array(32)).bytes;
    s.p.current.begin({ paymentId: 'pay-9', offer: s.offer, invoiceRequest: invreq, amountMsat: 50_000n });
    const invoice = s.l2store.getStaticInvoice(R.idHex, 0)!.invoice;
    const step = s.p.current.handleStaticInvoice('pay-9', invoice, s.lab.now);
    s.p.store.applyAsyncPayerWrites(step.writes);
    s.restart();
    const again = sends(s.p.current.resume(s.lab.now + 1).actions);
    expect(again).toHaveLength(2);
    expect(again.map((a) => a.replyContext)).toEqual(sends(step.actions).map((a) => a.replyContext));
    // R gets it and releases: P sends the HTLC.
    for (const a of again) s.lab.run('P', { actions: [a], writes: [], events: [] });
    s.lab.comeOnline('R');
    expect(s.htlcs().map((h) => [h.paymentId, h.hold])).toEqual([['pay-9', false]]);
  });

  it('property: whatever the kills, lost messages and ticks, a payment whose paths P kept is announced over them, and never again once one went out', () => {
    type Cmd = 'restart' | 'paths' | 'deliver' | 'lose' | 'tick';
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Cmd>('restart', 'paths', 'deliver', 'lose', 'tick'), { maxLength: 10 }), (cmds) => {
        const s = withPayer('lsp');
        s.lab.goOffline('R');
        request(s, 'pay-p');
        const release = releaseFor(s);
        let outbox: Send[] = [];
        let gotPaths = false;
        let delivered = 0;
        let now = s.lab.now;
        const take = (step: { writes: readonly unknown[]; actions: readonly PayerAction[] }) => {
          s.p.store.applyAsyncPayerWrites(step.writes as never);
          outbox.push(...sends(step.actions));
        };
        const deliver = () => {
          for (const a of outbox) {
            expect(a.forwardedReplyPath).toEqual(release);
            delivered++;
            s.p.store.applyAsyncPayerWrites(s.p.current.announced(a.announces!, now).writes);
          }
          outbox = [];
        };
        const restart = () => {
          outbox = [];
          s.restart();
          take(s.p.current.resume(now));
        };
        for (const c of cmds) {
          if (c === 'restart' || c === 'lose') restart();
          else if (c === 'paths') {
            gotPaths = true;
            take(s.p.current.releasePathsReceived('pay-p', [release], now));
          } else if (c === 'deliver') deliver();
          else {
            now += ANNOUNCE_RETRY_MS;
            take(s.p.current.tick(now));
          }
        }
        restart();
        deliver();
        const announced = s.p.store.asyncPayments()[0]!.announcedAt !== null;
        expect(announced).toBe(gotPaths);
        expect(delivered > 0).toBe(gotPaths);
        restart();
        expect(outbox).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('P reads back whatever its store holds', () => {
  it('a record whose offer or static invoice no longer reads is restored failed, never sent, and never makes the core throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 200 }), fc.constantFrom('awaiting_release_paths' as const, 'awaiting_release' as const, 'htlc_sent' as const), (offer, staticInvoice, status) => {
        const record: AsyncPayerRecord = {
          paymentId: 'x', mode: 'self', status, offer, offerId: '00'.repeat(32), amountMsat: 1n, invoiceRequest: new Uint8Array([1]), staticInvoice,
          preimage: new Uint8Array(32), holdId: '11'.repeat(32), paymentHash: '22'.repeat(32), releaseDeadline: 1, failure: null, createdAt: 1,
          releasePaths: [], announcedAt: null,
        };
        const payer = new AsyncPayer({ chain: REGTEST, mode: 'self', messagePathTo: (c) => PAYER.pathTo(c), randomBytes: (n) => new Uint8Array(n), reader: { asyncPayments: () => [record] } });
        expect(payer.payment('x')).toMatchObject({ status: 'failed' });
        expect(payer.resume(0).actions).toEqual([]);
        expect(payer.tick(10 ** 13).actions).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
