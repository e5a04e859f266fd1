import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { listeningKey, parseListening, withListening, withoutListening } from '../../../renderer/src/lib/listening';

describe('remembered message types', () => {
  it('reads back what was stored, per node, in numeric order and each once', () => {
    const list = withListening(withListening(withListening([], '65537'), '70000'), '65539');
    expect(list).toEqual(['65537', '65539', '70000']);
    expect(withListening(list, '65539')).toEqual(list);
    expect(parseListening(JSON.stringify(list))).toEqual(list);
    expect(withoutListening(list, '65539')).toEqual(['65537', '70000']);
    expect(listeningKey('02ab')).not.toBe(listeningKey('03cd'));
  });

  it('ignores whatever is not a list of application message types', () => {
    expect(parseListening(null)).toEqual([]);
    expect(parseListening('not json')).toEqual([]);
    expect(parseListening('{"a":1}')).toEqual([]);
    expect(parseListening('["12", 65537, "65537", "0065537", "x", "18446744073709551616", "18446744073709551615"]')).toEqual(['65537', '18446744073709551615']);
  });

  it('never throws and returns only valid types for any stored text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.oneof(fc.string(), fc.bigInt({ min: 0n, max: 1n << 70n }).map(String))).map((a) => JSON.stringify(a))), (text) => {
        for (const t of parseListening(text)) {
          expect(t).toMatch(/^[1-9][0-9]*$/);
          expect(BigInt(t) >= 64n && BigInt(t) < 1n << 64n).toBe(true);
        }
      }),
    );
  });
});
