/** Hash functions through @noble/hashes: the only place that imports it. */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { extract as hkdfExtract, expand as hkdfExpand } from '@noble/hashes/hkdf.js';
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { concatBytes, utf8 } from './bytes';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA256(SHA256(x)), bitcoin's hash for txids and sighashes. */
export function sha256d(data: Uint8Array): Uint8Array {
  return nobleSha256(nobleSha256(data));
}

export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}

/** RIPEMD160(SHA256(x)), bitcoin's HASH160. */
export function hash160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(nobleSha256(data));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}

/** An incremental SHA-256 (for hashing long inputs in parts). */
export function sha256Hasher(): { update(data: Uint8Array): void; digest(): Uint8Array } {
  const h = nobleSha256.create();
  return {
    update: (data) => void h.update(data),
    digest: () => h.digest(),
  };
}

/**
 * BOLT 8 HKDF: `HKDF(salt, ikm)` = RFC 5869 with SHA-256, a zero-length `info`,
 * returning 64 bytes split into two 32-byte keys.
 */
export function hkdfTwoKeys(salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const prk = hkdfExtract(nobleSha256, ikm, salt);
  const okm = hkdfExpand(nobleSha256, prk, new Uint8Array(0), 64);
  const keys: [Uint8Array, Uint8Array] = [okm.slice(0, 32), okm.slice(32, 64)];
  prk.fill(0);
  okm.fill(0);
  return keys;
}

/** BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). */
export function taggedHash(tag: string | Uint8Array, ...msg: Uint8Array[]): Uint8Array {
  const tagHash = nobleSha256(typeof tag === 'string' ? utf8.encode(tag) : tag);
  return nobleSha256(concatBytes(tagHash, tagHash, ...msg));
}

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  return nobleRandomBytes(length);
}
