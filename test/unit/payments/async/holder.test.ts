/**
 * L1 holding an HTLC that carried hold_htlc, on the payments network harness (real channel links,
 * real SQLite stores, real onions): the release path goes out in L1's revoke_and_ack, the forward is
 * held by HtlcSwitch through the holder's HoldPolicy, release_held_htlc over that path (its context
 * authenticated as L1's messenger does) lets it go on; the hold survives a restart; a release window
 * that ends, a CLTV deadline, and a release that races the HTLC.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HolderStep } from '../../../../core/payments';
import { HtlcHolder } from '../../../../core/payments';
import { sha256, toHex } from '../../../../core/crypto';
import { buildInvoiceRequest } from '../../../../core/offers';
import type { BlindedPath, RevokeAndAck } from '../../../../core/wire';
import { decodeMessage } from '../../../../core/wire';
import type { PayNode } from '../net';
import { HEIGHT, PayNet, nodeKeys } from '../net';
import { nodeFromSecret, staticInvoiceFor } from './support';

let net: PayNet | undefined;
afterEach(() => net?.close());

const L1 = nodeFromSecret('B', nodeKeys('B').secret);
const R = nodeFromSecret('C', nodeKeys('C').secret);

function lab(opts: { releaseWindowSeconds?: number } = {}) {
  net = new PayNet();
  const given: { channelId: string; htlcId: bigint; path: BlindedPath }[] = [];
  const holderRef: { current?: HtlcHolder; b?: PayNode } = {};
  const makeHolder = () =>
    new HtlcHolder(
      {
        pathTo: (c) => L1.pathTo(c), holdKey: new Uint8Array(32).fill(0x42),
        heldKeys: () => holderRef.b!.payments.switch.active().filter((f) => f.status === 'held' && f.hold).map((f) => f.hold!.key),
        ...(opts.releaseWindowSeconds !== undefined ? { policy: { releaseWindowSeconds: opts.releaseWindowSeconds } } : {}),
      },
      () => net!.now,
    );
  holderRef.current = makeHolder();
  const a = net.node('A', { holdHtlcs: true });
  const b = net.node('B', {
    hold: { hold: (f) => holderRef.current!.hold(f) },
    releasePath: (channelId, htlcId) => {
      const path = holderRef.current!.releasePath(channelId, htlcId, net!.now);
      given.push({ channelId, htlcId, path });
      return path;
    },
  });
  holderRef.b = b;
  const c = net.node('C');
  const ab = net.open(a, b);
  const bc = net.open(b, c);
  // What B sends A: its revoke_and_ack must carry the release path.
  const toA: RevokeAndAck[] = [];
  const outbox = ab.b.outbox;
  outbox.push = (...items: Uint8Array[]) => {
    for (const m of items) {
      const msg = decodeMessage(m);
      if (msg.type === 'revoke_and_ack') toA.push(msg as RevokeAndAck);
    }
    return Array.prototype.push.apply(outbox, items);
  };
  /** B's adapter carrying out a holder step on the switch. */
  const carry = (step: HolderStep) => {
    for (const act of step.actions) {
      if (act.kind === 'release') b.run(b.payments.switch.release(act.holdKey, net!.now));
      else b.run(b.payments.switch.failHeld(act.holdKey, act.reason, net!.now));
    }
    return step;
  };
  const restartB = () => {
    b.restart();
    holderRef.current = makeHolder();
    for (const end of b.ends.values()) net!.reconnect(end);
  };
  return { net, a, b, c, ab, bc, given, toA, holder: () => holderRef.current!, carry, restartB };
}

const release = (l: ReturnType<typeof lab>, path: BlindedPath) =>
  l.carry(l.holder().handleReleaseHeldHtlc({ bytes: new Uint8Array(0), context: L1.contextOf(path), replyPath: undefined }, l.net.now));

