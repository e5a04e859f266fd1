/**
 * Choosing the crypto backend: what loads here, what is reported, how it is forced (option,
 * GLASSWING_CRYPTO), and that a missing or broken native or WebAssembly module falls back with one
 * log line, never a crash (real child processes whose module resolution hides or replaces the
 * packages, as a user's install could). Also: node:crypto without a raw ChaCha20 (Electron's
 * BoringSSL) falls back to @noble for that primitive only.
 */
import { spawnSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CRYPTO_BACKEND_NAMES, CryptoError, aeadEncrypt, availableCryptoBackends, chacha20Xor, cryptoBackendInfo, ecdh, parseCryptoBackendName, publicKeyFromPrivate,
  selectCryptoBackend, sha256, toHex, useCryptoBackend,
} from '../../../core/crypto';
import type { CryptoBackendInfo } from '../../../core/crypto';
import { libsecpCiphers } from '../../../core/crypto/backend-addon-ciphers';
import { LIBSECP_ADDON_ENV, libsecpAddonCandidates, loadLibsecp } from '../../../core/crypto/backend-libsecp';
import { cipherProbeFailures, loadNodeSymmetric } from '../../../core/crypto/backend-node';
import { nobleCiphers } from '../../../core/crypto/backend-noble';
import { fallbacksInUse } from '../../../core/crypto/select';
import { REPO_ROOT } from '../../support/vectors';
import { tempDir } from '../../support/tmp';
import { onBackend } from './backends';
import { cipherDigest } from './fixtures/cipher-digest';

const FIXTURES = join(import.meta.dirname, 'fixtures');
/** Platforms secp256k1@5 ships prebuilt N-API binaries for. */
const NATIVE_PLATFORMS = ['linux-x64', 'darwin-arm64', 'win32-x64'];
/**
 * Our libsecp256k1 addon is built at install where cargo is (scripts/native/secp256k1.mjs); CI
 * always builds it, so there it must load.
 */
const LIBSECP_BUILT = process.env.CI === 'true' || libsecpAddonCandidates().some((p) => existsSync(p));
/** A path where no addon is. */
const NO_ADDON = join(FIXTURES, 'no-such-addon.node');

/** Runs report-backend.ts in a fresh process; returns its report and stderr lines. */
function child(env: Record<string, string | undefined>): { report: { info: CryptoBackendInfo; ecdh: string; ciphers: string }; stderr: string[]; status: number | null } {
  const childEnv: Record<string, string | undefined> = { ...process.env, GLASSWING_CRYPTO: undefined, ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ['--require', join(FIXTURES, 'hide-modules.cjs'), '--import', 'tsx', join(FIXTURES, 'report-backend.ts')], {
    cwd: REPO_ROOT, env: childEnv as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 60_000,
  });
  const stderr = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('ExperimentalWarning') && !l.includes('--trace-warnings'));
  expect(r.status, r.stderr).toBe(0);
  return { report: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { info: CryptoBackendInfo; ecdh: string; ciphers: string }, stderr, status: r.status };
}

/** node:crypto as Electron's BoringSSL has it: no raw `chacha20` cipher. */
const boringLike = {
  ...nodeCrypto,
  createCipheriv: ((algorithm: string, ...rest: unknown[]) => {
    if (algorithm === 'chacha20') throw new Error('Unknown cipher');
    return (nodeCrypto.createCipheriv as (...a: unknown[]) => unknown)(algorithm, ...rest);
  }) as typeof nodeCrypto.createCipheriv,
};

const expectedEcdh = onBackend('noble', () => toHex(ecdh(new Uint8Array(32).fill(1), publicKeyFromPrivate(new Uint8Array(32).fill(2)))));
const expectedCiphers = onBackend('noble', cipherDigest);

