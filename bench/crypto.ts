/**
 * bench/crypto (`npm run bench -- crypto`): each primitive on each crypto backend that loads here,
 * side by side in one run, through the public core/crypto functions (input checks included), with
 * the ratio of each backend to @noble; then the symmetric primitives node:crypto vs @noble by
 * input size, which is what sets NODE_SHA256_MIN_BYTES in core/crypto/backend-node.ts; then the
 * libsecp addon's ciphers vs node:crypto's by size, which sets the limits in
 * core/crypto/backend-addon-ciphers.ts.
 */
import { createHash } from 'node:crypto';
import {
  aeadDecrypt, aeadEncrypt, availableCryptoBackends, cryptoBackendInfo, ecdh, ecdsaSign, ecdsaVerify, hmacSha256, isValidPublicKey, pointFromScalar,
  pointMultiply, publicKeyFromPrivate, randomBytes, randomPrivateKey, schnorrSign, schnorrVerify, sha256, useCryptoBackend, xOnlyPublicKey,
} from '../core/crypto';
import type { CryptoBackendName } from '../core/crypto';
import type { CipherBackend } from '../core/crypto/backend';
import { ADDON_CHACHA20_MAX_BYTES, RING_AEAD_MAX_BYTES } from '../core/crypto/backend-addon-ciphers';
import { loadLibsecp } from '../core/crypto/backend-libsecp';
import { nobleCiphers, nobleHashes } from '../core/crypto/backend-noble';
import { loadNodeSymmetric } from '../core/crypto/backend-node';
import { measure, percentile, printTable } from './harness';

const ROUNDS = 5;
const SLICE = 0.1;

interface Work {
  readonly name: string;
  readonly run: () => void;
}

function work(): Work[] {
  const k = randomPrivateKey();
  const other = publicKeyFromPrivate(randomPrivateKey());
  const digest = randomBytes(32);
  const sig = ecdsaSign(digest, k);
  const pub = publicKeyFromPrivate(k);
  const xOnly = xOnlyPublicKey(k);
  const ssig = schnorrSign(digest, k, randomBytes(32));
  const aeadKey = randomBytes(32);
  const nonce = new Uint8Array(12);
  const empty = new Uint8Array(0);
  const kib = randomBytes(1024);
  const kib64 = randomBytes(65_535);
  const small = randomBytes(32);
  return [
    { name: 'ECDH (BOLT 8)', run: () => void ecdh(k, other) },
    { name: 'ECDSA sign', run: () => void ecdsaSign(digest, k) },
    { name: 'ECDSA verify', run: () => void ecdsaVerify(sig, digest, pub) },
    { name: 'BIP340 sign', run: () => void schnorrSign(digest, k, digest) },
    { name: 'BIP340 verify', run: () => void schnorrVerify(ssig, digest, xOnly) },
    { name: 'point decompression (validate)', run: () => void isValidPublicKey(other) },
    { name: 'k·G', run: () => void pointFromScalar(k) },
    { name: 'k·P', run: () => void pointMultiply(other, k) },
    { name: 'AEAD seal+open 1 KiB', run: () => void aeadDecrypt(aeadKey, nonce, empty, aeadEncrypt(aeadKey, nonce, empty, kib)) },
    { name: 'AEAD seal+open 64 KiB', run: () => void aeadDecrypt(aeadKey, nonce, empty, aeadEncrypt(aeadKey, nonce, empty, kib64)) },
    { name: 'SHA-256 32 B', run: () => void sha256(small) },
    { name: 'SHA-256 1 KiB', run: () => void sha256(kib) },
    { name: 'HMAC-SHA256 32 B', run: () => void hmacSha256(aeadKey, small) },
  ];
}

