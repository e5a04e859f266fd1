/**
 * The offer commands' argument parsing (user text → API params): each parser returns a value or
 * a UsageError, and whatever it returns passes the API's own schema (the CLI never sends params
 * the daemon would refuse as malformed).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { METHOD_SCHEMAS, validate } from '../../../core/api';
import type { CommandArgs } from '../../../main/cli/command';
import { UsageError } from '../../../main/cli/command';
import { decimal, fetchParams, integer, offerParams, pathVia, refundParams } from '../../../main/cli/commands/offers';

const U64_MAX = (1n << 64n) - 1n;
const nodeIdText = fc.tuple(fc.constantFrom('02', '03'), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([p, b]) => p + Buffer.from(b).toString('hex'));

/** Runs a parser: its value, or 'usage' for a UsageError; anything else fails the test. */
function outcome<T>(fn: () => T): T | 'usage' {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) return 'usage';
    throw e;
  }
}

describe('offer command arguments', () => {
  it('decimal accepts exactly 1–20 decimal digits up to 2^64 - 1, and gives them without leading zeros', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), (n) => {
      expect(decimal({ x: n.toString() }, 'x')).toBe(n.toString());
    }));
    // Digits only (main/cli/command.ts): leading zeros are read, then dropped — "007" is 7.
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^0{1,3}[0-9]{0,18}$/)), (text) => {
        const ok = /^[0-9]{1,20}$/.test(text) && BigInt(text) <= U64_MAX;
        expect(outcome(() => decimal({ x: text }, 'x'))).toBe(ok ? BigInt(text).toString() : 'usage');
      }),
    );
    expect(decimal({ x: '007' }, 'x')).toBe('7');
    expect(decimal({ x: '000' }, 'x')).toBe('0');
    expect(outcome(() => decimal({ x: (U64_MAX + 1n).toString() }, 'x'))).toBe('usage');
    expect(outcome(() => decimal({ x: true }, 'x'))).toBe('usage');
  });

  it('integer keeps to its bounds and rejects signs, fractions and exponents', () => {
    for (const bad of ['-1', '1.5', '1e3', ' 7', '', '0x10']) expect(outcome(() => integer({ n: bad }, 'n', 0, 100))).toBe('usage');
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (n) => {
      expect(outcome(() => integer({ n: String(n) }, 'n', 0, 600))).toBe(n <= 600 ? n : 'usage');
    }));
  });

  it('--path-via gives one path per flag, comma-separated hops, lowercased; anything else is a usage error', () => {
    fc.assert(
      fc.property(fc.array(fc.array(nodeIdText, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), (paths) => {
        const flags = paths.map((p) => p.join(',').toUpperCase().replace(/^0/, '0'));
        expect(pathVia({ 'path-via': flags })).toEqual(paths);
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (junk) => {
      fc.pre(!/^\s*0[23][0-9a-fA-F]{64}\s*(,\s*0[23][0-9a-fA-F]{64}\s*)*$/.test(junk));
      expect(outcome(() => pathVia({ 'path-via': [junk] }))).toBe('usage');
    }));
  });

  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const anyValues = fc.record({
    description: optional(fc.string({ maxLength: 30 })),
    'amount-msat': optional(fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }).map(String), fc.string({ maxLength: 5 }))),
    issuer: optional(fc.string({ maxLength: 10 })),
    'quantity-max': optional(fc.bigInt({ min: 0n, max: 100n }).map(String)),
    quantity: optional(fc.bigInt({ min: 0n, max: 100n }).map(String)),
    expiry: optional(fc.integer({ min: 0, max: 2 ** 41 }).map(String)),
    'path-via': optional(fc.array(nodeIdText, { maxLength: 2 })),
    'dummy-hops': optional(fc.integer({ min: 0, max: 12 }).map(String)),
    'payer-note': optional(fc.string({ maxLength: 10 })),
    timeout: optional(fc.integer({ min: 0, max: 700 }).map(String)),
    unchecked: optional(fc.boolean()),
  }, { requiredKeys: [] });

  it.each([
    ['createOffer', (a: CommandArgs) => offerParams(a)],
    ['createRefund', (a: CommandArgs) => refundParams(a)],
    ['fetchInvoice', (a: CommandArgs) => fetchParams({ ...a, positionals: ['lno1qqqq'] })],
  ] as const)('%s: whatever the parser returns passes the API schema', (method, parse) => {
    fc.assert(
      fc.property(anyValues, (values) => {
        const params = outcome(() => parse({ positionals: [], values: values as CommandArgs['values'] }));
        if (params !== 'usage') expect(() => validate(METHOD_SCHEMAS[method], params)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('joins an offer split by the shell at "+ " continuations', () => {
    expect(fetchParams({ positionals: ['lno1abc+', 'def'], values: {} })).toEqual({ offer: 'lno1abc+ def' });
    expect(outcome(() => fetchParams({ positionals: [], values: {} }))).toBe('usage');
  });
});
