/** Local commands the protocol forbids are refused with ChannelCommandError and change nothing. */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../core/crypto';
import { ChannelCommandError } from '../../../core/channel';
import type { Channel } from '../../../core/channel';
import { ONION, deliver, expectCode, pair, preimage } from './harness';

function refused(ch: Channel, fn: () => unknown, code: string): void {
  const before = ch.state;
  expectCode(fn, ChannelCommandError, code);
  expect(ch.state).toBe(before);
}

const add = (ch: Channel, amountMsat: bigint, cltvExpiry = 500) => () =>
  ch.addHtlc({ amountMsat, paymentHash: sha256(preimage(`${amountMsat}`)), cltvExpiry, onionRoutingPacket: ONION });

describe('update_add_htlc sender requirements', () => {
  it('refuses amount 0, amounts below the peer minimum and timestamps as cltv_expiry', () => {
    const { a } = pair({ configB: { htlcMinimumMsat: 1000n } });
    refused(a, add(a, 0n), 'channel_command.htlc_amount_zero');
    refused(a, add(a, 999n), 'channel_command.htlc_below_minimum');
    refused(a, add(a, 1000n, 500_000_000), 'channel_command.bad_cltv_expiry');
    expect(() => add(a, 1000n)()).not.toThrow();
  });

  it("refuses more HTLCs than the peer's max_accepted_htlcs, counting HTLCs still being removed", () => {
    const p = pair({ configB: { maxAcceptedHtlcs: 2 } });
    p.add(p.a, 1_000_000n, 'x');
    p.add(p.a, 1_000_000n, 'y');
    refused(p.a, add(p.a, 1_000_000n), 'channel_command.too_many_htlcs');
    p.commitBoth(p.a);
    deliver(p.a, p.b.fulfillHtlc(0n, preimage('x')).outbound);
    // The fulfill is not committed: the peer may still count HTLC 0.
    refused(p.a, add(p.a, 1_000_000n), 'channel_command.too_many_htlcs');
    p.commitBoth(p.b);
    expect(() => add(p.a, 1_000_000n)()).not.toThrow();
  });

  it("refuses to exceed the peer's max_htlc_value_in_flight_msat", () => {
    const { a } = pair({ configB: { maxHtlcValueInFlightMsat: 3_000_000n } });
    add(a, 2_000_000n)();
    refused(a, add(a, 1_000_001n), 'channel_command.htlc_value_in_flight_exceeded');
  });

  it('refuses an HTLC that would leave less than the reserve plus fees (fee-spike buffer for the funder)', () => {
    const { a, b } = pair();
    refused(a, add(a, 49_000_000_000n), 'channel_command.insufficient_balance');
    refused(b, add(b, 49_000_000_001n), 'channel_command.insufficient_balance');
    expect(() => add(b, 49_000_000_000n)()).not.toThrow();
  });

  it('refuses an HTLC from the non-funder when the funder could not pay the fee for it', () => {
    // A keeps just its reserve plus the fee of an HTLC-less commitment.
    const p = pair({ pushMsat: 100_000_000_000n - 1_000_000_000n - 944_000n });
    refused(p.b, add(p.b, 5_000_000n), 'channel_command.funder_cannot_afford_fee');
    // A dust HTLC adds no output, so no fee.
    expect(() => add(p.b, 100_000n)()).not.toThrow();
  });
});

describe('removal, fee and commitment sender requirements', () => {
  it('refuses to fulfill or fail an HTLC that is unknown, not committed, already removed, or with a wrong preimage', () => {
    const p = pair();
    refused(p.b, () => p.b.fulfillHtlc(0n, preimage('x')), 'channel_command.unknown_htlc');
    p.add(p.a, 1_000_000n, 'x');
    refused(p.b, () => p.b.fulfillHtlc(0n, preimage('x')), 'channel_command.htlc_not_committed');
    p.sign(p.a);
    refused(p.b, () => p.b.failHtlc(0n, new Uint8Array(0)), 'channel_command.htlc_not_committed');
    p.sign(p.b);
    refused(p.b, () => p.b.fulfillHtlc(0n, preimage('y')), 'channel_command.preimage_mismatch');
    refused(p.b, () => p.b.failMalformedHtlc(0n, new Uint8Array(32), 0x4000), 'channel_command.malformed_without_badonion');
    p.b.fulfillHtlc(0n, preimage('x'));
    refused(p.b, () => p.b.failHtlc(0n, new Uint8Array(0)), 'channel_command.htlc_already_removed');
    // Nobody removes an HTLC they offered themselves.
    refused(p.a, () => p.a.failHtlc(0n, new Uint8Array(0)), 'channel_command.unknown_htlc');
  });

  it('lets only the funder send update_fee, within the policy range and affordable', () => {
    const { a, b } = pair();
    refused(b, () => b.updateFee(1000), 'channel_command.not_funder');
    refused(a, () => a.updateFee(252), 'channel_command.bad_feerate');
    refused(a, () => a.updateFee(100_001), 'channel_command.bad_feerate');
    const poor = pair({ pushMsat: 100_000_000_000n - 1_002_000_000n });
    refused(poor.a, () => poor.a.updateFee(2000), 'channel_command.fee_unaffordable');
    expect(() => poor.a.updateFee(1000)).not.toThrow();
  });

  it('refuses commitment_signed with nothing to commit or before the previous one is revoked, and revoke_and_ack with nothing to revoke', () => {
    const p = pair();
    refused(p.a, () => p.a.signCommitment(), 'channel_command.nothing_to_sign');
    refused(p.a, () => p.a.revoke(), 'channel_command.nothing_to_revoke');
    add(p.a, 1_000_000n)();
    p.a.signCommitment();
    add(p.a, 2_000_000n)();
    refused(p.a, () => p.a.signCommitment(), 'channel_command.awaiting_revocation');
  });
});
