/**
 * The one seam for cryptography. Every other layer imports from here, never from @noble/* or
 * the secp256k1 packages directly. The functions below check their inputs and delegate to one
 * synchronous backend chosen at start (select.ts: native libsecp256k1, WebAssembly libsecp256k1,
 * or @noble), so a backend is replaced in one place and callers never change.
 */
export * from './bytes';
export * from './hash';
export * from './chacha';
export * from './secp256k1';
export * from './kdf';
export type { CryptoBackendName, CryptoPrimitive, CryptoPrimitiveInfo, DetachedSeal, Sha256Hasher } from './backend';
export { CRYPTO_BACKEND_NAMES } from './backend';
export type { CryptoBackendInfo, CryptoBackendRequest, SelectCryptoBackendOptions } from './select';
export {
  CRYPTO_BACKEND_ENV, availableCryptoBackends, cryptoBackendInfo, parseCryptoBackendName, selectCryptoBackend, useCryptoBackend,
} from './select';
