import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { ByteReader, ByteWriter, decodeSigned, encodeS16, encodeS32, encodeS64, encodeS8, WireError } from '../../../core/wire';
import { loadExactVectors } from './exact-json';

const v = loadExactVectors<{ cases: { value: bigint; bytes: string }[] }>('bolt01/signed-integers.json');

/** The vectors use the narrowest of s8/s16/s32/s64 that holds the value. */
function encodeNarrowest(value: bigint): Uint8Array {
  if (value >= -0x80n && value < 0x80n) return encodeS8(Number(value));
  if (value >= -0x8000n && value < 0x8000n) return encodeS16(Number(value));
  if (value >= -0x80000000n && value < 0x80000000n) return encodeS32(Number(value));
  return encodeS64(value);
}

describe('BOLT 1 Appendix D: signed integers', () => {
  it('has all 23 cases', () => expect(v.cases).toHaveLength(23));

  for (const c of v.cases) {
    it(`encodes ${c.value} as ${c.bytes} and decodes it back`, () => {
      expect(toHex(encodeNarrowest(c.value))).toBe(c.bytes);
      expect(decodeSigned(fromHex(c.bytes))).toBe(c.value);
    });
  }

  it('reads each width through ByteReader as two’s complement', () => {
    const r = new ByteReader(fromHex('80' + '8000' + '80000000' + '8000000000000000'));
    expect(r.readS8()).toBe(-128);
    expect(r.readS16()).toBe(-32768);
    expect(r.readS32()).toBe(-2147483648);
    expect(r.readS64()).toBe(-9223372036854775808n);
    expect(r.atEnd).toBe(true);
  });

  it('refuses to write values outside each width', () => {
    const w = new ByteWriter();
    expect(() => w.writeS8(128)).toThrow(WireError);
    expect(() => w.writeS16(-32769)).toThrow(WireError);
    expect(() => w.writeS32(2 ** 31)).toThrow(WireError);
    expect(() => w.writeS64(1n << 63n)).toThrow(WireError);
    expect(() => w.writeS8(1.5)).toThrow(WireError);
    expect(w.length).toBe(0);
  });

  it('rejects a byte string that is not 1, 2, 4 or 8 bytes long', () => {
    expect(() => decodeSigned(fromHex('000000'))).toThrow(WireError);
  });
});
