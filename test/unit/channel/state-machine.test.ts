import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../core/crypto';
import { checkLocalCommitmentSignatures, buildCommitment } from '../../../core/channel';
import type { Channel, ChannelState, ChangeList, CommitmentSigned } from '../../../core/channel';
import { ONION, deliver, pair, preimage } from './harness';

function lists(s: ChannelState): Record<ChangeList, string[]> {
  const out: Record<ChangeList, string[]> = { local_unacked: [], local_acked: [], remote_unacked: [], remote_acked: [] };
  for (const c of s.changes) {
    const u = c.update;
    out[c.list].push(u.kind === 'add' ? `add ${u.htlc.offerer}${u.htlc.id}` : u.kind === 'fee' ? `fee ${u.feeratePerKw}` : `${u.kind} ${u.id}`);
  }
  return out;
}

function htlcs(s: { htlcs: readonly { offerer: string; id: bigint }[] }): string[] {
  return s.htlcs.map((h) => `${h.offerer}${h.id}`);
}

/** The peer's signatures of a party's current local commitment verify against a fresh build. */
function localSignaturesVerify(ch: Channel, signerPoint: (n: number) => Uint8Array): boolean {
  const s = ch.state;
  const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, signerPoint(s.localCommit.ctn));
  return checkLocalCommitmentSignatures(s.params, built, s.localCommit.signature, s.localCommit.htlcSignatures).ok;
}

