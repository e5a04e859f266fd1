/**
 * libsecp256k1 0.8 through our own N-API binding (native/secp256k1: a small Rust crate over the
 * `secp256k1-sys` FFI, built by scripts/native/secp256k1.mjs into dist/native/). It has every curve
 * operation the node needs: BOLT 8 ECDH (libsecp256k1's default ECDH hash is SHA-256 of the
 * compressed point), RFC 6979 ECDSA with recovery, BIP340 Schnorr and the point tweaks. Against
 * the npm `secp256k1` v5 (whose libsecp256k1 dates from 2019) it signs, verifies and does ECDH in
 * about 0.55–0.6 of the time on the same machine.
 *
 * The binding writes each result into an array allocated here and answers `false` (or -1) for a
 * failure libsecp256k1 reports; it throws only for a wrong length, which the fronts rule out. Its
 * context is randomized once, at load, with a fresh seed. The same addon carries ciphers
 * (backend-addon-ciphers.ts), handed to the caller with the curve backend.
 *
 * Where the addon lives: `GLASSWING_LIBSECP_ADDON` (a path), else `dist/native/` of the checkout,
 * found by looking in `dist/native/` under each folder above this module (from core/crypto/ when
 * run from source, from the bundles in dist/, from app.asar/dist/electron/ in the packaged app,
 * where electron-builder keeps it outside the asar). Absent, the selection falls back with one log line.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Secp256k1Backend } from './backend';
import type { AddonCipherExports, AddonCiphers } from './backend-addon-ciphers';
import { addonCiphers } from './backend-addon-ciphers';
import { moduleDir, requireAtRunTime } from './load';

/** The file name scripts/native/secp256k1.mjs gives the built addon. */
export const LIBSECP_ADDON_FILE = 'glasswing_secp256k1.node';
/** The environment variable naming the addon's path, to override the search. */
export const LIBSECP_ADDON_ENV = 'GLASSWING_LIBSECP_ADDON';

/** The addon's exports (native/secp256k1/src/lib.rs). */
interface LibsecpAddon extends AddonCipherExports {
  libraryVersion(): string;
  contextRandomize(seed: Uint8Array): boolean;
  isPoint(point: Uint8Array): boolean;
  pointFromScalar(scalar: Uint8Array, out: Uint8Array): boolean;
  xOnlyFromScalar(scalar: Uint8Array, out: Uint8Array): boolean;
  pointMultiply(point: Uint8Array, scalar: Uint8Array, out: Uint8Array): boolean;
  pointAdd(a: Uint8Array, b: Uint8Array, out: Uint8Array): boolean;
  pointAddScalar(point: Uint8Array, tweak: Uint8Array, out: Uint8Array): boolean;
  ecdh(scalar: Uint8Array, point: Uint8Array, out: Uint8Array): boolean;
  ecdsaSign(digest: Uint8Array, scalar: Uint8Array, out: Uint8Array): number;
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, point: Uint8Array): boolean;
  ecdsaRecover(signature: Uint8Array, recoveryId: number, digest: Uint8Array, out: Uint8Array): boolean;
  schnorrSign(message: Uint8Array, scalar: Uint8Array, aux: Uint8Array, out: Uint8Array): boolean;
  schnorrVerify(signature: Uint8Array, message: Uint8Array, xOnly: Uint8Array): boolean;
}

/** The places the addon is looked for, in order. */
export function libsecpAddonCandidates(): string[] {
  const env = typeof process !== 'undefined' ? process.env[LIBSECP_ADDON_ENV] : undefined;
  if (env !== undefined && env.trim() !== '') return [env.trim()];
  // `dist/native/` under each folder above this module: the checkout's from core/crypto/ (source,
  // tsx) and from any bundle inside dist/ (dist/electron/, the CLI's dist/cli/…), the app's from
  // app.asar/dist/electron/.
  const found: string[] = [];
  let dir = moduleDir();
  for (let i = 0; i < 6; i++) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
    found.push(join(dir, 'dist', 'native', LIBSECP_ADDON_FILE));
  }
  return found;
}

/** A result libsecp256k1 always produces for inputs of the fronts' shapes (a valid scalar). */
function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`libsecp256k1 refused ${what} for a valid scalar`);
}

/**
 * Loads the addon (throws, with the paths tried, if it cannot), randomizes its context with
 * `seed`, and returns the backend and its description.
 */
export function loadLibsecp(seed: Uint8Array): {
  backend: Secp256k1Backend;
  description: string;
  /** The addon's ciphers at every size (probed and limited by the caller: backend-addon-ciphers.ts); null if the addon predates them. */
  ciphers: AddonCiphers | null;
} {
  const candidates = libsecpAddonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`the libsecp256k1 addon is not built (looked for ${candidates.join(', ')}; run node scripts/native/secp256k1.mjs)`);
  const lib = requireAtRunTime(path) as LibsecpAddon;
  lib.contextRandomize(seed);
  const point33 = (f: (out: Uint8Array) => boolean): Uint8Array | null => {
    const out = new Uint8Array(33);
    return f(out) ? out : null;
  };
  const backend: Secp256k1Backend = {
    isPoint: (point) => lib.isPoint(point),
    pointFromScalar(scalar) {
      const out = new Uint8Array(33);
      must(lib.pointFromScalar(scalar, out), 'k·G');
      return out;
    },
    xOnlyFromScalar(scalar) {
      const out = new Uint8Array(32);
      must(lib.xOnlyFromScalar(scalar, out), 'k·G');
      return out;
    },
    pointMultiply: (point, scalar) => point33((out) => lib.pointMultiply(point, scalar, out)),
    pointAdd: (a, b) => point33((out) => lib.pointAdd(a, b, out)),
    pointAddScalar: (point, tweak) => point33((out) => lib.pointAddScalar(point, tweak, out)),
    ecdh(scalar, point) {
      const out = new Uint8Array(32);
      return lib.ecdh(scalar, point, out) ? out : null;
    },
    // RFC 6979 nonces (no extra data); libsecp256k1 returns the low-S form and, since 0.2, reduces
    // a digest >= n before deriving the nonce (RFC 6979 §3.2 bits2octets), as the other backends do.
    ecdsaSign(digest, scalar) {
      const out = new Uint8Array(64);
      must(lib.ecdsaSign(digest, scalar, out) >= 0, 'an ECDSA signature');
      return out;
    },
    ecdsaSignRecoverable(digest, scalar) {
      const signature = new Uint8Array(64);
      const recoveryId = lib.ecdsaSign(digest, scalar, signature);
      must(recoveryId >= 0, 'an ECDSA signature');
      return { signature, recoveryId };
    },
    ecdsaVerify: (signature, digest, point) => lib.ecdsaVerify(signature, digest, point),
    ecdsaRecover: (signature, recoveryId, digest) => point33((out) => lib.ecdsaRecover(signature, recoveryId, digest, out)),
    schnorrSign(message, scalar, aux) {
      const out = new Uint8Array(64);
      must(lib.schnorrSign(message, scalar, aux, out), 'a BIP340 signature');
      return out;
    },
    schnorrVerify: (signature, message, xOnly) => lib.schnorrVerify(signature, message, xOnly),
  };
  return { backend, description: `${lib.libraryVersion()} (N-API, Glasswing's binding)`, ciphers: addonCiphers(lib) };
}
