/**
 * Our libsecp256k1 addon at its own boundary (native/secp256k1/src/lib.rs), below the fronts that
 * normally check every input: a wrong length or a wrong type throws a JavaScript error and touches
 * no memory, a refusal is `false` / -1, and it keeps computing correctly after thousands of both.
 * Where the addon is not built (no cargo; never in CI), the loader's error says how to build it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadLibsecp, libsecpAddonCandidates } from '../../../core/crypto/backend-libsecp';
import { fromHex, toHex } from '../../../core/crypto';

const built = process.env.CI === 'true' || libsecpAddonCandidates().some((p) => existsSync(p));

interface Addon {
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
});
