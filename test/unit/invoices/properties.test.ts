import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bech32 } from '@scure/base';
import { publicKeyFromPrivate, toHex } from '../../../core/crypto';
import type { Bolt11Fallback, Bolt11Field, Bolt11InvoiceParams, Bolt11Network, RouteHintHop } from '../../../core/invoices';
import {
  BOLT11_CURRENCIES,
  Bolt11Error,
  FIELD_TYPES,
  MAX_AMOUNT_MSAT,
  MAX_TIMESTAMP,
  analyzeBolt11,
  buildBolt11Invoice,
  decodeBolt11,
  describeBolt11,
  encodeUnsignedBolt11,
  parseBolt11,
} from '../../../core/invoices';
import { FeatureVector } from '../../../core/wire';
import { loadVectors } from '../../support/vectors';
import { NODE_ID, NODE_KEY, baseFields, invoiceString } from './fixtures';

const KEYS = Array.from({ length: 6 }, (_, i) => publicKeyFromPrivate(new Uint8Array(32).fill(i + 1)));
const NETWORKS = Object.keys(BOLT11_CURRENCIES) as Bolt11Network[];
const VECTORS = loadVectors<{ valid: { invoice: string }[]; invalid: { invoice: string }[] }>('bolt11/invoices.json');
const KNOWN_TYPES = new Set<number>(Object.values(FIELD_TYPES));
const UNKNOWN_TYPES = Array.from({ length: 32 }, (_, i) => i).filter((t) => !KNOWN_TYPES.has(t));

