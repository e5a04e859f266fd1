/**
 * libsecp256k1 through N-API: the `secp256k1` npm package (v5, cryptocoinjs/secp256k1-node), which
 * ships prebuilt N-API binaries for linux-x64 (glibc and musl), darwin-arm64 and win32-x64; being
 * N-API, the same binary loads in Node and in Electron without a rebuild.
 *
 * It has ECDH (whose default hash is SHA-256 of the compressed point: BOLT 8's ECDH exactly), ECDSA
 * sign/verify/recover and the point tweaks, but no BIP340 Schnorr (its libsecp256k1 is built
 * without the schnorrsig module): the native backend takes Schnorr from the WebAssembly build of
 * libsecp256k1 (select.ts). The package's own `index.js` silently falls back to a JavaScript
 * `elliptic` implementation when the addon does not load; we load `secp256k1/bindings` instead, so
 * a missing addon is an error we see and report, not a quiet slowdown.
 */
import type { Secp256k1Backend } from './backend';
import { bigintToBytes, bytesToBigint } from './bytes';
import { packageVersion, requireAtRunTime } from './load';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * The digest mod n. The libsecp256k1 inside secp256k1@5 feeds the unreduced digest to its RFC 6979
 * nonce function, where RFC 6979 §3.2 (bits2octets) and newer libsecp256k1 reduce it first: for a
 * digest >= n (never a real hash, but a differential test finds it) the signatures would differ
 * from the other backends'. Signing the reduced digest gives the RFC 6979 signature, which verifies
 * against the original digest (verification reduces it too).
 */
function reduced(digest: Uint8Array): Uint8Array {
  if (digest[0]! !== 0xff) return digest; // every digest >= n starts with 0xff
  const d = bytesToBigint(digest);
  return d >= N ? bigintToBytes(d - N, 32) : digest;
}

/** The part of the package's API used here (it throws Error for every failure). */
interface NativeSecp256k1 {
  contextRandomize(seed: Uint8Array): void;
  publicKeyVerify(publicKey: Uint8Array): boolean;
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyCombine(publicKeys: Uint8Array[], compressed?: boolean): Uint8Array;
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed?: boolean): Uint8Array;
  ecdh(publicKey: Uint8Array, privateKey: Uint8Array): Uint8Array;
}

export type NativeSecp256k1Backend = Omit<Secp256k1Backend, 'schnorrSign' | 'schnorrVerify'>;

/** null instead of the package's Error (a parse failure or a result at infinity). */
function orNull(f: () => Uint8Array): Uint8Array | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/**
 * Loads the addon (throws if it cannot), randomizes its context against side channels (as
 * libsecp256k1 recommends) with `seed`, and returns the backend and its description.
 */
export function loadNativeSecp256k1(seed: Uint8Array): { backend: NativeSecp256k1Backend; description: string } {
  const lib = requireAtRunTime('secp256k1/bindings') as NativeSecp256k1;
  lib.contextRandomize(seed);
  const backend: NativeSecp256k1Backend = {
    isPoint: (point) => lib.publicKeyVerify(point),
    pointFromScalar: (scalar) => lib.publicKeyCreate(scalar, true),
    xOnlyFromScalar: (scalar) => lib.publicKeyCreate(scalar, true).slice(1),
    pointMultiply: (point, scalar) => orNull(() => lib.publicKeyTweakMul(point, scalar, true)),
    pointAdd: (a, b) => orNull(() => lib.publicKeyCombine([a, b], true)),
    pointAddScalar: (point, tweak) => orNull(() => lib.publicKeyTweakAdd(point, tweak, true)),
    // secp256k1_ecdh's default hash is SHA256(0x02 | (y & 1) || x): BOLT 8's ECDH.
    ecdh: (scalar, point) => orNull(() => lib.ecdh(point, scalar)),
    // RFC 6979 nonces (no extra data); libsecp256k1 always returns the low-S form.
    ecdsaSign: (digest, scalar) => lib.ecdsaSign(reduced(digest), scalar).signature,
    ecdsaSignRecoverable(digest, scalar) {
      const { signature, recid } = lib.ecdsaSign(reduced(digest), scalar);
      return { signature, recoveryId: recid };
    },
    ecdsaVerify(signature, digest, point) {
      try {
        return lib.ecdsaVerify(signature, digest, point); // libsecp256k1 accepts only low-S
      } catch {
        return false; // r or s not below n, or the key does not parse
      }
    },
    ecdsaRecover: (signature, recoveryId, digest) => orNull(() => lib.ecdsaRecover(signature, recoveryId, digest, true)),
  };
  return { backend, description: `libsecp256k1 (N-API, secp256k1@${packageVersion('secp256k1')})` };
}
