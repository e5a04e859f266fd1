/** xorInto (core/onion/keys.ts) XORs word by word where it can: the same bytes as byte by byte, for any offsets. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xorInto } from '../../../core/onion/keys';

describe('xorInto', () => {
  it('gives what a byte-by-byte XOR gives, aligned or not, for any offsets and lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }), fc.uint8Array({ maxLength: 700 }), fc.nat(9), fc.nat(9), fc.nat(9), fc.nat(9), fc.option(fc.nat(700)),
        (a, b, aStart, bStart, targetOffset, streamOffset, length) => {
          // Subarrays at odd byte offsets exercise the unaligned path.
          const target = a.subarray(Math.min(aStart, a.length));
          const stream = b.subarray(Math.min(bStart, b.length));
          const expected = target.slice();
          const n = Math.max(0, Math.min(length ?? stream.length - streamOffset, target.length - targetOffset, stream.length - streamOffset));
          for (let i = 0; i < n; i++) expected[targetOffset + i]! ^= stream[streamOffset + i]!;
          xorInto(target, stream, targetOffset, streamOffset, length ?? undefined);
          expect(target).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
