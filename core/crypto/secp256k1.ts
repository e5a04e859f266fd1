/**
 * secp256k1: keys, BOLT 8 ECDH, ECDSA (low-S, compact 64-byte signatures over 32-byte digests,
 * public-key recovery for BOLT 11), BIP340 Schnorr, and point/scalar tweaks.
 * Public keys are 33-byte compressed SEC1 unless stated (x-only keys are 32 bytes).
 *
 * These functions check their inputs and raise every typed error themselves, then call the
 * selected backend (select.ts): all backends therefore accept and reject the same inputs with the
 * same errors. Scalar arithmetic mod n is done here, with bigints, for every backend.
 */
import { CryptoError, assertBytes, bigintToBytes, bytesToBigint } from './bytes';
import { randomBytes } from './hash';
import { backend } from './select';

/** The order n of the secp256k1 group. */
export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ORDER_BYTES = bigintToBytes(CURVE_ORDER, 32);

/** 32 bytes, big-endian, in [1, n). */
function inScalarRange(b: Uint8Array): boolean {
  let nonZero = 0;
  for (let i = 0; i < 32; i++) nonZero |= b[i]!;
  if (nonZero === 0) return false;
  for (let i = 0; i < 32; i++) {
    if (b[i] !== ORDER_BYTES[i]) return b[i]! < ORDER_BYTES[i]!;
  }
  return false; // equal to n
}

function checkScalar(bytes: Uint8Array, field: string): Uint8Array {
  assertBytes(bytes, 32, field);
  if (!inScalarRange(bytes)) throw new CryptoError('crypto.invalid_scalar', `${field}: scalar out of range`);
  return bytes;
}

/** A SEC1 encoding's shape: 33 bytes with prefix 02/03, or 65 bytes with prefix 04. */
function hasPointShape(bytes: unknown): bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) return false;
  if (bytes.length === 33) return bytes[0] === 2 || bytes[0] === 3;
  return bytes.length === 65 && bytes[0] === 4;
}

function checkPointShape(bytes: Uint8Array, field: string): void {
  if (!(bytes instanceof Uint8Array) || (bytes.length !== 33 && bytes.length !== 65)) {
    throw new CryptoError('crypto.invalid_point', `${field}: expected a 33-byte compressed public key`);
  }
  if (!hasPointShape(bytes)) throw notOnCurve(field);
}

function notOnCurve(field: string): CryptoError {
  return new CryptoError('crypto.invalid_point', `${field}: not a point on secp256k1`);
}

/** Shape and curve membership (the backend parses). */
function checkPoint(bytes: Uint8Array, field: string): void {
  checkPointShape(bytes, field);
  if (!backend().isPoint(bytes)) throw notOnCurve(field);
}

/**
 * Checks a point then a scalar (the order errors are reported in), calling the backend for the
 * curve check only when the scalar is bad: on the good path the operation itself parses the point.
 */
function checkPointThenScalar(point: Uint8Array, pointField: string, scalar: Uint8Array, scalarField: string): void {
  checkPointShape(point, pointField);
  if (!(scalar instanceof Uint8Array) || scalar.length !== 32 || !inScalarRange(scalar)) {
    checkPoint(point, pointField);
    checkScalar(scalar, scalarField);
  }
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  return key instanceof Uint8Array && key.length === 32 && inScalarRange(key);
}

export function isValidPublicKey(key: Uint8Array): boolean {
  return key instanceof Uint8Array && key.length === 33 && (key[0] === 2 || key[0] === 3) && backend().isPoint(key);
}

/** Throws CryptoError `crypto.invalid_point` unless `key` is a valid compressed (or uncompressed) point. */
export function assertPublicKey(key: Uint8Array, field = 'public key'): void {
  checkPoint(key, field);
}

/** 33-byte compressed public key of a 32-byte private key. */
export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return backend().pointFromScalar(checkScalar(privateKey, 'private key'));
}

/** A fresh random private key (uniform in [1, n): 32 random bytes, drawn again if out of range). */
export function randomPrivateKey(): Uint8Array {
  for (;;) {
    const k = randomBytes(32);
    if (inScalarRange(k)) return k;
  }
}

/** BOLT 8 ECDH(k, rk): SHA256 of the compressed shared point k·rk. */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkPointThenScalar(publicKey, 'ecdh public key', privateKey, 'ecdh private key');
  const secret = backend().ecdh(privateKey, publicKey);
  if (secret === null) throw notOnCurve('ecdh public key');
  return secret;
}

/** ECDSA over a 32-byte digest, deterministic (RFC 6979), low-S, compact 64-byte r||s. */
export function ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  assertBytes(digest, 32, 'digest');
  return backend().ecdsaSign(digest, checkScalar(privateKey, 'private key'));
}

/**
 * As ecdsaSign, with the recovery id (0..3) that lets a reader recover the public key
 * (BOLT 11: the 64-byte signature is followed by its 1-byte recovery id).
 */
export function ecdsaSignRecoverable(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recoveryId: number } {
  assertBytes(digest, 32, 'digest');
  return backend().ecdsaSignRecoverable(digest, checkScalar(privateKey, 'private key'));
}

/** Verifies a compact 64-byte ECDSA signature over a 32-byte digest (high-S is rejected). Never throws. */
export function ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(digest instanceof Uint8Array) || digest.length !== 32) return false;
  if (!hasPointShape(publicKey)) return false;
  return backend().ecdsaVerify(signature, digest, publicKey);
}

