/**
 * P, the payer core, with the real L2 and R cores: R offline when the invoice_request arrives, the
 * static invoice answered by L2, held_htlc_available waiting in the mailbox, R returning and
 * releasing, and P's HTLC onion (built by core/payments' onion builder with the async records)
 * peeled hop by hop to R, which accepts it. Also: an ordinary invoice first, an expired static
 * invoice, an unreleased payment timing out, the L1 (lsp) mode's hold_htlc and release paths.
 */
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../../core/crypto';
import type { Offer } from '../../../../core/offers';
import { buildInvoiceRequest, decodeOffer } from '../../../../core/offers';
import { decodeOnionPacket, peelPaymentOnion } from '../../../../core/onion';
import type { AsyncPayerOptions, PayerAction } from '../../../../core/payments';
import { AsyncPayer, buildPaymentOnion, encodeAsyncContext } from '../../../../core/payments';
import { L2, PAYER, R, setup } from './roles';
import { REGTEST, node, staticInvoiceFor } from './support';

const L1 = node('L1', 0x66);

function withPayer(mode: AsyncPayerOptions['mode'], opts: Partial<AsyncPayerOptions> = {}) {
  const s = setup();
  let n = 0;
  const payer = new AsyncPayer({
    chain: REGTEST, mode, messagePathTo: (c) => PAYER.pathTo(c),
    randomBytes: (len) => new Uint8Array(len).fill(0x90 + (n++ % 16)),
    ...opts,
  });
  s.lab.add('P', {
    node: PAYER,
    handle: (name, d, now) =>
      name === 'static_invoice' ? payer.handleStaticInvoice(new TextDecoder().decode(d.context), d.bytes, now)
      : name === 'release_held_htlc' ? payer.handleReleaseHeldHtlc(d, now)
      : undefined,
    announced: (id, now) => payer.announced(id, now),
  });
  // R's offer, ready at L2.
  s.lab.run('R', s.recipient.current.tick(s.lab.now));
  const offer = decodeOffer(s.recipient.current.readyOffer()!, { nowSeconds: s.lab.now / 1000, chains: [REGTEST] });
  return { ...s, payer, offer };
}

function invoiceRequestFor(offer: Offer): Uint8Array {
  return buildInvoiceRequest(offer, { payerId: PAYER.id, metadata: new Uint8Array(16).fill(1) }).sign(PAYER.secret, new Uint8Array(32)).bytes;
}

/** P sends its invoice_request over the offer's path to L2, with a reply path whose context is the payment id. */
function request(s: ReturnType<typeof withPayer>, paymentId: string) {
  const invreq = invoiceRequestFor(s.offer);
  s.payer.begin({ paymentId, offer: s.offer, invoiceRequest: invreq, amountMsat: 50_000n });
  s.lab.deliver({ from: 'P', to: 'L2', name: 'invoice_request', bytes: invreq, path: s.offer.fields.paths![0]!, replyPath: PAYER.pathTo(utf8.encode(paymentId)) });
  return invreq;
}

const htlcs = (s: ReturnType<typeof withPayer>) =>
  s.lab.other.filter((o) => o.action.kind === 'send_async_htlc').map((o) => o.action as Extract<PayerAction, { kind: 'send_async_htlc' }>);

