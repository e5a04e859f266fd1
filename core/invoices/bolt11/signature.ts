/**
 * The BOLT 11 signature: "a valid compact ECDSA signature over secp256k1 of the SHA-256 hash of:
 * the human-readable part (as UTF-8 bytes) concatenated with the data part (excluding the
 * signature), with 0 bits appended to pad to a byte boundary. The signature is encoded as 64 bytes
 * (R || S), followed by a trailing 1-byte recovery id in {0,1,2,3}."
 */
import { concatBytes, ecdsaRecoverPublicKey, ecdsaSignRecoverable, ecdsaVerify, isLowS, sha256, utf8 } from '../../crypto';
import { Bolt11ParseError, Bolt11SemanticError } from './errors';
import { bytesToWords, wordsToBytes, wordsToBytesPadded } from './words';

/** 520 bits: 64-byte R || S and the recovery id byte, i.e. 104 words. */
export const SIGNATURE_WORDS = 104;

export interface Bolt11Signature {
  /** 64 bytes: r || s. */
  readonly rs: Uint8Array;
  /** 0..3. */
  readonly recoveryId: number;
}

/** The bytes the signature covers. */
export function signingData(hrp: string, dataWords: Uint8Array): Uint8Array {
  return concatBytes(utf8.encode(hrp), wordsToBytesPadded(dataWords));
}

/** SHA256 of the signing data: the digest signed. */
export function signingHash(hrp: string, dataWords: Uint8Array): Uint8Array {
  return sha256(signingData(hrp, dataWords));
}

/** Reads the 104 signature words. Throws `bolt11.invalid_recovery_id`. */
export function readSignature(words: Uint8Array): Bolt11Signature {
  const bytes = wordsToBytes(words, 'signature'); // 520 bits: exactly 65 bytes, no padding
  const recoveryId = bytes[64]!;
  if (recoveryId > 3) throw new Bolt11ParseError('bolt11.invalid_recovery_id', `recovery id ${recoveryId} is not 0, 1, 2 or 3`);
  return { rs: bytes.slice(0, 64), recoveryId };
}

export function writeSignature(sig: Bolt11Signature): Uint8Array {
  const bytes = new Uint8Array(65);
  bytes.set(sig.rs, 0);
  bytes[64] = sig.recoveryId;
  return bytesToWords(bytes);
}

/** Writer: signs the digest with the node key (RFC 6979, low-S) and returns r||s and the recovery id. */
export function signDigest(digest: Uint8Array, nodeKey: Uint8Array): Bolt11Signature {
  const { signature, recoveryId } = ecdsaSignRecoverable(digest, nodeKey);
  return { rs: signature, recoveryId };
}

/**
 * Reader, without an `n` field: "MUST perform ECDSA public-key recovery and accept both high-S and
 * low-S signatures." Throws `bolt11.signature_not_recoverable`.
 */
export function recoverPayee(sig: Bolt11Signature, digest: Uint8Array): Uint8Array {
  try {
    return ecdsaRecoverPublicKey(sig.rs, sig.recoveryId, digest);
  } catch {
    throw new Bolt11SemanticError('bolt11.signature_not_recoverable');
  }
}

/**
 * Reader, with an `n` field: "MUST use the n field to validate the signature instead of performing
 * public-key recovery. If the signature is not compliant with the low-S standard rule: MUST fail
 * the payment." Throws `bolt11.high_s_signature` or `bolt11.invalid_signature`.
 */
export function verifyPayee(sig: Bolt11Signature, digest: Uint8Array, payeeNodeId: Uint8Array): void {
  if (!isLowS(sig.rs)) throw new Bolt11SemanticError('bolt11.high_s_signature');
  if (!ecdsaVerify(sig.rs, digest, payeeNodeId)) throw new Bolt11SemanticError('bolt11.invalid_signature');
}
