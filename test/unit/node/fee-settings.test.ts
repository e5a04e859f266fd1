/**
 * The fee service setting's rules (core/node/settings.ts): which service a node uses — at start and
 * each time config.json changes while it runs — and when a change is a switch at all. The host's
 * `--fee-url` wins for its run; config.json's otherwise; an interval not given is the default.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FEE_POLL_MS, feePollMsProblem, feeSourceInForce, sameFeeSource, type FeeSourceConfig } from '../../../core/node/settings';

const A = 'http://127.0.0.1:8080/fees';
const B = 'https://fees.example/v1/btc-fee-estimates.json';

describe('feeSourceInForce', () => {
  it('takes config.json\'s service when the host gave none', () => {
    expect(feeSourceInForce(undefined, { feeUrl: A, feePollMs: 2_000 })).toEqual({ url: A, pollMs: 2_000 });
    expect(feeSourceInForce(undefined, { feeUrl: A })).toEqual({ url: A });
    expect(feeSourceInForce(undefined, { feeUrl: null, feePollMs: 2_000 })).toBeNull();
    expect(feeSourceInForce(undefined, {})).toBeNull();
  });

  it('keeps the host\'s (--fee-url URL, or none) whatever config.json says', () => {
    expect(feeSourceInForce({ url: B, pollMs: 1_000 }, { feeUrl: A, feePollMs: 2_000 })).toEqual({ url: B, pollMs: 1_000 });
    expect(feeSourceInForce(null, { feeUrl: A })).toBeNull();
  });

  it('normalises config.json\'s URL as the node polls it', () => {
    expect(feeSourceInForce(undefined, { feeUrl: 'HTTP://127.0.0.1:8080/fees' })).toEqual({ url: A });
  });
});

describe('sameFeeSource', () => {
  it('an interval not given is the default one', () => {
    expect(sameFeeSource({ url: A }, { url: A, pollMs: FEE_POLL_MS.default })).toBe(true);
    expect(sameFeeSource({ url: A }, { url: A, pollMs: 1_000 })).toBe(false);
    expect(sameFeeSource({ url: A }, { url: B })).toBe(false);
    expect(sameFeeSource(null, null)).toBe(true);
    expect(sameFeeSource(null, { url: A })).toBe(false);
    expect(sameFeeSource({ url: A }, null)).toBe(false);
  });

  it('is an equivalence on any services and intervals (reflexive, symmetric)', () => {
    const source: fc.Arbitrary<FeeSourceConfig | null> = fc.option(
      fc.record({ url: fc.constantFrom(A, B), pollMs: fc.option(fc.constantFrom(FEE_POLL_MS.min, FEE_POLL_MS.default, FEE_POLL_MS.max), { nil: undefined }) }),
      { nil: null },
    );
    fc.assert(
      fc.property(source, source, (x, y) => {
        expect(sameFeeSource(x, x)).toBe(true);
        expect(sameFeeSource(x, y)).toBe(sameFeeSource(y, x));
        if (x && y) expect(sameFeeSource(x, y)).toBe(x.url === y.url && (x.pollMs ?? FEE_POLL_MS.default) === (y.pollMs ?? FEE_POLL_MS.default));
      }),
      { numRuns: 300 },
    );
  });
});

describe('feePollMsProblem (the setting and --fee-poll-ms)', () => {
  it('takes whole milliseconds from a second to a day, and nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1_000, max: 100_000_000 }), fc.double(), fc.string(), fc.constant(null)), (v) => {
        const ok = typeof v === 'number' && Number.isSafeInteger(v) && v >= FEE_POLL_MS.min && v <= FEE_POLL_MS.max;
        expect(feePollMsProblem(v) === null).toBe(ok);
      }),
      { numRuns: 500 },
    );
  });
});
