/**
 * BOLT 2 "Bounding exposure to trimmed in-flight HTLCs: max_dust_htlc_exposure_msat", on two real
 * state machines: we never offer an HTLC or a fee that takes the trimmed HTLCs of either commitment
 * over our limit, an incoming HTLC over it is flagged to be failed back (never fulfilled), and a
 * peer's fee increase over it fails the channel.
 */
import { describe, expect, it } from 'vitest';
import { sha256, utf8 } from '../../../core/crypto';
import {
  ChannelCommandError, ChannelError, DEFAULT_CHANNEL_POLICY, decodeChannelState, encodeChannelState, maxDustExposureMsat,
} from '../../../core/channel';
import type { Channel, ChannelEvent, UpdateFee } from '../../../core/channel';
import { ONION, deliver, expectCode, pair, preimage } from './harness';

const add = (ch: Channel, amountMsat: bigint, name: string) =>
  ch.addHtlc({ amountMsat, paymentHash: sha256(preimage(name)), cltvExpiry: 500, onionRoutingPacket: ONION });

function refused(ch: Channel, fn: () => unknown, code: string): void {
  const before = ch.state;
  expectCode(fn, ChannelCommandError, code);
  expect(ch.state).toBe(before);
}

const LIMIT = 1_200_000n;

describe('max_dust_htlc_exposure_msat when offering an HTLC', () => {
  it('defaults to 5,000,000 msat', () => {
    expect(DEFAULT_CHANNEL_POLICY.maxDustHtlcExposureMsat).toBe(5_000_000n);
  });

  it('refuses a trimmed HTLC that takes either commitment over the limit, and still offers untrimmed ones', () => {
    // anchors: trimmed below the 546-sat dust limit alone (zero-fee HTLC transactions).
    const p = pair({ policyA: { maxDustHtlcExposureMsat: LIMIT } });
    p.add(p.a, 500_000n, 'd1');
    p.add(p.a, 500_000n, 'd2');
    expect(maxDustExposureMsat(p.a.state, 'local')).toBe(1_000_000n);
    refused(p.a, () => add(p.a, 500_000n, 'd3'), 'channel_command.dust_exposure_exceeded');
    // 200 sat more fits exactly: 1,200,000 is not "greater than" the limit.
    expect(() => add(p.a, 200_000n, 'd4')).not.toThrow();
    // 546 sat is not trimmed: it adds no exposure.
    expect(() => add(p.a, 546_000n, 'big')).not.toThrow();
  });

  it('counts the HTLCs the peer offered us too, pending ones included', () => {
    const p = pair({ policyA: { maxDustHtlcExposureMsat: LIMIT }, policyB: { maxDustHtlcExposureMsat: 10n ** 12n } });
    // B's adds reach A but are not committed yet.
    p.add(p.b, 500_000n, 'b1');
    p.add(p.b, 500_000n, 'b2');
    refused(p.a, () => add(p.a, 500_000n, 'a1'), 'channel_command.dust_exposure_exceeded');
  });

  it('counts an HTLC being removed until no commitment holds it', () => {
    const p = pair({ policyA: { maxDustHtlcExposureMsat: LIMIT } });
    p.add(p.a, 500_000n, 'x');
    p.add(p.a, 500_000n, 'y');
    p.commitBoth(p.a);
    deliver(p.a, p.b.fulfillHtlc(0n, preimage('x')).outbound);
    refused(p.a, () => add(p.a, 500_000n, 'z'), 'channel_command.dust_exposure_exceeded');
    p.commitBoth(p.b);
    expect(() => add(p.a, 500_000n, 'z')).not.toThrow();
  });

  it('trims at dust limit plus the HTLC-timeout fee without anchors', () => {
    // 1,000 sat at 1,000 sat/kw: 1000 - 663 (HTLC-timeout fee) < 546, trimmed on our commitment.
    const p = pair({ channelType: 'static_remotekey', feeratePerKw: 1_000, policyA: { maxDustHtlcExposureMsat: 1_500_000n } });
    p.add(p.a, 1_000_000n, 'd1');
    refused(p.a, () => add(p.a, 1_000_000n, 'd2'), 'channel_command.dust_exposure_exceeded');
    // With anchors the same HTLCs are not trimmed at all.
    const q = pair({ channelType: 'anchors', feeratePerKw: 1_000, policyA: { maxDustHtlcExposureMsat: 1_500_000n } });
    q.add(q.a, 1_000_000n, 'd1');
    expect(() => add(q.a, 1_000_000n, 'd2')).not.toThrow();
  });
});