describe('P pays an offline R through its static invoice', () => {
  it('R offline: L2 answers the static invoice, held_htlc_available waits; R returns, releases, and accepts P\'s HTLC', () => {
    const s = withPayer('self');
    s.lab.goOffline('R');
    s.lab.log.length = 0;
    request(s, 'pay-1');
    // (The lab delivers depth first: P answers the static invoice before L2's next send goes out.)
    // L2 does not pass the request on to an offline R (server.ts, step 4): only P's messages wait for it.
    expect(s.lab.names()).toEqual(['P>L2:invoice_request', 'L2>P:static_invoice', 'P>R:held_htlc_available', 'P>R:held_htlc_available']);
    expect(s.payer.payment('pay-1')).toMatchObject({ status: 'awaiting_release' });
    expect(s.lab.mailbox.map((m) => m.name)).toEqual(['held_htlc_available', 'held_htlc_available']);
    expect(htlcs(s)).toEqual([]);

    s.lab.comeOnline('R');
    // R releases twice (each copy came with its own reply path); the first release sends the HTLC, the second does
    // nothing — not even a refusal.
    expect(s.lab.names().filter((n) => n === 'R>P:release_held_htlc')).toHaveLength(2);
    expect(s.lab.other.map((o) => o.action.kind)).toEqual(['send_async_htlc']);
    expect(s.payer.payment('pay-1')).toMatchObject({ status: 'htlc_sent' });
    expect(s.lab.events.filter((e) => (e as { type: string }).type === 'async.refused')).toEqual([]);

    // The HTLC: P → L1 → L2 (introduction) → R, the final hop carrying the invoice_request and P's preimage.
    const [htlc] = htlcs(s);
    const target = htlc!.paths[0]!;
    const height = 800_000;
    const built = buildPaymentOnion({
      route: {
        hops: [
          { nodeId: L1.id, shortChannelId: 1n, amountMsat: 51_100n, cltvExpiryDelta: 40 + 144 + 18, feeMsat: 0n, source: 'first_hop' },
          { nodeId: L2.id, shortChannelId: 2n, amountMsat: 51_100n, cltvExpiryDelta: 144 + 18, feeMsat: 0n, source: 'graph' },
        ],
        amountMsat: htlc!.amountMsat, totalAmountMsat: 51_100n, totalFeeMsat: 1_100n, totalCltvExpiryDelta: 40 + 144 + 18, cost: 0n,
      },
      height, paymentHash: htlc!.paymentHash, sessionKey: new Uint8Array(32).fill(0x12),
      final: { kind: 'blinded', path: target.path, totalMsat: htlc!.amountMsat, finalCltvValue: height + 18, asyncFinal: { invoiceRequest: htlc!.invoiceRequest, senderPreimage: htlc!.preimage } },
    });
    const atL1 = peelPaymentOnion({ packet: decodeOnionPacket(built.packet), privateKey: L1.secret, associatedData: htlc!.paymentHash });
    if (atL1.kind !== 'forward') throw new Error(`L1 got ${atL1.kind}`);
    const atL2 = peelPaymentOnion({ packet: atL1.packet, privateKey: L2.secret, associatedData: htlc!.paymentHash });
    if (atL2.kind !== 'blinded_forward') throw new Error(`L2 got ${atL2.kind}`);
    const atR = peelPaymentOnion({ packet: atL2.packet, privateKey: R.secret, associatedData: htlc!.paymentHash, pathKey: atL2.nextPathKey });
    if (atR.kind !== 'blinded_receive') throw new Error(`R got ${atR.kind}`);
    const check = s.recipient.current.checkPayment(
      { pathId: atR.pathId, paymentHash: htlc!.paymentHash, amountMsat: atR.totalAmountMsat, invoiceRequest: atR.invoiceRequest, senderPreimage: atR.senderPreimage },
      s.lab.now,
    );
    expect(check).toMatchObject({ accept: true, preimage: htlc!.preimage });
  });

  it('an ordinary invoice first (R online): P pays it, and the static invoice is then ignored', () => {
    const s = withPayer('self');
    s.payer.begin({ paymentId: 'pay-2', offer: s.offer, invoiceRequest: invoiceRequestFor(s.offer), amountMsat: 50_000n });
    expect(s.payer.handleInvoice('pay-2', new Uint8Array([1, 2, 3])).actions).toEqual([{ kind: 'pay_invoice', paymentId: 'pay-2', invoice: new Uint8Array([1, 2, 3]) }]);
    const invoice = s.l2store.getStaticInvoice(R.idHex, 0)!.invoice;
    expect(s.payer.handleStaticInvoice('pay-2', invoice, s.lab.now).actions).toEqual([]);
    expect(s.payer.payment('pay-2')!.status).toBe('paying_invoice');
  });

  it('pays only one of the two answers: an ordinary invoice after the static one is ignored (LDK 0.2 ignore_duplicate_invoice), in either mode', () => {
    for (const mode of ['self', 'lsp'] as const) {
      const s = withPayer(mode);
      s.lab.goOffline('R');
      request(s, 'pay-3');
      const before = s.payer.payment('pay-3')!.status;
      expect(before).toBe(mode === 'self' ? 'awaiting_release' : 'awaiting_release_paths');
      expect(s.payer.handleInvoice('pay-3', new Uint8Array([9]))).toEqual({ writes: [], actions: [], events: [] });
      expect(s.payer.payment('pay-3')!.status).toBe(before);
    }
  });

  it('a payment begun in self mode by an often-offline payer (its peer does not hold HTLCs) sends no hold_htlc and waits for the release', () => {
    const s = withPayer('lsp');
    s.lab.goOffline('R');
    const invreq = invoiceRequestFor(s.offer);
    s.payer.begin({ paymentId: 'pay-5', offer: s.offer, invoiceRequest: invreq, amountMsat: 50_000n, mode: 'self' });
    s.lab.deliver({ from: 'P', to: 'L2', name: 'invoice_request', bytes: invreq, path: s.offer.fields.paths![0]!, replyPath: PAYER.pathTo(utf8.encode('pay-5')) });
    expect(s.payer.payment('pay-5')!.status).toBe('awaiting_release');
    expect(htlcs(s)).toEqual([]);
    s.lab.comeOnline('R');
    expect(htlcs(s).map((h) => h.hold)).toEqual([false]);
  });

  it('refuses an expired static invoice and one for another offer', () => {
    const s = withPayer('self');
    s.payer.begin({ paymentId: 'old', offer: s.offer, invoiceRequest: invoiceRequestFor(s.offer), amountMsat: 50_000n });
    const invoice = s.l2store.getStaticInvoice(R.idHex, 0)!.invoice;
    s.payer.handleStaticInvoice('old', invoice, s.lab.now + 15 * 24 * 3600 * 1000);
    expect(s.payer.payment('old')).toMatchObject({ status: 'failed', failure: 'payments.invoice_expired' });
    s.payer.begin({ paymentId: 'other', offer: s.offer, invoiceRequest: invoiceRequestFor(s.offer), amountMsat: 50_000n });
    const foreign = staticInvoiceFor(R, s.offer.fields.paths!, BigInt(s.lab.now / 1000), { description: 'tea' }).invoice.bytes;
    s.payer.handleStaticInvoice('other', foreign, s.lab.now);
    expect(s.payer.payment('other')).toMatchObject({ status: 'failed', failure: 'payments.bad_static_invoice:static_invoice.not_for_offer' });
  });

  it('an unreleased payment fails when its release window ends; a late release is refused', () => {
    const s = withPayer('self', { policy: { releaseWindowSeconds: 600 } });
    s.lab.goOffline('R');
    request(s, 'pay-4');
    expect(s.payer.tick(s.lab.now + 599_000).events).toEqual([]);
    expect(s.payer.tick(s.lab.now + 600_000).events).toMatchObject([{ type: 'async.hold_expired', reason: 'release_expired' }]);
    expect(s.payer.payment('pay-4')).toMatchObject({ status: 'failed', failure: 'payments.timeout' });
    s.lab.comeOnline('R');
    expect(htlcs(s)).toEqual([]);
  });

  it('a release window changed while the payer runs (Settings) is given to payments begun after it; one already waiting keeps its own', () => {
    const s = withPayer('self', { policy: { releaseWindowSeconds: 600 } });
    s.lab.goOffline('R');
    request(s, 'before');
    s.payer.setReleaseWindow(60);
    request(s, 'after');
    const t0 = s.lab.now;
    s.payer.tick(t0 + 60_000);
    expect(s.payer.payment('after')).toMatchObject({ status: 'failed', failure: 'payments.timeout' });
    expect(s.payer.payment('before')!.status).not.toBe('failed');
    s.payer.tick(t0 + 600_000);
    expect(s.payer.payment('before')).toMatchObject({ status: 'failed', failure: 'payments.timeout' });
  });
});

