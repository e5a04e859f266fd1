/// <reference types="node" />
/**
 * Symmetric primitives from `node:crypto` (OpenSSL in Node, BoringSSL in Electron), each probed
 * once against @noble with a known input; a primitive the runtime lacks or gets wrong is served by
 * @noble instead. Electron's BoringSSL has no raw `chacha20` cipher in `createCipheriv`, which
 * this detects by trying.
 *
 * SHA-256 uses node:crypto's one-shot `hash()` where the runtime has it (Node ≥ 20.12, Electron
 * ≥ 30): without a Hash object per call it beats @noble at every size (about 0.6 µs for 32–300
 * bytes against 0.9–2.5 µs, measured on the shared VM; commitment_signed hashes ~6 small inputs per
 * HTLC). Without it, SHA-256 of short inputs is faster in @noble than through createHash's per-call
 * overhead (measured in `npm run bench -- crypto`): inputs under NODE_SHA256_MIN_BYTES stay in @noble.
 */
import * as nodeCrypto from 'node:crypto';
import type { CipherBackend, CryptoPrimitiveInfo, HashBackend } from './backend';
import { NOBLE_CIPHERS, NOBLE_HASHES, nobleCiphers, nobleHashes } from './backend-noble';
import { equalBytes } from './bytes';

/** The part of node:crypto used here (a parameter so tests can present a runtime that lacks some). */
export type NodeCryptoModule = Pick<typeof nodeCrypto, 'createHash' | 'createHmac' | 'createCipheriv' | 'createDecipheriv'> & {
  /** The one-shot digest; missing from runtimes before Node 20.12. */
  readonly hash?: typeof nodeCrypto.hash;
};

/** Inputs shorter than this are hashed by @noble (less per-call overhead); longer ones by node:crypto. */
export const NODE_SHA256_MIN_BYTES = 64;

export type SymmetricPrimitive = 'sha256' | 'hmacSha256' | 'hkdf' | 'chacha20Poly1305' | 'chacha20';

export interface NodeSymmetric {
  readonly hashes: HashBackend;
  readonly ciphers: CipherBackend;
  readonly primitives: Pick<CryptoPrimitiveInfo, SymmetricPrimitive>;
  /** One entry per primitive that fell back to @noble, with the reason. */
  readonly fallbacks: readonly string[];
}

/**
 * A Uint8Array over a Buffer's bytes: a view when the Buffer owns its whole ArrayBuffer (what
 * node:crypto returns for digests and cipher output), a copy otherwise (a slice of Node's shared
 * pool must not be handed out, nor zeroed through a view).
 */
function bytesOf(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) return new Uint8Array(buf.buffer, 0, buf.byteLength);
  return new Uint8Array(buf);
}

function runtimeName(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.electron) return `node:crypto (Electron ${v.electron}, BoringSSL)`;
  return `node:crypto (OpenSSL ${v.openssl ?? 'unknown'})`;
}

type OneShotHash = typeof nodeCrypto.hash;

/** `c.hash` if the runtime has it and it gives @noble's SHA-256 on a few sizes; else undefined. */
function workingOneShotHash(c: NodeCryptoModule): OneShotHash | undefined {
  const hash = c.hash;
  if (typeof hash !== 'function') return undefined;
  try {
    const ok = [0, 1, 63, 64, 65, 1000].every((n) => {
      const d = Uint8Array.from({ length: n }, (_, i) => (i * 29 + n) & 0xff);
      return equalBytes(bytesOf(hash('sha256', d, 'buffer')), nobleHashes.sha256(d));
    });
    return ok ? hash : undefined;
  } catch {
    return undefined;
  }
}

function nodeHashes(c: NodeCryptoModule, oneShot: OneShotHash | undefined): HashBackend {
  return {
    sha256(data) {
      if (oneShot !== undefined) return bytesOf(oneShot('sha256', data, 'buffer'));
      if (data.length < NODE_SHA256_MIN_BYTES) return nobleHashes.sha256(data);
      return bytesOf(c.createHash('sha256').update(data).digest());
    },
    sha256Hasher() {
      const h = c.createHash('sha256');
      return { update: (data) => void h.update(data), digest: () => bytesOf(h.digest()) };
    },
    hmacSha256: (key, data) => bytesOf(c.createHmac('sha256', key).update(data).digest()),
    hkdfSha256(ikm, salt, info, length) {
      // RFC 5869 over createHmac: measured about 1.7 × faster than hkdfSync for BOLT 8's 32-byte
      // inputs (hkdfSync builds KeyObjects per call). PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) || info || i).
      const prk = c.createHmac('sha256', salt).update(ikm).digest();
      const out = new Uint8Array(length);
      let t: Uint8Array = new Uint8Array(0);
      for (let i = 1, off = 0; off < length; i++, off += 32) {
        t = c.createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i)).digest();
        out.set(t.subarray(0, Math.min(32, length - off)), off);
      }
      prk.fill(0);
      t.fill(0);
      return out;
    },
  };
}

