/** The `--fee-url` answer (LND's fee.url shape) decoded: the rates by target, or a typed error. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChainError, ChainSourceError, FEE_URL_MAX_SAT_PER_KVB, FeeEstimator, parseFeeUrlAnswer } from '../../../core/chain';
import { FeeUrlSource, chainClock } from '../../../core/runtime/chain';
import { SystemClock } from '../../../core/runtime/clock';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const parse = (v: unknown) => parseFeeUrlAnswer(enc(v), 'http://fees.test');

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ChainSourceError);
    return (e as ChainSourceError).code;
  }
  throw new Error('no error');
}

describe('parseFeeUrlAnswer', () => {
  it('reads fee_by_block_target (sat/kvB by target) and min_relay_feerate, as LND\'s web estimator does', () => {
    const a = parse({ fee_by_block_target: { 2: 20_000, 6: 8_000, 144: 1_100 }, min_relay_feerate: 1_012 });
    expect([...a.rates]).toEqual([[2, 20_000], [6, 8_000], [144, 1_100]]);
    expect(a.minRelaySatPerKvb).toBe(1_012);
    expect(parse({ fee_by_block_target: { 1: 5_000 } }).minRelaySatPerKvb).toBeNull();
    // LND treats a zero min_relay_feerate as absent.
    expect(parse({ fee_by_block_target: { 1: 5_000 }, min_relay_feerate: 0 }).minRelaySatPerKvb).toBeNull();
  });

  it('feeds the estimator: 8,000 sat/kvB for 6 blocks is 2,000 sat/kw', () => {
    const fees = new FeeEstimator();
    fees.update(parse({ fee_by_block_target: { 2: 20_000, 6: 8_000 } }).rates, 0);
    expect(fees.estimate(6, 1).satPerKw).toBe(2_000);
    expect(fees.estimate(1, 1)).toMatchObject({ satPerKw: 5_000, fromTarget: 2, origin: 'source' });
  });

  it.each([
    ['not JSON', 'nope'],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['an array', [1, 2]],
    ['null', null],
    ['no fee_by_block_target', { fees: {} }],
    ['fee_by_block_target an array', { fee_by_block_target: [1000] }],
    ['an empty map', { fee_by_block_target: {} }],
    ['target 0', { fee_by_block_target: { 0: 1000 } }],
    ['target 1009', { fee_by_block_target: { 1009: 1000 } }],
    ['a target that is not a number', { fee_by_block_target: { soon: 1000 } }],
    ['a target with a leading zero', { fee_by_block_target: { '02': 1000 } }],
    ['a rate of 0', { fee_by_block_target: { 2: 0 } }],
    ['a negative rate', { fee_by_block_target: { 2: -5 } }],
    ['a fractional rate', { fee_by_block_target: { 2: 1.5 } }],
    ['a rate as a string', { fee_by_block_target: { 2: '1000' } }],
    ['an absurd rate', { fee_by_block_target: { 2: FEE_URL_MAX_SAT_PER_KVB + 1 } }],
    ['a bad min_relay_feerate', { fee_by_block_target: { 2: 1000 }, min_relay_feerate: 'x' }],
  ])('refuses %s with chain.source.bad_response', (_what, body) => {
    expect(code(() => (body instanceof Uint8Array ? parseFeeUrlAnswer(body, 'e') : parse(body)))).toBe('chain.source.bad_response');
  });

  it('refuses an answer over 64 KiB', () => {
    expect(code(() => parseFeeUrlAnswer(new Uint8Array(65_537).fill(0x20), 'e'))).toBe('chain.source.bad_response');
  });

  it('property: any bytes give an answer or chain.source.bad_response, nothing else', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.json().map((j) => enc(j)), fc.jsonValue().map((j) => enc({ fee_by_block_target: j }))), (bytes) => {
      try {
        const a = parseFeeUrlAnswer(bytes, 'e');
        expect(a.rates.size).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(ChainSourceError);
        expect((e as ChainSourceError).code).toBe('chain.source.bad_response');
      }
    }), { numRuns: 2_000 });
  });

  it('property: a well-formed map round-trips', () => {
    const entry = fc.tuple(fc.integer({ min: 1, max: 1008 }), fc.integer({ min: 1, max: FEE_URL_MAX_SAT_PER_KVB }));
    fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 20 }), (entries) => {
      const map = new Map(entries);
      const a = parse({ fee_by_block_target: Object.fromEntries(map) });
      expect(new Map(a.rates)).toEqual(map);
    }));
  });
});

describe('FeeUrlSource', () => {
  const clock = chainClock(new SystemClock());
  it.each(['not a url', 'ftp://fees.example/', 'file:///etc/passwd'])('refuses %s with chain.bad_argument', (url) => {
    expect(() => new FeeUrlSource({ url, clock })).toThrowError(expect.objectContaining({ code: 'chain.bad_argument' }));
    expect(() => new FeeUrlSource({ url, clock })).toThrowError(ChainError);
  });
  it('names its endpoint without credentials', () => {
    expect(new FeeUrlSource({ url: 'https://user:secret@fees.example/v1/fees', clock }).endpoint).toBe('https://fees.example/v1/fees');
  });
});
