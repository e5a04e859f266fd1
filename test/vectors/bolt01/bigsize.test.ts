import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import { decodeBigSize, encodeBigSize, WireError } from '../../../core/wire';
import { loadExactVectors } from './exact-json';

interface BigSizeCase {
  name: string;
  value: bigint;
  bytes: string;
  exp_error?: string;
}
const v = loadExactVectors<{ decoding: BigSizeCase[]; encoding: BigSizeCase[] }>('bolt01/bigsize.json');

function expectedCode(expError: string): string {
  if (expError === 'decoded bigsize is not canonical') return 'wire.bigsize_not_canonical';
  if (expError === 'unexpected EOF' || expError === 'EOF') return 'wire.eof';
  throw new Error(`unmapped exp_error ${expError}`);
}

describe('BOLT 1 Appendix A: BigSize', () => {
  it('has the number of cases the vectors README promises', () => {
    expect(v.decoding).toHaveLength(18);
    expect(v.encoding).toHaveLength(8);
  });

  for (const c of v.decoding) {
    if (c.exp_error === undefined) {
      it(`decodes "${c.name}" (${c.bytes}) to ${c.value}`, () => {
        expect(decodeBigSize(fromHex(c.bytes))).toBe(c.value);
      });
    } else {
      const code = expectedCode(c.exp_error);
      it(`rejects "${c.name}" (${c.bytes || 'empty'}) with ${code}`, () => {
        let err: unknown;
        try {
          decodeBigSize(fromHex(c.bytes));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(WireError);
        expect((err as WireError).code).toBe(code);
      });
    }
  }

  for (const c of v.encoding) {
    it(`encodes "${c.name}" ${c.value} as ${c.bytes}`, () => {
      expect(toHex(encodeBigSize(c.value))).toBe(c.bytes);
      expect(decodeBigSize(fromHex(c.bytes))).toBe(c.value);
    });
  }
});