/**
 * The 33-byte public key that signed `digest` (SEC 1 §4.1.6). BOLT 11: without an `n` field the
 * reader MUST perform public-key recovery and accept both high-S and low-S signatures, so high S
 * is accepted here. Throws CryptoError `crypto.invalid_signature` if no key recovers (r or s
 * zero or not below n, r + n not a field element for ids 2 and 3, no curve point with x = r).
 */
export function ecdsaRecoverPublicKey(signature: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array {
  assertBytes(signature, 64, 'signature');
  assertBytes(digest, 32, 'digest');
  if (!Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) {
    throw new CryptoError('crypto.invalid_signature', `recovery id must be 0, 1, 2 or 3, got ${String(recoveryId)}`);
  }
  const key = backend().ecdsaRecover(signature, recoveryId, digest);
  if (key === null) throw new CryptoError('crypto.invalid_signature', 'no public key recovers from this signature');
  return key;
}

/** True when s (the second half of r||s) is at most n/2, the "low-S" rule of bitcoin/bitcoin#6769. */
export function isLowS(signature: Uint8Array): boolean {
  assertBytes(signature, 64, 'signature');
  return bytesToBigint(signature.subarray(32)) <= CURVE_ORDER >> 1n;
}

/** 32-byte x-only public key (BIP340) of a private key. */
export function xOnlyPublicKey(privateKey: Uint8Array): Uint8Array {
  return backend().xOnlyFromScalar(checkScalar(privateKey, 'private key'));
}

/** BIP340 Schnorr signature of a 32-byte message; `auxRand` (32 bytes) defaults to fresh randomness. */
export function schnorrSign(message: Uint8Array, privateKey: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  assertBytes(message, 32, 'message');
  checkScalar(privateKey, 'private key');
  const aux = auxRand ?? randomBytes(32);
  assertBytes(aux, 32, 'auxRand');
  return backend().schnorrSign(message, privateKey, aux);
}

/** BIP340 verification of a 32-byte message against a 32-byte x-only public key. Never throws. */
export function schnorrVerify(signature: Uint8Array, message: Uint8Array, xOnlyKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(message instanceof Uint8Array) || message.length !== 32) return false;
  if (!(xOnlyKey instanceof Uint8Array) || xOnlyKey.length !== 32) return false;
  return backend().schnorrVerify(signature, message, xOnlyKey);
}

/** After a backend returned null for an operation on `points`: the error naming the culprit. */
function pointFailure(points: readonly (readonly [Uint8Array, string])[], result: string): CryptoError {
  for (const [p, field] of points) if (!backend().isPoint(p)) return notOnCurve(field);
  return new CryptoError('crypto.invalid_point', `${result} is the point at infinity`);
}

/** a + b for compressed points. Throws `crypto.invalid_point` if the sum is infinity. */
export function pointAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  checkPointShape(a, 'point a');
  checkPointShape(b, 'point b');
  const sum = backend().pointAdd(a, b);
  if (sum === null) throw pointFailure([[a, 'point a'], [b, 'point b']], 'point sum');
  return sum;
}

/**
 * P + tweak·G, the tweak a scalar in [1, n) (e.g. BOLT 3: basepoint + SHA256(per_commitment_point
 * || basepoint)·G in one step). Throws `crypto.invalid_point` if the result is infinity.
 */
export function pointAddScalar(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  checkPointThenScalar(point, 'point', tweak, 'tweak');
  const sum = backend().pointAddScalar(point, tweak);
  if (sum === null) throw pointFailure([[point, 'point']], 'tweaked point');
  return sum;
}

/** scalar·P for a compressed point P and a 32-byte scalar in [1, n). */
export function pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array {
  checkPointThenScalar(point, 'point', scalar, 'scalar');
  const product = backend().pointMultiply(point, scalar);
  if (product === null) throw notOnCurve('point');
  return product;
}

/** -P, compressed (the same x with the other y). */
export function pointNegate(point: Uint8Array): Uint8Array {
  checkPoint(point, 'point');
  const out = new Uint8Array(33);
  out.set(point.subarray(1, 33), 1);
  const odd = point.length === 33 ? point[0] === 3 : (point[64]! & 1) === 1;
  out[0] = odd ? 2 : 3;
  return out;
}

/** scalar·G. */
export function pointFromScalar(scalar: Uint8Array): Uint8Array {
  return backend().pointFromScalar(checkScalar(scalar, 'scalar'));
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
  const r = (bytesToBigint(checkScalar(a, 'scalar a')) * bytesToBigint(checkScalar(b, 'scalar b'))) % CURVE_ORDER;
  return bigintToBytes(r, 32);
}

/** (n - a) mod n. */
export function scalarNegate(a: Uint8Array): Uint8Array {
  return bigintToBytes(CURVE_ORDER - bytesToBigint(checkScalar(a, 'scalar')), 32);
}

/** Reduces 32 bytes modulo n (e.g. a hash used as a scalar); throws if the result is zero. */
export function scalarFromHash(hash: Uint8Array): Uint8Array {
  assertBytes(hash, 32, 'hash');
  const r = bytesToBigint(hash) % CURVE_ORDER;
  if (r === 0n) throw new CryptoError('crypto.invalid_scalar', 'hash reduces to zero');
  return bigintToBytes(r, 32);
}
