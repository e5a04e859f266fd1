/**
 * secp256k1 through @noble/secp256k1: keys, BOLT 8 ECDH, ECDSA (low-S, compact 64-byte
 * signatures over 32-byte digests), BIP340 Schnorr, and point/scalar tweaks.
 * Public keys are 33-byte compressed SEC1 unless stated (x-only keys are 32 bytes).
 */
import * as secp from '@noble/secp256k1';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { CryptoError, assertBytes, bigintToBytes, bytesToBigint } from './bytes';

// @noble/secp256k1 ships without a synchronous hash; wire ours in once, here.
secp.hashes.sha256 = (m: Uint8Array) => nobleSha256(m);
secp.hashes.hmacSha256 = (k: Uint8Array, m: Uint8Array) => hmac(nobleSha256, k, m);

/** The order n of the secp256k1 group. */
export const CURVE_ORDER = secp.Point.CURVE().n;

function scalarOf(bytes: Uint8Array, field: string): bigint {
  assertBytes(bytes, 32, field);
  const n = bytesToBigint(bytes);
  if (n === 0n || n >= CURVE_ORDER) throw new CryptoError('crypto.invalid_scalar', `${field}: scalar out of range`);
  return n;
}

function pointOf(bytes: Uint8Array, field: string): secp.Point {
  if (!(bytes instanceof Uint8Array) || (bytes.length !== 33 && bytes.length !== 65)) {
    throw new CryptoError('crypto.invalid_point', `${field}: expected a 33-byte compressed public key`);
  }
  try {
    return secp.Point.fromBytes(bytes).assertValidity();
  } catch {
    throw new CryptoError('crypto.invalid_point', `${field}: not a point on secp256k1`);
  }
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  return key instanceof Uint8Array && key.length === 32 && secp.utils.isValidSecretKey(key);
}

export function isValidPublicKey(key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== 33) return false;
  try {
    secp.Point.fromBytes(key).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/** Throws CryptoError `crypto.invalid_point` unless `key` is a valid compressed point. */
export function assertPublicKey(key: Uint8Array, field = 'public key'): void {
  pointOf(key, field);
}

/** 33-byte compressed public key of a 32-byte private key. */
export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return secp.Point.BASE.multiply(scalarOf(privateKey, 'private key')).toBytes(true);
}

/** A fresh random private key. */
export function randomPrivateKey(): Uint8Array {
  return secp.utils.randomSecretKey();
}

/** BOLT 8 ECDH(k, rk): SHA256 of the compressed shared point k·rk. */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const point = pointOf(publicKey, 'ecdh public key').multiply(scalarOf(privateKey, 'ecdh private key'));
  return nobleSha256(point.toBytes(true));
}

/** ECDSA over a 32-byte digest, deterministic (RFC 6979), low-S, compact 64-byte r||s. */
export function ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  assertBytes(digest, 32, 'digest');
  scalarOf(privateKey, 'private key');
  return secp.sign(digest, privateKey, { prehash: false, lowS: true, extraEntropy: false });
}

/** Verifies a compact 64-byte ECDSA signature over a 32-byte digest (high-S is rejected). */
export function ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(digest instanceof Uint8Array) || digest.length !== 32) return false;
  try {
    return secp.verify(signature, digest, publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

/** 32-byte x-only public key (BIP340) of a private key. */
export function xOnlyPublicKey(privateKey: Uint8Array): Uint8Array {
  scalarOf(privateKey, 'private key');
  return secp.schnorr.getPublicKey(privateKey);
}

/** BIP340 Schnorr signature of a 32-byte message; `auxRand` defaults to fresh randomness. */
export function schnorrSign(message: Uint8Array, privateKey: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  assertBytes(message, 32, 'message');
  scalarOf(privateKey, 'private key');
  return secp.schnorr.sign(message, privateKey, auxRand);
}

/** BIP340 verification against a 32-byte x-only public key. Never throws. */
export function schnorrVerify(signature: Uint8Array, message: Uint8Array, xOnlyKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(xOnlyKey instanceof Uint8Array) || xOnlyKey.length !== 32) return false;
  try {
    return secp.schnorr.verify(signature, message, xOnlyKey);
  } catch {
    return false;
  }
}

/** a + b for compressed points. Throws `crypto.invalid_point` if the sum is infinity. */
export function pointAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  const sum = pointOf(a, 'point a').add(pointOf(b, 'point b'));
  if (sum.is0()) throw new CryptoError('crypto.invalid_point', 'point sum is the point at infinity');
  return sum.toBytes(true);
}

/** scalar·P for a compressed point P and a 32-byte scalar in [1, n). */
export function pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  return pointOf(point, 'point').multiply(scalarOf(scalar, 'scalar')).toBytes(true);
}

/** scalar·G. */
export function pointFromScalar(scalar: Uint8Array): Uint8Array {
  return secp.Point.BASE.multiply(scalarOf(scalar, 'scalar')).toBytes(true);
}

/** (a + b) mod n as 32 bytes; throws if the result is zero. */
export function scalarAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  assertBytes(a, 32, 'scalar a');
  assertBytes(b, 32, 'scalar b');
  const r = (bytesToBigint(a) + bytesToBigint(b)) % CURVE_ORDER;
  if (r === 0n) throw new CryptoError('crypto.invalid_scalar', 'scalar sum is zero');
  return bigintToBytes(r, 32);
}

/** (a · b) mod n as 32 bytes; both inputs must be in [1, n). */
export function scalarMultiply(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = (scalarOf(a, 'scalar a') * scalarOf(b, 'scalar b')) % CURVE_ORDER;
  return bigintToBytes(r, 32);
}

/** (n - a) mod n. */
export function scalarNegate(a: Uint8Array): Uint8Array {
  return bigintToBytes(CURVE_ORDER - scalarOf(a, 'scalar'), 32);
}

/** Reduces 32 bytes modulo n (e.g. a hash used as a scalar); throws if the result is zero. */
export function scalarFromHash(hash: Uint8Array): Uint8Array {
  assertBytes(hash, 32, 'hash');
  const r = bytesToBigint(hash) % CURVE_ORDER;
  if (r === 0n) throw new CryptoError('crypto.invalid_scalar', 'hash reduces to zero');
  return bigintToBytes(r, 32);
}
