/**
 * The blinded_path reader's bounds (core/wire/limits.ts): a path over LIMITS.blindedPathHops is
 * refused before a hop is read, points are checked on the curve or, when asked, for shape only
 * (then checked by checkBlindedPathPoints); TLV streams over maxRecords stop at the first record
 * too many. Counts of curve operations, never times.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../core/crypto';
import type { BlindedPath } from '../../../core/wire';
import {
  ByteReader, LIMITS, WireError, blindedPathPoints, checkBlindedPathPoints, decodeBlindedPath, decodeTlvStream, encodeBlindedPath, encodeTlvStream,
  readBlindedPath,
} from '../../../core/wire';
import { countCurveOps } from '../../support/curve-ops';
import { densePath } from '../../support/worst-messages';
import { point, u64, varBytes } from './arbitraries';

/** A 33-byte string with a point's prefix whose x is not on the curve (x = 0x0303…: the BOLT 12 vectors' "bad" points). */
const OFF_CURVE = fromHex(`03${'03'.repeat(32)}`);

const pathArb: fc.Arbitrary<BlindedPath> = fc.record({
  firstNodeId: fc.oneof(
    point.map((nodeId) => ({ kind: 'node_id' as const, nodeId })),
    fc.record({ kind: fc.constant('scid' as const), direction: fc.constantFrom(0 as const, 1 as const), shortChannelId: u64 }),
  ),
  firstPathKey: point,
  hops: fc.array(fc.record({ blindedNodeId: point, encryptedRecipientData: varBytes(40) }), { maxLength: LIMITS.blindedPathHops }),
});

describe('blinded_path reader', () => {
  it('round-trips every path within the limits, checking each point once', () => {
    fc.assert(
      fc.property(pathArb, (path) => {
        const { value, ops } = countCurveOps(() => decodeBlindedPath(encodeBlindedPath(path)));
        expect(value).toEqual(path);
        expect(ops.pointChecks).toBe(blindedPathPoints(path).length);
      }),
      { numRuns: 60 },
    );
  });

  it(`refuses a path of more than ${LIMITS.blindedPathHops} hops as soon as num_hops is read, checking no hop`, () => {
    const long = encodeBlindedPath(densePath(LIMITS.blindedPathHops + 1));
    const { ops } = countCurveOps(() => expect(() => decodeBlindedPath(long)).toThrowError(expect.objectContaining({ code: 'wire.too_large' })));
    expect(ops.pointChecks).toBe(2); // first_node_id and first_path_key come before num_hops
    // The hops are never read: the same bytes cut right after num_hops still give the limit, not wire.eof.
    const headerOnly = long.subarray(0, 33 + 33 + 1);
    expect(() => readBlindedPath(new ByteReader(headerOnly), 'p')).toThrowError(expect.objectContaining({ code: 'wire.too_large', details: expect.objectContaining({ hops: 21, max: 20 }) }));
    // A caller may allow more (up to the u8 of num_hops), or fewer.
    expect(decodeBlindedPath(long, { maxHops: 255 }).hops).toHaveLength(LIMITS.blindedPathHops + 1);
    expect(() => decodeBlindedPath(encodeBlindedPath(densePath(3)), { maxHops: 2 })).toThrow(WireError);
  });

  it('checks points on the curve by default, and only their shape when asked; checkBlindedPathPoints names the first bad one', () => {
    const path = densePath(2);
    const bad: BlindedPath = { ...path, hops: [path.hops[0]!, { ...path.hops[1]!, blindedNodeId: OFF_CURVE }] };
    const bytes = encodeBlindedPath(bad);
    expect(() => decodeBlindedPath(bytes)).toThrowError(expect.objectContaining({ code: 'wire.bad_value', details: { field: 'blinded_path.path[1].blinded_node_id' } }));
    const { value: shaped, ops } = countCurveOps(() => decodeBlindedPath(bytes, { points: 'shape' }));
    expect(ops.pointChecks).toBe(0);
    expect(shaped).toEqual(bad);
    expect(() => checkBlindedPathPoints(shaped, 'offer_paths[0]')).toThrowError(
      expect.objectContaining({ code: 'wire.bad_value', details: { field: 'offer_paths[0].path[1].blinded_node_id' } }),
    );
    expect(() => checkBlindedPathPoints(path)).not.toThrow();
    // The shape is still checked: a point must start with 02 or 03.
    const wrongPrefix = encodeBlindedPath({ ...path, firstPathKey: Uint8Array.of(4, ...path.firstPathKey.subarray(1)) });
    expect(() => decodeBlindedPath(wrongPrefix, { points: 'shape' })).toThrowError(expect.objectContaining({ code: 'wire.bad_value' }));
  });

  it('gives a path or a WireError for any bytes, in either mode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('curve' as const, 'shape' as const), (bytes, points) => {
        try {
          decodeBlindedPath(bytes, { points });
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
    );
  });
});

describe('TLV stream maxRecords', () => {
  it('stops at the first record past the bound with wire.too_large', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ type: BigInt(2 * i + 1), value: new Uint8Array(1) }));
    const bytes = encodeTlvStream(records);
    expect(decodeTlvStream(bytes, { maxRecords: 10 })).toHaveLength(10);
    expect(() => decodeTlvStream(bytes, { maxRecords: 9 })).toThrowError(expect.objectContaining({ code: 'wire.too_large', details: { max: 9 } }));
    // Stopped there: what follows the bound is never read (here, bytes that are not a record).
    const broken = new Uint8Array([...bytes.subarray(0, 9 * 3), 0xff]);
    expect(() => decodeTlvStream(broken, { maxRecords: 9 })).toThrowError(expect.objectContaining({ code: 'wire.too_large' }));
  });
});
