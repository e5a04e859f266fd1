import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CURVE_ORDER,
  CryptoError,
  bigintToBytes,
  bytesToBigint,
  ecdsaRecoverPublicKey,
  ecdsaSign,
  ecdsaSignRecoverable,
  ecdsaVerify,
  isLowS,
  publicKeyFromPrivate,
  sha256,
  toHex,
} from '../../../core/crypto';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => {
  const n = bytesToBigint(k);
  return n > 0n && n < CURVE_ORDER;
});
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** (r, n - s) with the recovery id's parity bit flipped: the same signature, high-S. */
function highSTwin(sig: Uint8Array, recoveryId: number): { sig: Uint8Array; recoveryId: number } {
  const s = bytesToBigint(sig.subarray(32));
  const out = new Uint8Array(64);
  out.set(sig.subarray(0, 32), 0);
  out.set(bigintToBytes(CURVE_ORDER - s, 32), 32);
  return { sig: out, recoveryId: recoveryId ^ 1 };
}

describe('recoverable ECDSA', () => {
  it('signs deterministically, low-S, with the same r||s as ecdsaSign', () => {
    fc.assert(
      fc.property(key, digest, (k, d) => {
        const a = ecdsaSignRecoverable(d, k);
        expect(toHex(a.signature)).toBe(toHex(ecdsaSign(d, k)));
        expect(isLowS(a.signature)).toBe(true);
        expect([0, 1, 2, 3]).toContain(a.recoveryId);
        expect(ecdsaVerify(a.signature, d, publicKeyFromPrivate(k))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('recovers the signing key with the recovery id, and another key with the wrong parity', () => {
    fc.assert(
      fc.property(key, digest, (k, d) => {
        const { signature, recoveryId } = ecdsaSignRecoverable(d, k);
        const pub = toHex(publicKeyFromPrivate(k));
        expect(toHex(ecdsaRecoverPublicKey(signature, recoveryId, d))).toBe(pub);
        let other: string | undefined;
        try {
          other = toHex(ecdsaRecoverPublicKey(signature, recoveryId ^ 1, d));
        } catch (e) {
          expect(e).toBeInstanceOf(CryptoError);
        }
        expect(other).not.toBe(pub);
      }),
      { numRuns: 40 },
    );
  });

  it('recovers the signing key from the high-S twin (with the parity flipped), which isLowS flags', () => {
    fc.assert(
      fc.property(key, digest, (k, d) => {
        const { signature, recoveryId } = ecdsaSignRecoverable(d, k);
        const twin = highSTwin(signature, recoveryId);
        expect(isLowS(twin.sig)).toBe(false);
        expect(toHex(ecdsaRecoverPublicKey(twin.sig, twin.recoveryId, d))).toBe(toHex(publicKeyFromPrivate(k)));
      }),
      { numRuns: 30 },
    );
  });

  it('throws crypto.invalid_signature for r = 0, s >= n, an id of 4, or r + n beyond the field', () => {
    const d = sha256(new Uint8Array([1]));
    const good = ecdsaSignRecoverable(d, new Uint8Array(32).fill(7));
    const zeroR = good.signature.slice();
    zeroR.fill(0, 0, 32);
    const bigS = good.signature.slice();
    bigS.set(bigintToBytes(CURVE_ORDER, 32), 32);
    for (const [sig, id] of [[zeroR, good.recoveryId], [bigS, good.recoveryId], [good.signature, 4], [good.signature, -1]] as const) {
      expect(() => ecdsaRecoverPublicKey(sig, id, d)).toThrow(expect.objectContaining({ code: 'crypto.invalid_signature' }));
    }
    // Ids 2 and 3 ask for R.x = r + n, which is not below the field size p for this r.
    expect(() => ecdsaRecoverPublicKey(good.signature, 2, d)).toThrow(CryptoError);
  });

  it('refuses a private key out of range', () => {
    expect(() => ecdsaSignRecoverable(new Uint8Array(32), new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'crypto.invalid_scalar' }));
  });
});
