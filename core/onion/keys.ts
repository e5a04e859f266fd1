/**
 * Sphinx key material (BOLT 4 "Key Generation", "Pseudo Random Byte Stream", "Shared Secret",
 * "Blinding Ephemeral Onion Keys"). Everything is a pure function of its inputs.
 */
import {
  chacha20Stream, concatBytes, ecdh, hmacSha256, pointFromScalar, pointMultiply, scalarFromHash, scalarMultiply,
  sha256, utf8, zeroize,
} from '../crypto';
import { isGlasswingError } from '../errors';
import type { KeyType } from './constants';
import { OnionError } from './errors';

const KEY_TYPE_BYTES = new Map<string, Uint8Array>();

/** BOLT 4 Key Generation: HMAC-SHA256 keyed with the key type's ASCII name, over the shared secret. */
export function generateKey(keyType: KeyType, sharedSecret: Uint8Array): Uint8Array {
  let key = KEY_TYPE_BYTES.get(keyType);
  if (!key) {
    key = utf8.encode(keyType); // BOLT 4: "the key-type does not include a C-style 0x00-termination-byte"
    KEY_TYPE_BYTES.set(keyType, key);
  }
  return hmacSha256(key, sharedSecret);
}

/** BOLT 4 Pseudo Random Byte Stream: ChaCha20 over `length` zero bytes, 96-bit zero nonce. */
export function generateCipherStream(key: Uint8Array, length: number): Uint8Array {
  return chacha20Stream(key, length);
}

/**
 * XORs `stream` into `target` in place, from `targetOffset`, for `stream.length` bytes (or until
 * `target` ends). Four bytes at a time where both sides are 4-byte aligned (a 65 KB onion layer is
 * XORed twice per peel and once per hop built, so this loop is a good part of a large message's cost).
 */
export function xorInto(target: Uint8Array, stream: Uint8Array, targetOffset = 0, streamOffset = 0, length?: number): void {
  const n = Math.min(length ?? stream.length - streamOffset, target.length - targetOffset, stream.length - streamOffset);
  let i = 0;
  const t = target.byteOffset + targetOffset;
  const s = stream.byteOffset + streamOffset;
  if (n >= 64 && t % 4 === 0 && s % 4 === 0) {
    const words = n >>> 2;
    const t32 = new Uint32Array(target.buffer, t, words);
    const s32 = new Uint32Array(stream.buffer, s, words);
    for (let w = 0; w < words; w++) t32[w]! ^= s32[w]!;
    i = words << 2;
  }
  for (; i < n; i++) target[targetOffset + i]! ^= stream[streamOffset + i]!;
}

/** BOLT 4 Blinding Ephemeral Onion Keys: SHA256(ephemeral public key || shared secret). */
export function computeBlindingFactor(ephemeralPublicKey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  return sha256(concatBytes(ephemeralPublicKey, sharedSecret));
}

/** BOLT 4 Onion Decryption: the next hop's `public_key` = incoming `public_key` · SHA256(public_key || ss). */
export function nextEphemeralPublicKey(ephemeralPublicKey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  return pointMultiply(ephemeralPublicKey, scalarFromHash(computeBlindingFactor(ephemeralPublicKey, sharedSecret)));
}

/** Per-hop values the sender derives while building a packet (BOLT 4 Packet Construction). */
export interface HopKeys {
  /** `epk_k`: the ephemeral public key hop k sees in the packet. */
  readonly ephemeralPublicKey: Uint8Array;
  /** `ss_k` = SHA256(ECDH(ek_k, node_id_k)). Secret. */
  readonly sharedSecret: Uint8Array;
  /** SHA256(epk_k || ss_k). */
  readonly blindingFactor: Uint8Array;
}

/**
 * BOLT 4 Packet Construction: walks the ephemeral key through the route. For each hop,
 * `ss_k = ECDH(ek_k, pubkey_k)`, `bf_k = SHA256(epk_k || ss_k)`, `ek_{k+1} = ek_k · bf_k`.
 * Throws CryptoError for an invalid session key or node id.
 */
export function computeHopKeys(sessionKey: Uint8Array, nodeIds: readonly Uint8Array[]): HopKeys[] {
  const out: HopKeys[] = [];
  let ek: Uint8Array = sessionKey.slice();
  try {
    for (const nodeId of nodeIds) {
      const ephemeralPublicKey = pointFromScalar(ek); // epk_k = ek_k · G (a base-point multiplication)
      const sharedSecret = ecdh(ek, nodeId); // ss_k = SHA256(ek_k · N_k), compressed
      const blindingFactor = computeBlindingFactor(ephemeralPublicKey, sharedSecret);
      const next = scalarMultiply(ek, scalarFromHash(blindingFactor)); // ek_{k+1} = ek_k · bf_k
      zeroize(ek);
      ek = next;
      out.push({ ephemeralPublicKey, sharedSecret, blindingFactor });
    }
  } finally {
    zeroize(ek);
  }
  return out;
}

/** The shared secrets only (what the origin keeps to decode a returned failure). */
export function computeSharedSecrets(sessionKey: Uint8Array, nodeIds: readonly Uint8Array[]): Uint8Array[] {
  return computeHopKeys(sessionKey, nodeIds).map((k) => k.sharedSecret);
}

/** 33 bytes with prefix 02 or 03: a compressed point's shape (on the curve is the ECDH's check). */
export function hasCompressedShape(p: Uint8Array): boolean {
  return p instanceof Uint8Array && p.length === 33 && (p[0] === 2 || p[0] === 3);
}

/**
 * ECDH whose parse of `point` is its curve check: a point off the curve is OnionError
 * `onion.invalid_key` (BOLT 4: "MUST abort processing the packet and fail"), as a separate check
 * before it would report, at the cost of a second point decompression.
 */
export function ecdhChecked(privateKey: Uint8Array, point: Uint8Array, what: string): Uint8Array {
  try {
    return ecdh(privateKey, point);
  } catch (e) {
    if (isGlasswingError(e, 'crypto.invalid_point')) throw new OnionError('onion.invalid_key', `${what} is not a valid point`);
    throw e;
  }
}