describe('max_dust_htlc_exposure_msat when receiving an HTLC', () => {
  it('flags the HTLC over the limit to be failed back once committed, never fulfilled, without failing the channel', () => {
    const p = pair({ policyA: { maxDustHtlcExposureMsat: 10n ** 12n }, policyB: { maxDustHtlcExposureMsat: LIMIT } });
    const events: ChannelEvent[] = [];
    for (const name of ['d0', 'd1', 'd2']) {
      const s = add(p.a, 500_000n, name);
      events.push(...p.b.receive(s.outbound[0]!).events);
    }
    expect(events.map((e) => (e.type === 'htlc_received' ? e.failBack : 'other'))).toEqual([null, null, 'dust_exposure']);
    expect(p.b.state.status.kind).toBe('normal');

    // Committed both ways: the lock-in tells the payment layer to fail HTLC 2 back.
    const raa = p.b.receive(p.a.signCommitment().outbound[0]!).outbound;
    deliver(p.a, raa);
    const locked = p.b.signCommitment();
    const back = p.a.receive(locked.outbound[0]!).outbound;
    const onRaa = p.b.receive(back[0]!).events.filter((e) => e.type === 'htlc_locked_in');
    expect(onRaa.map((e) => (e.type === 'htlc_locked_in' ? [e.htlc.id, e.failBack] : null))).toEqual([[0n, null], [1n, null], [2n, 'dust_exposure']]);

    // "SHOULD NOT reveal a preimage for this HTLC" — the flag survives the store's codec.
    const stored = decodeChannelState(JSON.parse(JSON.stringify(encodeChannelState(p.b.state))));
    expect(stored.incomingHtlcs.map((h) => h.failBack)).toEqual([null, null, 'dust_exposure']);
    refused(p.b, () => p.b.fulfillHtlc(2n, preimage('d2')), 'channel_command.htlc_must_fail');
    expect(() => p.b.fulfillHtlc(0n, preimage('d0'))).not.toThrow();
    expect(() => p.b.failHtlc(2n, utf8.encode('temporary_channel_failure'))).not.toThrow();
  });

  it('reads snapshots written before the flag existed as not flagged', () => {
    const p = pair();
    p.add(p.a, 500_000n, 'd0');
    const json = JSON.parse(JSON.stringify(encodeChannelState(p.b.state))) as { incomingHtlcs: Record<string, unknown>[] };
    delete json.incomingHtlcs[0]!.failBack;
    expect(decodeChannelState(json).incomingHtlcs[0]!.failBack).toBeNull();
    json.incomingHtlcs[0]!.failBack = 'later';
    expect(() => decodeChannelState(json)).toThrow(/incomingHtlcs\[0\]\.failBack/);
  });
});

