/**
 * The @noble backend: audited pure JavaScript (@noble/secp256k1, @noble/hashes, @noble/ciphers).
 * Always available, in every runtime; the fallback when nothing faster loads, and the reference the
 * other backends are tested against.
 */
import * as secp from '@noble/secp256k1';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { extract as hkdfExtract, expand as hkdfExpand } from '@noble/hashes/hkdf.js';
import { chacha20 as nobleChacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { CipherBackend, HashBackend, Secp256k1Backend } from './backend';
import { bytesToBigint } from './bytes';

// @noble/secp256k1 ships without a synchronous hash; wire ours in once, here.
secp.hashes.sha256 = (m: Uint8Array) => nobleSha256(m);
secp.hashes.hmacSha256 = (k: Uint8Array, m: Uint8Array) => hmac(nobleSha256, k, m);

const pkg = (name: string, version: string) => `${name}@${version} (JavaScript)`;
export const NOBLE_SECP256K1 = pkg('@noble/secp256k1', '3');
export const NOBLE_HASHES = pkg('@noble/hashes', '2');
export const NOBLE_CIPHERS = pkg('@noble/ciphers', '2');

/** Parses and checks a point; null if it is not on the curve. */
function pointOf(bytes: Uint8Array): secp.Point | null {
  try {
    return secp.Point.fromBytes(bytes).assertValidity();
  } catch {
    return null;
  }
}

/** The compressed encoding, or null for the point at infinity. */
function compressed(p: secp.Point): Uint8Array | null {
  return p.is0() ? null : p.toBytes(true);
}

export const nobleSecp256k1: Secp256k1Backend = {
  isPoint: (point) => pointOf(point) !== null,
  pointFromScalar: (scalar) => secp.Point.BASE.multiply(bytesToBigint(scalar)).toBytes(true),
  xOnlyFromScalar: (scalar) => secp.schnorr.getPublicKey(scalar),
  pointMultiply(point, scalar) {
    const p = pointOf(point);
    return p === null ? null : p.multiply(bytesToBigint(scalar)).toBytes(true);
  },
  pointAdd(a, b) {
    const pa = pointOf(a);
    const pb = pointOf(b);
    return pa === null || pb === null ? null : compressed(pa.add(pb));
  },
  pointAddScalar(point, tweak) {
    const p = pointOf(point);
    return p === null ? null : compressed(p.add(secp.Point.BASE.multiply(bytesToBigint(tweak))));
  },
  ecdh(scalar, point) {
    const p = pointOf(point);
    // BOLT 8: ECDH(k, rk) is the SHA256 of the compressed format of the generated point.
    return p === null ? null : nobleSha256(p.multiply(bytesToBigint(scalar)).toBytes(true));
  },
  ecdsaSign: (digest, scalar) => secp.sign(digest, scalar, { prehash: false, lowS: true, extraEntropy: false }),
  ecdsaSignRecoverable(digest, scalar) {
    // 'recovered' format: recovery id first, then r || s.
    const rec = secp.sign(digest, scalar, { prehash: false, lowS: true, extraEntropy: false, format: 'recovered' });
    return { signature: rec.slice(1), recoveryId: rec[0]! };
  },
  ecdsaVerify(signature, digest, point) {
    try {
      return secp.verify(signature, digest, point, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },
  ecdsaRecover(signature, recoveryId, digest) {
    const rec = new Uint8Array(65);
    rec[0] = recoveryId;
    rec.set(signature, 1);
    try {
      return secp.recoverPublicKey(rec, digest, { prehash: false });
    } catch {
      return null;
    }
  },
  schnorrSign: (message, scalar, aux) => secp.schnorr.sign(message, scalar, aux),
  schnorrVerify(signature, message, xOnly) {
    try {
      return secp.schnorr.verify(signature, message, xOnly);
    } catch {
      return false;
    }
  },
};

export const nobleHashes: HashBackend = {
  sha256: (data) => nobleSha256(data),
  sha256Hasher() {
    const h = nobleSha256.create();
    return { update: (data) => void h.update(data), digest: () => h.digest() };
  },
  hmacSha256: (key, data) => hmac(nobleSha256, key, data),
  hkdfSha256(ikm, salt, info, length) {
    const prk = hkdfExtract(nobleSha256, ikm, salt);
    const okm = hkdfExpand(nobleSha256, prk, info, length);
    prk.fill(0);
    return okm;
  },
};

export const nobleCiphers: CipherBackend = {
  chacha20Poly1305Seal: (key, nonce, ad, plaintext) => chacha20poly1305(key, nonce, ad).encrypt(plaintext),
  chacha20Poly1305SealDetached(key, nonce, ad, plaintext) {
    // @noble seals into one array: the two parts are views of it.
    const sealed = chacha20poly1305(key, nonce, ad).encrypt(plaintext);
    return { ciphertext: sealed.subarray(0, plaintext.length), tag: sealed.subarray(plaintext.length) };
  },
  chacha20Poly1305Open(key, nonce, ad, sealed) {
    try {
      return chacha20poly1305(key, nonce, ad).decrypt(sealed);
    } catch {
      return null;
    }
  },
  chacha20Poly1305OpenDetached(key, nonce, ad, ciphertext, tag) {
    // @noble opens one array: the parts are joined (the fallback backend; node:crypto needs no copy).
    const sealed = new Uint8Array(ciphertext.length + tag.length);
    sealed.set(ciphertext);
    sealed.set(tag, ciphertext.length);
    return nobleCiphers.chacha20Poly1305Open(key, nonce, ad, sealed);
  },
  chacha20: (key, nonce, data, counter) => nobleChacha20(key, nonce, data, undefined, counter),
};
