/** Password-based key derivation (for the seed encrypted at rest), through @noble/hashes. */
import { scryptAsync } from '@noble/hashes/scrypt.js';

/** Parameters recorded next to the ciphertext so they can be raised later. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** scrypt defaults for interactive unlocking (~0.2-0.5 s on a desktop). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** Derives a 32-byte key from a passphrase with scrypt (RFC 7914). */
export async function passphraseKey(passphrase: string, salt: Uint8Array, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<Uint8Array> {
  return scryptAsync(passphrase.normalize('NFKC'), salt, { N: params.N, r: params.r, p: params.p, dkLen: 32 });
}
