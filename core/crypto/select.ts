/// <reference types="node" />
/**
 * Choosing the crypto backend, once, at start.
 *
 * - `libsecp`: libsecp256k1 0.8 through our own N-API binding (native/secp256k1, built at install
 *   when cargo is present; backend-libsecp.ts) for every curve operation, Schnorr included, and
 *   for the ciphers where they beat node:crypto (backend-addon-ciphers.ts: the host OpenSSL's
 *   ChaCha20-Poly1305 without node:crypto's per-call objects, else ring's for short inputs, and
 *   RustCrypto's ChaCha20 for short inputs); hashes and the rest from node:crypto where the
 *   runtime has them (backend-node.ts).
 * - `native`: libsecp256k1 of 2019 through N-API (`secp256k1` v5) for ECDH, ECDSA, recovery and points;
 *   BIP340 Schnorr from the WebAssembly build (the addon lacks it); symmetric primitives from
 *   node:crypto where the runtime has them (backend-node.ts).
 * - `wasm`: libsecp256k1 compiled to WebAssembly (`tiny-secp256k1` v2) for every curve operation;
 *   symmetric primitives as for native.
 * - `noble`: @noble for everything: audited JavaScript, always available.
 *
 * The order of preference is libsecp, native, wasm, noble. The choice comes from `selectCryptoBackend({
 * backend })` (a host's `--crypto` option), else the `GLASSWING_CRYPTO` environment variable
 * (`libsecp`, `native`, `wasm`, `noble` or `auto`), else `auto` (the first that loads). A backend that does
 * not load, or loads but fails its known-answer self-test, is passed over for the next one with
 * one log line saying why: never a crash. Without an explicit call the choice is made at the first
 * cryptographic operation.
 */
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import type { CryptoBackend, CryptoBackendName, CryptoPrimitiveInfo, Secp256k1Backend } from './backend';
import type { CryptoBackendInfo, CryptoBackendRequest } from './info';
import { CRYPTO_BACKEND_NAMES } from './backend';
import { NOBLE_CIPHERS, NOBLE_HASHES, NOBLE_SECP256K1, nobleCiphers, nobleHashes, nobleSecp256k1 } from './backend-noble';
import { libsecpCiphers } from './backend-addon-ciphers';
import { loadLibsecp } from './backend-libsecp';
import { loadNativeSecp256k1 } from './backend-native';
import type { NodeSymmetric } from './backend-node';
import { cipherProbeFailures, loadNodeSymmetric } from './backend-node';
import { loadWasmSecp256k1 } from './backend-wasm';
import { CryptoError, equalBytes, fromHex } from './bytes';

export type { CryptoBackendInfo, CryptoBackendRequest } from './info';

export interface SelectCryptoBackendOptions {
  /** Overrides GLASSWING_CRYPTO (a host's `--crypto` option). */
  readonly backend?: CryptoBackendRequest;
  /** Receives the one line written when a backend is passed over (default: stderr). */
  readonly log?: (line: string) => void;
}

/** The environment variable that forces a backend. */
export const CRYPTO_BACKEND_ENV = 'GLASSWING_CRYPTO';

const PREFERENCE: readonly CryptoBackendName[] = CRYPTO_BACKEND_NAMES;

/** Parses a backend name as given on a command line or in the environment. */
export function parseCryptoBackendName(value: string): CryptoBackendRequest {
  const v = value.trim().toLowerCase();
  if (v === 'auto' || (CRYPTO_BACKEND_NAMES as readonly string[]).includes(v)) return v as CryptoBackendRequest;
  throw new CryptoError('crypto.unknown_backend', `unknown crypto backend "${value}": expected one of ${[...CRYPTO_BACKEND_NAMES, 'auto'].join(', ')}`);
}

// ---- loading (each backend at most once per process) ----