export async function run(): Promise<void> {
  const backends = availableCryptoBackends();
  const before = cryptoBackendInfo().backend;
  const results = new Map<CryptoBackendName, number[]>(backends.map((b) => [b, []]));
  const names = work().map((w) => w.name);
  // Per primitive, the backends take turns in short slices (the machine is shared and its load
  // drifts); the median of the rounds is reported.
  const perBackend = new Map(backends.map((b) => [b, (useCryptoBackend(b), work())] as const));
  names.forEach((_, i) => {
    const samples = new Map<CryptoBackendName, number[]>(backends.map((b) => [b, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const b of backends) {
        useCryptoBackend(b);
        samples.get(b)!.push(measure(names[i]!, perBackend.get(b)![i]!.run, SLICE).opsPerSec);
      }
    }
    for (const b of backends) results.get(b)!.push(percentile(samples.get(b)!, 50));
  });
  useCryptoBackend(before);
  for (const b of backends) {
    const p = useCryptoBackend(b).primitives;
    console.log(`${b}: curve ${p.ecdh}; schnorr ${p.schnorr}; AEAD ${p.chacha20Poly1305}; sha256 ${p.sha256}`);
  }
  useCryptoBackend(before);
  const others = backends.filter((b) => b !== 'noble');
  console.log('\nops/s per backend (public core/crypto functions, input checks included), and ratio to @noble');
  printTable(
    ['primitive', ...backends.map((b) => `${b} ops/s`), ...others.map((b) => `${b}/noble`)],
    names.map((name, i) => [
      name,
      ...backends.map((b) => results.get(b)![i]!),
      ...others.map((b) => (results.has('noble') ? results.get(b)![i]! / results.get('noble')![i]! : NaN)),
    ]),
  );

  const node = loadNodeSymmetric();
  console.log(`\nsymmetric primitives, node:crypto vs @noble by size (ops/s); node fallbacks here: ${node.fallbacks.length === 0 ? 'none' : node.fallbacks.join('; ')}`);
  const rows: (string | number)[][] = [];
  for (const size of [32, 33, 50, 63, 64, 82, 100, 1024, 65_535]) {
    const d = randomBytes(size);
    const a = measure('as used', () => void node.hashes.sha256(d), 0.2);
    // node.hashes.sha256 keeps small inputs in @noble; time node:crypto itself for every size here:
    const nodeOnly = measure('node:crypto', () => void nodeSha256(d), 0.2);
    const noble = measure('noble', () => void nobleHashes.sha256(d), 0.2);
    rows.push([`SHA-256 ${size} B`, nodeOnly.opsPerSec, noble.opsPerSec, nodeOnly.opsPerSec / noble.opsPerSec, a.opsPerSec]);
  }
  const key = randomBytes(32);
  for (const size of [32, 1366]) {
    const d = randomBytes(size);
    const a = measure('node', () => void node.hashes.hmacSha256(key, d), 0.2);
    const b = measure('noble', () => void nobleHashes.hmacSha256(key, d), 0.2);
    rows.push([`HMAC-SHA256 ${size} B`, a.opsPerSec, b.opsPerSec, a.opsPerSec / b.opsPerSec, a.opsPerSec]);
  }
  const nonce = new Uint8Array(12);
  for (const size of [2, 1024, 65_535]) {
    const d = randomBytes(size);
    const a = measure('node', () => void node.ciphers.chacha20Poly1305Seal(key, nonce, new Uint8Array(0), d), 0.2);
    const b = measure('noble', () => void nobleCiphers.chacha20Poly1305Seal(key, nonce, new Uint8Array(0), d), 0.2);
    rows.push([`ChaCha20-Poly1305 seal ${size} B`, a.opsPerSec, b.opsPerSec, a.opsPerSec / b.opsPerSec, a.opsPerSec]);
  }
  for (const size of [32, 1300, 32_768]) {
    const d = randomBytes(size);
    const a = measure('node', () => void node.ciphers.chacha20(key, nonce, d, 0), 0.2);
    const b = measure('noble', () => void nobleCiphers.chacha20(key, nonce, d, 0), 0.2);
    rows.push([`ChaCha20 ${size} B`, a.opsPerSec, b.opsPerSec, a.opsPerSec / b.opsPerSec, a.opsPerSec]);
  }
  printTable(['operation', 'node:crypto ops/s', '@noble ops/s', 'node/noble', 'as used (native, wasm)'], rows);
  addonCipherCrossing(node.ciphers);
}

/**
 * The libsecp addon's ciphers against node:crypto's by size, seal + open and raw stream: why the
 * host OpenSSL's AEAD serves every size, and where ring's AEAD (RING_AEAD_MAX_BYTES, without the
 * host's) and the raw ChaCha20 (ADDON_CHACHA20_MAX_BYTES) switch to node:crypto.
 */
function addonCipherCrossing(nodeCiphers: CipherBackend): void {
  let addon: NonNullable<ReturnType<typeof loadLibsecp>['ciphers']>;
  try {
    const ciphers = loadLibsecp(randomBytes(32)).ciphers;
    if (ciphers === null) throw new Error('the addon has no ciphers (built before them)');
    addon = ciphers;
  } catch (e) {
    console.log(`\nthe libsecp256k1 addon's ciphers: not measured (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  console.log(`\nChaCha20-Poly1305 (seal + open) and ChaCha20 by size (ops/s): the host's OpenSSL through the addon (${addon.host?.description ?? 'absent here'}), ring (used up to ${RING_AEAD_MAX_BYTES} B without the host's), node:crypto; the addon's ChaCha20 (used up to ${ADDON_CHACHA20_MAX_BYTES} B)`);
  const key = randomBytes(32);
  const nonce = new Uint8Array(12);
  const empty = new Uint8Array(0);
  const rows: (string | number)[][] = [];
  const sealOpen = (c: CipherBackend, d: Uint8Array) => () => void c.chacha20Poly1305Open(key, nonce, empty, c.chacha20Poly1305Seal(key, nonce, empty, d));
  for (const size of [2, 256, 1024, 4096, 8192, 16_384, 32_768, 65_535]) {
    const d = randomBytes(size);
    const host = addon.host ? measure('host', sealOpen(addon.host.ciphers, d), 0.2).opsPerSec : NaN;
    const ring = measure('ring', sealOpen(addon.ring.ciphers, d), 0.2).opsPerSec;
    const node = measure('node', sealOpen(nodeCiphers, d), 0.2).opsPerSec;
    const sa = measure('addon', () => void addon.ring.ciphers.chacha20(key, nonce, d, 0), 0.2).opsPerSec;
    const sn = measure('node', () => void nodeCiphers.chacha20(key, nonce, d, 0), 0.2).opsPerSec;
    rows.push([`${size} B`, host, ring, node, host / node, ring / node, sa, sn, sa / sn]);
  }
  printTable(['input', 'AEAD host OpenSSL', 'AEAD ring', 'AEAD node:crypto', 'host/node', 'ring/node', 'ChaCha20 addon', 'ChaCha20 node:crypto', 'addon/node'], rows);
}

function nodeSha256(d: Uint8Array): Uint8Array {
  return createHash('sha256').update(d).digest();
}
