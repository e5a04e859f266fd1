/**
 * The monitor's pure parts: witness analysis (every BOLT 3 spend path, random witnesses), the fee
 * policy (targets, re-bids), fee-bump completion (CPFP package rate, HTLC fee, refusals), the
 * signer (each key signs what the BOLT 3 derivations verify), and the channel feed point.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ecdsaVerify, publicKeyFromPrivate, sha256, utf8 } from '../../../core/crypto';
import type { Transaction } from '../../../core/bitcoin';
import { txWeight } from '../../../core/bitcoin';
import { derivePubkey, deriveRevocationPubkey } from '../../../core/channel/keys';
import { commitmentSecret } from '../../../core/channel/shachain';
import {
  ChannelData, FEERATE_FLOOR_PER_KW, InMemoryMonitorSigner, MonitorError, analyzeSpend, bumpedFeerate, claimFeerate, completeCpfp,
  completeHtlcFeeRequest, feeFor, feerateForTarget, spendPath, targetBlocks, witnessSize,
} from '../../../core/monitor';
import type { CpfpRequest, FeeEstimate, ForeignInput, OutputRole, SpendPath } from '../../../core/monitor';
import { MonitoredPair, fakeFunding, partyKeys, preimageOf } from '../../support/monitor-channel';
import { fakeFunds } from './scenario';

const E = new Uint8Array(0);
const SIG = Uint8Array.of(0x30, ...new Uint8Array(70), 0x01);
const SCRIPT = new Uint8Array(80).fill(0x51);

describe('spend paths from witnesses', () => {
  const cases: [string, Uint8Array[], SpendPath][] = [
    ['to_local after its delay', [SIG, E, SCRIPT], 'delayed'],
    ['to_local with the revocation key', [SIG, Uint8Array.of(1), SCRIPT], 'revocation'],
    ['an HTLC with the revocation key', [SIG, new Uint8Array(33).fill(2), SCRIPT], 'revocation'],
    ['an offered HTLC with its preimage', [SIG, preimageOf('p'), SCRIPT], 'preimage'],
    ['HTLC-success', [E, SIG, SIG, preimageOf('p'), SCRIPT], 'htlc_success_tx'],
    ['HTLC-timeout', [E, SIG, SIG, E, SCRIPT], 'htlc_timeout_tx'],
    ['an anchor swept by anyone', [E, SCRIPT], 'anyone'],
  ];
  it.each(cases)('reads %s', (_name, witness, path) => {
    expect(spendPath(witness)).toBe(path);
  });

  it('reads a single-key spend and tells a timeout from a delay by the role', () => {
    expect(spendPath([SIG, new Uint8Array(33).fill(2)])).toBe('key');
    const tx = (witness: Uint8Array[]): Transaction => ({ version: 2, locktime: 0, inputs: [{ prevout: fakeFunding('x'), scriptSig: E, sequence: 0, witness }], outputs: [] });
    expect(analyzeSpend('remote_htlc_received', tx([SIG, E, SCRIPT]), 0, null)).toMatchObject({ path: 'timeout', by: 'us' });
    expect(analyzeSpend('local_htlc_received', tx([SIG, E, SCRIPT]), 0, null)).toMatchObject({ path: 'timeout', by: 'peer' });
    expect(analyzeSpend('local_to_local', tx([SIG, E, SCRIPT]), 0, null)).toMatchObject({ path: 'delayed', by: 'us' });
    expect(analyzeSpend('revoked_to_local', tx([SIG, E, SCRIPT]), 0, null)).toMatchObject({ path: 'delayed', by: 'peer' });
    // A preimage counts only when it hashes to the HTLC's payment hash.
    const hash = sha256(preimageOf('p'));
    expect(analyzeSpend('local_htlc_offered', tx([SIG, preimageOf('p'), SCRIPT]), 0, hash).preimage).toEqual(preimageOf('p'));
    expect(analyzeSpend('local_htlc_offered', tx([SIG, preimageOf('q'), SCRIPT]), 0, hash).preimage).toBeNull();
  });

  it('gives a path and an owner for any witness on any role, never an exception', () => {
    const roles: OutputRole[] = ['local_to_local', 'local_htlc_offered', 'local_htlc_received', 'local_second_stage', 'to_remote', 'remote_htlc_offered',
      'remote_htlc_received', 'revoked_to_local', 'revoked_htlc', 'revoked_second_stage', 'our_anchor', 'their_anchor', 'their_main'];
    fc.assert(
      fc.property(fc.constantFrom(...roles), fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(SIG, E, Uint8Array.of(1))), { maxLength: 7 }), (role, witness) => {
        const tx: Transaction = { version: 2, locktime: 0, inputs: [{ prevout: fakeFunding('y'), scriptSig: E, sequence: 0, witness }], outputs: [] };
        const a = analyzeSpend(role, tx, 0, sha256(preimageOf('p')));
        expect(['us', 'peer', 'anyone']).toContain(a.by);
        expect(analyzeSpend(role, tx, 5, null).path).toBe('unknown');
      }),
      { numRuns: 400 },
    );
  });
});

describe('fee policy', () => {
  const estimates: FeeEstimate[] = [
    { targetBlocks: 1, feeratePerKw: 8_000 },
    { targetBlocks: 3, feeratePerKw: 4_000 },
    { targetBlocks: 12, feeratePerKw: 1_000 },
    { targetBlocks: 144, feeratePerKw: 300 },
  ];
  const policy = { slowTargetBlocks: 144, commitmentTargetBlocks: 6 };

  it('offers more as a deadline nears, never below the floor, and the slow rate without a deadline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 300 }), (best, left) => {
        const near = claimFeerate(policy, estimates, best + left, best, null);
        const far = claimFeerate(policy, estimates, best + left + 20, best, null);
        expect(near).toBeGreaterThanOrEqual(far);
        expect(near).toBeGreaterThanOrEqual(FEERATE_FLOOR_PER_KW);
      }),
    );
    expect(claimFeerate(policy, estimates, null, 100, null)).toBe(300);
    expect(feerateForTarget([], 1)).toBeGreaterThan(feerateForTarget([], 144));
    expect(targetBlocks(policy, 110, 100)).toBe(5);
  });

  it('re-bids an unconfirmed claim with a deadline at least +25% (and +250 sat/kw) each block, and keeps one without a deadline', () => {
    fc.assert(
      fc.property(fc.integer({ min: 253, max: 200_000 }), fc.integer({ min: 1, max: 50 }), (prev, left) => {
        const next = claimFeerate(policy, estimates, 1000 + left, 1000, { feeratePerKw: prev, height: 999 });
        expect(next).toBeGreaterThanOrEqual(bumpedFeerate(prev));
        expect(next).toBeGreaterThanOrEqual(Math.ceil(prev * 1.25));
        expect(next).toBeGreaterThanOrEqual(prev + 250);
        // Same block: no re-bid unless the estimate beats a replacement.
        const same = claimFeerate(policy, estimates, 1000 + left, 1000, { feeratePerKw: prev, height: 1000 });
        expect(same === prev || same >= bumpedFeerate(prev)).toBe(true);
        expect(claimFeerate(policy, estimates, null, 1000, { feeratePerKw: prev, height: 10 })).toBe(prev >= 300 || bumpedFeerate(prev) > 300 ? prev : 300);
      }),
    );
  });
});

describe('fee-bump requests', () => {
  const anchor: ForeignInput = { outpoint: fakeFunding('anchor'), valueSat: 330n, sequence: 0xfffffffd, maxWitnessSize: witnessSize([SIG, SCRIPT]), sign: () => [SIG, SCRIPT] };
  const parent: Transaction = { version: 2, locktime: 0, inputs: [{ prevout: fakeFunding('p'), scriptSig: E, sequence: 0, witness: [SIG, SIG] }], outputs: [{ value: 1000n, scriptPubKey: new Uint8Array(34) }] };
  const request = (target: number): CpfpRequest => ({ key: 'k', parent: { tx: parent, txid: new Uint8Array(32), weight: 1200, feeSat: 300n }, anchor, targetFeeratePerKw: target, deadline: null });

  it('brings the CPFP package to the target rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 253, max: 50_000 }), (target) => {
        const funds = fakeFunds();
        const child = completeCpfp(request(target), funds);
        const childFee = 330n + 1_000_000n - child.outputs[0]!.value;
        const childWeight = txWeight(child);
        // The package pays the target on its weight (the child's witnesses are at their estimated size here).
        expect(childFee + 300n).toBeGreaterThanOrEqual(feeFor(target, 1200 + childWeight));
        expect(child.inputs[0]!.prevout).toEqual(anchor.outpoint);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the HTLC input and output first and pays the whole fee from the wallet', () => {
    const htlcTx: Transaction = { version: 2, locktime: 700, inputs: [{ prevout: fakeFunding('h'), scriptSig: E, sequence: 1, witness: [] }], outputs: [{ value: 50_000n, scriptPubKey: new Uint8Array(34) }] };
    const input: ForeignInput = { outpoint: fakeFunding('h'), valueSat: 50_000n, sequence: 1, maxWitnessSize: 300, sign: () => [E, SIG, SIG, E, SCRIPT] };
    const tx = completeHtlcFeeRequest({ key: 'h', kind: 'htlc_timeout', tx: htlcTx, htlcInput: input, targetFeeratePerKw: 2_000, deadline: 800 }, fakeFunds());
    expect(tx.locktime).toBe(700);
    expect(tx.inputs[0]!.sequence).toBe(1);
    expect(tx.outputs[0]).toEqual(htlcTx.outputs[0]);
    expect(1_000_000n - tx.outputs[1]!.value).toBeGreaterThanOrEqual(feeFor(2_000, txWeight(tx)) - 2n);
  });

  it('refuses wallet inputs that cannot pay (monitor.bad_request)', () => {
    const poor = { ...fakeFunds(), inputs: [{ ...fakeFunds().inputs[0]!, valueSat: 500n }] };
    expect(() => completeCpfp(request(20_000), poor)).toThrow(MonitorError);
    try {
      completeCpfp(request(20_000), poor);
    } catch (e) {
      expect((e as MonitorError).code).toBe('monitor.bad_request');
    }
  });
});

describe('the monitor signer', () => {
  it('signs with each key what the BOLT 3 derivations verify', () => {
    const { seed, signer } = partyKeys('signer');
    const m = new InMemoryMonitorSigner(seed);
    expect(m.basepoints).toEqual(signer.basepoints);
    const digest = sha256(utf8.encode('digest'));
    const point = m.perCommitmentPoint(5);
    expect(point).toEqual(signer.perCommitmentPoint(5));
    expect(ecdsaVerify(m.signWithFundingKey(digest), digest, m.basepoints.fundingPubkey)).toBe(true);
    expect(ecdsaVerify(m.signWithPaymentKey(digest), digest, m.basepoints.paymentBasepoint)).toBe(true);
    expect(ecdsaVerify(m.signWithHtlcKey(digest, point), digest, derivePubkey(m.basepoints.htlcBasepoint, point))).toBe(true);
    expect(ecdsaVerify(m.signWithDelayedPaymentKey(digest, point), digest, derivePubkey(m.basepoints.delayedPaymentBasepoint, point))).toBe(true);
    // The peer's secret for its commitment: our revocation key for it.
    const theirSecret = commitmentSecret(sha256(utf8.encode('their seed')), 3);
    const rev = deriveRevocationPubkey(m.basepoints.revocationBasepoint, publicKeyFromPrivate(theirSecret));
    expect(ecdsaVerify(m.signWithRevocationKey(digest, theirSecret), digest, rev)).toBe(true);
  });
});

describe('the channel feed point', () => {
  it('gives each step its updates once: commitments both ways, revocations in order, preimages', () => {
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('feed') });
    expect(pair.a.updates.map((u) => u.kind)).toEqual(['open', 'local_commitment', 'remote_commitment']);
    pair.add(pair.a, 10_000_000n, 'f', 900);
    pair.commit(pair.a);
    pair.fulfill(pair.b, 0n, 'f');
    pair.commit(pair.b);
    const secrets = pair.a.updates.flatMap((u) => (u.kind === 'remote_secret' ? [u.ctn] : []));
    expect(secrets).toEqual([...secrets.keys()]);
    expect(pair.a.updates.filter((u) => u.kind === 'preimage')).toHaveLength(1);
    expect(pair.b.updates.filter((u) => u.kind === 'preimage')).toHaveLength(1);
    const data = ChannelData.fromUpdates(pair.a.updates);
    expect(data.local!.ctn).toBe(pair.a.channel.state.localCommit.ctn);
    expect(data.remoteUnrevoked().map((c) => c.ctn)).toEqual([pair.a.channel.state.remoteCommit.ctn]);
    expect(data.revokedUpTo).toBe(pair.a.channel.state.remoteCommit.ctn - 1);
    expect(data.preimageFor(sha256(preimageOf('f')))).toEqual(preimageOf('f'));
    // The HTLCs of a revoked commitment are kept (its scripts are needed to take them).
    expect(data.revokedHtlcs(1).length + data.revokedHtlcs(2).length).toBeGreaterThan(0);
  });
});
