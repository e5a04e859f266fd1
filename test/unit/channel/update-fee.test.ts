/**
 * BOLT 2 update_fee with HTLCs in flight, and update_fee lost in transit.
 *
 * 1. The receiver of an update_fee from the funder, with HTLCs committed (and one of the funder's not
 *    yet signed): "if the update_fee is too low for timely processing, OR is unreasonably large: MUST
 *    send a warning and close the connection, or send an error and fail the channel", and "if the
 *    sender cannot afford the new fee rate on the receiving node's current commitment transaction:
 *    SHOULD send a warning and close the connection, or send an error and fail the channel". The
 *    oracle here recomputes the funder's balance on the receiver's next commitment from BOLT 3 (weights,
 *    trimming, anchors) independently of core/channel.
 * 2. update_fee sent and the connection cut before commitment_signed (forgotten on both sides: "MUST
 *    reverse any uncommitted updates sent by the other side"), and after commitment_signed but before
 *    revoke_and_ack (retransmitted by channel_reestablish): the channel ends at one feerate on both
 *    sides and the commitments agree.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelCommandError, ChannelError } from '../../../core/channel';
import type { Channel, ChannelMessage } from '../../../core/channel';
import { decodeMessage } from '../../../core/wire';
import { deliver, expectCode, pair } from './harness';
import type { LinkNet } from './link-net';
import { expectConverged, linkNet, reconnect } from './link-net';

const FUNDING_SAT = 1_000_000n;
/** BOLT 3 Fee Calculation, option_anchors: 1124 + 172 per untrimmed HTLC output. */
const ANCHORS_BASE_WEIGHT = 1124n;
const WEIGHT_PER_HTLC = 172n;
/** BOLT 3: the funder pays both 330-sat anchors. */
const ANCHORS_MSAT = 660_000n;

interface HtlcPlan {
  readonly fromFunder: boolean;
  readonly amountMsat: bigint;
}

/** What B (the fundee, receiving update_fee) must answer, from BOLT 2 and BOLT 3 alone. */
function expected(b: Channel, feeratePerKw: number, min: number, max: number): 'feerate_too_low' | 'feerate_too_high' | 'fee_unaffordable' | 'ok' {
  if (feeratePerKw < min) return 'feerate_too_low';
  if (feeratePerKw > max) return 'feerate_too_high';
  const s = b.state;
  // B's next commitment: its current one plus the funder's update_add_htlc B received but nobody signed yet.
  const pendingAdds = s.changes.flatMap((c) => (c.update.kind === 'add' && c.list === 'local_unacked' ? [c.update.htlc.amountMsat] : []));
  const htlcs = [...s.localCommit.spec.htlcs.map((h) => h.amountMsat), ...pendingAdds];
  const funderMsat = s.localCommit.spec.remoteMsat - pendingAdds.reduce((sum, m) => sum + m, 0n);
  // option_anchors_zero_fee_htlc_tx: an HTLC is trimmed on B's commitment when below B's dust limit.
  const untrimmed = BigInt(htlcs.filter((m) => m / 1000n >= s.params.local.config.dustLimitSat).length);
  const feeSat = (BigInt(feeratePerKw) * (ANCHORS_BASE_WEIGHT + WEIGHT_PER_HTLC * untrimmed)) / 1000n;
  const left = funderMsat - feeSat * 1000n - ANCHORS_MSAT;
  return left < s.params.local.config.channelReserveSat * 1000n ? 'fee_unaffordable' : 'ok';
}