function nodeCiphers(c: NodeCryptoModule): CipherBackend {
  const TAG = 16;
  function sealDetached(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
    const cipher = c.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    return { ciphertext, tag: cipher.getAuthTag() };
  }
  function openDetached(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
    const decipher = c.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(tag);
    const body = decipher.update(ciphertext);
    try {
      decipher.final(); // checks the tag (in constant time, inside the library)
    } catch {
      body.fill(0);
      return null;
    }
    return bytesOf(body);
  }
  return {
    chacha20Poly1305Seal(key, nonce, ad, plaintext) {
      // node:crypto's two outputs, joined once.
      const { ciphertext, tag } = sealDetached(key, nonce, ad, plaintext);
      const out = new Uint8Array(plaintext.length + TAG);
      out.set(ciphertext);
      out.set(tag, plaintext.length);
      return out;
    },
    chacha20Poly1305SealDetached: (key, nonce, ad, plaintext) => {
      const { ciphertext, tag } = sealDetached(key, nonce, ad, plaintext);
      return { ciphertext: bytesOf(ciphertext), tag: bytesOf(tag) };
    },
    chacha20Poly1305Open: (key, nonce, ad, sealed) => openDetached(key, nonce, ad, sealed.subarray(0, sealed.length - TAG), sealed.subarray(sealed.length - TAG)),
    chacha20Poly1305OpenDetached: openDetached,
    chacha20(key, nonce, data, counter) {
      // OpenSSL's chacha20 takes a 16-byte IV: the 32-bit block counter (little-endian) || 12-byte nonce.
      const iv = new Uint8Array(16);
      new DataView(iv.buffer).setUint32(0, counter, true);
      iv.set(nonce, 4);
      return bytesOf(c.createCipheriv('chacha20', key, iv).update(data));
    },
  };
}

/** Runs `probe`; returns null if it passed, or the reason it did not. */
function failure(probe: () => boolean): string | null {
  try {
    return probe() ? null : 'gives a different answer than @noble';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The fixed inputs every symmetric probe uses: several sizes around a block, empty included. */
const PROBE = {
  key: Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1),
  nonce: Uint8Array.from({ length: 12 }, (_, i) => 255 - i),
};
const PROBE_DATA = [0, 1, 63, 64, 65, 1000].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff));

/**
 * Probes a cipher implementation against @noble on fixed inputs (several sizes, empty inputs, a
 * non-zero counter, a forged tag, joined and detached forms): null per primitive that agrees, else
 * the reason it does not. Used for node:crypto here and for the addon's ciphers (select.ts).
 */
export function cipherProbeFailures(ciphers: CipherBackend): Record<'chacha20Poly1305' | 'chacha20', string | null> {
  const { key, nonce } = PROBE;
  const data = PROBE_DATA;
  return {
    chacha20Poly1305: failure(() => data.every((d) => {
      const sealed = ciphers.chacha20Poly1305Seal(key, nonce, d, d);
      if (!equalBytes(sealed, nobleCiphers.chacha20Poly1305Seal(key, nonce, d, d))) return false;
      const parts = ciphers.chacha20Poly1305SealDetached(key, nonce, d, d);
      if (!equalBytes(parts.ciphertext, sealed.subarray(0, d.length)) || !equalBytes(parts.tag, sealed.subarray(d.length))) return false;
      const opened = ciphers.chacha20Poly1305Open(key, nonce, d, sealed);
      const openedApart = ciphers.chacha20Poly1305OpenDetached(key, nonce, d, parts.ciphertext, parts.tag);
      sealed[sealed.length - 1]! ^= 1;
      return opened !== null && equalBytes(opened, d) && openedApart !== null && equalBytes(openedApart, d)
        && ciphers.chacha20Poly1305Open(key, nonce, d, sealed) === null
        && ciphers.chacha20Poly1305OpenDetached(key, nonce, d, parts.ciphertext, sealed.subarray(d.length)) === null;
    })),
    chacha20: failure(() => data.every((d) => equalBytes(ciphers.chacha20(key, nonce, d, 0), nobleCiphers.chacha20(key, nonce, d, 0))
      && equalBytes(ciphers.chacha20(key, nonce, d, 7), nobleCiphers.chacha20(key, nonce, d, 7)))),
  };
}

