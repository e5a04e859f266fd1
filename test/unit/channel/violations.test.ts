/**
 * Bad input: every BOLT 2 receiver requirement, broken by a hand-crafted message, is rejected
 * with its own ChannelError code and fails the channel without changing anything else.
 */
import { describe, expect, it } from 'vitest';
import { CURVE_ORDER, bigintToBytes, bytesToBigint, concatBytes, publicKeyFromPrivate, sha256, utf8 } from '../../../core/crypto';
import { SIGHASH_ALL } from '../../../core/bitcoin';
import {
  ChannelCommandError, ChannelError, InMemoryChannelSigner, buildCommitment, funderCommitmentCostMsat, htlcTxSighash, nextRemoteSpec,
} from '../../../core/channel';
import type { Channel, ChannelMessage, ChannelSigner, CommitmentSigned, RevokeAndAck, UpdateAddHtlc } from '../../../core/channel';
import { ONION, deliver, expectCode, pair, preimage } from './harness';

function rawAdd(to: Channel, fields: Partial<UpdateAddHtlc> = {}): UpdateAddHtlc {
  return {
    type: 'update_add_htlc',
    channelId: to.state.params.channelId,
    id: to.state.nextRemoteHtlcId,
    amountMsat: 1_000_000n,
    paymentHash: sha256(preimage('raw')),
    cltvExpiry: 500,
    onionRoutingPacket: ONION,
    ...fields,
  };
}

/** Delivers `m` to `to`, expects ChannelError `code`, a failed status and otherwise the same state. */
function rejects(to: Channel, m: ChannelMessage, code: string): void {
  const before = to.state;
  expectCode(() => to.receive(m), ChannelError, code);
  expect(to.state.status).toMatchObject({ kind: 'failed', code });
  expect({ ...to.state, status: before.status }).toEqual(before);
}

describe('update_add_htlc receiver requirements', () => {
  it('rejects an id that is not the next one', () => {
    const { b } = pair();
    rejects(b, rawAdd(b, { id: 1n }), 'channel.htlc_id_out_of_order');
  });

  it('rejects amount_msat 0', () => {
    const { b } = pair();
    rejects(b, rawAdd(b, { amountMsat: 0n }), 'channel.htlc_amount_zero');
  });

  it('rejects amount_msat below our htlc_minimum_msat', () => {
    const { b } = pair({ configB: { htlcMinimumMsat: 2000n } });
    deliver(b, [rawAdd(b, { amountMsat: 2000n })]);
    rejects(b, rawAdd(b, { amountMsat: 1999n }), 'channel.htlc_below_minimum');
  });

  it('rejects cltv_expiry of 500000000 or more', () => {
    const { b } = pair();
    deliver(b, [rawAdd(b, { cltvExpiry: 499_999_999 })]);
    rejects(b, rawAdd(b, { cltvExpiry: 500_000_000 }), 'channel.htlc_cltv_expiry_is_timestamp');
  });

  it('rejects more HTLCs than our max_accepted_htlcs', () => {
    const { b } = pair({ configB: { maxAcceptedHtlcs: 2 } });
    deliver(b, [rawAdd(b), rawAdd(b, { id: 1n })]);
    rejects(b, rawAdd(b, { id: 2n }), 'channel.too_many_htlcs');
  });

  it('rejects more value in flight than our max_htlc_value_in_flight_msat', () => {
    const { b } = pair({ configB: { maxHtlcValueInFlightMsat: 5_000_000n } });
    deliver(b, [rawAdd(b, { amountMsat: 3_000_000n }), rawAdd(b, { id: 1n, amountMsat: 2_000_000n })]);
    rejects(b, rawAdd(b, { id: 2n, amountMsat: 1n }), 'channel.htlc_value_in_flight_exceeded');
  });

  it('rejects an HTLC the funder cannot afford with the fee and anchors above its reserve (exact boundary)', () => {
    // A (funder) has 50,000,000 sat; B requires a 1,000,000 sat reserve; the commitment with one
    // untrimmed HTLC costs A the fee plus two 330-sat anchors.
    const max = 50_000_000_000n - 1_000_000_000n - funderCommitmentCostMsat(253, 1, 'anchors');
    const ok = pair();
    deliver(ok.b, [rawAdd(ok.b, { amountMsat: max })]);
    expect(ok.b.state.status.kind).toBe('normal');
    const { b } = pair();
    rejects(b, rawAdd(b, { amountMsat: max + 1n }), 'channel.htlc_unaffordable');
  });

  it('rejects an HTLC that would take the non-funder below its reserve (exact boundary)', () => {
    const max = 50_000_000_000n - 1_000_000_000n;
    const ok = pair();
    deliver(ok.a, [rawAdd(ok.a, { amountMsat: max })]);
    expect(ok.a.state.status.kind).toBe('normal');
    const { a } = pair();
    rejects(a, rawAdd(a, { amountMsat: max + 1n }), 'channel.htlc_unaffordable');
  });

  it('rejects an HTLC whose fee would take us, the funder, below the reserve the peer requires (exact boundary)', () => {
    // A (funder) has 3,000 sat, B requires a 1,000 sat reserve. Each 900-sat HTLC from B is untrimmed
    // on A's commitment and adds 172 weight to the fee A pays: 24 leave A its reserve, the 25th does not.
    const opts = { fundingSat: 100_000n, pushMsat: 97_000_000n };
    expect(3_000_000n - funderCommitmentCostMsat(253, 24, 'anchors')).toBeGreaterThanOrEqual(1_000_000n);
    expect(3_000_000n - funderCommitmentCostMsat(253, 25, 'anchors')).toBeLessThan(1_000_000n);
    const { a } = pair(opts);
    for (let i = 0; i < 24; i++) deliver(a, [rawAdd(a, { amountMsat: 900_000n })]);
    expect(a.state.status.kind).toBe('normal');
    rejects(a, rawAdd(a, { amountMsat: 900_000n }), 'channel.htlc_funder_fee_unaffordable');
    // B's own sender checks never offer that 25th HTLC.
    const p = pair(opts);
    for (let i = 0; i < 24; i++) p.add(p.b, 900_000n, `h${i}`);
    expectCode(() => p.b.addHtlc({ amountMsat: 900_000n, paymentHash: sha256(preimage('h24')), cltvExpiry: 500, onionRoutingPacket: ONION }), ChannelCommandError, 'channel_command.funder_cannot_afford_fee');
    expect(p.a.state.status.kind).toBe('normal');
  });

  it('accepts, as a funder already below the peer’s reserve (push_msat), an HTLC that adds no fee (trimmed)', () => {
    // A (funder) keeps 1,500 sat before fees, about 556 after: under B's 1,000 sat reserve from the start.
    const { a } = pair({ fundingSat: 100_000n, pushMsat: 98_500_000n });
    deliver(a, [rawAdd(a, { amountMsat: 300_000n })]); // below the 354 sat dust limit: trimmed, no HTLC output
    expect(a.state.status.kind).toBe('normal');
    rejects(a, rawAdd(a, { amountMsat: 900_000n }), 'channel.htlc_funder_fee_unaffordable'); // untrimmed: costs A fee
  });

  it('rejects a message for another channel', () => {
    const { b } = pair();
    rejects(b, rawAdd(b, { channelId: new Uint8Array(32) }), 'channel.wrong_channel_id');
  });
});