describe('L1 holds an HTLC that carried hold_htlc', () => {
  it('gives the release path in its revoke_and_ack, holds the forward, and forwards it on release_held_htlc', () => {
    const l = lab();
    const inv = l.c.invoice({ amountMsat: 5_000_000n, description: 'async' });
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p1', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    l.net.settle();
    expect(l.given).toHaveLength(1);
    const raa = l.toA.find((m) => m.tlvs?.releaseHeldHtlcMessagePaths);
    expect(raa!.tlvs!.releaseHeldHtlcMessagePaths).toEqual([{ htlcId: l.given[0]!.htlcId, path: l.given[0]!.path }]);
    const held = l.b.payments.switch.active();
    expect(held).toMatchObject([{ status: 'held' }]);
    expect(held[0]!.hold!.key.startsWith(l.holder().holdId(l.given[0]!.channelId, l.given[0]!.htlcId))).toBe(true);
    expect(l.a.store.getPayment('p1')!.status).toBe('pending');
    // A forged release (no context of ours) does nothing.
    expect(l.carry(l.holder().handleReleaseHeldHtlc({ bytes: new Uint8Array(0), context: undefined, replyPath: undefined }, l.net.now)).actions).toEqual([]);
    expect(release(l, l.given[0]!.path).actions).toMatchObject([{ kind: 'release' }]);
    l.net.settle();
    expect(l.a.store.getPayment('p1')!.status).toBe('succeeded');
  });

  it('P goes offline after the revoke_and_ack; R is paid on release while P is away; P returns and settles', () => {
    const l = lab();
    const inv = l.c.invoice({ amountMsat: 6_000_000n, description: 'P away' });
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p6', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    l.net.settle();
    expect(l.b.payments.switch.active()).toMatchObject([{ status: 'held' }]);
    l.net.disconnect(l.ab.a);
    release(l, l.given[0]!.path);
    l.net.settle();
    expect(l.c.store.getInvoice(toHex(inv.paymentHash))).toMatchObject({ status: 'paid' });
    expect(l.a.store.getPayment('p6')!.status).toBe('pending');
    l.net.reconnect(l.ab.a);
    l.net.settle();
    expect(l.a.store.getPayment('p6')!.status).toBe('succeeded');
  });

  it('holds the HTLC while the next peer is offline; a release before it is back leaves it held, asked again once it is, it goes on', () => {
    const l = lab();
    const inv = l.c.invoice({ amountMsat: 4_500_000n, description: 'R away' });
    l.net.disconnect(l.bc.b);
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p7', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    l.net.settle();
    // Without hold_htlc this is temporary_channel_failure ("the next peer is not connected"); with it, held.
    expect(l.b.payments.switch.active()).toMatchObject([{ status: 'held' }]);
    const key = l.b.payments.switch.active()[0]!.hold!.key;
    expect(release(l, l.given[0]!.path).actions).toMatchObject([{ kind: 'release' }]);
    l.net.settle();
    expect(l.b.payments.switch.active()).toMatchObject([{ status: 'held' }]);
    expect(l.a.store.getPayment('p7')!.status).toBe('pending');
    l.net.reconnect(l.bc.b);
    l.net.settle();
    l.b.run(l.b.payments.switch.release(key, l.net.now));
    l.net.settle();
    expect(l.a.store.getPayment('p7')!.status).toBe('succeeded');
  });

  it('keeps holding across a restart of L1, and the release path given before still releases it', () => {
    const l = lab();
    const inv = l.c.invoice({ amountMsat: 4_000_000n, description: 'restart' });
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p2', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    l.net.settle();
    l.restartB();
    l.net.settle();
    expect(l.b.payments.switch.active()).toMatchObject([{ status: 'held' }]);
    release(l, l.given[0]!.path);
    l.net.settle();
    expect(l.a.store.getPayment('p2')!.status).toBe('succeeded');
  });

  it('fails the HTLC back when the release window ends, and refuses a release after it', () => {
    const l = lab({ releaseWindowSeconds: 600 });
    const inv = l.c.invoice({ amountMsat: 3_000_000n, description: 'late' });
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p3', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    l.net.settle();
    expect(l.carry(l.holder().tick(l.net.now + 599_000)).actions).toEqual([]);
    l.net.now += 600_000;
    expect(l.carry(l.holder().tick(l.net.now)).events).toMatchObject([{ type: 'async.hold_expired', reason: 'release_expired' }]);
    l.net.settle();
    expect(release(l, l.given[0]!.path).events).toMatchObject([{ type: 'async.refused', reason: 'bad_context' }]);
    expect(l.a.store.partsOf('p3')[0]!.failure).toMatchObject({ code: 'temporary_channel_failure', erringNode: l.b.keys.hex });
  });

  it('fails the HTLC back at its CLTV deadline when no release came', () => {
    const l = lab();
    const inv = l.c.invoice({ amountMsat: 3_000_000n, description: 'cltv' });
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p4', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    l.net.settle();
    const held = l.b.payments.switch.active()[0]!;
    expect(held.hold!.deadlineHeight).toBe(held.outCltvExpiry - 18);
    expect(held.hold!.deadlineHeight).toBeGreaterThan(HEIGHT);
    l.b.setHeight(held.hold!.deadlineHeight - 1);
    l.net.settle();
    expect(l.b.payments.switch.active()).toMatchObject([{ status: 'held' }]);
    l.b.setHeight(held.hold!.deadlineHeight);
    l.net.settle();
    expect(l.a.store.partsOf('p4')[0]!.failure).toMatchObject({ code: 'temporary_channel_failure' });
  });

  it('P\'s async payment (a static invoice, hold_htlc) failed back unreleased at the deadline ends with async_hold_failed, not retried', () => {
    // Regression (the four-daemon test): P retried the failed part, so the payment ended as "no route" (or was held again, with no release coming).
    const l = lab();
    const { offer, invoice } = staticInvoiceFor(R, [L1.pathTo(new Uint8Array([0x02]))], BigInt(Math.floor(l.net.now / 1000)));
    const payer = nodeKeys('A');
    const invoiceRequest = buildInvoiceRequest(offer, { payerId: payer.id, metadata: new Uint8Array(16).fill(1), amount: 3_000_000n }).sign(payer.secret, new Uint8Array(32)).bytes;
    const preimage = new Uint8Array(32).fill(9);
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p8', target: { kind: 'async', invoice, preimage, invoiceRequest, amountMsat: 3_000_000n, hold: true, holders: [l.b.keys.id] } }, l.net.now));
    l.net.settle();
    const held = l.b.payments.switch.active();
    expect(held).toMatchObject([{ status: 'held', paymentHash: toHex(sha256(preimage)) }]);
    l.b.setHeight(held[0]!.hold!.deadlineHeight);
    l.net.settle();
    const p = l.a.store.getPayment('p8')!;
    expect(p).toMatchObject({ status: 'failed', attempts: 1, failure: { code: 'payments.async_hold_failed' } });
    expect(p.failure!.message).toContain(`held at ${l.b.keys.hex} was failed back unreleased`);
    expect(l.a.store.partsOf('p8')).toHaveLength(1);
    expect(l.b.payments.switch.active()).toEqual([]);
  });

  it('P asks a hold only of a peer with htlc_hold: the first hop is a channel with one of `holders`; with none, the payment fails at once (payments.no_holding_peer)', () => {
    const l = lab();
    const d = l.net.node('D');
    l.net.open(l.a, d);
    l.net.open(d, l.b);
    const { offer, invoice } = staticInvoiceFor(R, [L1.pathTo(new Uint8Array([0x02]))], BigInt(Math.floor(l.net.now / 1000)));
    const payer = nodeKeys('A');
    const target = (n: number, holders?: Uint8Array[]) => ({
      kind: 'async' as const, invoice, preimage: new Uint8Array(32).fill(n), amountMsat: 3_000_000n, hold: true, ...(holders ? { holders } : {}),
      invoiceRequest: buildInvoiceRequest(offer, { payerId: payer.id, metadata: new Uint8Array(16).fill(n), amount: 3_000_000n }).sign(payer.secret, new Uint8Array(32)).bytes,
    });
    // No holder among our peers: nothing leaves, the payment ends now with the reason.
    for (const [id, holders] of [['h0', []], ['h1', [nodeKeys('C').id]], ['h2', undefined]] as const) {
      l.a.run(l.a.payments.outbound.pay({ paymentId: id, target: target(id === 'h0' ? 1 : id === 'h1' ? 2 : 3, holders ? [...holders] : undefined) }, l.net.now));
      expect(l.a.store.getPayment(id)).toMatchObject({ status: 'failed', attempts: 0, failure: { code: 'payments.no_holding_peer' } });
      expect(l.a.store.partsOf(id)).toEqual([]);
    }
    // D the only holder: the route goes A → D → B, although A → B (B introduces the path) is shorter and cheaper.
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'h3', target: target(4, [d.keys.id]) }, l.net.now));
    expect(l.a.store.partsOf('h3').map((x) => x.hops.slice(0, 2).map((h) => h.nodeId))).toEqual([[d.keys.hex, l.b.keys.hex]]);
    // B a holder (with D or alone): straight to B, which holds it.
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'h4', target: target(5, [d.keys.id, l.b.keys.id]) }, l.net.now));
    expect(l.a.store.partsOf('h4').map((x) => x.hops[0]!.nodeId)).toEqual([l.b.keys.hex]);
    l.net.settle();
    expect(l.b.payments.switch.active().filter((f) => f.status === 'held').map((f) => f.paymentHash)).toContain(toHex(sha256(new Uint8Array(32).fill(5))));
  });

  it('a release that races the HTLC (before it is held) releases it once it is', () => {
    const l = lab();
    const inv = l.c.invoice({ amountMsat: 2_000_000n, description: 'race' });
    l.a.run(l.a.payments.outbound.pay({ paymentId: 'p5', target: { kind: 'bolt11', invoice: inv } }, l.net.now));
    // Step the network until B has given the release path but not yet locked the HTLC in.
    l.net.stepUntil(() => l.given.length > 0);
    expect(l.b.payments.switch.active()).toEqual([]);
    expect(release(l, l.given[0]!.path).actions).toEqual([]);
    l.net.settle();
    expect(l.b.payments.switch.active()).toMatchObject([{ status: 'held' }]);
    expect(l.carry(l.holder().tick(l.net.now)).actions).toMatchObject([{ kind: 'release' }]);
    l.net.settle();
    expect(l.a.store.getPayment('p5')!.status).toBe('succeeded');
  });
});