/**
 * Probes node:crypto (or `c`) primitive by primitive against @noble on fixed inputs (several sizes,
 * empty inputs, a non-zero counter, a forged tag) and returns the set to use.
 */
export function loadNodeSymmetric(c: NodeCryptoModule = nodeCrypto): NodeSymmetric {
  const name = runtimeName();
  const oneShot = workingOneShotHash(c);
  const hashes = nodeHashes(c, oneShot);
  const ciphers = nodeCiphers(c);
  const { key, nonce } = PROBE;
  const data = PROBE_DATA;

  // Why each primitive of node:crypto is not usable (null: it is).
  const failures: Record<SymmetricPrimitive, string | null> = {
    sha256: failure(() => data.every((d) => {
      const h = hashes.sha256Hasher();
      h.update(d.subarray(0, d.length >> 1));
      h.update(d.subarray(d.length >> 1));
      return equalBytes(hashes.sha256(d), nobleHashes.sha256(d)) && equalBytes(h.digest(), nobleHashes.sha256(d));
    })),
    hmacSha256: failure(() => data.every((d) => equalBytes(hashes.hmacSha256(key, d), nobleHashes.hmacSha256(key, d))
      && equalBytes(hashes.hmacSha256(d, key), nobleHashes.hmacSha256(d, key)))),
    hkdf: failure(() => data.every((d) => equalBytes(hashes.hkdfSha256(d, key, new Uint8Array(0), 64), nobleHashes.hkdfSha256(d, key, new Uint8Array(0), 64))
      && equalBytes(hashes.hkdfSha256(key, d, nonce, 42), nobleHashes.hkdfSha256(key, d, nonce, 42)))),
    ...cipherProbeFailures(ciphers),
  };

  const fallbacks: string[] = [];
  const use = (primitive: SymmetricPrimitive): boolean => {
    const why = failures[primitive];
    if (why !== null) fallbacks.push(`${primitive}: node:crypto unusable (${why}), using @noble`);
    return why === null;
  };
  const sha = use('sha256');
  const mac = use('hmacSha256');
  const kdf = use('hkdf');
  const aead = use('chacha20Poly1305');
  const stream = use('chacha20');
  return {
    hashes: {
      sha256: sha ? hashes.sha256 : nobleHashes.sha256,
      sha256Hasher: sha ? hashes.sha256Hasher : nobleHashes.sha256Hasher,
      hmacSha256: mac ? hashes.hmacSha256 : nobleHashes.hmacSha256,
      hkdfSha256: kdf ? hashes.hkdfSha256 : nobleHashes.hkdfSha256,
    },
    ciphers: {
      chacha20Poly1305Seal: aead ? ciphers.chacha20Poly1305Seal : nobleCiphers.chacha20Poly1305Seal,
      chacha20Poly1305SealDetached: aead ? ciphers.chacha20Poly1305SealDetached : nobleCiphers.chacha20Poly1305SealDetached,
      chacha20Poly1305Open: aead ? ciphers.chacha20Poly1305Open : nobleCiphers.chacha20Poly1305Open,
      chacha20Poly1305OpenDetached: aead ? ciphers.chacha20Poly1305OpenDetached : nobleCiphers.chacha20Poly1305OpenDetached,
      chacha20: stream ? ciphers.chacha20 : nobleCiphers.chacha20,
    },
    primitives: {
      sha256: !sha ? NOBLE_HASHES : oneShot ? `${name} hash()` : `${name} from ${NODE_SHA256_MIN_BYTES} B, ${NOBLE_HASHES} below`,
      hmacSha256: mac ? name : NOBLE_HASHES,
      hkdf: kdf ? name : NOBLE_HASHES,
      chacha20Poly1305: aead ? name : NOBLE_CIPHERS,
      chacha20: stream ? name : NOBLE_CIPHERS,
    },
    fallbacks,
  };
}
