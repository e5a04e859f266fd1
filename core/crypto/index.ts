/**
 * The one seam for cryptography. Every other layer imports from here, never from
 * @noble/* directly, so the backend can be replaced in one place.
 */
export * from './bytes';
export * from './hash';
export * from './chacha';
export * from './secp256k1';
export * from './kdf';
export * from './recovery';