let symmetric: NodeSymmetric | undefined;
function nodeSymmetric(): NodeSymmetric {
  return (symmetric ??= loadNodeSymmetric());
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

/** Builds one backend from its parts. */
function compose(
  name: CryptoBackendName,
  secp: Secp256k1Backend,
  sym: Pick<NodeSymmetric, 'hashes' | 'ciphers'>,
  primitives: CryptoPrimitiveInfo,
): CryptoBackend {
  return {
    name,
    primitives,
    isPoint: secp.isPoint,
    pointFromScalar: secp.pointFromScalar,
    xOnlyFromScalar: secp.xOnlyFromScalar,
    pointMultiply: secp.pointMultiply,
    pointAdd: secp.pointAdd,
    pointAddScalar: secp.pointAddScalar,
    ecdh: secp.ecdh,
    ecdsaSign: secp.ecdsaSign,
    ecdsaSignRecoverable: secp.ecdsaSignRecoverable,
    ecdsaVerify: secp.ecdsaVerify,
    ecdsaRecover: secp.ecdsaRecover,
    schnorrSign: secp.schnorrSign,
    schnorrVerify: secp.schnorrVerify,
    sha256: sym.hashes.sha256,
    sha256Hasher: sym.hashes.sha256Hasher,
    hmacSha256: sym.hashes.hmacSha256,
    hkdfSha256: sym.hashes.hkdfSha256,
    chacha20Poly1305Seal: sym.ciphers.chacha20Poly1305Seal,
    chacha20Poly1305SealDetached: sym.ciphers.chacha20Poly1305SealDetached,
    chacha20Poly1305Open: sym.ciphers.chacha20Poly1305Open,
    chacha20Poly1305OpenDetached: sym.ciphers.chacha20Poly1305OpenDetached,
    chacha20: sym.ciphers.chacha20,
  };
}

function loadNoble(): CryptoBackend {
  return compose('noble', nobleSecp256k1, { hashes: nobleHashes, ciphers: nobleCiphers }, {
    ecdh: NOBLE_SECP256K1, ecdsa: NOBLE_SECP256K1, ecdsaRecovery: NOBLE_SECP256K1, schnorr: NOBLE_SECP256K1, points: NOBLE_SECP256K1,
    sha256: NOBLE_HASHES, hmacSha256: NOBLE_HASHES, hkdf: NOBLE_HASHES, chacha20Poly1305: NOBLE_CIPHERS, chacha20: NOBLE_CIPHERS,
  });
}

function loadWasm(): CryptoBackend {
  const sym = nodeSymmetric();
  const wasm = loadWasmSecp256k1(sym.hashes.sha256);
  const d = wasm.description;
  return compose('wasm', wasm.backend, sym, { ecdh: d, ecdsa: d, ecdsaRecovery: d, schnorr: d, points: d, ...sym.primitives });
}

function loadNative(): CryptoBackend {
  const sym = nodeSymmetric();
  const native = loadNativeSecp256k1(nobleRandomBytes(32));
  // The addon has no BIP340: take it from the WebAssembly libsecp256k1, or @noble if that is missing too.
  let schnorr: Pick<Secp256k1Backend, 'schnorrSign' | 'schnorrVerify'> = nobleSecp256k1;
  let schnorrName = NOBLE_SECP256K1;
  try {
    const wasm = loadWasmSecp256k1(sym.hashes.sha256);
    selfTest({ ...nobleSecp256k1, ...wasm.backend }, ['schnorr']);
    schnorr = wasm.backend;
    schnorrName = wasm.description;
  } catch {
    // @noble it is; the self-test of the composed backend still covers Schnorr.
  }
  const d = native.description;
  const secp: Secp256k1Backend = { ...native.backend, schnorrSign: schnorr.schnorrSign, schnorrVerify: schnorr.schnorrVerify };
  return compose('native', secp, sym, { ecdh: d, ecdsa: d, ecdsaRecovery: d, schnorr: schnorrName, points: d, ...sym.primitives });
}

function loadLibsecpBackend(): CryptoBackend {
  const sym = nodeSymmetric();
  const lib = loadLibsecp(nobleRandomBytes(32));
  const d = lib.description;
  const chosen = libsecpCiphers(lib.ciphers, sym.ciphers, {
    ...sym.primitives,
    aeadIsNoble: sym.ciphers.chacha20Poly1305Seal === nobleCiphers.chacha20Poly1305Seal,
    streamIsNoble: sym.ciphers.chacha20 === nobleCiphers.chacha20,
  }, cipherProbeFailures);
  const backend = compose('libsecp', lib.backend, { hashes: sym.hashes, ciphers: chosen.ciphers }, {
    ecdh: d, ecdsa: d, ecdsaRecovery: d, schnorr: d, points: d, ...sym.primitives,
    chacha20Poly1305: chosen.chacha20Poly1305,
    chacha20: chosen.chacha20,
  });
  return chosen.note === null ? backend : { ...backend, notes: [chosen.note] };
}

const LOADERS: Record<CryptoBackendName, () => CryptoBackend> = { libsecp: loadLibsecpBackend, native: loadNative, wasm: loadWasm, noble: loadNoble };

const loaded = new Map<CryptoBackendName, CryptoBackend | string>();

/** The backend, or the reason it cannot be used here (loaded and self-tested once, then cached). */
function tryLoad(name: CryptoBackendName): CryptoBackend | string {
  let entry = loaded.get(name);
  if (entry === undefined) {
    try {
      const b = LOADERS[name]();
      selfTest(b, ['points', 'ecdh', 'ecdsa', 'schnorr']);
      entry = b;
    } catch (e) {
      entry = errorText(e);
    }
    loaded.set(name, entry);
  }
  return entry;
}

// ---- known-answer self-test: a module that loads but computes wrong answers is not used ----

const KAT = {
  // BOLT 8 Appendix A: e.priv = 0x12…12, rs.pub of ls.priv = 0x21…21, ECDH(e, rs) = ss.
  scalar: fromHex('1212121212121212121212121212121212121212121212121212121212121212'),
  point: fromHex('036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f7'),
  remote: fromHex('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7'),
  ecdh: fromHex('1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3'),
  // RFC 6979 ECDSA (low-S) of SHA256("glasswing") by the scalar above, as @noble computes it: recovery id 1.
  digest: fromHex('c66fe06dcab7654aa5672543a6a9d5f3ab09fbff6d8fc8c47fe2cbc2a22910b3'),
  ecdsaSig: fromHex('6f10c86bbd80e6d77a92bf606747b04c1e47efa44c3d5c1f0530f967f015b786718a3030a5249df2ed48da3bc99a5c76ddf455f5b57299b4badcedcaef7a54b6'),
  ecdsaRecoveryId: 1,
  // BIP340 test vector 0: secret key 3, aux 0, message 0.
  schnorrKey: fromHex('0000000000000000000000000000000000000000000000000000000000000003'),
  schnorrPub: fromHex('f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9'),
  schnorrSig: fromHex('e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca821525f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0'),
};

function selfTest(b: Secp256k1Backend, parts: readonly ('points' | 'ecdh' | 'ecdsa' | 'schnorr')[]): void {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new CryptoError('crypto.backend_self_test', `self-test failed: ${what}`);
  };
  if (parts.includes('points')) {
    check(equalBytes(b.pointFromScalar(KAT.scalar), KAT.point), 'k·G');
    check(b.isPoint(KAT.remote) && !b.isPoint(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff))), 'point validation');
  }
  if (parts.includes('ecdh')) check(equalBytes(b.ecdh(KAT.scalar, KAT.remote) ?? new Uint8Array(0), KAT.ecdh), 'BOLT 8 ECDH');
  if (parts.includes('ecdsa')) {
    const { signature, recoveryId } = b.ecdsaSignRecoverable(KAT.digest, KAT.scalar);
    check(equalBytes(b.ecdsaSign(KAT.digest, KAT.scalar), KAT.ecdsaSig), 'ECDSA sign');
    check(equalBytes(signature, KAT.ecdsaSig) && recoveryId === KAT.ecdsaRecoveryId, 'ECDSA sign (recoverable)');
    check(b.ecdsaVerify(KAT.ecdsaSig, KAT.digest, KAT.point), 'ECDSA verify');
    check(equalBytes(b.ecdsaRecover(KAT.ecdsaSig, KAT.ecdsaRecoveryId, KAT.digest) ?? new Uint8Array(0), KAT.point), 'ECDSA recovery');
  }
  if (parts.includes('schnorr')) {
    const zero = new Uint8Array(32);
    check(equalBytes(b.schnorrSign(zero, KAT.schnorrKey, zero), KAT.schnorrSig), 'BIP340 sign');
    check(b.schnorrVerify(KAT.schnorrSig, zero, KAT.schnorrPub), 'BIP340 verify');
  }
}

