import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_MSAT, formatMsat, formatSat, fraction, groupDigits, parseAmount } from '../../../renderer/src/lib/amount';

describe('amounts', () => {
  it('formats millisatoshi as satoshi, exactly', () => {
    expect(formatMsat('10000000')).toBe('10,000 sat');
    expect(formatMsat('1500')).toBe('1.5 sat');
    expect(formatMsat('1')).toBe('0.001 sat');
    expect(formatMsat(0n)).toBe('0 sat');
    expect(formatMsat('-2500')).toBe('-2.5 sat');
    expect(formatMsat(MAX_MSAT)).toBe('18,446,744,073,709,551.615 sat');
    expect(formatMsat('abc')).toBe('abc');
    expect(formatSat('10000000')).toBe('10,000,000 sat');
    expect(groupDigits(1234567n)).toBe('1,234,567');
  });

  it('reads amounts as typed and says what is wrong', () => {
    expect(parseAmount('', 'sat')).toEqual({ kind: 'empty' });
    expect(parseAmount(' 10,000 ', 'sat')).toEqual({ kind: 'valid', msat: 10_000_000n });
    expect(parseAmount('1.5', 'sat')).toEqual({ kind: 'valid', msat: 1500n });
    expect(parseAmount('0.001', 'sat')).toEqual({ kind: 'valid', msat: 1n });
    expect(parseAmount('1500', 'msat')).toEqual({ kind: 'valid', msat: 1500n });
    const invalid: [string, 'sat' | 'msat', string][] = [
      ['-5', 'sat', 'negative'],
      ['12abc', 'sat', 'Only digits'],
      ['1.5', 'msat', 'whole numbers'],
      ['1.0001', 'sat', 'three decimals'],
      ['18446744073709551616', 'msat', '2^64 - 1'],
      ['.', 'sat', 'Only digits'],
    ];
    for (const [text, unit, why] of invalid) {
      const r = parseAmount(text, unit);
      expect(r.kind, text).toBe('invalid');
      expect(r.kind === 'invalid' && r.reason, text).toContain(why);
    }
  });

  it('parses what it formats, for any amount (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MSAT }), (msat) => {
        const text = formatMsat(msat).replace(/ sat$/, '');
        const back = parseAmount(text, 'sat');
        return back.kind === 'valid' && back.msat === msat;
      }),
    );
  });

  it('never throws on any text and keeps valid amounts within u64 (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('sat' as const, 'msat' as const), (text, unit) => {
        const r = parseAmount(text, unit);
        return r.kind !== 'valid' || (r.msat >= 0n && r.msat <= MAX_MSAT);
      }),
    );
  });

  it('gives shares of a whole in [0, 1]', () => {
    expect(fraction('250', '1000')).toBe(0.25);
    expect(fraction('5', '0')).toBe(0);
    expect(fraction('2000', '1000')).toBe(1);
    expect(fraction(MAX_MSAT / 3n, MAX_MSAT)).toBeCloseTo(1 / 3, 5);
  });
});