describe('max_dust_htlc_exposure_msat and update_fee (without option_anchors)', () => {
  // 1,500 sat HTLCs of B: untrimmed at 253 sat/kw, trimmed at 2,000 (1500 - 1326 timeout / 1406 success fee < 546).
  function withHtlcs(channelType: 'static_remotekey' | 'anchors', limitA: bigint, limitB: bigint) {
    const p = pair({ channelType, policyA: { maxDustHtlcExposureMsat: limitA }, policyB: { maxDustHtlcExposureMsat: limitB } });
    p.add(p.b, 1_500_000n, 'b0');
    p.add(p.b, 1_500_000n, 'b1');
    p.commitBoth(p.b);
    return p;
  }
  const updateFee = (to: Channel, feeratePerKw: number): UpdateFee => ({ type: 'update_fee', channelId: to.state.params.channelId, feeratePerKw });

  it('fails the channel when a fee increase takes our trimmed HTLCs over the limit', () => {
    const p = withHtlcs('static_remotekey', 10n ** 12n, 2_000_000n);
    const before = p.b.state;
    expectCode(() => p.b.receive(updateFee(p.b, 2_000)), ChannelError, 'channel.fee_dust_exposure_exceeded');
    expect(p.b.state.status).toMatchObject({ kind: 'failed', code: 'channel.fee_dust_exposure_exceeded' });
    expect({ ...p.b.state, status: before.status }).toEqual(before);
  });

  it('accepts the same increase within the limit, and any feerate with anchors', () => {
    const p = withHtlcs('static_remotekey', 10n ** 12n, 3_000_000n);
    expect(() => p.b.receive(updateFee(p.b, 2_000))).not.toThrow();
    const q = withHtlcs('anchors', 10n ** 12n, 2_000_000n);
    expect(() => q.b.receive(updateFee(q.b, 2_000))).not.toThrow();
  });

  it('as funder, does not send a fee increase that takes trimmed HTLCs over our limit', () => {
    const p = withHtlcs('static_remotekey', 2_000_000n, 10n ** 12n);
    refused(p.a, () => p.a.updateFee(2_000), 'channel_command.dust_exposure_exceeded');
    // A smaller increase that trims nothing more is fine.
    expect(() => p.a.updateFee(300)).not.toThrow();
  });
});

describe('max_dust_htlc_exposure_msat in the UI view', () => {
  it('shows each commitment’s trimmed HTLCs against our limit, and flags the incoming HTLC to fail back', () => {
    const p = pair({ policyA: { maxDustHtlcExposureMsat: 10n ** 12n }, policyB: { maxDustHtlcExposureMsat: LIMIT } });
    for (const name of ['d0', 'd1', 'd2']) p.add(p.a, 500_000n, name);
    // 546 sat is not trimmed (anchors: the dust limit alone): no exposure.
    p.add(p.a, 546_000n, 'big');
    p.commitBoth(p.a);

    const b = p.b.view;
    for (const c of [b.localCommit, b.remoteCommit]) {
      expect(c.dustExposureMsat).toBe('1500000');
      expect(c.maxDustExposureMsat).toBe('1200000');
      expect(c.htlcs.map((h) => [h.id, h.trimmed, h.failBack])).toEqual([
        ['0', true, null], ['1', true, null], ['2', true, 'dust_exposure'], ['3', false, null],
      ]);
    }
    // The offerer's side: its own HTLCs are never flagged, and its own limit is shown.
    expect(p.a.view.localCommit).toMatchObject({ dustExposureMsat: '1500000', maxDustExposureMsat: (10n ** 12n).toString() });
    expect(p.a.view.remoteCommit.htlcs.map((h) => h.failBack)).toEqual([null, null, null, null]);

    // Failed back and committed: the flag goes with the HTLC, the exposure falls.
    deliver(p.a, p.b.failHtlc(2n, utf8.encode('temporary_channel_failure')).outbound);
    p.commitBoth(p.b);
    for (const c of [p.b.view.localCommit, p.b.view.remoteCommit]) {
      expect(c.dustExposureMsat).toBe('1000000');
      expect(c.htlcs.map((h) => h.id)).toEqual(['0', '1', '3']);
    }
  });

  it('starts at zero exposure with the default limit', () => {
    const p = pair();
    expect(p.a.view.localCommit).toMatchObject({ dustExposureMsat: '0', maxDustExposureMsat: '5000000', htlcs: [] });
    expect(p.a.view.remoteCommit.dustExposureMsat).toBe('0');
  });
});