// ---- arbitraries -------------------------------------------------------------------------
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const key = fc.constantFrom(...KEYS);
const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const u32 = fc.nat({ max: 0xffffffff });
const uintField = fc.oneof(fc.nat({ max: 100_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const hop: fc.Arbitrary<RouteHintHop> = fc.record({
  pubkey: key,
  shortChannelId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  feeBaseMsat: u32,
  feeProportionalMillionths: u32,
  cltvExpiryDelta: fc.nat({ max: 0xffff }),
});
const route = fc.array(hop, { minLength: 1, maxLength: 3 });
const fallback: fc.Arbitrary<Bolt11Fallback> = fc.oneof(
  fc.record({ version: fc.constantFrom(17, 18), program: fc.uint8Array({ minLength: 20, maxLength: 20 }) }),
  fc.record({ version: fc.constant(0), program: fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), bytes32) }),
  fc.record({ version: fc.integer({ min: 1, max: 16 }), program: fc.uint8Array({ minLength: 2, maxLength: 40 }) }),
);
/** Feature bits a payee may set in an invoice besides the base ones. */
const extraFeatures = fc.subarray([17, 25, 37, 49, 99, 1001]).map((bits) => FeatureVector.fromBits(bits));

const params: fc.Arbitrary<Bolt11InvoiceParams> = fc
  .record(
    {
      network: fc.constantFrom(...NETWORKS),
      timestamp: fc.integer({ min: 0, max: MAX_TIMESTAMP }),
      paymentHash: bytes32,
      paymentSecret: bytes32,
      description: fc.option(text, { nil: undefined }),
      descriptionHash: bytes32,
      amountMsat: fc.option(fc.bigInt({ min: 1n, max: MAX_AMOUNT_MSAT }), { nil: undefined }),
      expirySeconds: fc.option(uintField, { nil: undefined }),
      minFinalCltvExpiryDelta: fc.option(uintField, { nil: undefined }),
      metadata: fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
      routeHints: fc.array(route, { maxLength: 2 }),
      fallbacks: fc.array(fallback, { maxLength: 2 }),
      basicMpp: fc.boolean(),
      features: extraFeatures,
      withNodeId: fc.boolean(),
    },
    { requiredKeys: ['network', 'timestamp', 'paymentHash', 'paymentSecret', 'descriptionHash', 'routeHints', 'fallbacks', 'basicMpp', 'features', 'withNodeId'] },
  )
  .map(({ withNodeId, description, descriptionHash, ...p }) => ({
    ...p,
    ...(description !== undefined ? { description } : { descriptionHash }),
    ...(withNodeId ? { payeeNodeId: NODE_ID } : {}),
  }));

/** Any field our encoder writes, skipped ones of unknown types and fallback versions included. */
const field: fc.Arbitrary<Bolt11Field> = fc.oneof(
  bytes32.map((paymentHash) => ({ tag: 'p' as const, paymentHash })),
  bytes32.map((paymentSecret) => ({ tag: 's' as const, paymentSecret })),
  text.map((description) => ({ tag: 'd' as const, description })),
  fc.uint8Array({ maxLength: 100 }).map((metadata) => ({ tag: 'm' as const, metadata })),
  key.map((payeeNodeId) => ({ tag: 'n' as const, payeeNodeId })),
  bytes32.map((descriptionHash) => ({ tag: 'h' as const, descriptionHash })),
  uintField.map((expirySeconds) => ({ tag: 'x' as const, expirySeconds })),
  uintField.map((minFinalCltvExpiryDelta) => ({ tag: 'c' as const, minFinalCltvExpiryDelta })),
  fallback.map((f) => ({ tag: 'f' as const, fallback: f })),
  route.map((r) => ({ tag: 'r' as const, route: r })),
  fc.array(fc.nat({ max: 2000 }), { maxLength: 6 }).map((bits) => ({ tag: '9' as const, features: FeatureVector.fromBits(bits) })),
  fc.record({
    tag: fc.constant('skipped' as const),
    type: fc.constantFrom(...UNKNOWN_TYPES),
    words: fc.uint8Array({ max: 31, maxLength: 40 }),
    reason: fc.constant('unknown_field' as const),
  }),
  fc.record({
    tag: fc.constant('skipped' as const),
    type: fc.constant(FIELD_TYPES.f),
    words: fc.tuple(fc.integer({ min: 19, max: 31 }), fc.uint8Array({ max: 31, maxLength: 40 })).map(([v, w]) => Uint8Array.of(v, ...w)),
    reason: fc.constant('unknown_fallback_version' as const),
  }),
);

/** Comparable form of a field (FeatureVector by its bitmask). */
const plain = (f: Bolt11Field) => (f.tag === '9' ? { tag: '9', bitmask: f.features.bitmask } : f);

/** Runs `f` and returns what it threw. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Decoding any string gives an invoice or a Bolt11Error, nothing else; describe never throws. */
function checkOnlyTypedErrors(s: string): void {
  const a = analyzeBolt11(s);
  for (const e of a.errors) expect(e).toBeInstanceOf(Bolt11Error);
  expect(a.invoice === undefined).toBe(a.errors.length > 0);
  const e = thrown(() => decodeBolt11(s));
  if (e !== undefined) expect(e).toBeInstanceOf(Bolt11Error);
  const d = describeBolt11(s);
  expect(d.errors.every((x) => x.code.startsWith('bolt11.') && x.code !== 'bolt11.internal')).toBe(true);
  JSON.stringify(d); // plain JSON: no bigint, no bytes
}

const VALID_STRINGS = [...VECTORS.valid.map((v) => v.invoice), invoiceString([...baseFields(), { tag: 'r', route: [{ pubkey: NODE_ID, shortChannelId: 1n, feeBaseMsat: 1, feeProportionalMillionths: 2, cltvExpiryDelta: 3 }] }])];

describe('BOLT 11 properties', () => {
  it('any invoice we build decodes to the values we built it from', () => {
    fc.assert(
      fc.property(params, (p) => {
        const inv = buildBolt11Invoice(p).sign(NODE_KEY);
        const again = decodeBolt11(inv.string);
        expect(again.string).toBe(inv.string);
        expect(again.network).toBe(p.network);
        expect(again.timestamp).toBe(p.timestamp);
        expect(again.amountMsat).toBe(p.amountMsat);
        expect(toHex(again.paymentHash)).toBe(toHex(p.paymentHash));
        expect(toHex(again.paymentSecret)).toBe(toHex(p.paymentSecret));
        expect(again.description).toBe(p.description);
        expect(again.descriptionHash && toHex(again.descriptionHash)).toBe(p.descriptionHash && toHex(p.descriptionHash));
        expect(again.expirySeconds).toBe(p.expirySeconds ?? 3600);
        expect(again.minFinalCltvExpiryDelta).toBe(p.minFinalCltvExpiryDelta ?? 18);
        expect(again.metadata && toHex(again.metadata)).toBe(p.metadata && toHex(p.metadata));
        expect(again.routeHints).toEqual(p.routeHints);
        expect(again.fallbacks).toEqual(p.fallbacks);
        expect(toHex(again.payeeNodeId)).toBe(toHex(NODE_ID));
        expect(again.payeeNodeIdFrom).toBe(p.payeeNodeId ? 'n_field' : 'recovery');
        const f = again.features;
        expect(f.hasBit(8) && f.hasBit(14)).toBe(true);
        expect(f.has('basic_mpp')).toBe(p.basicMpp || p.features!.hasBit(17));
        for (const bit of p.features!.bits()) expect(f.hasBit(bit)).toBe(true);
        expect(f.has('option_payment_metadata')).toBe(p.metadata !== undefined || p.features!.hasBit(49));
        if (p.description !== undefined) expect(() => decodeBolt11(inv.string.toUpperCase())).not.toThrow();
      }),
      { numRuns: 60 },
    );
  });

  it('any list of fields is written and read back unchanged, in order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NETWORKS), fc.integer({ min: 0, max: MAX_TIMESTAMP }), fc.array(field, { maxLength: 12 }), (network, timestamp, fields) => {
        const unsigned = encodeUnsignedBolt11({ network, timestamp, fields });
        const s = unsigned.encode({ rs: new Uint8Array(64).fill(1), recoveryId: 1 });
        const parsed = parseBolt11(s);
        expect(parsed.timestamp).toBe(timestamp);
        expect(parsed.fields.map(plain)).toEqual(fields.map(plain));
        expect(toHex(parsed.signingHash)).toBe(toHex(unsigned.signingHash));
        expect(encodeUnsignedBolt11(parsed).encode(parsed.signature)).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('random strings give a Bolt11Error and nothing else', () => {
    const alphabet = fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l1QPZRYbio-:'.split(''));
    const prefixed = fc.tuple(fc.constantFrom('lnbc', 'lntb', 'lnbcrt', 'lntbs', 'lnsb', 'lnbc25m', 'lnbc10p', 'lno', ''), fc.string({ unit: alphabet, maxLength: 400 }));
    fc.assert(fc.property(prefixed, ([p, rest]) => checkOnlyTypedErrors(p + rest)), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkOnlyTypedErrors), { numRuns: 300 });
  });

  it('random bytes behind a valid checksum give a Bolt11Error and nothing else', () => {
    const words = fc.uint8Array({ max: 31, minLength: 100, maxLength: 400 });
    fc.assert(
      fc.property(fc.constantFrom('lnbc', 'lntb20m', 'lnbcrt1u', 'lnbc9678785340p'), words, (hrp, w) => checkOnlyTypedErrors(bech32.encode(hrp, Array.from(w), false))),
      { numRuns: 400 },
    );
  });

  it('mutations of valid invoices give a Bolt11Error (or still a valid invoice) and nothing else', () => {
    const mutation = fc.tuple(fc.constantFrom(...VALID_STRINGS), fc.nat(), fc.constantFrom('replace', 'delete', 'insert', 'case', 'truncate'), fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l1bB '.split('')));
    fc.assert(
      fc.property(mutation, ([s, at, kind, c]) => {
        const i = at % s.length;
        const m =
          kind === 'replace' ? s.slice(0, i) + c + s.slice(i + 1)
          : kind === 'delete' ? s.slice(0, i) + s.slice(i + 1)
          : kind === 'insert' ? s.slice(0, i) + c + s.slice(i)
          : kind === 'case' ? s.slice(0, i) + s[i]!.toUpperCase() + s.slice(i + 1)
          : s.slice(0, i);
        checkOnlyTypedErrors(m);
      }),
      { numRuns: 600 },
    );
  });

  it('mutated data words under a recomputed checksum give a Bolt11Error (or a valid invoice) and nothing else', () => {
    const mutation = fc.tuple(
      fc.constantFrom(...VALID_STRINGS),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 31 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 4 }),
    );
    fc.assert(
      fc.property(mutation, ([s, edits]) => {
        const { prefix, words } = bech32.decode(s.toLowerCase() as `${string}1${string}`, false);
        const w = [...words];
        for (const [at, v, kind] of edits) {
          const i = at % w.length;
          if (kind === 'set') w[i] = v;
          else if (kind === 'insert') w.splice(i, 0, v);
          else w.splice(i, 1);
        }
        checkOnlyTypedErrors(bech32.encode(prefix, w, false));
      }),
      { numRuns: 600 },
    );
  });

  it('long strings decode in one pass: a 600,000-character invoice, and a million characters of junk', () => {
    // 600 unknown fields of 1023 words each, then the base fields: valid and signed.
    const filler: Bolt11Field[] = Array.from({ length: 600 }, (_, i) => ({ tag: 'skipped', type: 0, words: new Uint8Array(1023).fill(i % 32), reason: 'unknown_field' }));
    const s = invoiceString([...filler, ...baseFields()]);
    expect(s.length).toBeGreaterThan(600_000);
    const inv = decodeBolt11(s);
    expect(inv.fields).toHaveLength(604);
    expect(toHex(inv.payeeNodeId)).toBe(toHex(NODE_ID));
    for (const junk of ['lnbc1' + 'q'.repeat(1_000_000), 'lnbc' + '1'.repeat(1_000_000), 'ln' + 'b'.repeat(1_000_000) + '1qqqqqq', '1'.repeat(1_000_000)]) {
      expect(analyzeBolt11(junk).errors[0]).toBeInstanceOf(Bolt11Error);
    }
  });
});
