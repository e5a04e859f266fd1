import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../../core/crypto';
import { BitcoinError, OP, buildScript, encodeScriptNum, pushData, pushNumber } from '../../../core/bitcoin';

/** Reference decoding of a script number (little-endian magnitude, sign in the top bit). */
function decodeScriptNum(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(i === b.length - 1 ? b[i]! & 0x7f : b[i]!);
  return b[b.length - 1]! & 0x80 ? -v : v;
}

describe('core/bitcoin scripts', () => {
  it('encodes numbers the way BOLT 3 scripts show them', () => {
    expect(toHex(pushNumber(144))).toBe('029000'); // to_self_delay 144 in the Appendix C to_local script
    expect(toHex(pushNumber(500))).toBe('02f401'); // cltv_expiry 500 in a received HTLC script
    expect(toHex(pushNumber(1))).toBe('51');
    expect(toHex(pushNumber(16))).toBe('60');
    expect(toHex(pushNumber(0))).toBe('00');
    expect(toHex(pushNumber(-1))).toBe('4f');
    expect(toHex(pushNumber(17))).toBe('0111');
    expect(toHex(pushNumber(-2))).toBe('0182');
  });

  it('script numbers are minimal and decode back to the same value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n }), (n) => {
        const enc = encodeScriptNum(n);
        expect(decodeScriptNum(enc)).toBe(n);
        // Minimal: the top byte is not a bare sign-extension of the one below.
        if (enc.length > 1) expect((enc[enc.length - 1]! & 0x7f) !== 0 || (enc[enc.length - 2]! & 0x80) !== 0).toBe(true);
      }),
    );
  });

  it('pushes data with the shortest opcode', () => {
    expect(toHex(pushData(new Uint8Array(75))).slice(0, 2)).toBe('4b');
    expect(toHex(pushData(new Uint8Array(76))).slice(0, 4)).toBe('4c4c');
    expect(toHex(pushData(new Uint8Array(256))).slice(0, 6)).toBe('4d0001');
    expect(toHex(buildScript(OP.OP_DUP, Uint8Array.of(0xab), { num: 2 }))).toBe('7601ab52');
    expect(() => buildScript(256)).toThrow(BitcoinError);
  });
});
