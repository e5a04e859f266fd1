/**
 * Our libsecp256k1 addon at its own boundary (native/secp256k1/src: the curve in lib.rs, the ciphers
 * in chacha.rs and host_openssl.rs), below the fronts that normally check every input: a wrong
 * length or a wrong type throws a JavaScript error and touches no memory, a refusal is `false` / -1,
 * and it keeps computing correctly (@noble's bytes) after thousands of both.
 * Where the addon is not built (no cargo; never in CI), the loader's error says how to build it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadLibsecp, libsecpAddonCandidates } from '../../../core/crypto/backend-libsecp';
import { fromHex, toHex } from '../../../core/crypto';
import { nobleCiphers } from '../../../core/crypto/backend-noble';

const built = process.env.CI === 'true' || libsecpAddonCandidates().some((p) => existsSync(p));

interface Addon {
  aeadSeal(key: unknown, nonce: unknown, ad: unknown, plaintext: unknown, out: unknown, tag: unknown): boolean;
  aeadOpen(key: unknown, nonce: unknown, ad: unknown, ciphertext: unknown, tag: unknown, out: unknown): boolean;
  chacha20Xor(key: unknown, nonce: unknown, counter: number, data: unknown, out: unknown): boolean;
  hostCipherVersion(): string | null;
  hostAeadSeal(key: unknown, nonce: unknown, ad: unknown, plaintext: unknown, out: unknown, tag: unknown): boolean;
  hostAeadOpen(key: unknown, nonce: unknown, ad: unknown, ciphertext: unknown, tag: unknown, out: unknown): boolean;
  ecdh(scalar: unknown, point: unknown, out: unknown): boolean;
  pointFromScalar(scalar: unknown, out: unknown): boolean;
  ecdsaSign(digest: unknown, scalar: unknown, out: unknown): number;
  ecdsaVerify(signature: unknown, digest: unknown, point: unknown): boolean;
  ecdsaRecover(signature: unknown, id: number, digest: unknown, out: unknown): boolean;
  schnorrVerify(signature: unknown, message: unknown, xOnly: unknown): boolean;
  isPoint(point: unknown): boolean;
}

// BOLT 8 Appendix A: ECDH(0x12…12, rs.pub) = ss.
const SCALAR = fromHex('12'.repeat(32));
const REMOTE = fromHex('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7');
const SHARED = '1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3';

describe('the libsecp256k1 addon at its boundary', () => {
  if (!built) {
    it('is not built here: loading it fails with a message naming the build script', () => {
      expect(() => loadLibsecp(new Uint8Array(32))).toThrowError(/scripts\/native\/secp256k1\.mjs/);
    });
    return;
  }
  const addon = createRequire(import.meta.url)(libsecpAddonCandidates().find((p) => existsSync(p))!) as Addon;

  it('throws for wrong lengths and types instead of reading or writing past an array', () => {
    const out32 = new Uint8Array(32);
    expect(() => addon.ecdh(SCALAR.subarray(0, 31), REMOTE, out32)).toThrowError(/scalar: expected 32 bytes, got 31/);
    expect(() => addon.ecdh(SCALAR, REMOTE.subarray(0, 20), out32)).toThrowError(/point: expected 33 or 65 bytes, got 20/);
    expect(() => addon.ecdh(SCALAR, REMOTE, new Uint8Array(31))).toThrowError(/out: expected 32 bytes, got 31/);
    expect(() => addon.pointFromScalar(SCALAR, new Uint8Array(0))).toThrowError(/out: expected 33 bytes, got 0/);
    expect(() => addon.ecdsaRecover(new Uint8Array(64), 4, new Uint8Array(32), new Uint8Array(33))).toThrowError(/recovery id/);
    expect(() => addon.ecdh('12'.repeat(32), REMOTE, out32)).toThrowError();
    expect(() => addon.ecdh(new Uint16Array(16), REMOTE, out32)).toThrowError();
    expect(out32).toEqual(new Uint8Array(32)); // nothing was written
  });

  it('answers false or -1 for what libsecp256k1 refuses, and computes correctly after thousands of refusals', () => {
    const notOnCurve = fromHex(`02${'ff'.repeat(32)}`);
    const zero = new Uint8Array(32);
    const n = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
    for (let i = 0; i < 3000; i++) {
      expect(addon.isPoint(notOnCurve)).toBe(false);
      expect(addon.ecdh(SCALAR, notOnCurve, new Uint8Array(32))).toBe(false);
      expect(addon.pointFromScalar(zero, new Uint8Array(33))).toBe(false);
      expect(addon.ecdsaSign(zero, n, new Uint8Array(64))).toBe(-1);
      expect(addon.ecdsaVerify(new Uint8Array(64).fill(0xff), zero, REMOTE)).toBe(false);
      expect(addon.ecdsaRecover(new Uint8Array(64), 0, zero, new Uint8Array(33))).toBe(false);
      expect(addon.schnorrVerify(new Uint8Array(64), zero, new Uint8Array(32).fill(0xff))).toBe(false);
    }
    const out = new Uint8Array(32);
    expect(addon.ecdh(SCALAR, REMOTE, out)).toBe(true);
    expect(toHex(out)).toBe(SHARED);
  });

  it('reads inputs at their offset inside a larger buffer (subarrays)', () => {
    const big = new Uint8Array(100);
    big.set(SCALAR, 7);
    big.set(REMOTE, 50);
    const out = new Uint8Array(40);
    expect(addon.ecdh(big.subarray(7, 39), big.subarray(50, 83), out.subarray(4, 36))).toBe(true);
    expect(toHex(out.subarray(4, 36))).toBe(SHARED);
    expect(out.subarray(0, 4)).toEqual(new Uint8Array(4));
    expect(out.subarray(36)).toEqual(new Uint8Array(4));
  });

  /** The addon's AEADs: ring's, and the host OpenSSL's where this process has it (Node on Linux: CI). */
  const aeads = (): [string, { seal: Addon['aeadSeal']; open: Addon['aeadOpen'] }][] => [
    ['ring', { seal: addon.aeadSeal, open: addon.aeadOpen }],
    ...(addon.hostCipherVersion() === null ? [] : [['host OpenSSL', { seal: addon.hostAeadSeal, open: addon.hostAeadOpen }] as [string, { seal: Addon['aeadSeal']; open: Addon['aeadOpen'] }]]),
  ];

  it('finds the OpenSSL of the Node process it is loaded in (Node exports it for addons)', () => {
    if (process.platform === 'win32' || process.versions.electron) return; // no dlsym there / BoringSSL
    expect(addon.hostCipherVersion()).toMatch(new RegExp(`^OpenSSL ${process.versions.openssl!.replace(/[.+]/g, '\\$&')}\\b`));
  });

  it('ciphers: wrong lengths and types throw and write nothing; a wrong tag is false with the output zeroed', () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12).fill(9);
    const none = new Uint8Array(0);
    for (const [name, { seal, open }] of aeads()) {
      const out = new Uint8Array(5);
      const tag = new Uint8Array(16);
      expect(() => seal(key.subarray(1), nonce, none, new Uint8Array(5), out, tag), name).toThrowError(/key: expected 32 bytes, got 31/);
      expect(() => seal(key, nonce.subarray(1), none, new Uint8Array(5), out, tag), name).toThrowError(/nonce: expected 12 bytes, got 11/);
      expect(() => seal(key, nonce, none, new Uint8Array(6), out, tag), name).toThrowError(/ciphertext out: expected 6 bytes, got 5/);
      expect(() => seal(key, nonce, none, new Uint8Array(5), out, tag.subarray(1)), name).toThrowError(/tag out: expected 16 bytes, got 15/);
      expect(() => open(key, nonce, none, new Uint8Array(5), tag.subarray(2), out), name).toThrowError(/tag: expected 16 bytes, got 14/);
      expect(() => seal('k', nonce, none, none, none, tag), name).toThrowError();
      expect([...out, ...tag].every((b) => b === 0), name).toBe(true); // nothing was written

      const plaintext = Uint8Array.from({ length: 5 }, (_, i) => i + 1);
      expect(seal(key, nonce, none, plaintext, out, tag)).toBe(true);
      tag[0]! ^= 1;
      const opened = new Uint8Array(5).fill(0xaa);
      expect(open(key, nonce, none, out, tag, opened), name).toBe(false);
      expect(opened, name).toEqual(new Uint8Array(5));
    }
    expect(() => addon.chacha20Xor(key, nonce, 0, new Uint8Array(4), new Uint8Array(5))).toThrowError(/out: expected 4 bytes, got 5/);
    // The last block index (2^32 - 1) is refused as @noble refuses it; the fronts never get there.
    expect(() => addon.chacha20Xor(key, nonce, 0xffffffff, new Uint8Array(1), new Uint8Array(1))).toThrowError(/ChaCha20 stream too long/);
    expect(addon.chacha20Xor(key, nonce, 0xfffffffe, new Uint8Array(64), new Uint8Array(64))).toBe(true);
  });

  it('ciphers: the bytes @noble computes, at offsets inside larger buffers, after thousands of refusals', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => 200 - i);
    const bad = new Uint8Array(16);
    for (const [name, { seal, open }] of aeads()) {
      for (let i = 0; i < 2000; i++) expect(open(key, nonce, new Uint8Array(3), new Uint8Array(40), bad, new Uint8Array(40)), name).toBe(false);
      for (const size of [0, 1, 2, 15, 16, 17, 63, 64, 65, 255, 256, 1000, 4096, 65_535]) {
        const big = Uint8Array.from({ length: size + 40 }, (_, i) => (i * 13 + size) & 0xff);
        const plaintext = big.subarray(11, 11 + size);
        const ad = big.subarray(3, 3 + (size % 29));
        const outer = new Uint8Array(size + 16 + 8);
        const ciphertext = outer.subarray(4, 4 + size);
        const tag = outer.subarray(4 + size, 4 + size + 16);
        expect(seal(key, nonce, ad, plaintext, ciphertext, tag)).toBe(true);
        expect(toHex(outer.subarray(4, 4 + size + 16)), `${name} ${size}`).toBe(toHex(nobleCiphers.chacha20Poly1305Seal(key, nonce, ad, plaintext)));
        expect([...outer.subarray(0, 4), ...outer.subarray(4 + size + 16)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
        const opened = new Uint8Array(size);
        expect(open(key, nonce, ad, ciphertext, tag, opened), `${name} ${size}`).toBe(true);
        expect(toHex(opened)).toBe(toHex(plaintext));
      }
    }
    for (const size of [0, 1, 63, 64, 65, 1300, 8192]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 5 + size) & 0xff);
      const streamed = new Uint8Array(size);
      expect(addon.chacha20Xor(key, nonce, 5, data, streamed)).toBe(true);
      expect(toHex(streamed)).toBe(toHex(nobleCiphers.chacha20(key, nonce, data, 5)));
    }
  });

  it('ciphers: ring and the host OpenSSL give @noble\'s bytes and refusals on random keys, nonces, AD and tampering', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: -1, max: 2100 }),
      (key, nonce, ad, plaintext, flip) => {
        const expected = nobleCiphers.chacha20Poly1305Seal(key, nonce, ad, plaintext);
        for (const [name, { seal, open }] of aeads()) {
          const ciphertext = new Uint8Array(plaintext.length);
          const tag = new Uint8Array(16);
          seal(key, nonce, ad, plaintext, ciphertext, tag);
          expect(toHex(ciphertext) + toHex(tag), name).toBe(toHex(expected));
          const sealed = expected.slice();
          if (flip >= 0) sealed[flip % sealed.length]! ^= 1;
          const out = new Uint8Array(plaintext.length);
          const ok = open(key, nonce, ad, sealed.subarray(0, plaintext.length), sealed.subarray(plaintext.length), out);
          expect(ok, name).toBe(flip < 0);
          expect(toHex(out), name).toBe(flip < 0 ? toHex(plaintext) : toHex(new Uint8Array(plaintext.length)));
        }
      },
    ), { numRuns: 300 });
  });
});