describe('channel state machine: an HTLC through the four lists', () => {
  it('moves an add from remote_unacked to local_acked and out, and the peer from local_unacked to remote_acked and out', () => {
    const p = pair({ policyA: { autoRevoke: false }, policyB: { autoRevoke: false } });
    const { a, b } = p;
    const add = a.addHtlc({ amountMsat: 10_000_000n, paymentHash: sha256(preimage('x')), cltvExpiry: 600, onionRoutingPacket: ONION });
    expect(add.persist).toBe('optional');
    expect(add.outbound.map((m) => m.type)).toEqual(['update_add_htlc']);
    expect(lists(a.state).remote_unacked).toEqual(['add local0']);
    deliver(b, add.outbound);
    expect(lists(b.state).local_unacked).toEqual(['add remote0']);

    const cs = a.signCommitment();
    expect(cs.persist).toBe('required');
    expect(a.state.remoteNextCommit?.ctn).toBe(1);
    expect(htlcs(a.state.remoteNextCommit!.spec)).toEqual(['local0']);
    expect(a.state.changes[0]!.signedInRemote).toBe(1);

    const received = b.receive(cs.outbound[0]!);
    // Without autoRevoke the signature is stored first (persist), the revocation comes as its own step.
    expect(received.persist).toBe('required');
    expect(received.outbound).toEqual([]);
    expect(b.state.localCommit.ctn).toBe(1);
    expect(b.state.revocationOwed).toBe(true);
    expect(lists(b.state).local_unacked).toEqual(['add remote0']); // in the new commitment, not acknowledged yet

    const raa = b.revoke();
    expect(raa.persist).toBe('required');
    expect(raa.events).toContainEqual({ type: 'commitment_revoked', holder: 'local', ctn: 0 });
    expect(lists(b.state).remote_acked).toEqual(['add remote0']);

    const onRaa = a.receive(raa.outbound[0]!);
    expect(onRaa.persist).toBe('required');
    expect(a.state.remoteCommit.ctn).toBe(1);
    expect(a.state.remoteNextCommit).toBeNull();
    expect(lists(a.state).local_acked).toEqual(['add local0']);
    // The peer revealed the secret of commitment 0; it is stored compactly.
    expect(a.state.remoteSecrets.buckets[0]?.index).toBe(2 ** 48 - 1);

    deliver(a, [b.signCommitment().outbound[0]!]);
    expect(htlcs(a.state.localCommit.spec)).toEqual(['local0']);
    const aRaa = a.revoke();
    expect(aRaa.events).toContainEqual(expect.objectContaining({ type: 'htlc_locked_in', htlc: expect.objectContaining({ offerer: 'local', id: 0n }) }));
    expect(lists(a.state)).toEqual({ local_unacked: [], local_acked: [], remote_unacked: [], remote_acked: [] });

    const onAraa = b.receive(aRaa.outbound[0]!);
    const locked = onAraa.events.find((e) => e.type === 'htlc_locked_in');
    expect(locked).toMatchObject({ type: 'htlc_locked_in', htlc: { offerer: 'remote', id: 0n }, onionRoutingPacket: ONION });
    expect(b.state.changes).toEqual([]);
    expect(b.state.incomingHtlcs.map((h) => h.id)).toEqual([0n]);
  });

  it('settles a fulfilled HTLC into the balances of both commitments on both sides', () => {
    const p = pair();
    const { a, b } = p;
    p.add(a, 10_000_000n, 'x');
    p.commitBoth(a);
    const before = a.state.localCommit.spec;
    const f = b.fulfillHtlc(0n, preimage('x'));
    const onFulfill = a.receive(f.outbound[0]!);
    expect(onFulfill.events).toContainEqual({ type: 'htlc_fulfill_received', htlc: expect.objectContaining({ id: 0n }), paymentPreimage: preimage('x') });
    p.commitBoth(b);
    for (const s of [a.state.localCommit.spec, a.state.remoteCommit.spec]) {
      expect(s.htlcs).toEqual([]);
      expect(s.localMsat).toBe(before.localMsat);
      expect(s.remoteMsat).toBe(before.remoteMsat + 10_000_000n);
    }
    expect(b.state.localCommit.spec.localMsat).toBe(a.state.localCommit.spec.remoteMsat);
    expect(b.state.incomingHtlcs).toEqual([]);
    expect(a.state.changes).toEqual([]);
    expect(b.state.changes).toEqual([]);
    expect(localSignaturesVerify(a, (n) => p.signerA.perCommitmentPoint(n))).toBe(true);
    expect(localSignaturesVerify(b, (n) => p.signerB.perCommitmentPoint(n))).toBe(true);
  });

  it('returns a failed HTLC to its offerer and reports it resolved on both sides', () => {
    const p = pair();
    const { a, b } = p;
    p.add(b, 3_000_000n, 'y');
    p.commitBoth(b);
    const f = a.failHtlc(0n, new Uint8Array([1, 2, 3]));
    const got = b.receive(f.outbound[0]!);
    expect(got.events[0]).toMatchObject({ type: 'htlc_fail_received', reason: new Uint8Array([1, 2, 3]) });
    const cs = a.signCommitment();
    const raa = deliver(b, cs.outbound);
    const resolvedOnA = a.receive(raa[0]!).events;
    expect(resolvedOnA).toEqual([{ type: 'commitment_revoked', holder: 'remote', ctn: 1 }]);
    const cs2 = b.signCommitment();
    const raa2 = a.receive(cs2.outbound[0]!);
    expect(raa2.events).toContainEqual({ type: 'htlc_resolved', offerer: 'remote', id: 0n, outcome: 'failed' });
    const final = b.receive(raa2.outbound[0]!);
    expect(final.events).toContainEqual({ type: 'htlc_resolved', offerer: 'local', id: 0n, outcome: 'failed' });
    expect(b.state.localCommit.spec.localMsat).toBe(50_000_000_000n);
  });

  it('applies a fee update to the receiver first and to the funder only once acknowledged', () => {
    const p = pair();
    const { a, b } = p;
    deliver(b, a.updateFee(5000).outbound);
    expect(lists(a.state).remote_unacked).toEqual(['fee 5000']);
    expect(lists(b.state).local_unacked).toEqual(['fee 5000']);
    const raa = deliver(b, a.signCommitment().outbound);
    expect(b.state.localCommit.spec.feeratePerKw).toBe(5000);
    expect(a.state.localCommit.spec.feeratePerKw).toBe(253);
    deliver(a, raa);
    expect(lists(a.state).local_acked).toEqual(['fee 5000']);
    const raa2 = deliver(a, b.signCommitment().outbound);
    expect(a.state.localCommit.spec.feeratePerKw).toBe(5000);
    const done = b.receive(raa2[0]!);
    expect(done.events).toContainEqual({ type: 'fee_locked_in', feeratePerKw: 5000 });
    expect(a.view.localCommit.funderCostMsat).toBe(((5000n * 1124n) / 1000n + 660n) * 1000n + '');
  });

  it('handles crossing commitment_signed: both sides sign at once and converge after a second round', () => {
    const p = pair();
    const { a, b } = p;
    const addA = a.addHtlc({ amountMsat: 2_000_000n, paymentHash: sha256(preimage('a')), cltvExpiry: 500, onionRoutingPacket: ONION });
    const addB = b.addHtlc({ amountMsat: 4_000_000n, paymentHash: sha256(preimage('b')), cltvExpiry: 500, onionRoutingPacket: ONION });
    const csA = a.signCommitment();
    const csB = b.signCommitment();
    const fromB = deliver(a, [...addB.outbound, ...csB.outbound]); // A revokes at once
    const fromA = deliver(b, [...addA.outbound, ...csA.outbound]);
    deliver(a, fromA);
    deliver(b, fromB);
    expect(htlcs(a.state.localCommit.spec)).toEqual(['remote0']);
    expect(htlcs(b.state.localCommit.spec)).toEqual(['remote0']);
    p.sign(a);
    p.sign(b);
    for (const s of [a.state, b.state]) {
      expect(htlcs(s.localCommit.spec)).toEqual(['local0', 'remote0']);
      expect(htlcs(s.remoteCommit.spec)).toEqual(['local0', 'remote0']);
      expect(s.changes).toEqual([]);
    }
    expect(a.state.localCommit.ctn).toBe(2);
    expect(b.state.remoteCommit.ctn).toBe(2);
  });

  it('signs no HTLC transaction for trimmed (dust) HTLCs, and one per untrimmed HTLC in output order', () => {
    const p = pair({ channelType: 'static_remotekey' });
    const { a, b } = p;
    p.add(a, 500_000n, 'dust'); // 500 sat: below the 546 sat dust limit
    p.add(a, 5_000_000n, 'big');
    p.add(b, 6_000_000n, 'big2');
    const cs = a.signCommitment();
    expect(cs.outbound[0]).toMatchObject({ type: 'commitment_signed' });
    // A's commitment_signed covers its own two HTLCs (B's is not acknowledged yet): one is dust.
    expect((cs.outbound[0] as CommitmentSigned).htlcSignatures).toHaveLength(1);
    deliver(a, deliver(b, cs.outbound));
    p.sign(b);
    p.sign(a);
    expect(a.state.localCommit.htlcSignatures).toHaveLength(2);
    expect(a.view.localCommit.htlcs.map((h) => h.trimmed)).toEqual([true, false, false]);
  });

  it('refuses every input once the channel has failed, keeping the failure in the state', () => {
    const p = pair();
    const { a, b } = p;
    const before = a.state;
    // B (not the funder) cannot send update_fee: A fails the channel.
    expect(() => a.receive({ type: 'update_fee', channelId: a.state.params.channelId, feeratePerKw: 1000 })).toThrow();
    expect(a.state.status).toMatchObject({ kind: 'failed', code: 'channel.update_fee_from_non_funder' });
    expect({ ...a.state, status: before.status }).toEqual(before);
    expect(() => a.addHtlc({ amountMsat: 1000n, paymentHash: new Uint8Array(32), cltvExpiry: 1, onionRoutingPacket: ONION })).toThrow(/failed/);
    expect(() => a.receive({ type: 'update_fee', channelId: a.state.params.channelId, feeratePerKw: 1000 })).toThrow(/failed/);
    expect(b.state.status.kind).toBe('normal');
  });
});
