/** ChaCha20 and ChaCha20-Poly1305 (RFC 8439) through @noble/ciphers. */
import { chacha20 as nobleChacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { CryptoError } from './bytes';

/** AEAD encrypt: returns ciphertext || 16-byte tag. `nonce` is 12 bytes. */
export function aeadEncrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return chacha20poly1305(key, nonce, ad).encrypt(plaintext);
}

/**
 * AEAD decrypt of ciphertext || tag. A wrong tag throws CryptoError `crypto.bad_mac`
 * (the tag is checked in constant time by the backend).
 */
export function aeadDecrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < 16) throw new CryptoError('crypto.bad_mac', 'ciphertext shorter than its 16-byte tag');
  try {
    return chacha20poly1305(key, nonce, ad).decrypt(sealed);
  } catch {
    throw new CryptoError('crypto.bad_mac', 'ChaCha20-Poly1305 tag mismatch');
  }
}

/** The raw ChaCha20 keystream XORed onto `data` (12-byte nonce, 32-bit counter starting at `counter`). */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, counter = 0): Uint8Array {
  return nobleChacha20(key, nonce, data, undefined, counter);
}

/** `length` bytes of ChaCha20 keystream (BOLT 4 generate_cipher_stream: zero nonce). */
export function chacha20Stream(key: Uint8Array, length: number, nonce: Uint8Array = new Uint8Array(12)): Uint8Array {
  return nobleChacha20(key, nonce, new Uint8Array(length));
}
