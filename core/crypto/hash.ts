/**
 * Hash functions: SHA-256 (single, double, incremental), HMAC-SHA256 and HKDF from the selected
 * backend (select.ts); RIPEMD-160 and secure randomness from @noble/hashes in every backend
 * (RIPEMD-160 is off the hot paths, and not in every runtime's node:crypto).
 */
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import { sha3_256 as nobleSha3_256 } from '@noble/hashes/sha3.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import type { Sha256Hasher } from './backend';
import { utf8 } from './bytes';
import { backend } from './select';

export function sha256(data: Uint8Array): Uint8Array {
  return backend().sha256(data);
}

/** SHA256(SHA256(x)), bitcoin's hash for txids and sighashes. */
export function sha256d(data: Uint8Array): Uint8Array {
  const b = backend();
  return b.sha256(b.sha256(data));
}

/** SHA3-256 (Tor v3 onion address checksums, BOLT 7 address type 4): off every hot path. */
export function sha3_256(data: Uint8Array): Uint8Array {
  return nobleSha3_256(data);
}

export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}

/** RIPEMD160(SHA256(x)), bitcoin's HASH160. */
export function hash160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(backend().sha256(data));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return backend().hmacSha256(key, data);
}

/** An incremental SHA-256 (for hashing long inputs in parts). */
export function sha256Hasher(): Sha256Hasher {
  return backend().sha256Hasher();
}

const NO_INFO = new Uint8Array(0);

/**
 * BOLT 8 HKDF: `HKDF(salt, ikm)` = RFC 5869 with SHA-256, a zero-length `info`,
 * returning 64 bytes split into two 32-byte keys.
 */
export function hkdfTwoKeys(salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const okm = backend().hkdfSha256(ikm, salt, NO_INFO, 64);
  const keys: [Uint8Array, Uint8Array] = [okm.slice(0, 32), okm.slice(32, 64)];
  okm.fill(0);
  return keys;
}

/** SHA256(tag) || SHA256(tag) for the string tags seen so far (a handful: BOLT 12, BIP340). */
const tagPrefixes = new Map<string, Uint8Array>();
const MAX_CACHED_TAGS = 64;

function tagPrefix(tag: string | Uint8Array): Uint8Array {
  const cached = typeof tag === 'string' ? tagPrefixes.get(tag) : undefined;
  if (cached !== undefined) return cached;
  const tagHash = backend().sha256(typeof tag === 'string' ? utf8.encode(tag) : tag);
  const prefix = new Uint8Array(64);
  prefix.set(tagHash, 0);
  prefix.set(tagHash, 32);
  if (typeof tag === 'string' && tagPrefixes.size < MAX_CACHED_TAGS) tagPrefixes.set(tag, prefix);
  return prefix;
}

/** BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || msg). */
export function taggedHash(tag: string | Uint8Array, ...msg: Uint8Array[]): Uint8Array {
  const prefix = tagPrefix(tag);
  let len = 64;
  for (const m of msg) len += m.length;
  const data = new Uint8Array(len);
  data.set(prefix, 0);
  let off = 64;
  for (const m of msg) {
    data.set(m, off);
    off += m.length;
  }
  return backend().sha256(data);
}

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  return nobleRandomBytes(length);
}
