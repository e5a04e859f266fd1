import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ChainError, FEERATE_FLOOR_SAT_PER_KW, FeeEstimator, backoffDelay, classifyEsploraRejection, classifyRejection, satPerKvbToSatPerKw,
  type BroadcastOutcomeKind,
} from '../../../core/chain';

describe('fee estimates', () => {
  const NOW = 1_000_000;

  it('converts sat/kvB to sat/kw and never goes below 253 sat/kw', () => {
    expect(satPerKvbToSatPerKw(10_000)).toBe(2_500);
    const f = new FeeEstimator();
    f.update(new Map([[6, 1_000]]), NOW); // 1 sat/vB = 250 sat/kw
    expect(f.estimate(6, NOW)).toEqual({ target: 6, satPerKw: FEERATE_FLOOR_SAT_PER_KW, satPerVbyte: 1.012, origin: 'source', fromTarget: 6, floored: true });
  });

  it('uses the configured fallback when the source has no estimate (btcd answers 0 or -1, Esplora on regtest {})', () => {
    const f = new FeeEstimator({ fallbackSatPerKw: 3_000, fallbackByTarget: { 1: 10_000 } });
    f.update(new Map([[2, 0], [6, -1], [12, null]]), NOW);
    expect(f.estimate(6, NOW)).toMatchObject({ satPerKw: 3_000, origin: 'fallback', fromTarget: null, floored: false });
    expect(f.estimate(1, NOW)).toMatchObject({ satPerKw: 10_000, origin: 'fallback' });
    expect(new FeeEstimator({ fallbackSatPerKw: 100 }).estimate(3, NOW)).toMatchObject({ satPerKw: 253, origin: 'fallback', floored: true });
  });

  it('takes the nearest lower target (it pays more), else the nearest higher, and drops stale estimates', () => {
    const f = new FeeEstimator({ maxAgeMs: 60_000 });
    f.update(new Map([[2, 40_000], [144, 4_000]]), NOW);
    expect(f.estimate(6, NOW)).toMatchObject({ satPerKw: 10_000, fromTarget: 2 });
    expect(f.estimate(1, NOW)).toMatchObject({ satPerKw: 10_000, fromTarget: 2 });
    expect(f.estimate(500, NOW)).toMatchObject({ satPerKw: 1_000, fromTarget: 144 });
    expect(f.estimate(6, NOW + 60_001)).toMatchObject({ origin: 'fallback' });
  });

  it('refuses targets and options out of range with chain.bad_argument', () => {
    const f = new FeeEstimator();
    for (const t of [0, -1, 1.5, 1009]) expect(() => f.estimate(t, NOW)).toThrow(ChainError);
    expect(() => new FeeEstimator({ fallbackSatPerKw: 0 })).toThrow(ChainError);
    expect(() => new FeeEstimator({ floorSatPerKw: Number.NaN })).toThrow(ChainError);
  });

  it('always answers at least the floor, whatever the source said', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5, max: 2000 }), fc.oneof(fc.constant(null), fc.double({ noNaN: false })))), fc.integer({ min: 1, max: 1008 }), (rates, target) => {
        const f = new FeeEstimator();
        f.update(new Map(rates), NOW);
        const e = f.estimate(target, NOW);
        expect(e.satPerKw).toBeGreaterThanOrEqual(FEERATE_FLOOR_SAT_PER_KW);
        expect(Number.isInteger(e.satPerKw)).toBe(true);
      }),
    );
  });
});