/** A (funder) and B with HTLCs committed both ways, and optionally one of A's added but not signed. */
function withHtlcsInFlight(pushMsat: bigint, plans: readonly HtlcPlan[], unsignedMsat: bigint | null) {
  const p = pair({ fundingSat: FUNDING_SAT, pushMsat, feeratePerKw: 1000 });
  let n = 0;
  for (const plan of plans) {
    const from = plan.fromFunder ? p.a : p.b;
    try {
      p.add(from, plan.amountMsat, `h${n++}`);
    } catch (e) {
      // The offerer's own limits (reserve, fee spike buffer): that HTLC is simply not offered.
      if (!(e instanceof ChannelCommandError)) throw e;
    }
  }
  settle(p);
  expect(p.a.state.changes).toHaveLength(0);
  expect(p.b.state.changes).toHaveLength(0);
  let unsignedAdded = false;
  if (unsignedMsat !== null) {
    try {
      p.add(p.a, unsignedMsat, 'unsigned');
      unsignedAdded = true;
    } catch (e) {
      if (!(e instanceof ChannelCommandError)) throw e;
    }
  }
  return { ...p, unsignedAdded };
}

/** Signs whatever either side has to sign, until neither has anything pending. */
function settle(p: ReturnType<typeof pair>): void {
  const toSign = (ch: Channel) => ch.state.changes.some((c) => (c.list === 'remote_unacked' || c.list === 'remote_acked') && c.signedInRemote === null);
  for (let i = 0; i < 8 && (p.a.state.changes.length || p.b.state.changes.length); i++) {
    if (toSign(p.a)) p.sign(p.a);
    if (toSign(p.b)) p.sign(p.b);
  }
}

const feeMsg = (ch: Channel, feeratePerKw: number): ChannelMessage => ({ type: 'update_fee', channelId: ch.state.params.channelId, feeratePerKw });

const htlcPlan = fc.record({
  fromFunder: fc.boolean(),
  // Around B's 546-sat dust limit and well above it: trimmed and untrimmed outputs.
  amountMsat: fc.oneof(fc.bigInt(1_000n, 1_000_000n), fc.bigInt(1_000_000n, 30_000_000n)),
});

describe('update_fee from the funder with HTLCs in flight', () => {
  it('fails the channel exactly when BOLT 2 says so (too low, unreasonably large, unaffordable), else commits it on both sides', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        // A keeps between its 10,000-sat reserve and 300,000 sat more.
        fc.bigInt(10_000n, 310_000n),
        fc.array(htlcPlan, { maxLength: 6 }),
        fc.option(fc.bigInt(1_000n, 20_000_000n)),
        fc.oneof(fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: 240, max: 270 }), fc.integer({ min: 99_000, max: 101_000 })),
        (keepSat, plans, unsigned, feerate) => {
          const p = withHtlcsInFlight((FUNDING_SAT - keepSat) * 1000n, plans, unsigned);
          const { b, a, unsignedAdded } = p;
          const inFlight = b.state.localCommit.spec.htlcs.length;
          const want = expected(b, feerate, 253, 100_000);
          const before = b.state;
          if (inFlight > 0) seen.add(want);
          if (want !== 'ok') {
            expectCode(() => b.receive(feeMsg(b, feerate)), ChannelError, `channel.${want}`);
            // Failed with the typed reason, and nothing else changed: the HTLCs stay in the commitments the
            // monitor enforces on chain.
            expect(b.state.status).toMatchObject({ kind: 'failed', code: `channel.${want}` });
            expect({ ...b.state, status: before.status }).toEqual(before);
            expect(b.state.localCommit.spec.htlcs).toHaveLength(inFlight);
            return;
          }
          // Accepted. Sent by A's own command when A's (stricter, every-commitment) check allows it; then both
          // commitments carry the new rate and every HTLC.
          let sent: readonly ChannelMessage[];
          try {
            sent = a.updateFee(feerate).outbound;
          } catch (e) {
            expect(e).toBeInstanceOf(ChannelCommandError);
            deliver(b, [feeMsg(b, feerate)]);
            expect(b.state.status.kind).toBe('normal');
            return;
          }
          deliver(b, sent);
          settle(p);
          for (const ch of [a, b]) {
            expect(ch.state.status.kind).toBe('normal');
            expect(ch.state.changes).toHaveLength(0);
            expect(ch.state.localCommit.spec.feeratePerKw).toBe(feerate);
            expect(ch.state.remoteCommit.spec.feeratePerKw).toBe(feerate);
          }
          expect(b.state.localCommit.spec.htlcs).toHaveLength(inFlight + (unsignedAdded ? 1 : 0));
        },
      ),
      { numRuns: 150 },
    );
    // Every outcome was reached with HTLCs in flight.
    expect([...seen].sort()).toEqual(['fee_unaffordable', 'feerate_too_high', 'feerate_too_low', 'ok']);
  });
});

