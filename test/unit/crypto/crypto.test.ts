import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  aeadDecrypt, aeadEncrypt, chacha20Stream, ecdh, ecdsaSign, ecdsaVerify, fromHex, hkdfTwoKeys, pointAdd,
  pointFromScalar, pointMultiply, publicKeyFromPrivate, scalarAdd, scalarMultiply, schnorrSign, schnorrVerify,
  sha256, taggedHash, toHex, xOnlyPublicKey, CryptoError, equalBytes, hash160,
} from '../../../core/crypto';
import { BACKENDS, useBackendInBlock } from './backends';

describe.each(BACKENDS)('core/crypto on the %s backend', (backendName) => {
  useBackendInBlock(backendName);

  it('sha256 and hash160 of "abc" match the published digests', () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(hash160(abc))).toBe('bb1be98c142444d7a56aa3981c3942a978e4dc33');
  });

  it('derives the BOLT 8 vector public keys and ECDH shared secret', () => {
    // BOLT 8 Appendix A: ls.priv = 0x11..11, e.priv = 0x12..12, rs.pub from ls of the responder (0x21..21).
    const ls = fromHex('1111111111111111111111111111111111111111111111111111111111111111');
    expect(toHex(publicKeyFromPrivate(ls))).toBe('034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa');
    const e = fromHex('1212121212121212121212121212121212121212121212121212121212121212');
    const rs = fromHex('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7');
    expect(toHex(ecdh(e, rs))).toBe('1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3');
  });

  it('BIP340 test vector 0 signs and verifies', () => {
    const sk = fromHex('0000000000000000000000000000000000000000000000000000000000000003');
    const aux = new Uint8Array(32);
    const msg = new Uint8Array(32);
    expect(toHex(xOnlyPublicKey(sk))).toBe('f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9');
    const sig = schnorrSign(msg, sk, aux);
    expect(toHex(sig)).toBe(
      'e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca821525f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0',
    );
    expect(schnorrVerify(sig, msg, xOnlyPublicKey(sk))).toBe(true);
    sig[0]! ^= 1;
    expect(schnorrVerify(sig, msg, xOnlyPublicKey(sk))).toBe(false);
  });

  it('taggedHash follows BIP340', () => {
    const t = sha256(new TextEncoder().encode('TapLeaf'));
    const expected = sha256(new Uint8Array([...t, ...t, 1, 2, 3]));
    expect(equalBytes(taggedHash('TapLeaf', new Uint8Array([1, 2, 3])), expected)).toBe(true);
  });

  it('ECDSA signatures are low-S and verify; a wrong key or digest does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (d, k) => {
        fc.pre(k.some((b) => b !== 0) && k[0]! < 0xff);
        const pub = publicKeyFromPrivate(k);
        const sig = ecdsaSign(d, k);
        expect(sig.length).toBe(64);
        expect(sig[32]! < 0x80).toBe(true); // s <= n/2 implies the top bit of s is clear
        expect(ecdsaVerify(sig, d, pub)).toBe(true);
        const d2 = d.slice();
        d2[0]! ^= 1;
        expect(ecdsaVerify(sig, d2, pub)).toBe(false);
      }),
      { numRuns: 20 },
    );
  });

  it('point and scalar tweaks agree: (a+b)G = aG + bG and (ab)G = b(aG)', () => {
    const a = fromHex('0101010101010101010101010101010101010101010101010101010101010101');
    const b = fromHex('0202020202020202020202020202020202020202020202020202020202020202');
    expect(toHex(pointFromScalar(scalarAdd(a, b)))).toBe(toHex(pointAdd(pointFromScalar(a), pointFromScalar(b))));
    expect(toHex(pointFromScalar(scalarMultiply(a, b)))).toBe(toHex(pointMultiply(pointFromScalar(a), b)));
  });

  it('rejects invalid points and scalars with a typed error', () => {
    const bad = new Uint8Array(33);
    bad[0] = 2;
    expect(() => ecdh(new Uint8Array(32).fill(1), bad)).toThrow(CryptoError);
    expect(() => publicKeyFromPrivate(new Uint8Array(32))).toThrow(CryptoError);
  });

  it('ChaCha20-Poly1305 round-trips and rejects a flipped bit as crypto.bad_mac', () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12);
    const sealed = aeadEncrypt(key, nonce, new Uint8Array([1]), new Uint8Array([9, 9, 9]));
    expect(Array.from(aeadDecrypt(key, nonce, new Uint8Array([1]), sealed))).toEqual([9, 9, 9]);
    sealed[0]! ^= 1;
    expect(() => aeadDecrypt(key, nonce, new Uint8Array([1]), sealed)).toThrowError(
      expect.objectContaining({ code: 'crypto.bad_mac' }),
    );
  });

  it('RFC 8439 ChaCha20 keystream block 1 (section 2.3.2)', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const nonce = fromHex('000000090000004a00000000');
    // Counter 1 block; we ask for 128 bytes from counter 0 and look at the second block.
    const stream = chacha20Stream(key, 128, nonce);
    expect(toHex(stream.slice(64, 80))).toBe('10f1e7e4d13b5915500fdd1fa32071c4');
  });

  it('HKDF with a zero salt-length info returns two 32-byte keys', () => {
    const [k1, k2] = hkdfTwoKeys(new Uint8Array(32), new Uint8Array(32));
    expect(k1.length).toBe(32);
    expect(k2.length).toBe(32);
    expect(equalBytes(k1, k2)).toBe(false);
  });
});
