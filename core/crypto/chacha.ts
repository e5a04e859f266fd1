/**
 * ChaCha20 and ChaCha20-Poly1305 (RFC 8439) from the selected backend (select.ts): node:crypto
 * where the runtime has them, @noble/ciphers otherwise. Inputs are checked here, so every backend
 * rejects the same inputs with the same typed errors.
 */
import { CryptoError, assertBytes } from './bytes';
import type { DetachedSeal } from './backend';
import { backend } from './select';

const TAG_LENGTH = 16;
/** Block indices 0 .. 2^32 - 2 (see chacha20Xor). */
const MAX_BLOCKS = 2 ** 32 - 1;

function checkKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  assertBytes(key, 32, 'key');
  assertBytes(nonce, 12, 'nonce');
}

/** AEAD encrypt: returns ciphertext || 16-byte tag. `nonce` is 12 bytes. */
export function aeadEncrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce);
  assertBytes(ad, undefined, 'associated data');
  assertBytes(plaintext, undefined, 'plaintext');
  return backend().chacha20Poly1305Seal(key, nonce, ad, plaintext);
}

/**
 * AEAD encrypt with the ciphertext (plaintext.length bytes) and the 16-byte tag returned apart, as
 * the backend wrote them: the same bytes as aeadEncrypt, for framing that writes them out as they
 * are (BOLT 8 frames leave as parts, gathered by one socket write) without copying them into one array.
 */
export function aeadEncryptDetached(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): DetachedSeal {
  checkKeyNonce(key, nonce);
  assertBytes(ad, undefined, 'associated data');
  assertBytes(plaintext, undefined, 'plaintext');
  return backend().chacha20Poly1305SealDetached(key, nonce, ad, plaintext);
}

/**
 * AEAD decrypt of ciphertext || tag. A wrong tag throws CryptoError `crypto.bad_mac`
 * (the tag is checked in constant time by the backend).
 */
export function aeadDecrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce);
  assertBytes(ad, undefined, 'associated data');
  assertBytes(sealed, undefined, 'ciphertext');
  if (sealed.length < TAG_LENGTH) throw new CryptoError('crypto.bad_mac', 'ciphertext shorter than its 16-byte tag');
  const plaintext = backend().chacha20Poly1305Open(key, nonce, ad, sealed);
  if (plaintext === null) throw new CryptoError('crypto.bad_mac', 'ChaCha20-Poly1305 tag mismatch');
  return plaintext;
}

/**
 * AEAD decrypt with the ciphertext and its 16-byte tag apart (a frame whose tag came in a later
 * read than its body): no copy to join them. The same errors as aeadDecrypt.
 */
export function aeadDecryptDetached(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array {
  checkKeyNonce(key, nonce);
  assertBytes(ad, undefined, 'associated data');
  assertBytes(ciphertext, undefined, 'ciphertext');
  assertBytes(tag, TAG_LENGTH, 'tag');
  const plaintext = backend().chacha20Poly1305OpenDetached(key, nonce, ad, ciphertext, tag);
  if (plaintext === null) throw new CryptoError('crypto.bad_mac', 'ChaCha20-Poly1305 tag mismatch');
  return plaintext;
}

/**
 * The raw ChaCha20 keystream XORed onto `data` (12-byte nonce, 32-bit block counter starting at
 * `counter`). RFC 8439 §2.4 bounds a stream at 2^32 blocks; like @noble/ciphers we never use the
 * last block index (2^32 - 1), so every backend refuses the same counters: a stream that would
 * reach it is CryptoError `crypto.counter_overflow` (no BOLT comes near: they start at 0 or 1).
 */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, counter = 0): Uint8Array {
  checkKeyNonce(key, nonce);
  assertBytes(data, undefined, 'data');
  if (!Number.isSafeInteger(counter) || counter < 0 || counter >= MAX_BLOCKS || counter + Math.ceil(data.length / 64) > MAX_BLOCKS) {
    throw new CryptoError('crypto.counter_overflow', `ChaCha20 block counter ${String(counter)} out of range for ${data.length} bytes`);
  }
  return backend().chacha20(key, nonce, data, counter);
}

/** `length` bytes of ChaCha20 keystream (BOLT 4 generate_cipher_stream: zero nonce). */
export function chacha20Stream(key: Uint8Array, length: number, nonce: Uint8Array = new Uint8Array(12)): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new CryptoError('bytes.bad_length', `keystream length must be a non-negative integer, got ${String(length)}`);
  return chacha20Xor(key, nonce, new Uint8Array(length), 0);
}