let nets: LinkNet[] = [];
afterEach(() => {
  for (const n of nets) n.close();
  nets = [];
});

/** Two links with real stores, opened on this connection, A (funder) with one HTLC committed each way. */
function openedWithHtlcs(): LinkNet {
  const n = linkNet();
  nets.push(n);
  n.openConnected();
  n.a.add(40_000_000n);
  n.b.add(30_000_000n);
  n.settle();
  expect(n.a.state.localCommit.spec.htlcs).toHaveLength(2);
  return n;
}

describe('update_fee from the funder with HTLCs in flight, through the link', () => {
  it('answers an unreasonably large update_fee with an error naming the reason, fails the channel and keeps the HTLCs', () => {
    const n = openedWithHtlcs();
    const raw = { type: 'update_fee' as const, channelId: n.a.link.channelId, feeratePerKw: 150_000 };
    const r = n.b.apply(n.b.link.receive(raw, 1_000));
    expect(r.failure).toMatchObject({ code: 'channel.feerate_too_high' });
    const error = n.b.inFlight.map((bytes) => decodeMessage(bytes)).find((m) => m.type === 'error');
    expect(error).toBeDefined();
    expect(new TextDecoder().decode((error as { data: Uint8Array }).data)).toContain('channel.feerate_too_high');
    expect(n.b.state.status).toMatchObject({ kind: 'failed', code: 'channel.feerate_too_high' });
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(2);
    expectCode(() => n.b.link.commit(), ChannelCommandError, 'channel_command.channel_failed');
    // The failure is stored: a restart keeps the channel failed with its HTLCs (for the monitor to resolve).
    n.b.crash();
    expect(n.b.state.status).toMatchObject({ kind: 'failed', code: 'channel.feerate_too_high' });
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(2);
  });

  it('answers an update_fee the funder cannot afford with its HTLCs with an error (fee_unaffordable)', () => {
    // A keeps 60,000 sat above its reserve after its 40,000-sat HTLC: 50,000 sat/kw over 3 outputs' weight is more.
    const n = linkNet({ fundingSat: 1_000_000n, pushMsat: 900_000_000n });
    nets.push(n);
    n.openConnected();
    n.a.add(40_000_000n);
    n.b.add(30_000_000n);
    n.settle();
    const raw = { type: 'update_fee' as const, channelId: n.a.link.channelId, feeratePerKw: 50_000 };
    const r = n.b.apply(n.b.link.receive(raw, 1_000));
    expect(r.failure).toMatchObject({ code: 'channel.fee_unaffordable' });
    expect(n.types(n.b)).toContain('error');
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(2);
  });
});