describe('P often offline: L1 holds the HTLC', () => {
  it('sends the HTLC with hold_htlc at once, then announces it with L1\'s release paths as reply paths', () => {
    const s = withPayer('lsp');
    s.lab.goOffline('R');
    request(s, 'pay-5');
    expect(htlcs(s)).toMatchObject([{ paymentId: 'pay-5', hold: true, amountMsat: 50_000n }]);
    expect(s.payer.payment('pay-5')!.status).toBe('awaiting_release_paths');
    expect(s.lab.mailbox.filter((m) => m.name === 'held_htlc_available')).toEqual([]);
    const holdId = toHex(new Uint8Array(32).fill(7));
    const release = L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId, expiresAt: s.lab.now / 1000 + 3600 }));
    const step = s.payer.releasePathsReceived('pay-5', [release], s.lab.now);
    expect(step.actions).toHaveLength(2);
    expect(step.actions.every((a) => a.kind === 'send' && a.forwardedReplyPath === release && a.message.name === 'held_htlc_available')).toBe(true);
    expect(s.payer.payment('pay-5')!.status).toBe('htlc_sent');
  });
});

describe('a prepared payer step changes the core only when it is committed (its writes durable first)', () => {
  function lspPayment(id: string) {
    const s = withPayer('lsp');
    s.lab.goOffline('R');
    request(s, id);
    const holdId = toHex(new Uint8Array(32).fill(7));
    const release = L1.pathTo(encodeAsyncContext({ kind: 'release_held_htlc', holdId, expiresAt: s.lab.now / 1000 + 3600 }));
    return { s, release };
  }

  it('leaves the payment as it was until commit(), then takes the whole step; the same input prepared again gives the same step', () => {
    const { s, release } = lspPayment('pay-6');
    const before = s.payer.payment('pay-6');
    const first = s.payer.prepare(() => s.payer.releasePathsReceived('pay-6', [release], s.lab.now));
    expect(first.step.writes).toHaveLength(1);
    expect(first.step.writes[0]!.record).toMatchObject({ status: 'htlc_sent', releasePaths: [release] });
    expect(first.step.actions.filter((a) => a.kind === 'send')).toHaveLength(2);
    // Not committed (the channel transaction that held its write rolled back): the payer is where it was.
    expect(s.payer.payment('pay-6')).toBe(before);
    expect(s.payer.tick(s.lab.now + 60_000).actions).toEqual([]);
    // L1's revoke_and_ack again (after the reconnection): the same step, committed this time.
    const again = s.payer.prepare(() => s.payer.releasePathsReceived('pay-6', [release], s.lab.now));
    expect(again.step.writes).toEqual(first.step.writes);
    expect(again.step.actions).toHaveLength(first.step.actions.length);
    expect(again.commit()).toBe(true);
    expect(s.payer.payment('pay-6')).toMatchObject({ status: 'htlc_sent' });
    // The first one, committed late, is stale: the payment moved since it was prepared.
    expect(first.commit()).toBe(false);
    // A third copy of the paths changes nothing.
    expect(s.payer.prepare(() => s.payer.releasePathsReceived('pay-6', [release], s.lab.now)).step).toEqual({ writes: [], actions: [], events: [] });
  });

  it('a step whose run throws leaves every payment as it was, a payment it began included', () => {
    const { s, release } = lspPayment('pay-7');
    const before = s.payer.payments();
    expect(() => s.payer.prepare(() => {
      s.payer.releasePathsReceived('pay-7', [release], s.lab.now);
      s.payer.begin({ paymentId: 'pay-8', offer: s.offer, invoiceRequest: invoiceRequestFor(s.offer), amountMsat: 1_000n });
      throw new Error('SQLITE_IOERR');
    })).toThrow('SQLITE_IOERR');
    expect(s.payer.payments()).toEqual(before);
    expect(s.payer.payment('pay-8')).toBeUndefined();
  });

  it('a committed step is committed once; an uncommitted one of another payment does not block it', () => {
    const { s, release } = lspPayment('pay-9');
    const begun = s.payer.prepare(() => {
      s.payer.begin({ paymentId: 'pay-10', offer: s.offer, invoiceRequest: invoiceRequestFor(s.offer), amountMsat: 1_000n });
      return { writes: [], actions: [], events: [] };
    });
    expect(s.payer.payment('pay-10')).toBeUndefined();
    const paths = s.payer.prepare(() => s.payer.releasePathsReceived('pay-9', [release], s.lab.now));
    // Another step prepared and dropped over the same payment: values, not identities, decide.
    s.payer.prepare(() => s.payer.releasePathsReceived('pay-9', [release], s.lab.now));
    expect(paths.commit()).toBe(true);
    expect(paths.commit()).toBe(false);
    expect(begun.commit()).toBe(true);
    expect(s.payer.payment('pay-10')).toMatchObject({ status: 'awaiting_invoice' });
    expect(s.payer.payment('pay-9')).toMatchObject({ status: 'htlc_sent' });
  });
});
