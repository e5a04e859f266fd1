/**
 * Internal: the BOLT 8 primitives the handshake and the session share — the nonce encoding,
 * encryptWithAD / decryptWithAD, the handshake-hash update and the initial handshake state.
 */
import { aeadDecrypt, aeadEncrypt, concatBytes, sha256, utf8 } from '../crypto';
import { PROLOGUE, PROTOCOL_NAME } from './constants';

export const EMPTY = new Uint8Array(0);

/**
 * Writes nonce `n` into a 12-byte buffer. BOLT 8 encryptWithAD: "nonce `n` encoded as 32 zero
 * bits, followed by a *little-endian* 64-bit value".
 */
export function writeNonce(out: Uint8Array, n: number): Uint8Array {
  out[0] = out[1] = out[2] = out[3] = 0; // BOLT 8: 32 zero bits
  let v = n;
  for (let i = 4; i < 12; i++) {
    out[i] = v % 256; // BOLT 8: little-endian 64-bit counter
    v = Math.floor(v / 256);
  }
  return out;
}

/** A fresh 12-byte nonce for counter `n`. */
export function nonce(n: number): Uint8Array {
  return writeNonce(new Uint8Array(12), n);
}

/** BOLT 8 `encryptWithAD(k, n, ad, plaintext)`: ChaCha20-Poly1305 (RFC 8439). */
export function encryptWithAD(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return aeadEncrypt(k, nonce(n), ad, plaintext);
}

/** BOLT 8 `decryptWithAD(k, n, ad, ciphertext)`; a failed MAC throws CryptoError `crypto.bad_mac`. */
export function decryptWithAD(k: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return aeadDecrypt(k, nonce(n), ad, ciphertext);
}

/** BOLT 8: `h = SHA-256(h || data)`. */
export function mixHash(h: Uint8Array, data: Uint8Array): Uint8Array {
  return sha256(concatBytes(h, data));
}

/**
 * BOLT 8 "Handshake State Initialization" steps 1–3 plus the concluding step: both sides start
 * from the same `ck` and an `h` that already contains the responder's static public key.
 */
export function initialState(responderStatic: Uint8Array): { h: Uint8Array; ck: Uint8Array } {
  const h0 = sha256(utf8.encode(PROTOCOL_NAME)); // step 1: h = SHA-256(protocolName)
  const ck = h0.slice(); // step 2: ck = h
  const h1 = mixHash(h0, utf8.encode(PROLOGUE)); // step 3: h = SHA-256(h || prologue)
  const h = mixHash(h1, responderStatic); // concluding step: h = SHA-256(h || rs.pub / ls.pub)
  return { h, ck };
}

/** True for a 33-byte SEC1 compressed key prefix (0x02 or 0x03); validity is checked elsewhere. */
export function hasCompressedPrefix(key: Uint8Array): boolean {
  return key.length === 33 && (key[0] === 0x02 || key[0] === 0x03);
}