// ---- the selection ----

let active: CryptoBackend | undefined;
let activeInfo: CryptoBackendInfo | undefined;

function defaultLog(line: string): void {
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(`glasswing: ${line}\n`);
}

/**
 * The node:crypto fallbacks (`primitive: node:crypto unusable (…), using @noble`) that still say
 * something about `primitives`: one whose primitive @noble does not serve after all (the libsecp
 * addon's ciphers took it, as the raw ChaCha20 in Electron) is left out.
 */
export function fallbacksInUse(primitives: CryptoPrimitiveInfo, fallbacks: readonly string[]): string[] {
  return fallbacks.filter((note) => {
    const primitive = note.slice(0, note.indexOf(':')) as keyof CryptoPrimitiveInfo;
    return !(primitive in primitives) || primitives[primitive].includes('@noble');
  });
}

function infoFor(b: CryptoBackend, requested: CryptoBackendRequest, requestedBy: CryptoBackendInfo['requestedBy'], fallback: string | null): CryptoBackendInfo {
  const notes = b.name === 'noble' ? [] : [...fallbacksInUse(b.primitives, nodeSymmetric().fallbacks), ...(b.notes ?? [])];
  return { backend: b.name, requested, requestedBy, fallback, notes, primitives: b.primitives };
}

/**
 * Chooses the backend (see the header), makes it the one every crypto function uses, and
 * returns what is in use. Passing over a backend writes one line through `log`. Never throws for a
 * backend that does not load; throws CryptoError `crypto.unknown_backend` for a name that is not a
 * backend (the environment variable is not trusted that far: an unknown value there is logged and
 * treated as auto).
 */
