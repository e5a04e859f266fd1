/**
 * Paying a BOLT 12 invoice whose payment path we introduce ourselves (LDK's offers: its only path
 * starts at its channel peer, the payer). The payer reads its own hop with its node key (BOLT 4
 * reader of encrypted_recipient_data), sends over the channel that hop names, and hands the next
 * path_key in update_add_htlc; the nodes after it process the HTLC as blinded hops (net.ts: real
 * channel links, SQLite stores, node keys).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex, utf8 } from '../../../core/crypto';
import { buildInvoice } from '../../../core/offers';
import { createPaymentPath } from '../../../core/offers/manager';
import { PaymentError } from '../../../core/payments';
import { HEIGHT, NOW_SEC, PayNet, createOffer, invoiceThrough, requestInvoice, seededBytes } from './net';
import type { PayNode } from './net';

let net: PayNet;
afterEach(() => net?.close());

function line(): { a: PayNode; b: PayNode; c: PayNode; ab: bigint; bc: bigint } {
  net = new PayNet();
  const a = net.node('A');
  const b = net.node('B');
  const c = net.node('C');
  const ab = net.open(a, b).scid;
  const bc = net.open(b, c).scid;
  return { a, b, c, ab, bc };
}

describe('a blinded path the payer introduces', () => {
  it('A pays B over the path A → B: A reads its own hop, adds the HTLC to B with the next path_key, B takes it as a blinded final hop', () => {
    const { a, b, ab } = line();
    const offer = createOffer(b, 3_000_000n);
    const invoice = invoiceThrough(a, b, offer, [{ node: a, scid: ab }]);
    a.run(a.payments.outbound.pay({ paymentId: 'i1', target: { kind: 'bolt12', invoice } }, net.now));
    const [part] = a.store.partsOf('i1');
    expect(part!.hops.map((h) => h.nodeId)).toEqual([b.keys.hex]);
    expect(part!.blinded).toMatchObject({ pathIndex: 0, blindedHops: 1, entered: true });
    // Every onion layer is for a blinded id: the path's first hop (A) is not in the onion.
    expect(part!.onionNodeIds).toHaveLength(1);
    expect(part!.onionNodeIds[0]).not.toBe(b.keys.hex);
    expect(part!.onionNodeIds[0]).toBe(toHex(invoice.invoice.paths![0]!.hops[1]!.blindedNodeId));
    net.settle();
    const paid = a.store.getPayment('i1')!;
    // A's own payment_relay (1,000 msat + 100 ppm) is counted in the payinfo and taken back by the relay formula: nothing is paid to anyone.
    expect(paid).toMatchObject({ status: 'succeeded', feeMsat: 0n });
    expect(b.store.getReceived(toHex(invoice.invoice.paymentHash!))).toMatchObject({ kind: 'bolt12', amountMsat: 3_000_000n });
  });

  it('A pays C over A → B → C: B forwards as a node inside the path (path_key in update_add_htlc), A pays B\'s fee only', () => {
    const { a, b, c, ab, bc } = line();
    const offer = createOffer(c, 2_000_000n);
    const invoice = invoiceThrough(a, c, offer, [{ node: a, scid: ab }, { node: b, scid: bc }]);
    a.run(a.payments.outbound.pay({ paymentId: 'i2', target: { kind: 'bolt12', invoice } }, net.now));
    expect(a.store.partsOf('i2')[0]!.blinded).toMatchObject({ blindedHops: 2, entered: true });
    net.settle();
    const paid = a.store.getPayment('i2')!;
    expect(paid.status).toBe('succeeded');
    const [fwd] = b.store.listForwards();
    expect(fwd).toMatchObject({ status: 'fulfilled' });
    expect(fwd!.blinded).not.toBe('introduction');
    // The aggregated payinfo rounds up (BOLT 4), so B forwards a few msat more than C asked; A pays that and B's fee.
    const over = fwd!.outAmountMsat - 2_000_000n;
    expect(over >= 0n && over < 10n).toBe(true);
    expect(paid.feeMsat).toBe(fwd!.feeMsat + over);
    expect(c.store.getReceived(toHex(invoice.invoice.paymentHash!))).toMatchObject({ kind: 'bolt12', amountMsat: 2_000_000n });
  });

  it('a failure inside the path (C refuses: max_cltv_expiry passed) fails the path, blames neither A\'s channel nor a node, and ends the payment', () => {
    const { a, b, c, ab, bc } = line();
    const offer = createOffer(c, 2_000_000n);
    const invoice = invoiceThrough(a, c, offer, [{ node: a, scid: ab }, { node: b, scid: bc }], { maxCltvExpiry: HEIGHT + 10 });
    a.run(a.payments.outbound.pay({ paymentId: 'i3', target: { kind: 'bolt12', invoice } }, net.now));
    net.settle();
    const paid = a.store.getPayment('i3')!;
    expect(paid.status).toBe('failed');
    expect(paid.failure!.code).toBe('payments.no_route');
    expect(a.store.partsOf('i3')).toHaveLength(1);
    expect(a.store.partsOf('i3')[0]!.failure).toMatchObject({ code: 'invalid_onion_blinding', fromRecipient: true, erringNode: null });
    const penalties = a.payments.outbound.memory.penalties(net.now);
    expect(penalties.channel?.(ab, a.keys.hex, b.keys.hex, 2_001_300n) ?? 0n).toBe(0n);
    expect(penalties.node?.(b.keys.hex) ?? 0n).toBe(0n);
    void c;
  });

  it('survives a restart with the part in flight: the plan is rebuilt (our hop read again) and the payment completes', () => {
    const { a, b, c, ab, bc } = line();
    const offer = createOffer(c, 1_500_000n);
    const invoice = invoiceThrough(a, c, offer, [{ node: a, scid: ab }, { node: b, scid: bc }]);
    a.run(a.payments.outbound.pay({ paymentId: 'i4', target: { kind: 'bolt12', invoice } }, net.now));
    net.stepUntil(() => b.store.listForwards().length > 0);
    a.restart();
    expect(a.payments.outbound.getPayment('i4')!.status).toBe('pending');
    for (const end of a.ends.values()) net.reconnect(end);
    net.settle();
    expect(a.store.getPayment('i4')!.status).toBe('succeeded');
    expect(a.store.partsOf('i4')).toHaveLength(1);
    expect(c.store.getReceived(toHex(invoice.invoice.paymentHash!))).toMatchObject({ amountMsat: 1_500_000n });
  });

  it('a path that goes on over a channel we do not have ends the payment with no_route; one that ends at us is refused before anything starts', () => {
    const { a, b, ab } = line();
    const offer = createOffer(b, 1_000_000n);
    const invoice = invoiceThrough(a, b, offer, [{ node: a, scid: ab + 5n }]);
    a.run(a.payments.outbound.pay({ paymentId: 'i5', target: { kind: 'bolt12', invoice } }, net.now));
    const paid = a.store.getPayment('i5')!;
    expect(paid).toMatchObject({ status: 'failed', failure: { code: 'payments.no_route' } });
    expect(paid.failure!.message).toContain('not an active channel of ours');
    expect(a.store.partsOf('i5')).toHaveLength(0);

    // A path of one hop introduced by A is a path to A itself.
    const own = selfPathInvoice(a, b, offer);
    expect(() => a.payments.outbound.pay({ paymentId: 'i6', target: { kind: 'bolt12', invoice: own } }, net.now)).toThrow(PaymentError);
    try {
      a.payments.outbound.pay({ paymentId: 'i6', target: { kind: 'bolt12', invoice: own } }, net.now);
    } catch (e) {
      expect((e as PaymentError).code).toBe('payments.no_usable_path');
    }
  });

  it('property: a path introduced by us whose data is anything at all is refused with payments.no_usable_path, never another error', () => {
    const { a, b, ab } = line();
    const offer = createOffer(b, 1_000_000n);
    const base = invoiceThrough(a, b, offer, [{ node: a, scid: ab }]);
    const fetch = requestInvoice(a, offer);
    let n = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.boolean(), (garbage, keepFirstKey) => {
        const path = base.invoice.paths![0]!;
        const otherKey = publicKeyFromPrivate(scalarFromHash(sha256(garbage.length > 0 ? garbage : utf8.encode('x'))));
        const mangled = { ...path, firstPathKey: keepFirstKey ? path.firstPathKey : otherKey, hops: [{ ...path.hops[0]!, encryptedRecipientData: garbage }, path.hops[1]!] };
        const inv = buildInvoice(fetch.request, {
          paymentHash: sha256(utf8.encode(`p${n}`)), createdAt: BigInt(NOW_SEC), paths: [{ path: mangled, payInfo: base.invoice.blindedPay![0]! }], nodeId: b.keys.id,
        }).sign(b.keys.secret);
        try {
          a.payments.outbound.pay({ paymentId: `g${n++}`, target: { kind: 'bolt12', invoice: inv } }, net.now);
          return false;
        } catch (e) {
          return e instanceof PaymentError && e.code === 'payments.no_usable_path';
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** B's invoice whose one path is a single hop at A: the path's final node (path_id) would be A. */
function selfPathInvoice(a: PayNode, b: PayNode, offer: string) {
  const fetch = requestInvoice(a, offer);
  const random = seededBytes(99);
  const path = createPaymentPath({ sessionKey: random(32), recipient: a.keys.id, pathId: random(32), minFinalCltvExpiryDelta: 18, htlcMinimumMsat: 1n });
  return buildInvoice(fetch.request, { paymentHash: sha256(random(32)), createdAt: BigInt(NOW_SEC), paths: [path], nodeId: b.keys.id }).sign(b.keys.secret);
}
