/**
 * The node's crypto backend (getInfo's `crypto`) as the app shows it: one line per family of
 * primitives, naming the implementation behind it. Pure.
 */
import type { CryptoBackendInfo, CryptoPrimitive } from '../../../core/api/types';

export interface CryptoFamilyLine {
  readonly family: string;
  /** What the family is used for here, in a few words. */
  readonly use: string;
  /** The implementation; `primitive: implementation` pairs when they differ within the family. */
  readonly implementation: string;
}

const FAMILIES: readonly { family: string; use: string; primitives: readonly CryptoPrimitive[] }[] = [
  { family: 'ECDH', use: 'BOLT 8 handshakes, onion shared secrets', primitives: ['ecdh'] },
  { family: 'ECDSA', use: 'signatures of messages and commitments, BOLT 11 recovery', primitives: ['ecdsa', 'ecdsaRecovery'] },
  { family: 'Schnorr (BIP340)', use: 'BOLT 12 signatures', primitives: ['schnorr'] },
  { family: 'Curve points', use: 'key derivation, blinded paths', primitives: ['points'] },
  { family: 'SHA-256, HMAC, HKDF', use: 'hashes and key derivation', primitives: ['sha256', 'hmacSha256', 'hkdf'] },
  { family: 'ChaCha20-Poly1305', use: 'BOLT 8 encryption, onions', primitives: ['chacha20Poly1305', 'chacha20'] },
];

const NAMES: Readonly<Record<CryptoPrimitive, string>> = {
  ecdh: 'ECDH', ecdsa: 'sign/verify', ecdsaRecovery: 'recovery', schnorr: 'BIP340', points: 'points',
  sha256: 'SHA-256', hmacSha256: 'HMAC', hkdf: 'HKDF', chacha20Poly1305: 'AEAD', chacha20: 'ChaCha20',
};

export function cryptoFamilies(info: CryptoBackendInfo): CryptoFamilyLine[] {
  return FAMILIES.map(({ family, use, primitives }) => {
    const impls = primitives.map((p) => info.primitives[p]);
    const same = impls.every((i) => i === impls[0]);
    return { family, use, implementation: same ? impls[0]! : primitives.map((p, i) => `${NAMES[p]}: ${impls[i]}`).join(' · ') };
  });
}

/** The backend in a sentence: which, who chose it, and why not another. */
export function cryptoSummary(info: CryptoBackendInfo): string {
  const how = info.requestedBy === 'option' ? `asked for with --crypto ${info.requested}`
    : info.requestedBy === 'environment' ? `asked for with GLASSWING_CRYPTO=${info.requested}`
    : 'chosen automatically (the first that works of native, wasm, noble)';
  return `${info.backend} backend, ${how}${info.fallback ? `; passed over: ${info.fallback}` : ''}.`;
}
