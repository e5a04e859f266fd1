/**
 * The crypto backend seam: one synchronous interface for every primitive the node computes, chosen
 * once at start (select.ts). The module-level functions the other layers call (secp256k1.ts,
 * hash.ts, chacha.ts) check their inputs and map failures to typed errors themselves, then call
 * the selected backend. A backend therefore only sees inputs of the right shape, and reports a
 * failure the front cannot rule out beforehand (a point not on the curve, a sum at infinity, a
 * wrong tag) by returning `null` or `false`: it never throws for them, so every backend fails in
 * exactly the same way, with the same typed error, raised in one place.
 *
 * Input shapes guaranteed by the fronts:
 * - `scalar`: 32 bytes, big-endian, in [1, n).
 * - `point`: 33 bytes with prefix 02/03, or 65 bytes with prefix 04 (not yet known to be on the curve).
 * - `xOnly`: 32 bytes (not yet known to be on the curve). `digest`, `message`, `aux`: 32 bytes.
 * - `signature`: 64 bytes r || s (r and s not yet range-checked). `recoveryId`: 0..3.
 * - AEAD `key` 32 bytes, `nonce` 12 bytes, sealed input at least 16 bytes; `out` with room for
 *   plaintext + 16 bytes at an integer `offset`.
 * - raw ChaCha20 `counter`: an integer with counter + blocks(data) <= 2^32 - 1.
 * Points returned are 33-byte compressed; every returned array is fresh (the caller may zero it).
 */

/**
 * `libsecp`: libsecp256k1 0.8 through our own N-API binding (backend-libsecp.ts); `native`:
 * libsecp256k1 of 2019 through the npm `secp256k1` v5 addon; `wasm`: libsecp256k1 in WebAssembly;
 * `noble`: @noble. In order of preference.
 */
export type CryptoBackendName = 'libsecp' | 'native' | 'wasm' | 'noble';

export const CRYPTO_BACKEND_NAMES: readonly CryptoBackendName[] = ['libsecp', 'native', 'wasm', 'noble'];

/** The primitives a backend reports an implementation for (see `cryptoBackendInfo()`). */
export type CryptoPrimitive =
  | 'ecdh'
  | 'ecdsa'
  | 'ecdsaRecovery'
  | 'schnorr'
  | 'points'
  | 'sha256'
  | 'hmacSha256'
  | 'hkdf'
  | 'chacha20Poly1305'
  | 'chacha20';

/** Which implementation computes each primitive, e.g. `ecdh: 'libsecp256k1 (N-API, secp256k1@5.0.2)'`. */
export type CryptoPrimitiveInfo = Readonly<Record<CryptoPrimitive, string>>;

/** An incremental SHA-256. */
export interface Sha256Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export interface Secp256k1Backend {
  /** True if `point` is on the curve. */
  isPoint(point: Uint8Array): boolean;
  /** scalar·G. */
  pointFromScalar(scalar: Uint8Array): Uint8Array;
  /** The BIP340 x-only key (32 bytes) of scalar·G. */
  xOnlyFromScalar(scalar: Uint8Array): Uint8Array;
  /** scalar·P; null if P is not on the curve. */
  pointMultiply(point: Uint8Array, scalar: Uint8Array): Uint8Array | null;
  /** a + b; null if either is not on the curve or the sum is the point at infinity. */
  pointAdd(a: Uint8Array, b: Uint8Array): Uint8Array | null;
  /** P + tweak·G (tweak is a scalar); null if P is not on the curve or the sum is infinity. */
  pointAddScalar(point: Uint8Array, tweak: Uint8Array): Uint8Array | null;
  /** BOLT 8 ECDH: SHA-256 of the compressed point scalar·P; null if P is not on the curve. */
  ecdh(scalar: Uint8Array, point: Uint8Array): Uint8Array | null;
  /** RFC 6979 deterministic ECDSA (no extra entropy), low-S, compact r || s. */
  ecdsaSign(digest: Uint8Array, scalar: Uint8Array): Uint8Array;
  /** As ecdsaSign, with the recovery id of the low-S signature. */
  ecdsaSignRecoverable(digest: Uint8Array, scalar: Uint8Array): { signature: Uint8Array; recoveryId: number };
  /** Low-S ECDSA verification; false for a point off the curve, r or s out of [1, n), or high S. */
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, point: Uint8Array): boolean;
  /** SEC 1 public-key recovery (high and low S accepted); null if no key results. */
  ecdsaRecover(signature: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array | null;
  /** BIP340 signature of a 32-byte message with 32 bytes of auxiliary randomness. */
  schnorrSign(message: Uint8Array, scalar: Uint8Array, aux: Uint8Array): Uint8Array;
  /** BIP340 verification; false for a key off the curve, r >= p or s >= n. */
  schnorrVerify(signature: Uint8Array, message: Uint8Array, xOnly: Uint8Array): boolean;
}

export interface HashBackend {
  sha256(data: Uint8Array): Uint8Array;
  sha256Hasher(): Sha256Hasher;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 5869 HKDF-SHA256 (extract then expand) returning `length` bytes. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/** An AEAD seal's two parts: the ciphertext (as long as the plaintext) and the 16-byte tag. */
export interface DetachedSeal {
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

export interface CipherBackend {
  /** RFC 8439 AEAD: ciphertext || 16-byte tag. */
  chacha20Poly1305Seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The same seal with the ciphertext and the 16-byte tag apart (each as the cipher wrote it: no copy to join them). */
  chacha20Poly1305SealDetached(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): DetachedSeal;
  /** RFC 8439 AEAD open of ciphertext || tag; null if the tag does not match. */
  chacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
  /** The same open with the ciphertext and its 16-byte tag apart (no copy to join them); null if the tag does not match. */
  chacha20Poly1305OpenDetached(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null;
  /** RFC 8439 ChaCha20 (12-byte nonce, 32-bit block counter) keystream XORed onto `data`. */
  chacha20(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, counter: number): Uint8Array;
}

/** One backend: every primitive, and which implementation serves each. */
export interface CryptoBackend extends Secp256k1Backend, HashBackend, CipherBackend {
  readonly name: CryptoBackendName;
  readonly primitives: CryptoPrimitiveInfo;
  /** A part of it that is not used, and why (said in the log line and getinfo's notes). */
  readonly notes?: readonly string[];
}
