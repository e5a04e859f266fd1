/**
 * ECDSA with a recovery id (SEC 1 §4.1.6) through @noble/secp256k1: signing that also returns
 * the recovery id, public-key recovery from a compact signature, and the low-S test. BOLT 11
 * signatures are this kind (64-byte r||s plus a recovery id in {0,1,2,3}).
 */
import * as secp from '@noble/secp256k1';
import { CryptoError, assertBytes, bytesToBigint } from './bytes';
import { CURVE_ORDER, isValidPrivateKey } from './secp256k1';

/** A compact ECDSA signature and the id that selects its public key among up to four candidates. */
export interface RecoverableSignature {
  /** 64 bytes: r (32, big-endian) || s (32, big-endian). */
  readonly signature: Uint8Array;
  /** 0..3: bit 0 is the parity of R.y, bit 1 says R.x = r + n. */
  readonly recoveryId: number;
}

/** Deterministic (RFC 6979), low-S ECDSA over a 32-byte digest, with its recovery id. */
export function ecdsaSignRecoverable(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
  assertBytes(digest, 32, 'digest');
  if (!isValidPrivateKey(privateKey)) throw new CryptoError('crypto.invalid_scalar', 'private key: scalar out of range');
  const recovered = secp.sign(digest, privateKey, { prehash: false, lowS: true, extraEntropy: false, format: 'recovered' });
  // noble's "recovered" format is recovery id || r || s.
  return { signature: recovered.slice(1), recoveryId: recovered[0]! };
}

/**
 * The 33-byte compressed public key that `signature` (r||s) with `recoveryId` verifies under for
 * `digest`. High-S signatures are accepted (recovery does not care about the sign of s). Throws
 * CryptoError `crypto.unrecoverable_signature` when no such key exists (r or s out of range, an
 * R point that is not on the curve, or a recovered point at infinity).
 */
export function ecdsaRecoverPublicKey(signature: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array {
  assertBytes(signature, 64, 'signature');
  assertBytes(digest, 32, 'digest');
  if (!Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) {
    throw new CryptoError('crypto.unrecoverable_signature', `recovery id ${recoveryId} is not 0, 1, 2 or 3`);
  }
  const recovered = new Uint8Array(65);
  recovered[0] = recoveryId;
  recovered.set(signature, 1);
  try {
    return secp.recoverPublicKey(recovered, digest, { prehash: false });
  } catch {
    throw new CryptoError('crypto.unrecoverable_signature', 'no public key can be recovered from this signature');
  }
}

/** True when s (the second half of r||s) is at most n/2, the "low-S" rule of bitcoin/bitcoin#6769. */
export function isLowS(signature: Uint8Array): boolean {
  assertBytes(signature, 64, 'signature');
  return bytesToBigint(signature.subarray(32)) <= CURVE_ORDER >> 1n;
}
