/**
 * Properties of the crypto seam, on every backend that loads here: round trips, algebraic
 * identities, and that bad input gives our typed errors (CryptoError with a stable code) and
 * nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CURVE_ORDER, CryptoError, aeadDecrypt, aeadDecryptDetached, aeadEncrypt, aeadEncryptDetached, bigintToBytes, bytesToBigint, chacha20Stream, chacha20Xor, ecdh, ecdsaRecoverPublicKey,
  ecdsaSign, ecdsaSignRecoverable, ecdsaVerify, equalBytes, hkdfTwoKeys, isValidPrivateKey, isValidPublicKey, pointAdd, pointAddScalar,
  pointFromScalar, pointMultiply, pointNegate, publicKeyFromPrivate, scalarAdd, scalarFromHash, scalarMultiply, scalarNegate, schnorrSign,
  schnorrVerify, sha256, sha256Hasher, taggedHash, toHex, xOnlyPublicKey,
} from '../../../core/crypto';
import { BACKENDS, useBackendInBlock } from './backends';

/** A valid private key (scalar in [1, n)) from any 32 bytes. */
const scalar = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bigintToBytes((bytesToBigint(b) % (CURVE_ORDER - 1n)) + 1n, 32));
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Runs `f` and returns the CryptoError code it threw, or 'ok'; any other exception fails the test. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(CryptoError);
    return (e as CryptoError).code;
  }
}