describe('crypto backend selection', () => {
  it(`loads every backend on the platforms the native addon ships for (${NATIVE_PLATFORMS.join(', ')}), and wasm and noble everywhere`, () => {
    const here = `${process.platform}-${process.arch}`;
    const expected = [...(LIBSECP_BUILT ? ['libsecp'] : []), ...(NATIVE_PLATFORMS.includes(here) ? ['native'] : []), 'wasm', 'noble'];
    expect(availableCryptoBackends()).toEqual(expected);
  });

  it('reports the implementation behind every primitive of the backend in use', () => {
    const native = onBackend('native', () => cryptoBackendInfo());
    expect(native.backend).toBe('native');
    expect(native.primitives.ecdh).toMatch(/^libsecp256k1 \(N-API, secp256k1@5\./);
    expect(native.primitives.ecdsa).toBe(native.primitives.ecdh);
    expect(native.primitives.schnorr).toMatch(/^libsecp256k1 \(WebAssembly, tiny-secp256k1@2\./); // the addon has no BIP340
    expect(native.primitives.chacha20Poly1305).toMatch(/^node:crypto \(OpenSSL /);
    expect(native.primitives.sha256).toMatch(/^node:crypto \(OpenSSL .*\) hash\(\)$/); // Node >= 20.12 has the one-shot hash()
    if (LIBSECP_BUILT) {
      const libsecp = onBackend('libsecp', () => cryptoBackendInfo());
      for (const p of ['ecdh', 'ecdsa', 'ecdsaRecovery', 'schnorr', 'points'] as const) {
        expect(libsecp.primitives[p]).toMatch(/^libsecp256k1 0\.8\.\d+ \(secp256k1-sys 0\.14\.\d+\) \(N-API, Glasswing's binding\)$/);
      }
    }
    const wasm = onBackend('wasm', () => cryptoBackendInfo());
    for (const p of ['ecdh', 'ecdsa', 'ecdsaRecovery', 'schnorr', 'points'] as const) expect(wasm.primitives[p]).toMatch(/^libsecp256k1 \(WebAssembly/);
    const noble = onBackend('noble', () => cryptoBackendInfo());
    expect(Object.values(noble.primitives).every((v) => v.startsWith('@noble/'))).toBe(true);
    expect(JSON.parse(JSON.stringify(noble))).toEqual(noble); // plain data, safe for getinfo
  });

  it('an option chooses the backend, and falls back with one log line only when that one cannot load', () => {
    const lines: string[] = [];
    const before = cryptoBackendInfo().backend;
    try {
      for (const name of CRYPTO_BACKEND_NAMES) {
        const info = selectCryptoBackend({ backend: name, log: (l) => lines.push(l) });
        expect(info).toMatchObject({ backend: name, requested: name, requestedBy: 'option', fallback: null });
        expect(cryptoBackendInfo().backend).toBe(name);
        expect(toHex(ecdh(new Uint8Array(32).fill(1), publicKeyFromPrivate(new Uint8Array(32).fill(2))))).toBe(expectedEcdh);
      }
      expect(selectCryptoBackend({ backend: 'auto', log: (l) => lines.push(l) }).backend).toBe(availableCryptoBackends()[0]);
      expect(lines).toEqual([]);
    } finally {
      useCryptoBackend(before);
    }
  });

  it('refuses an unknown backend name with crypto.unknown_backend, in an option or when used directly', () => {
    expect(parseCryptoBackendName(' Native ')).toBe('native');
    expect(parseCryptoBackendName('AUTO')).toBe('auto');
    for (const f of [() => parseCryptoBackendName('openssl'), () => selectCryptoBackend({ backend: 'fast' as 'auto' }), () => useCryptoBackend('' as 'noble')]) {
      expect(f).toThrowError(CryptoError);
      expect(f).toThrowError(expect.objectContaining({ code: 'crypto.unknown_backend' }));
    }
  });

  it('GLASSWING_CRYPTO forces a backend in a new process; an unknown value is logged once and auto is used', () => {
    for (const name of ['wasm', 'noble'] as const) {
      const { report, stderr } = child({ GLASSWING_CRYPTO: name });
      expect(report.info).toMatchObject({ backend: name, requested: name, requestedBy: 'environment', fallback: null });
      expect(report.ecdh).toBe(expectedEcdh);
      expect(stderr).toEqual([]);
    }
    const { report, stderr } = child({ GLASSWING_CRYPTO: 'turbo' });
    expect(report.info).toMatchObject({ backend: availableCryptoBackends()[0], requested: 'auto', requestedBy: 'default' });
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^glasswing: crypto: GLASSWING_CRYPTO: unknown crypto backend "turbo".*; using auto; using the \w+ backend$/);
  });

  it('without our libsecp256k1 addon (not built, no cargo), auto falls back to the npm native addon with one log line', () => {
    const { report, stderr } = child({ [LIBSECP_ADDON_ENV]: NO_ADDON });
    expect(report.info).toMatchObject({ backend: 'native', requested: 'auto' });
    expect(report.info.fallback).toBe(`libsecp unavailable (the libsecp256k1 addon is not built (looked for ${NO_ADDON}; run node scripts/native/secp256k1.mjs))`);
    expect(stderr).toEqual([`glasswing: crypto: ${report.info.fallback}; using the native backend`]);
    expect(report.ecdh).toBe(expectedEcdh);
  });

  it('a libsecp256k1 addon that does not load (not a shared library) or computes wrong answers is passed over with one log line', () => {
    const garbage = join(tempDir('glasswing-crypto-'), 'glasswing_secp256k1.node');
    writeFileSync(garbage, nodeCrypto.randomBytes(4096));
    for (const [addon, reason] of [[garbage, /^libsecp unavailable \(.+\)$/], [join(FIXTURES, 'wrong-libsecp.cjs'), /^libsecp unavailable \(self-test failed: k·G\)$/]] as const) {
      const { report, stderr } = child({ [LIBSECP_ADDON_ENV]: addon });
      expect(report.info.backend).toBe('native');
      expect(report.info.fallback).toMatch(reason);
      expect(stderr).toHaveLength(1);
      expect(report.ecdh).toBe(expectedEcdh);
    }
  });

  it.runIf(LIBSECP_BUILT)('the libsecp backend takes the AEAD from the host OpenSSL through its addon, raw ChaCha20 of short inputs from the addon, and says so', () => {
    const info = onBackend('libsecp', () => cryptoBackendInfo());
    expect(info.primitives.chacha20Poly1305).toMatch(/^OpenSSL 3\.\d+\.\d+ .*\(the process's own, through Glasswing's binding\)$/);
    expect(info.primitives.chacha20).toMatch(/^RustCrypto chacha20 0\.9\.1 \(N-API, Glasswing's binding\) up to 8,192 B, node:crypto \(OpenSSL .+\) above$/);
    expect(info.notes).toEqual([]);
  });

  it.runIf(LIBSECP_BUILT)('an addon without ciphers, without a host OpenSSL (Electron), or with a wrong AEAD keeps the libsecp backend and the same bytes; what is not used is said in one line', () => {
    const real = libsecpAddonCandidates().find((p) => existsSync(p))!;
    const run = (ciphers: string) => child({ [LIBSECP_ADDON_ENV]: join(FIXTURES, 'libsecp-ciphers.cjs'), GLASSWING_TEST_REAL_ADDON: real, GLASSWING_TEST_CIPHERS: ciphers });
    const node = /^node:crypto \(OpenSSL [^)]+\)$/;
    const ring = "ring 0.17.14 (N-API, Glasswing's binding)";

    const absent = run('absent');
    expect(absent.report.info.primitives).toMatchObject({ chacha20Poly1305: expect.stringMatching(node), chacha20: expect.stringMatching(node) });
    const note = 'the libsecp256k1 addon has no ciphers (built before them: run node scripts/native/secp256k1.mjs); node:crypto serves them';
    expect(absent.report.info.notes).toEqual([note]);
    expect(absent.stderr).toEqual([`glasswing: crypto: ${note}; using the libsecp backend`]);

    const noHost = run('no-host');
    expect(noHost.report.info.primitives.chacha20Poly1305).toMatch(new RegExp(`^${ring.replace(/[().]/g, '\\$&')} up to 16,384 B, node:crypto \\(OpenSSL .+\\) above$`));
    expect(noHost.report.info.notes).toEqual([]);
    expect(noHost.stderr).toEqual([]);

    const wrongHost = run('wrong-host');
    expect(wrongHost.report.info.primitives.chacha20Poly1305).toMatch(/^ring 0\.17\.14 .* up to 16,384 B/);
    expect(wrongHost.report.info.notes).toEqual(["not used: the host OpenSSL's ChaCha20-Poly1305 through the addon (gives a different answer than @noble)"]);
    expect(wrongHost.stderr).toHaveLength(1);

    const wrongRing = run('wrong-ring');
    expect(wrongRing.report.info.primitives.chacha20Poly1305).toMatch(/^OpenSSL 3/);
    expect(wrongRing.report.info.primitives.chacha20).toMatch(/^RustCrypto chacha20 0\.9\.1 .* up to 8,192 B/);
    expect(wrongRing.report.info.notes).toEqual(["not used: ring's ChaCha20-Poly1305 (gives a different answer than @noble)"]);

    for (const r of [absent, noHost, wrongHost, wrongRing]) {
      expect(r.report.info.backend).toBe('libsecp');
      expect(r.report.ciphers).toBe(expectedCiphers);
      expect(r.report.ecdh).toBe(expectedEcdh);
    }
  });

  it('a missing native module falls back to wasm with one log line, and the node works', () => {
    const { report, stderr } = child({ GLASSWING_TEST_NATIVE: 'missing', GLASSWING_CRYPTO: 'native' });
    expect(report.info.backend).toBe('wasm');
    expect(report.info.fallback).toMatch(/^native unavailable \(Cannot find module 'secp256k1\/bindings'\)$/);
    expect(report.ecdh).toBe(expectedEcdh);
    expect(stderr).toEqual([`glasswing: crypto: ${report.info.fallback}; using the wasm backend`]);
  });

  it('a native binary that does not load (not a shared library) falls back to wasm with one log line', () => {
    const garbage = join(tempDir('glasswing-crypto-'), 'secp256k1.node');
    writeFileSync(garbage, nodeCrypto.randomBytes(4096));
    const { report, stderr } = child({ GLASSWING_TEST_NATIVE: garbage, GLASSWING_CRYPTO: 'native' });
    expect(report.info.backend).toBe('wasm');
    expect(report.info.fallback).toMatch(/^native unavailable \(.+\)$/);
    expect(stderr).toHaveLength(1);
    expect(report.ecdh).toBe(expectedEcdh);
  });

  it('a native module that loads but computes wrong answers fails its self-test and is not used', () => {
    const { report, stderr } = child({ GLASSWING_TEST_NATIVE: join(FIXTURES, 'wrong-secp256k1.cjs'), GLASSWING_CRYPTO: 'native' });
    expect(report.info.backend).toBe('wasm');
    expect(report.info.fallback).toBe('native unavailable (self-test failed: k·G)');
    expect(stderr).toHaveLength(1);
    expect(report.ecdh).toBe(expectedEcdh);
  });

  it('with neither native nor WebAssembly module, @noble serves everything, after one log line', () => {
    const { report, stderr } = child({ GLASSWING_TEST_NATIVE: 'missing', GLASSWING_TEST_WASM: 'missing', GLASSWING_CRYPTO: 'native' });
    expect(report.info.backend).toBe('noble');
    expect(report.info.fallback).toMatch(/^native unavailable \(.+\); wasm unavailable \(Cannot find module 'tiny-secp256k1'\)$/);
    expect(stderr).toHaveLength(1);
    expect(report.ecdh).toBe(expectedEcdh);
  });

  it('native without the WebAssembly module takes BIP340 from @noble', () => {
    const { report, stderr } = child({ GLASSWING_TEST_WASM: 'missing', GLASSWING_CRYPTO: 'native' });
    expect(report.info.backend).toBe('native');
    expect(report.info.primitives.schnorr).toMatch(/^@noble\/secp256k1/);
    expect(stderr).toEqual([]);
  });

  it('node:crypto without a raw ChaCha20 (as in Electron\'s BoringSSL): that primitive alone comes from @noble', () => {
    const sym = loadNodeSymmetric(boringLike);
    expect(sym.primitives.chacha20).toMatch(/^@noble\/ciphers/);
    expect(sym.primitives.chacha20Poly1305).toMatch(/^node:crypto/);
    expect(sym.fallbacks).toEqual(['chacha20: node:crypto unusable (Unknown cipher), using @noble']);
    const key = new Uint8Array(32).fill(5);
    const nonce = new Uint8Array(12).fill(6);
    const data = new Uint8Array(200).fill(7);
    expect(sym.ciphers.chacha20(key, nonce, data, 3)).toEqual(onBackend('noble', () => chacha20Xor(key, nonce, data, 3)));
    expect(sym.ciphers.chacha20Poly1305Seal(key, nonce, data, data)).toEqual(onBackend('noble', () => aeadEncrypt(key, nonce, data, data)));
  });

  it.runIf(LIBSECP_BUILT)('in such a runtime the libsecp backend takes raw ChaCha20 from its addon at every size, and no note says @noble serves it', () => {
    const sym = loadNodeSymmetric(boringLike);
    const addon = loadLibsecp(new Uint8Array(32).fill(9)).ciphers!;
    const chosen = libsecpCiphers({ ...addon, host: null }, sym.ciphers, {
      ...sym.primitives, aeadIsNoble: false, streamIsNoble: sym.ciphers.chacha20 === nobleCiphers.chacha20,
    }, cipherProbeFailures);
    expect(chosen.chacha20).toBe("RustCrypto chacha20 0.9.1 (N-API, Glasswing's binding)");
    expect(chosen.chacha20Poly1305).toMatch(/^ring 0\.17\.14 \(N-API, Glasswing's binding\) up to 16,384 B, node:crypto \(OpenSSL .+\) above$/);
    expect(chosen.note).toBeNull();
    const key = new Uint8Array(32).fill(5);
    const nonce = new Uint8Array(12).fill(6);
    for (const size of [200, 20_000]) {
      const data = new Uint8Array(size).fill(7);
      expect(chosen.ciphers.chacha20(key, nonce, data, 3)).toEqual(nobleCiphers.chacha20(key, nonce, data, 3));
      expect(chosen.ciphers.chacha20Poly1305Seal(key, nonce, data, data)).toEqual(nobleCiphers.chacha20Poly1305Seal(key, nonce, data, data));
    }
    const primitives = { ...onBackend('libsecp', () => cryptoBackendInfo()).primitives, chacha20: chosen.chacha20 };
    expect(fallbacksInUse(primitives, sym.fallbacks)).toEqual([]);
    expect(fallbacksInUse({ ...primitives, chacha20: sym.primitives.chacha20 }, sym.fallbacks)).toEqual(sym.fallbacks);
  });

  it('node:crypto without the one-shot hash() (before Node 20.12): SHA-256 from createHash from 64 bytes, @noble below, same digests', () => {
    const { hash: _unused, ...older } = nodeCrypto;
    void _unused;
    const sym = loadNodeSymmetric(older);
    const current = loadNodeSymmetric();
    expect(sym.primitives.sha256).toMatch(/^node:crypto .* from 64 B, @noble\/hashes@2 \(JavaScript\) below$/);
    expect(sym.fallbacks).toEqual([]);
    for (const n of [0, 1, 32, 63, 64, 65, 300]) {
      const data = new Uint8Array(n).fill(n);
      expect(sym.hashes.sha256(data)).toEqual(current.hashes.sha256(data));
      expect(current.hashes.sha256(data)).toEqual(onBackend('noble', () => sha256(data)));
    }
    // A hash() that throws or answers wrongly is passed over the same way, without a fallback line.
    const broken = [() => { throw new Error('Digest method not supported'); }, () => Buffer.alloc(32)];
    for (const hash of broken) {
      const other = loadNodeSymmetric({ ...nodeCrypto, hash: hash as unknown as typeof nodeCrypto.hash });
      expect(other.primitives.sha256).toMatch(/ from 64 B, /);
      expect(other.hashes.sha256(new Uint8Array(100))).toEqual(current.hashes.sha256(new Uint8Array(100)));
    }
  });

  it('node:crypto that answers wrongly is not used for that primitive', () => {
    const lying = {
      ...nodeCrypto,
      createHmac: ((...args: Parameters<typeof nodeCrypto.createHmac>) => nodeCrypto.createHmac('sha512', args[1] as nodeCrypto.BinaryLike)) as typeof nodeCrypto.createHmac,
    };
    const sym = loadNodeSymmetric(lying);
    expect(sym.primitives.hmacSha256).toMatch(/^@noble\/hashes/);
    expect(sym.primitives.hkdf).toMatch(/^@noble\/hashes/); // HKDF is built on createHmac
    expect(sym.primitives.sha256).toMatch(/^node:crypto/);
    expect(sym.fallbacks).toEqual([
      'hmacSha256: node:crypto unusable (gives a different answer than @noble), using @noble',
      'hkdf: node:crypto unusable (gives a different answer than @noble), using @noble',
    ]);
  });
});
