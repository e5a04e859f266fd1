/**
 * What the payer learns from transient failures, over real channels and SQLite (net.ts): an outage of
 * a next peer is not remembered as a liquidity limit, a real limit still steers later payments, a
 * disabling channel_update in a failure is an outage restored by a newer update, and a refusal of our
 * own channel for dust exposure does not drive the payment into smaller dust parts.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../core/crypto';
import type { PartRecord } from '../../../core/payments';
import { NOW_SEC, PayNet } from './net';
import type { ChannelEnd, PayNode } from './net';

/** Property runs (each builds a network of three nodes): `GLASSWING_PAYMENTS_RUNS` for longer runs. */
const RUNS = Number(process.env.GLASSWING_PAYMENTS_RUNS ?? 6);

let net: PayNet | undefined;
afterEach(() => {
  net?.close();
  net = undefined;
});

function pay(from: PayNode, to: PayNode, id: string, amountMsat: bigint): PartRecord[] {
  const inv = to.invoice({ amountMsat, description: id });
  from.run(from.payments.outbound.pay({ paymentId: id, target: { kind: 'bolt11', invoice: inv } }, net!.now));
  net!.settle();
  return from.store.partsOf(id);
}

/** A–B–C; `bc` is B's end of B–C. */
function line(): { a: PayNode; b: PayNode; c: PayNode; bc: ChannelEnd } {
  net = new PayNet();
  const [a, b, c] = ['A', 'B', 'C'].map((n) => net!.node(n)) as [PayNode, PayNode, PayNode];
  net.open(a, b);
  const bc = net.open(b, c).a;
  return { a, b, c, bc };
}

describe('a next peer that was away', () => {
  it('property: after a payment failed while B–C was reconnecting, the next payment once C is back goes in parts no smaller than before', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 10_000n, max: 2_000_000_000n }), fc.integer({ min: 0, max: 600_000 }), (amountMsat, laterMs) => {
        const { a, b, c, bc } = line();
        const before = pay(a, c, 'before', amountMsat).filter((p) => p.status === 'succeeded');
        expect(a.store.getPayment('before')!.status).toBe('succeeded');
        // B's switch: "the next peer is not connected" — temporary_channel_failure with its (enabled) channel_update.
        net!.disconnect(bc);
        pay(a, c, 'away', amountMsat);
        const away = a.store.partsOf('away');
        expect(away[0]!.failure).toMatchObject({ code: 'temporary_channel_failure', erringNode: b.keys.hex, hopIndex: 0 });
        // Within that payment the channel is asked for the whole, then for halves at most: not split into ever smaller parts.
        expect(away.length).toBeLessThanOrEqual(3);
        expect(away.every((p) => p.amountMsat >= amountMsat / 2n)).toBe(true);
        expect(a.store.getPayment('away')).toMatchObject({ status: 'failed', failure: { code: 'payments.no_route' } });
        net!.reconnect(bc);
        net!.settle();
        net!.advance(laterMs);
        const after = pay(a, c, 'after', amountMsat).filter((p) => p.status === 'succeeded');
        expect(a.store.getPayment('after')!.status).toBe('succeeded');
        const smallest = (ps: PartRecord[]) => ps.reduce((m, p) => (p.amountMsat < m ? p.amountMsat : m), amountMsat);
        expect(after.length).toBe(before.length);
        expect(smallest(after)).toBeGreaterThanOrEqual(smallest(before));
        net!.close();
        net = undefined;
      }),
      { numRuns: RUNS },
    );
  }, Math.max(30_000, RUNS * 5_000));

  it('a failure whose channel_update disables the channel is an outage: excluded for any amount, no bound, restored by the newer update', () => {
    const { a, b, c, bc } = line();
    const penalty = (amount: bigint) => a.payments.outbound.memory.penalties(net!.now, { policyTimestamp: (s, d) => a.gossip.graph.channel(s)?.policies[d]?.timestamp })
      .channel!(bc.scid, b.keys.hex, c.keys.hex, amount, null);
    // B's peer has been away: B signs its direction disabled (BOLT 7 "temporary unavailability") and returns it in failures.
    // (Its forwarding policy stays enabled: the switch answers temporary_channel_failure, "the next peer is not connected".)
    net!.disconnect(bc);
    const enabled = bc.policy;
    bc.policy = { ...enabled, disabled: true };
    net!.announce(bc, NOW_SEC + 10, false);
    bc.policy = enabled;
    pay(a, c, 'p1', 1_000_000n);
    expect(a.store.partsOf('p1')).toHaveLength(1);
    expect(a.store.partsOf('p1')[0]!.failure).toMatchObject({ code: 'temporary_channel_failure', erringNode: b.keys.hex });
    expect(a.store.partsOf('p1')[0]!.failure!.message).toContain('disabled');
    expect(a.store.getPayment('p1')).toMatchObject({ status: 'failed', failure: { code: 'payments.no_route' } });
    expect([penalty(1n), penalty(1_000_000n)]).toEqual(['exclude', 'exclude']);
    // C is back and B re-enables the channel with a newer update (gossip): the channel is restored, with no bound left.
    net!.reconnect(bc);
    net!.settle();
    net!.announce(bc, NOW_SEC + 20);
    expect([penalty(1n), penalty(1_000_000n)]).toEqual([0n, 0n]);
    const parts = pay(a, c, 'p2', 1_000_000n);
    expect(a.store.getPayment('p2')!.status).toBe('succeeded');
    expect(parts).toHaveLength(1);
  });

  it('channel_disabled is an outage whatever update it carries: every amount is out, nothing is bounded, and it ends after ten minutes', () => {
    const { a, b, c, bc } = line();
    const penalty = (amount: bigint) => a.payments.outbound.memory.penalties(net!.now).channel!(bc.scid, b.keys.hex, c.keys.hex, amount, null);
    // B's forwarding policy on B–C says disabled (BOLT 4: "if the channel is disabled ... return a channel_disabled error"),
    // its update in the failure is the enabled one the graph holds already.
    const enabled = bc.policy;
    bc.policy = { ...enabled, disabled: true };
    pay(a, c, 'p1', 5_000_000n);
    expect(a.store.partsOf('p1')).toHaveLength(1);
    expect(a.store.partsOf('p1')[0]!.failure).toMatchObject({ code: 'channel_disabled', erringNode: b.keys.hex });
    expect([penalty(1n), penalty(5_000_000n)]).toEqual(['exclude', 'exclude']);
    // Ten minutes later (no newer update came) the channel is tried again, at any amount, without a bound left.
    bc.policy = enabled;
    net!.advance(600_000);
    expect([penalty(1n), penalty(5_000_000n)]).toEqual([0n, 0n]);
    const parts = pay(a, c, 'p2', 5_000_000n);
    expect(a.store.getPayment('p2')!.status).toBe('succeeded');
    expect(parts).toHaveLength(1);
  });

  it('a temporary failure is dropped by a newer channel_update of that direction (BOLT 4: restore as new channel_updates come)', () => {
    const { a, b, c, bc } = line();
    net!.disconnect(bc);
    pay(a, c, 'p1', 1_000_000n);
    const scidBc = bc.scid;
    const graph = { policyTimestamp: (s: bigint, d: 0 | 1) => a.gossip.graph.channel(s)?.policies[d]?.timestamp };
    expect(a.payments.outbound.memory.penalties(net!.now, graph).channel!(scidBc, b.keys.hex, c.keys.hex, 1_000_000n, null)).not.toBe(0n);
    net!.reconnect(bc);
    net!.settle();
    net!.announce(bc, NOW_SEC + 5);
    expect(a.payments.outbound.memory.penalties(net!.now, graph).channel!(scidBc, b.keys.hex, c.keys.hex, 1_000_000n, null)).toBe(0n);
  });
});