describe('update_fee lost in transit', () => {
  it('is forgotten on both sides when the connection drops before commitment_signed, and the funder sends it again', () => {
    const n = openedWithHtlcs();
    const before = n.a.state.localCommit.spec.feeratePerKw;
    n.a.fee(5_000);
    n.deliverAll(); // B received update_fee; no commitment_signed covers it
    expect(n.b.state.changes.some((c) => c.update.kind === 'fee')).toBe(true);
    n.disconnect();
    // BOLT 2: "upon disconnection: MUST reverse any uncommitted updates sent by the other side".
    expect(n.b.state.changes).toHaveLength(0);
    expect(n.a.state.changes).toHaveLength(0);
    const sent = reconnect(n);
    expect(sent).toEqual({ a: ['channel_reestablish'], b: ['channel_reestablish'] });
    n.settle();
    expectConverged(n);
    for (const p of [n.a, n.b]) {
      expect(p.state.localCommit.spec.feeratePerKw).toBe(before);
      expect(p.state.remoteCommit.spec.feeratePerKw).toBe(before);
    }
    // Nothing stuck: the funder's next update_fee commits on both sides.
    n.a.fee(5_000);
    n.settle();
    expectConverged(n);
    for (const p of [n.a, n.b]) expect(p.state.localCommit.spec.feeratePerKw).toBe(5_000);
    expect(n.b.state.localCommit.spec.htlcs).toHaveLength(2);
  });

  it('is retransmitted with its commitment_signed when the connection drops before B received them', () => {
    const n = openedWithHtlcs();
    n.a.fee(5_000);
    n.a.commit();
    expect(n.types(n.a)).toEqual(['update_fee', 'commitment_signed']);
    n.disconnect();
    const sent = reconnect(n);
    expect(sent.a).toEqual(['channel_reestablish', 'update_fee', 'commitment_signed']);
    expect(sent.b).toEqual(['channel_reestablish']);
    n.settle();
    expectConverged(n);
    for (const p of [n.a, n.b]) expect(p.state.localCommit.spec.feeratePerKw).toBe(5_000);
  });

  it('completes when B got update_fee and commitment_signed but its revoke_and_ack was lost: B re-sends it', () => {
    const n = openedWithHtlcs();
    n.a.fee(5_000);
    n.a.commit();
    n.deliverOne(n.a);
    n.deliverOne(n.a);
    expect(n.b.state.localCommit.spec.feeratePerKw).toBe(5_000);
    expect(n.types(n.b)[0]).toBe('revoke_and_ack');
    n.disconnect();
    // A's update is covered by a commitment_signed B received: B keeps it.
    expect(n.b.state.changes.some((c) => c.update.kind === 'fee')).toBe(true);
    const sent = reconnect(n);
    expect(sent.b[0]).toBe('channel_reestablish');
    expect(sent.b[1]).toBe('revoke_and_ack');
    expect(sent.a).toEqual(['channel_reestablish']);
    n.settle();
    expectConverged(n);
    for (const p of [n.a, n.b]) {
      expect(p.state.localCommit.spec.feeratePerKw).toBe(5_000);
      expect(p.state.remoteCommit.spec.feeratePerKw).toBe(5_000);
    }
    expect(n.a.state.localCommit.spec.htlcs).toHaveLength(2);
  });

  it('survives a crash of either side at any step of the update_fee dance, and ends at one feerate on both sides', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.constantFrom<'A' | 'B'>('A', 'B'), fc.boolean(), (cutAfter, who, crash) => {
        const n = openedWithHtlcs();
        const initial = n.a.state.localCommit.spec.feeratePerKw;
        n.a.fee(4_000);
        n.a.commit();
        // Deliver `cutAfter` messages (alternating as the dance goes), then cut the connection.
        for (let i = 0; i < cutAfter; i++) if (!n.deliverOne(n.a) && !n.deliverOne(n.b)) break;
        n.disconnect();
        if (crash) (who === 'A' ? n.a : n.b).crash();
        n.connect();
        n.settle();
        expectConverged(n);
        const rate = n.a.state.localCommit.spec.feeratePerKw;
        expect([initial, 4_000]).toContain(rate);
        for (const p of [n.a, n.b]) {
          expect(p.state.status.kind).toBe('normal');
          expect(p.state.localCommit.spec.feeratePerKw).toBe(rate);
          expect(p.state.localCommit.spec.htlcs).toHaveLength(2);
        }
        n.close();
        nets = nets.filter((x) => x !== n);
      }),
      { numRuns: 30 },
    );
  });
});