describe('update_fulfill_htlc / update_fail_htlc / update_fail_malformed_htlc receiver requirements', () => {
  function committedHtlc() {
    const p = pair();
    p.add(p.a, 5_000_000n, 'h');
    p.commitBoth(p.a);
    return p;
  }
  const base = (ch: Channel) => ({ channelId: ch.state.params.channelId });

  it('rejects a removal of an HTLC that does not exist', () => {
    const { a } = committedHtlc();
    rejects(a, { type: 'update_fulfill_htlc', ...base(a), id: 7n, paymentPreimage: preimage('h') }, 'channel.unknown_htlc');
  });

  it('rejects a removal before the HTLC is irrevocably committed', () => {
    const p = pair();
    p.add(p.a, 5_000_000n, 'h');
    p.sign(p.a); // in B's commitment, not yet in A's
    rejects(p.a, { type: 'update_fail_htlc', ...base(p.a), id: 0n, reason: new Uint8Array(0) }, 'channel.htlc_not_committed');
  });

  it('rejects a second removal of the same HTLC', () => {
    const { a, b } = committedHtlc();
    deliver(a, b.fulfillHtlc(0n, preimage('h')).outbound);
    rejects(a, { type: 'update_fail_htlc', ...base(a), id: 0n, reason: new Uint8Array(0) }, 'channel.htlc_already_removed');
  });

  it('rejects a preimage that does not hash to the payment_hash', () => {
    const { a } = committedHtlc();
    rejects(a, { type: 'update_fulfill_htlc', ...base(a), id: 0n, paymentPreimage: preimage('other') }, 'channel.preimage_mismatch');
  });

  it('rejects update_fail_malformed_htlc without the BADONION bit', () => {
    const { a } = committedHtlc();
    rejects(a, { type: 'update_fail_malformed_htlc', ...base(a), id: 0n, sha256OfOnion: new Uint8Array(32), failureCode: 0x4000 | 5 }, 'channel.malformed_without_badonion');
  });
});

