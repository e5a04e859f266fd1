/**
 * libsecp256k1 compiled to WebAssembly: `tiny-secp256k1` v2 (bitcoinjs; the rust-secp256k1
 * bindings, libsecp256k1 with its schnorrsig, extrakeys and recovery modules, built to one .wasm).
 * Portable (no binary per platform), synchronous (the module compiles at load), and the source of
 * BIP340 Schnorr for the native backend too.
 *
 * tiny-secp256k1 has no ECDH function: ECDH is its constant-time point multiplication followed by
 * SHA-256 of the compressed result, as BOLT 8 defines it.
 *
 * Never let it reject an input inside the WebAssembly module. tiny-secp256k1@2.2.4 reports a bad
 * point (or key, or signature) found inside the module by throwing a JavaScript exception through
 * the module's frames, which leaks the module's stack each time: after about 3,100 rejected points
 * the instance is corrupt and every later call fails with "memory access out of bounds" (measured
 * here; a peer could send that many invalid points). So every point is checked with the
 * non-throwing isPoint first, and signatures are range-checked here; the inputs that reach an
 * operation are ones it accepts. A test drives each refusal path thousands of times and checks that
 * the module still computes correctly.
 */
import type * as TinySecp256k1 from 'tiny-secp256k1';
import type { Secp256k1Backend } from './backend';
import { nobleSecp256k1 } from './backend-noble';
import { bytesToBigint } from './bytes';
import { packageVersion, requireAtRunTime } from './load';

type Tiny = typeof TinySecp256k1;

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** r and s both in [1, n): the only signatures worth handing to the module (see the header). */
function rsInRange(signature: Uint8Array): boolean {
  for (const half of [signature.subarray(0, 32), signature.subarray(32)]) {
    const v = bytesToBigint(half);
    if (v === 0n || v >= N) return false;
  }
  return true;
}

/** Loads and instantiates the WebAssembly module (throws if it cannot). */
export function loadWasmSecp256k1(sha256: (data: Uint8Array) => Uint8Array): { backend: Secp256k1Backend; description: string } {
  const tiny = requireAtRunTime('tiny-secp256k1') as Tiny;
  // isPoint and isXOnlyPoint answer 0 or 1 from inside the module without throwing: every point
  // goes through them before any operation that would parse (and reject) it in there.
  const isPoint = (p: Uint8Array) => tiny.isPoint(p);
  const backend: Secp256k1Backend = {
    isPoint,
    pointFromScalar: (scalar) => tiny.pointFromScalar(scalar, true)!,
    xOnlyFromScalar: (scalar) => tiny.xOnlyPointFromScalar(scalar),
    pointMultiply: (point, scalar) => (isPoint(point) ? tiny.pointMultiply(point, scalar, true) : null),
    pointAdd: (a, b) => (isPoint(a) && isPoint(b) ? tiny.pointAdd(a, b, true) : null), // null also for infinity
    pointAddScalar: (point, tweak) => (isPoint(point) ? tiny.pointAddScalar(point, tweak, true) : null),
    ecdh(scalar, point) {
      if (!isPoint(point)) return null;
      const shared = tiny.pointMultiply(point, scalar, true);
      if (shared === null) return null;
      // BOLT 8: ECDH(k, rk) is the SHA256 of the compressed format of the generated point.
      const secret = sha256(shared);
      shared.fill(0);
      return secret;
    },
    ecdsaSign: (digest, scalar) => tiny.sign(digest, scalar), // RFC 6979, low-S
    ecdsaSignRecoverable: (digest, scalar) => tiny.signRecoverable(digest, scalar),
    // strict: high S is rejected (libsecp256k1's own rule)
    ecdsaVerify: (signature, digest, point) => rsInRange(signature) && isPoint(point) && tiny.verify(digest, point, signature, true),
    ecdsaRecover(signature, recoveryId, digest) {
      if (!rsInRange(signature)) return null;
      // Ids 2 and 3 name R.x = r + n, but tiny-secp256k1 checks that r (not r + n) is an x on the
      // curve before recovering, so it refuses some recoveries the others make. They occur only for
      // R.x >= n (probability ~2^-128): @noble answers those.
      if (recoveryId >= 2) return nobleSecp256k1.ecdsaRecover(signature, recoveryId, digest);
      try { // a JavaScript check (r not an x on the curve) throws before the module is entered
        return tiny.recover(digest, signature, recoveryId as 0 | 1 | 2 | 3, true);
      } catch {
        return null;
      }
    },
    schnorrSign: (message, scalar, aux) => tiny.signSchnorr(message, scalar, aux),
    schnorrVerify(signature, message, xOnly) {
      // BIP340: fail if s >= n or r >= p; an r in [n, p) is never an R.x tiny-secp256k1 accepts,
      // and no valid signature has one (probability ~2^-128), so refusing it agrees with the others.
      if (bytesToBigint(signature.subarray(32)) >= N || bytesToBigint(signature.subarray(0, 32)) >= N) return false;
      return tiny.isXOnlyPoint(xOnly) && tiny.verifySchnorr(message, xOnly, signature);
    },
  };
  tiny.__initializeContext();
  return { backend, description: `libsecp256k1 (WebAssembly, tiny-secp256k1@${packageVersion('tiny-secp256k1')})` };
}