describe('the holder with any input', () => {
  it('any context bytes and any time give a step, never a throw; only our contexts release', () => {
    const held: string[] = [];
    const holder = new HtlcHolder({ pathTo: (c) => L1.pathTo(c), holdKey: new Uint8Array(32).fill(1), heldKeys: () => held }, () => 1_800_000_000_000);
    const path = holder.releasePath('aa'.repeat(32), 3n, 1_800_000_000_000);
    const candidate = { forwardId: `${'aa'.repeat(32)}:3`, inChannelId: 'aa'.repeat(32), outChannelId: 'bb'.repeat(32), amountMsat: 1n, cltvExpiry: 800_100, paymentHash: '00', blinded: 'none' as const, holdHtlc: true };
    held.push(holder.hold(candidate)!.key);
    expect(holder.hold({ ...candidate, holdHtlc: false })).toBeNull();
    fc.assert(
      fc.property(fc.option(fc.uint8Array({ maxLength: 60 }), { nil: undefined }), fc.integer({ min: 0, max: 2 ** 40 }), (context, now) => {
        const step = holder.handleReleaseHeldHtlc({ bytes: new Uint8Array(0), context, replyPath: undefined }, now);
        expect(step.actions).toEqual([]);
        holder.tick(now);
      }),
      { numRuns: 200 },
    );
    expect(holder.handleReleaseHeldHtlc({ bytes: new Uint8Array(0), context: L1.contextOf(path), replyPath: undefined }, 1_800_000_000_000).actions).toEqual([
      { kind: 'release', holdKey: held[0] },
    ]);
  });
});