describe('update_fee receiver requirements', () => {
  const fee = (ch: Channel, feeratePerKw: number): ChannelMessage => ({ type: 'update_fee', channelId: ch.state.params.channelId, feeratePerKw });

  it('rejects update_fee from the side that does not pay the fee', () => {
    const { a } = pair();
    rejects(a, fee(a, 1000), 'channel.update_fee_from_non_funder');
  });

  it('rejects a feerate too low for timely processing or unreasonably large', () => {
    const { b } = pair();
    rejects(b, fee(b, 252), 'channel.feerate_too_low');
    const p = pair();
    rejects(p.b, fee(p.b, 100_001), 'channel.feerate_too_high');
  });

  it('rejects a feerate the funder cannot afford on our current commitment', () => {
    // A keeps 2,000 sat above B's 1,000,000 sat reserve.
    const { b } = pair({ pushMsat: 100_000_000_000n - 1_002_000_000n });
    deliver(b, [fee(b, 1000)]); // 1,123 sat + 660 sat anchors: affordable
    const p = pair({ pushMsat: 100_000_000_000n - 1_002_000_000n });
    rejects(p.b, fee(p.b, 2000), 'channel.fee_unaffordable'); // 2,248 + 660 sat: not
  });

  it('rejects a feerate the funder cannot afford once its unsigned HTLCs are counted', () => {
    // B's reserve is 10,000 sat. A offers 49,989,000 sat (affordable at 253 sat/kw), then raises the fee
    // to 100,000 sat/kw: the current commitment has no HTLC, but the next one must carry it.
    const amount = (50_000_000n - 10_000n - 1_000n) * 1000n;
    const ok = pair({ configB: { channelReserveSat: 10_000n } });
    deliver(ok.b, [rawAdd(ok.b, { amountMsat: amount })]);
    expect(ok.b.state.status.kind).toBe('normal');
    rejects(ok.b, fee(ok.b, 100_000), 'channel.fee_unaffordable');
  });
});

describe('commitment_signed receiver requirements', () => {
  /** A offers an untrimmed HTLC and signs; returns B and the (undelivered) commitment_signed. */
  function signedByA(opts: Parameters<typeof pair>[0] = {}) {
    const p = pair(opts);
    p.add(p.a, 5_000_000n, 'h');
    const cs = p.a.signCommitment().outbound[0] as CommitmentSigned;
    expect(cs.htlcSignatures).toHaveLength(1);
    return { ...p, cs };
  }

  it('rejects commitment_signed that commits no update', () => {
    const { b } = pair();
    rejects(b, { type: 'commitment_signed', channelId: b.state.params.channelId, signature: new Uint8Array(64), htlcSignatures: [] }, 'channel.commitment_signed_without_updates');
  });

  it('rejects an invalid commitment signature', () => {
    const { b, cs } = signedByA();
    const signature = cs.signature.slice();
    signature[10]! ^= 1;
    rejects(b, { ...cs, signature }, 'channel.bad_commitment_signature');
  });

  it('rejects a valid but high-S commitment signature (LOW-S rule)', () => {
    const { b, cs } = signedByA();
    const s = bytesToBigint(cs.signature.subarray(32));
    const highS = concatBytes(cs.signature.subarray(0, 32), bigintToBytes(CURVE_ORDER - s, 32));
    rejects(b, { ...cs, signature: highS }, 'channel.bad_commitment_signature');
  });

  it('rejects a number of htlc_signatures other than the number of HTLC outputs', () => {
    const { b, cs } = signedByA();
    rejects(b, { ...cs, htlcSignatures: [] }, 'channel.htlc_signature_count_mismatch');
    const p = signedByA();
    rejects(p.b, { ...p.cs, htlcSignatures: [p.cs.htlcSignatures[0]!, p.cs.htlcSignatures[0]!] }, 'channel.htlc_signature_count_mismatch');
  });

  it('rejects an invalid htlc_signature', () => {
    const { b, cs } = signedByA();
    rejects(b, { ...cs, htlcSignatures: [cs.signature] }, 'channel.bad_htlc_signature');
  });

  it('rejects an anchors HTLC signature made with SIGHASH_ALL instead of SIGHASH_SINGLE|SIGHASH_ANYONECANPAY', () => {
    const { a, b, cs, signerA } = signedByA();
    const s = a.state.remoteNextCommit!;
    const built = buildCommitment(a.state.params, 'remote', s.ctn, s.spec, s.perCommitmentPoint);
    const wrong = signerA.signWithHtlcKey(htlcTxSighash(built.htlcTxs[0]!, SIGHASH_ALL), s.perCommitmentPoint);
    rejects(b, { ...cs, htlcSignatures: [wrong] }, 'channel.bad_htlc_signature');
  });

  it('rejects a second commitment_signed before we revoked the previous commitment', () => {
    const { a, b, cs } = signedByA({ policyB: { autoRevoke: false } });
    deliver(b, [cs]);
    expect(b.state.revocationOwed).toBe(true);
    expect(nextRemoteSpec(a.state).htlcs).toHaveLength(1);
    rejects(b, cs, 'channel.unexpected_commitment_signed');
  });
});

