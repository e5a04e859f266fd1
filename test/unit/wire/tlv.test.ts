import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../core/crypto';
import {
  bigSizeLength, codecs, decodeBigSize, decodeTlvStream, defineTlvStream, encodeBigSize, encodeTlvStream, WireError,
} from '../../../core/wire';
import type { TlvRecord } from '../../../core/wire';

const payload = defineTlvStream('payload', {
  amountMsat: { type: 2, codec: codecs.tu64 },
  cltvExpiry: { type: 4, codec: codecs.tu32 },
  shortChannelId: { type: 6, codec: codecs.shortChannelId },
  feeRange: { type: 9, codec: codecs.struct({ minFeeSatoshis: codecs.u64, maxFeeSatoshis: codecs.u64 }) },
  chains: { type: 11, codec: codecs.arrayRest(codecs.chainHash) },
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WireError)) throw new Error(`expected a WireError, got ${String(e)}`);
    return e.code;
  }
  throw new Error('expected a WireError');
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Unknown odd types that do not collide with the namespace's known ones. */
const unknownOdd = fc
  .bigInt({ min: 0n, max: (1n << 64n) - 1n })
  .map((t) => t | 1n)
  .filter((t) => t !== 9n && t !== 11n);
const payloadValue = fc.record(
  {
    amountMsat: u64,
    cltvExpiry: fc.integer({ min: 0, max: 0xffffffff }),
    shortChannelId: u64,
    feeRange: fc.record({ minFeeSatoshis: u64, maxFeeSatoshis: u64 }),
    chains: fc.array(bytes32, { maxLength: 3 }),
    unknownTlvs: fc
      .uniqueArray(fc.record({ type: unknownOdd, value: fc.uint8Array({ maxLength: 20 }) }), { selector: (r) => r.type, maxLength: 4 })
      .map((rs) => [...rs].sort((a, b) => (a.type < b.type ? -1 : 1))),
  },
  { requiredKeys: ['unknownTlvs'] },
);

describe('BigSize', () => {
  it('decode(encode(x)) = x and the length is the canonical one', () => {
    fc.assert(
      fc.property(u64, (n) => {
        const enc = encodeBigSize(n);
        expect(enc.length).toBe(bigSizeLength(n));
        expect(decodeBigSize(enc)).toBe(n);
      }),
    );
  });

  it('random bytes decode or give a WireError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
        try {
          const n = decodeBigSize(b);
          expect(toHex(encodeBigSize(n))).toBe(toHex(b)); // only canonical encodings are accepted
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
    );
  });
});

describe('TLV streams', () => {
  it('encodeTlvStream sorts records and decodeTlvStream gives them back', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ type: u64, value: fc.uint8Array({ maxLength: 40 }) }), { selector: (r) => r.type }), (recs) => {
        const sorted = [...recs].sort((a, b) => (a.type < b.type ? -1 : 1));
        expect(decodeTlvStream(encodeTlvStream(recs))).toEqual(sorted);
      }),
    );
  });

  it('refuses to encode the same type twice', () => {
    const r: TlvRecord = { type: 3n, value: new Uint8Array() };
    expect(codeOf(() => encodeTlvStream([r, r]))).toBe('wire.tlv_duplicate');
  });
});

describe('defineTlvStream', () => {
  it('decode(encode(x)) = x for every value of the namespace, unknown odd records included', () => {
    fc.assert(
      fc.property(payloadValue, (v) => {
        expect(payload.decode(payload.encode(v))).toEqual(v);
      }),
    );
  });

  it('random bytes and every truncation of a valid stream give a value or a WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        try {
          payload.decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
    );
    fc.assert(
      fc.property(payloadValue, (v) => {
        const enc = payload.encode(v);
        for (let n = 0; n < enc.length; n++) {
          try {
            payload.decode(enc.subarray(0, n));
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it('keeps unknown odd records and re-encodes them byte for byte', () => {
    const stream = fromHex('0201050b2000000000000000000000000000000000000000000000000000000000000000002903aabbcc');
    const d = payload.decode(stream);
    expect(d.amountMsat).toBe(5n);
    expect(d.chains).toEqual([new Uint8Array(32)]);
    expect(d.unknownTlvs).toEqual([{ type: 0x29n, value: fromHex('aabbcc') }]);
    expect(toHex(payload.encode(d))).toBe(toHex(stream));
  });

  it('rejects a fixed-size record with a wrong length, in either direction', () => {
    expect(codeOf(() => payload.decode(fromHex('0607' + '00'.repeat(7))))).toBe('wire.tlv_bad_length');
    expect(codeOf(() => payload.decode(fromHex('0609' + '00'.repeat(9))))).toBe('wire.tlv_bad_length');
    // an array of 32-byte chain hashes must be a whole number of them
    expect(codeOf(() => payload.decode(fromHex('0b21' + '00'.repeat(33))))).toBe('wire.tlv_bad_length');
  });

  it('refuses to encode an unknown even record, or an unknown record that reuses a known type', () => {
    expect(codeOf(() => payload.encode({ unknownTlvs: [{ type: 8n, value: new Uint8Array() }] }))).toBe('wire.tlv_unknown_even');
    expect(codeOf(() => payload.encode({ unknownTlvs: [{ type: 9n, value: new Uint8Array(16) }] }))).toBe('wire.bad_value');
  });

  it('refuses to encode values its decoder would not read back', () => {
    expect(codeOf(() => payload.encode({ cltvExpiry: 2 ** 32 }))).toBe('wire.bad_value');
    expect(codeOf(() => payload.encode({ amountMsat: -1n }))).toBe('wire.bad_value');
    expect(codeOf(() => payload.encode({ chains: [new Uint8Array(31)] }))).toBe('wire.bad_value');
  });

  it('names the BOLT field in errors', () => {
    try {
      payload.decode(fromHex('0901' + '00'));
    } catch (e) {
      expect((e as WireError).message).toContain('fee_range');
      return;
    }
    throw new Error('expected a WireError');
  });
});
