/**
 * Property tests for the BOLT 8 handshake state machines: random node keys agree, and any
 * malformed act (random, truncated, extended, bit-flipped) gives a typed HandshakeError for
 * the right act — never an untyped exception.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aeadEncrypt, equalBytes, fromHex, isValidPublicKey, publicKeyFromPrivate, toHex } from '../../../core/crypto';
import {
  ACT_ONE_LENGTH, ACT_THREE_LENGTH, ACT_TWO_LENGTH, HandshakeError, NoiseInitiator, NoiseResponder,
} from '../../../core/transport';
import { TRACE } from '../../../core/transport/trace';
import type { TraceEvent } from '../../../core/transport/trace';
import { handshake, keyPair, privateKey, thrown, transportErrorCode } from './helpers';

const RUNS = { numRuns: 25 };

/** Which codes a single bit flip may produce, by byte position, for acts one and two. */
function ephemeralActFlipCodes(act: 1 | 2, byte: number): string[] {
  if (byte === 0) return [`transport.act${act}_bad_version`];
  // A flipped key byte gives either an invalid point or a different valid point (then the MAC fails).
  if (byte < 34) return [`transport.act${act}_bad_pubkey`, `transport.act${act}_bad_tag`];
  return [`transport.act${act}_bad_tag`];
}

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe('NoiseInitiator and NoiseResponder', () => {
  it('random node keys complete the handshake and both sides learn each other and agree on keys', () => {
    fc.assert(
      fc.property(keyPair, fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), ([ik, rk], m1, m2) => {
        const { initiator, responder, act1, act2, act3 } = handshake(ik, rk);
        expect([act1.length, act2.length, act3.length]).toEqual([ACT_ONE_LENGTH, ACT_TWO_LENGTH, ACT_THREE_LENGTH]);
        expect(equalBytes(initiator.remoteStatic, publicKeyFromPrivate(rk))).toBe(true);
        expect(equalBytes(responder.remoteStatic, publicKeyFromPrivate(ik))).toBe(true);
        // Agreement on sk/rk is shown by decryption in both directions.
        expect(responder.feed(initiator.encrypt(m1)).map(toHex)).toEqual([toHex(m1)]);
        expect(initiator.feed(responder.encrypt(m2)).map(toHex)).toEqual([toHex(m2)]);
      }),
      RUNS,
    );
  });

  it('uses a fresh random ephemeral key when none is injected', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const a = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) }).actOne();
    const b = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) }).actOne();
    expect(toHex(a.subarray(1, 34))).not.toBe(toHex(b.subarray(1, 34)));
  });

  it('an initiator that expects a different responder key is refused at act one with act1_bad_tag', () => {
    fc.assert(
      fc.property(keyPair, privateKey, ([ik, rk], other) => {
        fc.pre(!equalBytes(other, rk));
        const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(other) });
        const r = new NoiseResponder({ localStatic: rk });
        expect(transportErrorCode(() => r.actTwo(i.actOne()))).toBe('transport.act1_bad_tag');
      }),
      RUNS,
    );
  });

  it('a bit flip anywhere in act one is refused with the act1 code for that position', () => {
    fc.assert(
      fc.property(keyPair, fc.nat(ACT_ONE_LENGTH * 8 - 1), ([ik, rk], bit) => {
        const act1 = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) }).actOne();
        const r = new NoiseResponder({ localStatic: rk });
        const e = thrown(() => r.actTwo(flip(act1, bit)));
        expect(e).toBeInstanceOf(HandshakeError);
        expect((e as HandshakeError).act).toBe(1);
        expect(ephemeralActFlipCodes(1, bit >> 3)).toContain((e as HandshakeError).code);
      }),
      RUNS,
    );
  });

  it('a bit flip anywhere in act two is refused with the act2 code for that position', () => {
    fc.assert(
      fc.property(keyPair, fc.nat(ACT_TWO_LENGTH * 8 - 1), ([ik, rk], bit) => {
        const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
        const act2 = new NoiseResponder({ localStatic: rk }).actTwo(i.actOne());
        const e = thrown(() => i.actThree(flip(act2, bit)));
        expect(e).toBeInstanceOf(HandshakeError);
        expect((e as HandshakeError).act).toBe(2);
        expect(ephemeralActFlipCodes(2, bit >> 3)).toContain((e as HandshakeError).code);
      }),
      RUNS,
    );
  });

  it('a bit flip anywhere in act three is refused: version, then the static-key MAC, then the final MAC', () => {
    fc.assert(
      fc.property(keyPair, fc.nat(ACT_THREE_LENGTH * 8 - 1), ([ik, rk], bit) => {
        const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
        const r = new NoiseResponder({ localStatic: rk });
        const { act3 } = i.actThree(r.actTwo(i.actOne()));
        const byte = bit >> 3;
        const expected = byte === 0 ? 'transport.act3_bad_version' : byte < 50 ? 'transport.act3_bad_ciphertext' : 'transport.act3_bad_tag';
        expect(transportErrorCode(() => r.complete(flip(act3, bit)))).toBe(expected);
      }),
      RUNS,
    );
  });

  it('acts of the wrong length (truncated or extended) are refused with actN_bad_length', () => {
    fc.assert(
      fc.property(keyPair, fc.integer({ min: 0, max: 200 }), ([ik, rk], len) => {
        const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
        const r = new NoiseResponder({ localStatic: rk });
        const act1 = i.actOne();
        const resize = (b: Uint8Array) => {
          const out = new Uint8Array(len);
          out.set(b.subarray(0, Math.min(len, b.length)));
          return out;
        };
        if (len !== ACT_ONE_LENGTH) {
          expect(transportErrorCode(() => new NoiseResponder({ localStatic: rk }).actTwo(resize(act1)))).toBe('transport.act1_bad_length');
        }
        const act2 = r.actTwo(act1);
        if (len !== ACT_TWO_LENGTH) {
          const i2 = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
          i2.actOne();
          expect(transportErrorCode(() => i2.actThree(resize(act2)))).toBe('transport.act2_bad_length');
        }
        const { act3 } = i.actThree(act2);
        if (len !== ACT_THREE_LENGTH) expect(transportErrorCode(() => r.complete(resize(act3)))).toBe('transport.act3_bad_length');
      }),
      RUNS,
    );
  });

  it('random bytes at every stage give a typed transport error for that act', () => {
    fc.assert(
      fc.property(keyPair, fc.uint8Array({ maxLength: 100 }), fc.boolean(), ([ik, rk], junk, exactLength) => {
        const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
        const r = new NoiseResponder({ localStatic: rk });
        const sized = (n: number) => (exactLength ? Uint8Array.from({ length: n }, (_, k) => junk[k % Math.max(1, junk.length)] ?? 0) : junk);
        expect(transportErrorCode(() => new NoiseResponder({ localStatic: rk }).actTwo(sized(50)))).toMatch(/^transport\.act1_/);
        const act2 = r.actTwo(i.actOne());
        const i2 = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
        i2.actOne();
        expect(transportErrorCode(() => i2.actThree(sized(50)))).toMatch(/^transport\.act2_/);
        i.actThree(act2);
        expect(transportErrorCode(() => r.complete(sized(66)))).toMatch(/^transport\.act3_/);
      }),
      RUNS,
    );
  });

  it('a failed handshake is closed: later calls throw transport.closed', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const r = new NoiseResponder({ localStatic: rk });
    expect(transportErrorCode(() => r.actTwo(new Uint8Array(50)))).toBe('transport.act1_bad_pubkey');
    const good = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) }).actOne();
    expect(transportErrorCode(() => r.actTwo(good))).toBe('transport.closed');
  });

  it('steps called out of order throw transport.out_of_order and leave the handshake usable', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
    const r = new NoiseResponder({ localStatic: rk });
    expect(transportErrorCode(() => i.actThree(new Uint8Array(50)))).toBe('transport.out_of_order');
    expect(transportErrorCode(() => r.complete(new Uint8Array(66)))).toBe('transport.out_of_order');
    const act1 = i.actOne();
    expect(transportErrorCode(() => i.actOne())).toBe('transport.out_of_order');
    const act2 = r.actTwo(act1);
    expect(transportErrorCode(() => r.actTwo(act1))).toBe('transport.out_of_order');
    const { act3, session } = i.actThree(act2);
    expect(transportErrorCode(() => i.actThree(act2))).toBe('transport.out_of_order');
    expect(equalBytes(r.complete(act3).remoteStatic, publicKeyFromPrivate(ik))).toBe(true);
    expect(session.closed).toBe(false);
  });

  it('destroy() before the end closes the handshake', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
    const act1 = i.actOne();
    const act2 = new NoiseResponder({ localStatic: rk }).actTwo(act1);
    i.destroy();
    expect(transportErrorCode(() => i.actThree(act2))).toBe('transport.closed');
  });

  it('invalid keys given to the constructors throw transport.invalid_key', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const rs = publicKeyFromPrivate(rk);
    const uncompressed = Uint8Array.of(0x04, ...rs.subarray(1));
    const bad: Array<() => unknown> = [
      () => new NoiseInitiator({ localStatic: new Uint8Array(32), remoteStatic: rs }),
      () => new NoiseInitiator({ localStatic: ik.subarray(0, 31), remoteStatic: rs }),
      () => new NoiseInitiator({ localStatic: ik, remoteStatic: uncompressed }),
      () => new NoiseInitiator({ localStatic: ik, remoteStatic: rs.subarray(0, 32) }),
      () => new NoiseInitiator({ localStatic: ik, remoteStatic: rs, ephemeral: new Uint8Array(32).fill(0xff) }),
      () => new NoiseResponder({ localStatic: new Uint8Array(32) }),
      () => new NoiseResponder({ localStatic: 'key' as unknown as Uint8Array }),
    ];
    for (const make of bad) expect(transportErrorCode(make)).toBe('transport.invalid_key');
  });

  it('non-byte act inputs throw transport.not_bytes', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const r = new NoiseResponder({ localStatic: rk });
    expect(transportErrorCode(() => r.actTwo('00' as unknown as Uint8Array))).toBe('transport.not_bytes');
    const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
    i.actOne();
    expect(transportErrorCode(() => i.actThree([0] as unknown as Uint8Array))).toBe('transport.not_bytes');
  });

  it('a key with a compressed prefix that is not on the curve is actN_bad_pubkey in each act (found by the ECDH)', () => {
    // x values whose x^3 + 7 has no square root mod p, or x >= p: 02 || x parses as no point.
    const offCurve: Uint8Array[] = [];
    for (let i = 1; offCurve.length < 3; i++) {
      const candidate = Uint8Array.of(2, ...new Uint8Array(31), i);
      if (!isValidPublicKey(candidate)) offCurve.push(candidate);
    }
    offCurve.push(Uint8Array.of(3, ...new Uint8Array(32).fill(0xff)));
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const nonce1 = fromHex('000000000100000000000000'); // BOLT 8: 32 zero bits || little-endian 1
    for (const bad of offCurve) {
      const tag = new Uint8Array(16);
      // Act one: 0 || re || c with re off the curve.
      expect(transportErrorCode(() => new NoiseResponder({ localStatic: rk }).actTwo(Uint8Array.of(0, ...bad, ...tag)))).toBe('transport.act1_bad_pubkey');
      // Act two, at the initiator.
      const i = new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) });
      i.actOne();
      expect(transportErrorCode(() => i.actThree(Uint8Array.of(0, ...bad, ...tag)))).toBe('transport.act2_bad_pubkey');
      // Act three: an initiator "static key" off the curve, correctly encrypted with temp_k2 and h,
      // so that its MAC passes and the point itself is what gets refused.
      const events: TraceEvent[] = [];
      const r = new NoiseResponder({ localStatic: rk, [TRACE]: (e) => events.push(e) });
      r.actTwo(new NoiseInitiator({ localStatic: ik, remoteStatic: publicKeyFromPrivate(rk) }).actOne());
      const tempK2 = fromHex((events.find((e) => e.name === 'ck,temp_k2')!.value as readonly string[])[1]!);
      const h = fromHex(events.filter((e) => e.op === 'value' && e.name === 'h').at(-1)!.value as string);
      const c = aeadEncrypt(tempK2, nonce1, h, bad);
      expect(transportErrorCode(() => r.complete(Uint8Array.of(0, ...c, ...tag)))).toBe('transport.act3_bad_pubkey');
      expect(transportErrorCode(() => r.complete(Uint8Array.of(0, ...c, ...tag)))).toBe('transport.closed');
    }
  });

  it('a node key array reused for many handshakes, even after its contents change, always authenticates its current key', () => {
    fc.assert(
      fc.property(fc.array(privateKey, { minLength: 2, maxLength: 4 }), privateKey, (keys, rk) => {
        const nodeKey = new Uint8Array(32); // one array for every connection, as the node passes it
        for (const k of [...keys, ...keys]) {
          nodeKey.set(k);
          // As initiator: the responder learns the key the array holds now.
          const i = new NoiseInitiator({ localStatic: nodeKey, remoteStatic: publicKeyFromPrivate(rk) });
          const r = new NoiseResponder({ localStatic: rk });
          const { act3 } = i.actThree(r.actTwo(i.actOne()));
          expect(toHex(r.complete(act3).remoteStatic)).toBe(toHex(publicKeyFromPrivate(k)));
          // As responder: an initiator that dials the current key succeeds, one that dials the old one does not.
          const r2 = new NoiseResponder({ localStatic: nodeKey });
          const i2 = new NoiseInitiator({ localStatic: rk, remoteStatic: publicKeyFromPrivate(k) });
          const { act3: act3b } = i2.actThree(r2.actTwo(i2.actOne()));
          expect(toHex(r2.complete(act3b).remoteStatic)).toBe(toHex(publicKeyFromPrivate(rk)));
          const other = keys.find((x) => !equalBytes(x, k));
          if (other !== undefined) {
            const stale = new NoiseInitiator({ localStatic: rk, remoteStatic: publicKeyFromPrivate(other) });
            expect(transportErrorCode(() => new NoiseResponder({ localStatic: nodeKey }).actTwo(stale.actOne()))).toBe('transport.act1_bad_tag');
          }
        }
      }),
      { numRuns: 10 },
    );
  });

  it('does not mutate the caller key arrays, and later changes to them do not affect the handshake', () => {
    const [ik, rk] = fc.sample(keyPair, 1)[0]!;
    const ikCopy = ik.slice();
    const rs = publicKeyFromPrivate(rk);
    const i = new NoiseInitiator({ localStatic: ik, remoteStatic: rs });
    const r = new NoiseResponder({ localStatic: rk });
    const act1 = i.actOne();
    ik.fill(7);
    rs.fill(9);
    const { act3 } = i.actThree(r.actTwo(act1));
    expect(equalBytes(r.complete(act3).remoteStatic, publicKeyFromPrivate(ikCopy))).toBe(true);
  });
});