describe('commitment_signed: the update_fee race BOLT 2 allows', () => {
  it('accepts a commitment where a fee increase crossed the peer’s HTLC and leaves the funder below the reserve (the fee is simply less)', () => {
    // A keeps 1,000 sat above B's reserve and its cost at 10,000 sat/kw with no HTLC. Its update_fee
    // crosses B's HTLC: each side checked its update alone, but the commitment with both costs A
    // 1,720 sat more than it can pay above the reserve. BOLT 2 update_fee rationale: not a violation.
    const reserve = 1_000_000_000n;
    const pushMsat = 100_000_000_000n - reserve - funderCommitmentCostMsat(10_000, 0, 'anchors') - 1_000_000n;
    const p = pair({ pushMsat });
    const feeMsg = p.a.updateFee(10_000).outbound;
    const addMsg = p.b.addHtlc({ amountMsat: 5_000_000n, paymentHash: sha256(preimage('race')), cltvExpiry: 500, onionRoutingPacket: ONION }).outbound;
    const csB = p.b.signCommitment().outbound;
    deliver(p.b, feeMsg); // B's own HTLC is not in its next commitment yet: affordable
    const raaA = deliver(p.a, [...addMsg, ...csB]);
    const csA = p.a.signCommitment().outbound; // the fee and B's HTLC
    deliver(p.b, raaA);
    deliver(p.b, csA);
    expect(p.b.state.status.kind).toBe('normal');
    expect(p.b.state.localCommit.spec.feeratePerKw).toBe(10_000);
    expect(p.b.state.localCommit.spec.htlcs).toHaveLength(1);
  });
});

describe('revoke_and_ack receiver requirements', () => {
  function raaFromB() {
    const p = pair();
    p.add(p.a, 5_000_000n, 'h');
    const raa = deliver(p.b, p.a.signCommitment().outbound)[0] as RevokeAndAck;
    return { ...p, raa };
  }

  it('rejects revoke_and_ack when no commitment_signed awaits one', () => {
    const { a, raa } = raaFromB();
    deliver(a, [raa]);
    rejects(a, raa, 'channel.unexpected_revoke_and_ack');
  });

  it('rejects a per_commitment_secret that does not generate the previous per_commitment_point', () => {
    const { a, raa } = raaFromB();
    rejects(a, { ...raa, perCommitmentSecret: sha256(utf8.encode('not it')) }, 'channel.bad_revocation_secret');
    const p = raaFromB();
    rejects(p.a, { ...p.raa, perCommitmentSecret: new Uint8Array(32) }, 'channel.bad_revocation_secret');
  });

  it('rejects an invalid next_per_commitment_point', () => {
    const { a, raa } = raaFromB();
    rejects(a, { ...raa, nextPerCommitmentPoint: Uint8Array.of(2, ...new Uint8Array(32)) }, 'channel.invalid_per_commitment_point');
  });

  it('rejects per_commitment_secrets that do not come from one BOLT 3 seed', () => {
    // B's signer hands out unrelated secrets (with matching points): each one alone looks fine,
    // the shachain check catches the second.
    const honest = new InMemoryChannelSigner(sha256(utf8.encode('rogue B')));
    const rogueSecret = (n: number) => sha256(utf8.encode(`rogue secret ${n}`));
    const rogue: ChannelSigner = {
      basepoints: honest.basepoints,
      perCommitmentPoint: (n) => publicKeyFromPrivate(rogueSecret(n)),
      releasePerCommitmentSecret: rogueSecret,
      signWithFundingKey: (d) => honest.signWithFundingKey(d),
      signWithHtlcKey: (d, p) => honest.signWithHtlcKey(d, p),
      signAllWithHtlcKey: (ds, p) => honest.signAllWithHtlcKey(ds, p),
    };
    const p = pair({ signerB: rogue });
    p.add(p.a, 5_000_000n, 'h1');
    p.sign(p.a); // B revokes commitment 0: index 2^48-1, nothing to cross-check yet
    expect(p.a.state.status.kind).toBe('normal');
    p.add(p.a, 5_000_000n, 'h2');
    const raa = deliver(p.b, p.a.signCommitment().outbound)[0]!;
    rejects(p.a, raa, 'channel.revocation_secret_not_from_seed');
  });
});
