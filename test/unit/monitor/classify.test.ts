/**
 * Classification of funding spends (BOLT 5): each side's commitments seen from both monitors —
 * ours ('local'), the peer's current and next ('remote'), its revoked ones ('revoked', via the
 * shachain), a closing we signed ('mutual'), anything else ('unknown') — with every output's role.
 * Random transactions spending the funding output classify to a value, never an exception.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { txid } from '../../../core/bitcoin';
import type { Transaction } from '../../../core/bitcoin';
import { ChannelData, classifyFundingSpend, decodeCommitmentNumber } from '../../../core/monitor';
import type { Party } from '../../support/monitor-channel';
import { MonitoredPair, fakeFunding, signedLocalCommitment } from '../../support/monitor-channel';

function classify(p: Party, tx: Transaction) {
  const data = ChannelData.fromUpdates(p.updates);
  return classifyFundingSpend(data, tx, (n) => p.monitorSigner.perCommitmentPoint(n));
}

function busyPair(channelType: 'anchors' | 'static_remotekey') {
  const pair = new MonitoredPair({ fundingOutpoint: fakeFunding(channelType), channelType });
  const { a, b } = pair;
  pair.add(a, 20_000_000n, 'a1', 500);
  pair.add(b, 30_000_000n, 'b1', 510);
  pair.add(a, 100_000n, 'dust', 520); // trimmed: below the dust limit
  pair.commit(a);
  return pair;
}

describe.each(['anchors', 'static_remotekey'] as const)('classifying funding spends (%s)', (channelType) => {
  it("recognises each side's commitment as 'local' for its holder and 'remote' for the peer, with every output's role", () => {
    const pair = busyPair(channelType);
    const { a, b } = pair;
    const ca = signedLocalCommitment(a);
    const asLocal = classify(a, ca.tx);
    expect(asLocal.kind).toBe('local');
    expect(asLocal.ctn).toBe(a.channel.state.localCommit.ctn);
    const roles = asLocal.outputs.map((o) => o.role).sort();
    const expected = ['local_htlc_offered', 'local_htlc_received', 'local_to_local', 'their_main'];
    if (channelType === 'anchors') expected.push('our_anchor', 'their_anchor');
    expect(roles).toEqual(expected.sort());
    const asRemote = classify(b, ca.tx);
    expect(asRemote.kind).toBe('remote');
    const rroles = asRemote.outputs.map((o) => o.role).sort();
    const rexpected = ['remote_htlc_offered', 'remote_htlc_received', 'their_main', 'to_remote'];
    if (channelType === 'anchors') rexpected.push('our_anchor', 'their_anchor');
    expect(rroles).toEqual(rexpected.sort());
    // The HTLC outputs carry their HTLCs: A's offered 20,000 sat is B's incoming.
    const incoming = asRemote.outputs.find((o) => o.role === 'remote_htlc_offered')!;
    expect(incoming.valueSat).toBe(20_000n);
    expect(incoming.htlc!.cltvExpiry).toBe(500);
  });

  it("recognises both of the peer's unrevoked commitments (current, and the next one before its revoke_and_ack) as 'remote'", () => {
    const pair = busyPair(channelType);
    const { a, b } = pair;
    const current = signedLocalCommitment(b);
    pair.add(a, 5_000_000n, 'a2', 530);
    // A signs B's next commitment and B receives it, but its revoke_and_ack never reaches A.
    const signed = a.channel.signCommitment();
    b.channel.receive(signed.outbound[0]!);
    pair.sync();
    const next = signedLocalCommitment(b);
    expect(next.built.commitment.tx.locktime).not.toBe(current.built.commitment.tx.locktime);
    for (const c of [current, next]) {
      const k = classify(a, c.tx);
      expect(k.kind).toBe('remote');
    }
    expect(classify(a, next.tx).ctn).toBe(classify(a, current.tx).ctn! + 1);
  });

  it("recognises a revoked commitment of the peer as 'revoked', its HTLCs included", () => {
    const pair = busyPair(channelType);
    const { a, b } = pair;
    const old = signedLocalCommitment(b);
    const oldCtn = b.channel.state.localCommit.ctn;
    pair.fulfill(b, 0n, 'a1');
    pair.commit(b);
    expect(b.channel.state.localCommit.ctn).toBeGreaterThan(oldCtn);
    const c = classify(a, old.tx);
    expect(c.kind).toBe('revoked');
    expect(c.ctn).toBe(oldCtn);
    const roles = c.outputs.map((o) => o.role).sort();
    const expected = ['revoked_htlc', 'revoked_htlc', 'revoked_to_local', 'to_remote'];
    if (channelType === 'anchors') expected.push('our_anchor', 'their_anchor');
    expect(roles).toEqual(expected.sort());
    // For B it is its own commitment before the newest: still recognised as ours (a monitor is not told
    // when we revoke; a node never broadcasts one it revoked).
    expect(classify(b, old.tx).kind).toBe('local');
    // One more round and it is neither of B's two newest: unknown to B.
    pair.add(a, 1_000_000n, 'c1', 540);
    pair.commit(a);
    expect(classify(b, old.tx).kind).toBe('unknown');
  });

  it("calls a closing transaction we signed 'mutual' and anything else 'unknown'", () => {
    const pair = busyPair(channelType);
    const { a } = pair;
    const closing: Transaction = {
      version: 2,
      locktime: 0,
      inputs: [{ prevout: fakeFunding(channelType), scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
      outputs: [{ value: 500_000n, scriptPubKey: a.sweepScript }],
    };
    expect(classify(a, closing).kind).toBe('unknown');
    a.updates.push({ kind: 'closing_tx', txid: txid(closing) });
    expect(classify(a, closing).kind).toBe('mutual');
  });
});

describe('classification of arbitrary funding spends', () => {
  it('gives a kind for any transaction shape, never an exception', () => {
    const pair = busyPair('anchors');
    const data = ChannelData.fromUpdates(pair.a.updates);
    const funding = fakeFunding('anchors');
    const txArb = fc.record({
      version: fc.constantFrom(1, 2, 3),
      locktime: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffff }).map((x) => 0x20000000 | x)),
      sequence: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffff }).map((x) => (0x80000000 | x) >>> 0)),
      outputs: fc.array(fc.record({ value: fc.bigInt({ min: 0n, max: 1_000_000n }), scriptPubKey: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(txArb, (t) => {
        const tx: Transaction = {
          version: t.version,
          locktime: t.locktime,
          inputs: [{ prevout: funding, scriptSig: new Uint8Array(0), sequence: t.sequence, witness: [] }],
          outputs: t.outputs,
        };
        const c = classifyFundingSpend(data, tx, (n) => pair.a.monitorSigner.perCommitmentPoint(n));
        expect(['local', 'remote', 'revoked', 'remote_unknown', 'mutual', 'unknown']).toContain(c.kind);
        if (decodeCommitmentNumber(tx, data.params.obscuringFactor) === null) expect(['unknown', 'mutual']).toContain(c.kind);
      }),
      { numRuns: 200 },
    );
  });
});