describe.each(BACKENDS)('crypto properties on the %s backend', (backendName) => {
  useBackendInBlock(backendName);
  // @noble takes milliseconds per curve operation; fewer runs keep this file quick there.
  const numRuns = backendName === 'noble' ? 12 : 60;

  it('ECDH is symmetric: ECDH(a, bG) = ECDH(b, aG)', () => {
    fc.assert(fc.property(scalar, scalar, (a, b) => {
      expect(toHex(ecdh(a, publicKeyFromPrivate(b)))).toBe(toHex(ecdh(b, publicKeyFromPrivate(a))));
    }), { numRuns });
  });

  it('ECDSA: a signature is low-S, verifies, recovers its key; another digest or key does not verify', () => {
    fc.assert(fc.property(bytes32, scalar, scalar, (d, k, other) => {
      fc.pre(!equalBytes(k, other));
      const pub = publicKeyFromPrivate(k);
      const { signature, recoveryId } = ecdsaSignRecoverable(d, k);
      expect(signature).toEqual(ecdsaSign(d, k));
      expect(bytesToBigint(signature.subarray(32)) <= CURVE_ORDER / 2n).toBe(true);
      expect(ecdsaVerify(signature, d, pub)).toBe(true);
      expect(ecdsaRecoverPublicKey(signature, recoveryId, d)).toEqual(pub);
      expect(ecdsaVerify(signature, d, publicKeyFromPrivate(other))).toBe(false);
      const d2 = d.slice();
      d2[31]! ^= 1;
      expect(ecdsaVerify(signature, d2, pub)).toBe(false);
    }), { numRuns });
  });

  it('ECDSA: the high-S twin of a signature is rejected by verify but recovers the same key', () => {
    fc.assert(fc.property(bytes32, scalar, (d, k) => {
      const { signature, recoveryId } = ecdsaSignRecoverable(d, k);
      const high = signature.slice();
      high.set(bigintToBytes(CURVE_ORDER - bytesToBigint(signature.subarray(32)), 32), 32);
      expect(ecdsaVerify(high, d, publicKeyFromPrivate(k))).toBe(false);
      // (r, n - s) is (r, s) for the point -R: its recovery id has the other parity.
      expect(ecdsaRecoverPublicKey(high, recoveryId ^ 1, d)).toEqual(publicKeyFromPrivate(k));
    }), { numRuns });
  });

  it('BIP340: a signature verifies under its x-only key, not under another message', () => {
    fc.assert(fc.property(bytes32, scalar, bytes32, (m, k, aux) => {
      const sig = schnorrSign(m, k, aux);
      const x = xOnlyPublicKey(k);
      expect(x).toEqual(publicKeyFromPrivate(k).subarray(1));
      expect(schnorrVerify(sig, m, x)).toBe(true);
      const m2 = m.slice();
      m2[0]! ^= 0x80;
      expect(schnorrVerify(sig, m2, x)).toBe(false);
    }), { numRuns });
  });

  it('points and scalars agree: (a+b)G = aG + bG, (ab)G = b(aG), aG + bG = aG + b·G tweak, -aG = (n-a)G', () => {
    fc.assert(fc.property(scalar, scalar, (a, b) => {
      fc.pre(bytesToBigint(a) + bytesToBigint(b) !== CURVE_ORDER);
      const aG = pointFromScalar(a);
      expect(pointFromScalar(scalarAdd(a, b))).toEqual(pointAdd(aG, pointFromScalar(b)));
      expect(pointAddScalar(aG, b)).toEqual(pointAdd(aG, pointFromScalar(b)));
      expect(pointFromScalar(scalarMultiply(a, b))).toEqual(pointMultiply(aG, b));
      expect(pointNegate(aG)).toEqual(pointFromScalar(scalarNegate(a)));
      expect(isValidPublicKey(aG)).toBe(true);
    }), { numRuns });
  });

  it('a point plus its negation is the point at infinity: crypto.invalid_point, for add and tweak', () => {
    fc.assert(fc.property(scalar, (a) => {
      const aG = pointFromScalar(a);
      expect(outcome(() => pointAdd(aG, pointNegate(aG)))).toBe('crypto.invalid_point');
      expect(outcome(() => pointAddScalar(pointNegate(aG), a))).toBe('crypto.invalid_point');
    }), { numRuns });
  });

  it('random 33-byte strings: validity agrees with every operation that parses them, and errors are typed', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 33, maxLength: 33 }), scalar, (p, k) => {
      const valid = isValidPublicKey(p);
      const expected = valid ? 'ok' : 'crypto.invalid_point';
      expect(outcome(() => ecdh(k, p))).toBe(expected);
      expect(outcome(() => pointMultiply(p, k))).toBe(expected);
      expect(outcome(() => pointAddScalar(p, k))).toBe(expected);
      expect(outcome(() => pointNegate(p))).toBe(expected);
      expect(ecdsaVerify(new Uint8Array(64).fill(1), new Uint8Array(32), p)).toBe(false);
    }), { numRuns: numRuns * 2 });
  });

  it('scalars out of range are crypto.invalid_scalar; wrong lengths are bytes.bad_length; neither is anything else', () => {
    const edges = [new Uint8Array(32), bigintToBytes(CURVE_ORDER, 32), bigintToBytes(CURVE_ORDER + 1n, 32), new Uint8Array(32).fill(0xff)];
    const point = pointFromScalar(new Uint8Array(32).fill(1));
    for (const k of edges) {
      expect(isValidPrivateKey(k)).toBe(false);
      for (const f of [() => publicKeyFromPrivate(k), () => ecdh(k, point), () => ecdsaSign(new Uint8Array(32), k), () => schnorrSign(new Uint8Array(32), k, new Uint8Array(32)),
        () => pointMultiply(point, k), () => pointAddScalar(point, k), () => xOnlyPublicKey(k), () => scalarNegate(k)]) {
        expect(outcome(f)).toBe('crypto.invalid_scalar');
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }).filter((b) => b.length !== 32), (k) => {
      expect(outcome(() => publicKeyFromPrivate(k))).toBe('bytes.bad_length');
      expect(outcome(() => ecdsaSign(new Uint8Array(32), k))).toBe('bytes.bad_length');
      expect(outcome(() => ecdsaSign(k, new Uint8Array(32).fill(1)))).toBe('bytes.bad_length');
      expect(schnorrVerify(new Uint8Array(64), k, new Uint8Array(32))).toBe(false);
    }), { numRuns });
    const k1 = new Uint8Array(32).fill(1);
    expect(bytesToBigint(scalarFromHash(bigintToBytes(CURVE_ORDER + 5n, 32)))).toBe(5n);
    expect(outcome(() => scalarFromHash(bigintToBytes(CURVE_ORDER, 32)))).toBe('crypto.invalid_scalar');
    expect(outcome(() => scalarAdd(k1, scalarNegate(k1)))).toBe('crypto.invalid_scalar');
  });

  it('recovery: ids outside 0..3 and signatures with r or s out of range are crypto.invalid_signature', () => {
    const d = new Uint8Array(32).fill(9);
    const { signature } = ecdsaSignRecoverable(d, new Uint8Array(32).fill(3));
    for (const id of [-1, 4, 1.5, Number.NaN]) expect(outcome(() => ecdsaRecoverPublicKey(signature, id, d))).toBe('crypto.invalid_signature');
    const zeroR = signature.slice();
    zeroR.fill(0, 0, 32);
    const bigS = signature.slice();
    bigS.set(bigintToBytes(CURVE_ORDER, 32), 32);
    for (const s of [zeroR, bigS, new Uint8Array(64)]) {
      for (const id of [0, 1, 2, 3]) expect(outcome(() => ecdsaRecoverPublicKey(s, id, d))).toBe('crypto.invalid_signature');
    }
  });

  it('ChaCha20-Poly1305 round-trips; any flipped bit of ciphertext, tag or associated data is crypto.bad_mac', () => {
    const arb = fc.record({
      key: bytes32, nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }), ad: fc.uint8Array({ maxLength: 80 }),
      plaintext: fc.uint8Array({ maxLength: 300 }), flip: fc.nat(), where: fc.constantFrom('sealed', 'ad'),
    });
    fc.assert(fc.property(arb, ({ key, nonce, ad, plaintext, flip, where }) => {
      const sealed = aeadEncrypt(key, nonce, ad, plaintext);
      expect(sealed.length).toBe(plaintext.length + 16);
      expect(aeadDecrypt(key, nonce, ad, sealed)).toEqual(plaintext);
      const target = where === 'ad' && ad.length > 0 ? ad : sealed;
      target[flip % target.length]! ^= 1 << (flip % 8);
      expect(outcome(() => aeadDecrypt(key, nonce, ad, sealed))).toBe('crypto.bad_mac');
    }), { numRuns: 200 });
    expect(outcome(() => aeadDecrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(15)))).toBe('crypto.bad_mac');
    expect(outcome(() => aeadEncrypt(new Uint8Array(31), new Uint8Array(12), new Uint8Array(0), new Uint8Array(1)))).toBe('bytes.bad_length');
    expect(outcome(() => aeadEncrypt(new Uint8Array(32), new Uint8Array(8), new Uint8Array(0), new Uint8Array(1)))).toBe('bytes.bad_length');
  });

  it('aeadEncryptDetached gives aeadEncrypt\'s bytes apart; aeadDecryptDetached opens them and refuses a changed byte', () => {
    const arb = fc.record({
      key: bytes32, nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }), ad: fc.uint8Array({ maxLength: 40 }),
      plaintext: fc.uint8Array({ maxLength: 300 }), flip: fc.nat(),
    });
    fc.assert(fc.property(arb, ({ key, nonce, ad, plaintext, flip }) => {
      const { ciphertext, tag } = aeadEncryptDetached(key, nonce, ad, plaintext);
      const sealed = aeadEncrypt(key, nonce, ad, plaintext);
      expect(ciphertext).toEqual(sealed.subarray(0, plaintext.length));
      expect(tag).toEqual(sealed.subarray(plaintext.length));
      expect(aeadDecryptDetached(key, nonce, ad, ciphertext, tag)).toEqual(plaintext);
      const changed = Uint8Array.from(sealed);
      changed[flip % changed.length]! ^= 1;
      expect(outcome(() => aeadDecryptDetached(key, nonce, ad, changed.subarray(0, plaintext.length), changed.subarray(plaintext.length)))).toBe('crypto.bad_mac');
    }), { numRuns: 200 });
    const [k, n, none] = [new Uint8Array(32), new Uint8Array(12), new Uint8Array(0)];
    expect(outcome(() => aeadDecryptDetached(k, n, none, new Uint8Array(5), new Uint8Array(15)))).toBe('bytes.bad_length');
    expect(outcome(() => aeadDecryptDetached(k, n, none, [] as unknown as Uint8Array, new Uint8Array(16)))).toBe('bytes.not_bytes');
    expect(outcome(() => aeadEncryptDetached(new Uint8Array(31), n, none, none))).toBe('bytes.bad_length');
  });

  it('ChaCha20: XOR twice is the identity; a stream from counter c is the tail of the stream from 0', () => {
    fc.assert(fc.property(bytes32, fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 5 }),
      (key, nonce, data, c) => {
        expect(chacha20Xor(key, nonce, chacha20Xor(key, nonce, data, c), c)).toEqual(data);
        const whole = chacha20Stream(key, 64 * c + data.length, nonce);
        expect(chacha20Xor(key, nonce, new Uint8Array(data.length), c)).toEqual(whole.subarray(64 * c));
      }), { numRuns: 200 });
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    expect(chacha20Xor(key, nonce, new Uint8Array(64), 2 ** 32 - 2).length).toBe(64);
    for (const c of [-1, 2 ** 32 - 1, 2 ** 32, 0.5]) expect(outcome(() => chacha20Xor(key, nonce, new Uint8Array(0), c))).toBe('crypto.counter_overflow');
    for (const c of [-1, 2 ** 32 - 1, 2 ** 32, 0.5]) expect(outcome(() => chacha20Xor(key, nonce, new Uint8Array(1), c))).toBe('crypto.counter_overflow');
    expect(outcome(() => chacha20Xor(key, nonce, new Uint8Array(65), 2 ** 32 - 2))).toBe('crypto.counter_overflow');
    expect(outcome(() => chacha20Stream(key, -1))).toBe('bytes.bad_length');
  });

  it('hashes: incremental SHA-256 equals one-shot at every split; tagged hashes follow BIP340; HKDF keys differ', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, at) => {
      const h = sha256Hasher();
      const cut = data.length === 0 ? 0 : at % data.length;
      h.update(data.subarray(0, cut));
      h.update(data.subarray(cut));
      expect(h.digest()).toEqual(sha256(data));
      const t = sha256(new TextEncoder().encode('LnLeaf'));
      const withPrefix = new Uint8Array(64 + data.length);
      withPrefix.set(t, 0);
      withPrefix.set(t, 32);
      withPrefix.set(data, 64);
      expect(taggedHash('LnLeaf', data.subarray(0, cut), data.subarray(cut))).toEqual(sha256(withPrefix));
      expect(taggedHash(new TextEncoder().encode('LnLeaf'), data)).toEqual(sha256(withPrefix));
      const [k1, k2] = hkdfTwoKeys(data.subarray(0, cut), data.subarray(cut));
      expect(k1.length + k2.length).toBe(64);
      expect(equalBytes(k1, k2)).toBe(false);
    }), { numRuns: 200 });
  });
});