describe('broadcast outcomes', () => {
  // The words bitcoind (node/transaction.cpp, validation.cpp reject reasons) and btcd v0.26.0
  // (rpcserver.go, mempool/mempool.go and policy.go) answer sendrawtransaction with.
  const cases: [number, string, BroadcastOutcomeKind][] = [
    [-26, 'txn-mempool-conflict', 'conflict'],
    [-26, 'bad-txns-spends-conflicting-tx', 'conflict'],
    [-26, 'min relay fee not met, 0 < 141', 'insufficient_fee'],
    [-26, 'mempool min fee not met, 100 < 1000', 'insufficient_fee'],
    [-26, 'insufficient fee, rejecting replacement 5f3c; new feerate 0.00001000 BTC/kvB <= old feerate 0.00002000 BTC/kvB', 'insufficient_fee'],
    [-27, 'Transaction outputs already in utxo set', 'already_confirmed'],
    [-27, 'Transaction already in block chain', 'already_confirmed'],
    [-26, 'txn-already-known', 'already_known'],
    [-26, 'txn-already-in-mempool', 'already_known'],
    [-25, 'bad-txns-inputs-missingorspent', 'missing_inputs'],
    [-25, 'Missing inputs', 'missing_inputs'],
    [-25, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)', 'rejected'],
    [-26, 'non-final', 'not_final'],
    [-26, 'non-BIP68-final', 'not_final'],
    [-26, 'dust', 'non_standard'],
    [-26, 'scriptpubkey', 'non_standard'],
    [-26, 'tx-size-small', 'non_standard'],
    [-26, 'version', 'non_standard'],
    [-26, 'mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)', 'rejected'],
    [-26, 'TX rejected: already have transaction in mempool 9a0b', 'already_known'],
    [-27, 'TX rejected: transaction already exists in blockchain', 'already_confirmed'],
    [-26, 'TX rejected: output already spent in mempool: output=ab:0, tx=cd', 'conflict'],
    [-26, 'TX rejected: transaction 9a0b has insufficient priority (0 <= 5.76e+07)', 'insufficient_fee'],
    [-26, 'TX rejected: transaction 9a0b has 0 fees which is under the required amount of 141', 'insufficient_fee'],
    [-26, 'TX rejected: transaction 9a0b is not standard: transaction output 0: payment of 1 is dust', 'non_standard'],
    [-26, 'TX rejected: transaction 9a0b is not standard: transaction is not finalized', 'not_final'],
    [-26, "TX rejected: transaction's sequence locks on inputs not met", 'not_final'],
    [-25, 'TX rejected: orphan transaction 9a0b references outputs of unknown or fully-spent transaction cd', 'missing_inputs'],
    [-26, 'TX rejected: tx 9a0b is too small', 'non_standard'],
    [-22, 'TX decode failed: unexpected EOF', 'rejected'],
    [-27, 'something new', 'already_confirmed'],
    [-25, 'something new', 'missing_inputs'],
  ];

  it.each(cases)('maps RPC %i "%s" to %s', (code, message, kind) => {
    expect(classifyRejection(message, code)).toMatchObject({ kind, rpcCode: code, detail: message });
  });

  it("reads electrs' broadcast error body", () => {
    expect(classifyEsploraRejection('sendrawtransaction RPC error: {"code":-26,"message":"txn-mempool-conflict"}')).toMatchObject({ kind: 'conflict', rpcCode: -26 });
    expect(classifyEsploraRejection('sendrawtransaction RPC error: {"code":-27,"message":"Transaction outputs already in utxo set"}')).toMatchObject({ kind: 'already_confirmed' });
    expect(classifyEsploraRejection('sendrawtransaction RPC error: {"code": -26, "message": "min relay fee not met, 1 < 2')).toMatchObject({ kind: 'insufficient_fee' });
    expect(classifyEsploraRejection('Invalid hex string')).toMatchObject({ kind: 'rejected' });
  });

  it('classifies any text without throwing and keeps at most 500 characters of it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.option(fc.integer()), (text, code) => {
        const o = classifyRejection(text, code ?? undefined);
        expect(o.detail!.length).toBeLessThanOrEqual(500);
        classifyEsploraRejection(text);
      }),
    );
  });
});

describe('backoff', () => {
  it('doubles from the initial delay up to the cap, jitter only shortening it', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1_000 }, none))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffDelay(3, { initialMs: 100, jitter: 0.5 }, () => 1)).toBe(200);
    expect(backoffDelay(1_000_000, {}, none)).toBe(60_000);
  });
});