describe('a real liquidity limit', () => {
  it('steers the retry and the next payment to the other route, with no failure the second time', () => {
    net = new PayNet();
    const [a, b, d, c] = ['A', 'B', 'D', 'C'].map((n) => net!.node(n)) as [PayNode, PayNode, PayNode, PayNode];
    net.open(a, b);
    net.open(a, d);
    // B can send only ~0.1 · 10^9 msat to C; D charges more, so B's route is tried first.
    const bc = net.open(b, c, { fundingSat: 2_000_000n, pushMsat: 1_900_000_000n }).a;
    const dc = net.open(d, c, { policyA: { feeBaseMsat: 5_000n } }).a;
    const first = pay(a, c, 'p1', 300_000_000n);
    expect(a.store.getPayment('p1')!.status).toBe('succeeded');
    expect(first[0]!.failure).toMatchObject({ code: 'temporary_channel_failure', erringNode: b.keys.hex });
    expect(first.filter((p) => p.status === 'succeeded').every((p) => p.hops[1]!.shortChannelId === dc.scid)).toBe(true);
    const second = pay(a, c, 'p2', 300_000_000n);
    expect(a.store.getPayment('p2')!.status).toBe('succeeded');
    expect(second).toHaveLength(1);
    expect(second[0]!.hops[1]!.shortChannelId).toBe(dc.scid);
    expect(second[0]!.hops[1]!.shortChannelId).not.toBe(bc.scid);
  });
});

describe('dust exposure on our own channel', () => {
  it('the amount refused as dust goes over another route, not as smaller dust parts on the same channel', () => {
    net = new PayNet();
    const [a, b, d] = ['A', 'B', 'D'].map((n) => net!.node(n)) as [PayNode, PayNode, PayNode];
    const dusty = net.open(a, b, { linkPolicyA: { maxDustHtlcExposureMsat: 100_000n } }).a;
    const viaD = net.open(a, d).a;
    net.open(d, b);
    const inv = b.invoice({ amountMsat: 200_000n, description: 'dust' });
    a.run(a.payments.outbound.pay({ paymentId: 'd1', target: { kind: 'bolt11', invoice: inv } }, net.now));
    net.settle();
    const parts = a.store.partsOf('d1');
    expect(a.store.getPayment('d1')!.status).toBe('succeeded');
    expect(b.store.getInvoice(toHex(inv.paymentHash))!.status).toBe('paid');
    const refused = parts.filter((p) => p.failure?.code === 'channel_command.dust_exposure_exceeded');
    // The direct channel (no fee) was tried first, else this test would prove nothing; it refused once.
    expect(refused.map((p) => p.channelId)).toEqual([dusty.id]);
    const later = parts.filter((p) => p.partId > refused[0]!.partId);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((p) => p.channelId === viaD.id)).toBe(true);
  });
});