export function selectCryptoBackend(options: SelectCryptoBackendOptions = {}): CryptoBackendInfo {
  const log = options.log ?? defaultLog;
  let requested: CryptoBackendRequest = 'auto';
  let requestedBy: CryptoBackendInfo['requestedBy'] = 'default';
  const notes: string[] = [];
  if (options.backend !== undefined) {
    requested = parseCryptoBackendName(options.backend);
    requestedBy = 'option';
  } else {
    const env = typeof process !== 'undefined' ? process.env[CRYPTO_BACKEND_ENV] : undefined;
    if (env !== undefined && env.trim() !== '') {
      try {
        requested = parseCryptoBackendName(env);
        requestedBy = 'environment';
      } catch (e) {
        notes.push(`${CRYPTO_BACKEND_ENV}: ${errorText(e)}; using auto`);
      }
    }
  }
  const start = requested === 'auto' ? 0 : PREFERENCE.indexOf(requested);
  const passedOver: string[] = [];
  let chosen: CryptoBackend | undefined;
  for (const name of PREFERENCE.slice(start)) {
    const b = tryLoad(name);
    if (typeof b !== 'string') {
      chosen = b;
      break;
    }
    passedOver.push(`${name} unavailable (${b})`);
  }
  // @noble always loads; reaching here without a backend means @noble itself failed its self-test.
  if (chosen === undefined) throw new CryptoError('crypto.backend_unavailable', `no crypto backend works here: ${passedOver.join('; ')}`);
  const fallback = passedOver.length > 0 ? passedOver.join('; ') : null;
  active = chosen;
  activeInfo = infoFor(chosen, requested, requestedBy, fallback);
  // A part of the chosen backend that is not used (the addon's ciphers) is said in the same line.
  notes.push(...(chosen.notes ?? []));
  if (fallback !== null || notes.length > 0) {
    log(`crypto: ${[...notes, fallback ?? ''].filter(Boolean).join('; ')}; using the ${chosen.name} backend`);
  }
  return activeInfo;
}

/**
 * Makes `name` the backend in use, without falling back: throws CryptoError
 * `crypto.backend_unavailable` if it does not load here. For tests and benchmarks that run the same
 * work on each backend.
 */
export function useCryptoBackend(name: CryptoBackendName): CryptoBackendInfo {
  const b = tryLoad(parseCryptoBackendName(name) as CryptoBackendName);
  if (typeof b === 'string') throw new CryptoError('crypto.backend_unavailable', `crypto backend ${name} is unavailable: ${b}`);
  active = b;
  activeInfo = infoFor(b, name, 'option', null);
  return activeInfo;
}

/** The backends that load (and pass their self-test) here, in order of preference. */
export function availableCryptoBackends(): CryptoBackendName[] {
  return PREFERENCE.filter((name) => typeof tryLoad(name) !== 'string');
}

/** What is in use (choosing it now, as the first operation would, if nothing chose yet). */
export function cryptoBackendInfo(): CryptoBackendInfo {
  if (activeInfo === undefined) selectCryptoBackend();
  return activeInfo!;
}

/** The backend in use; the module-level crypto functions call this. */
export function backend(): CryptoBackend {
  if (active === undefined) selectCryptoBackend();
  return active!;
}
