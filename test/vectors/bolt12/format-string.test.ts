import { describe, expect, it } from 'vitest';
import { Bolt12ParseError, decodeBolt12String, decodeOffer, encodeOffer } from '../../../core/offers';
import { toHex } from '../../../core/crypto';
import { loadVectors } from '../../support/vectors';

interface FormatCase {
  readonly comment: string;
  readonly valid: boolean;
  readonly string: string;
}

const cases = loadVectors<FormatCase[]>('bolt12/format-string-test.json');
const canonical = cases[0]!.string;

/** Why each invalid case fails, by its comment (the vector file gives no codes). */
function expectedCode(c: FormatCase): string {
  if (c.comment === 'Mixed case is invalid') return 'bolt12.parse.mixed_case';
  if (c.comment.startsWith('+ must be surrounded')) return 'bolt12.parse.bad_continuation';
  throw new Error(`no expectation for ${c.comment}`);
}

describe('BOLT 12 string format (format-string-test.json)', () => {
  it('has the 12 cases the README counts', () => {
    expect(cases).toHaveLength(12);
    expect(cases.filter((c) => c.valid)).toHaveLength(6);
  });

  for (const [i, c] of cases.entries()) {
    if (c.valid) {
      it(`case ${i}: accepts "${c.comment}" and decodes the same bytes as the canonical string`, () => {
        const decoded = decodeBolt12String(c.string);
        expect(decoded.prefix).toBe('lno');
        expect(toHex(decoded.bytes)).toBe(toHex(decodeBolt12String(canonical).bytes));
        // The string is a valid offer, and re-encoding gives the canonical lower-case form.
        expect(encodeOffer(decodeOffer(c.string, { nowSeconds: 0 }))).toBe(canonical);
      });
    } else {
      it(`case ${i}: rejects "${c.comment}" with ${expectedCode(c)}`, () => {
        let caught: unknown;
        try {
          decodeBolt12String(c.string);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(Bolt12ParseError);
        expect((caught as Bolt12ParseError).code).toBe(expectedCode(c));
      });
    }
  }
});
