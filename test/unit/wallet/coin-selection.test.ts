/**
 * Coin selection properties: it never spends more than it selects, change is at least dust or
 * absent, the fee meets the fee function of the estimated weight, little is wasted when change
 * is dropped, and "insufficient" means even every coin together cannot pay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  estimateWeight, feeFor, P2WPKH_INPUT_WEIGHT, P2WPKH_OUTPUT_SIZE, selectCoins, sweepCoins, vsizeOf, type Coin, type SelectionParams,
} from '../../../core/wallet';

const coinArb = fc.record({
  valueSat: fc.bigInt({ min: 1n, max: 5_000_000n }),
  weight: fc.constantFrom(P2WPKH_INPUT_WEIGHT, 164 + 116, 164 + 300),
});
const coinsArb = fc.array(coinArb, { maxLength: 25 }).map((cs) => cs.map((c, i): Coin => ({ key: `c${i}:0`, ...c })));
const rateArb = fc.bigInt({ min: 1000n, max: 300_000n }); // 1 to 300 sat/vB in sat/kvB
const DUST = 294n;

function params(candidates: Coin[], target: bigint, rate: bigint, extra: Partial<SelectionParams> = {}): SelectionParams {
  return {
    required: [], candidates, outputSizes: [43], targetSat: target, fee: (w) => feeFor(vsizeOf(w), rate),
    changeOutputSize: P2WPKH_OUTPUT_SIZE, changeDustSat: DUST, ...extra,
  };
}

function weightOf(inputs: readonly Coin[], sizes: readonly number[]): number {
  return estimateWeight(inputs.map((c) => c.weight), sizes);
}

describe('selectCoins', () => {
  it('pays the outputs and a fee meeting the rate, change ≥ dust or none, never more than it selects', () => {
    fc.assert(
      fc.property(coinsArb, fc.bigInt({ min: 1n, max: 20_000_000n }), rateArb, (coins, target, rate) => {
        const p = params(coins, target, rate);
        const s = selectCoins(p);
        if (s === null) {
          // Insufficient means every coin together cannot pay (with or without change).
          const all = coins.reduce((t, c) => t + c.valueSat, 0n);
          expect(all < target + p.fee(weightOf(coins, [43]))).toBe(true);
          return;
        }
        const inputSat = s.inputs.reduce((t, c) => t + c.valueSat, 0n);
        expect(new Set(s.inputs.map((c) => c.key)).size).toBe(s.inputs.length);
        for (const c of s.inputs) expect(coins).toContain(c);
        expect(inputSat).toBe(target + (s.changeSat ?? 0n) + s.feeSat);
        const sizes = s.changeSat === null ? [43] : [43, P2WPKH_OUTPUT_SIZE];
        expect(s.weight).toBe(weightOf(s.inputs, sizes));
        expect(s.feeSat >= p.fee(s.weight)).toBe(true);
        if (s.changeSat !== null) {
          expect(s.changeSat >= DUST).toBe(true);
          expect(s.feeSat).toBe(p.fee(s.weight));
        } else {
          // What went to the fee instead of change was less than a change output worth making.
          const withChange = p.fee(weightOf(s.inputs, [43, P2WPKH_OUTPUT_SIZE]));
          expect(inputSat - target - withChange < DUST).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('always spends the required inputs and, when asked, always makes change', () => {
    fc.assert(
      fc.property(coinsArb, coinArb, rateArb, (coins, required, rate) => {
        const req: Coin = { key: 'required:0', ...required };
        const s = selectCoins(params(coins, 0n, rate, { required: [req], outputSizes: [], changeRequired: true }));
        if (s === null) return;
        expect(s.inputs[0]).toEqual(req);
        expect(s.changeSat !== null && s.changeSat >= DUST).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('prefers one coin that needs no change', () => {
    const coins: Coin[] = [
      { key: 'big:0', valueSat: 1_000_000n, weight: P2WPKH_INPUT_WEIGHT },
      { key: 'fit:0', valueSat: 50_200n, weight: P2WPKH_INPUT_WEIGHT },
      { key: 'small:0', valueSat: 30_000n, weight: P2WPKH_INPUT_WEIGHT },
    ];
    const s = selectCoins(params(coins, 50_000n, 1000n))!;
    expect(s.inputs.map((c) => c.key)).toEqual(['fit:0']);
    expect(s.changeSat).toBeNull();
  });

  it('skips coins worth less than the fee they add', () => {
    const coins: Coin[] = [
      { key: 'dust:0', valueSat: 60n, weight: P2WPKH_INPUT_WEIGHT },
      { key: 'a:0', valueSat: 40_000n, weight: P2WPKH_INPUT_WEIGHT },
      { key: 'b:0', valueSat: 40_000n, weight: P2WPKH_INPUT_WEIGHT },
    ];
    const s = selectCoins(params(coins, 70_000n, 2000n))!;
    expect(s.inputs.map((c) => c.key).sort()).toEqual(['a:0', 'b:0']);
  });
});

describe('sweepCoins', () => {
  it('sends everything but the fee and what is kept, at the rate', () => {
    fc.assert(
      fc.property(coinsArb, rateArb, fc.constantFrom(0n, 10_000n), (coins, rate, keep) => {
        const fee = (w: number): bigint => feeFor(vsizeOf(w), rate);
        const s = sweepCoins({ required: [], candidates: coins, outputSizes: [], otherOutputsSat: 0n, payeeOutputSize: 34, keepSat: keep, changeOutputSize: 31, fee });
        const inputSat = s.inputs.reduce((t, c) => t + c.valueSat, 0n);
        expect(inputSat).toBe(s.payeeSat + keep + s.feeSat);
        expect(s.feeSat).toBe(fee(s.weight));
        // Every coin left out costs more to spend than it is worth.
        for (const c of coins.filter((c) => !s.inputs.includes(c))) {
          const more = fee(estimateWeight([...s.inputs, c].map((x) => x.weight), keep > 0n ? [34, 31] : [34])) - s.feeSat;
          expect(c.valueSat <= more).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
