/**
 * The ciphers of our N-API addon (native/secp256k1), which the libsecp backend uses instead of
 * node:crypto's where they are faster. node:crypto builds a JavaScript cipher object and an OpenSSL
 * context for every call (3–4 µs here): all of the work for a BOLT 8 length prefix (2 bytes), most
 * of it for a 1 KB message, a tenth of it for a 64 KiB one. The addon has three:
 *
 * - ChaCha20-Poly1305 from the host's OpenSSL (src/host_openssl.rs): the OpenSSL Node itself links
 *   and exports, found at run time, one context per thread, so a call costs OpenSSL's assembly and
 *   nothing else. Used at every size where the process has it (Node on Linux and macOS).
 * - ChaCha20-Poly1305 from `ring` (BoringSSL's assembly, src/chacha.rs): where the host's OpenSSL
 *   is missing (Electron's BoringSSL has another API; Windows), up to RING_AEAD_MAX_BYTES, above
 *   which node:crypto's is faster here (OpenSSL's AVX-512 against ring's AVX2).
 * - raw ChaCha20 from RustCrypto's `chacha20` (src/chacha.rs), up to ADDON_CHACHA20_MAX_BYTES.
 *
 * Each is probed against @noble before use (select.ts); one that is missing (an addon built before
 * it) or answers wrongly leaves that primitive to node:crypto, with a note. `npm run bench -- crypto`
 * measures both limits.
 */
import type { CipherBackend } from './backend';
import { uninitializedBytes } from './bytes';

/** The addon's cipher exports; each is absent from an addon built before it. */
export interface AddonCipherExports {
  /** "ring <version>;RustCrypto chacha20 <version>". */
  cipherVersion?(): string;
  aeadSeal?(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, tag: Uint8Array): boolean;
  aeadOpen?(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, out: Uint8Array): boolean;
  chacha20Xor?(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array, out: Uint8Array): boolean;
  /** The host OpenSSL's version text, or null where the process has no usable OpenSSL 3. */
  hostCipherVersion?(): string | null;
  hostAeadSeal?(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, tag: Uint8Array): boolean;
  hostAeadOpen?(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, out: Uint8Array): boolean;
}

/**
 * Raw ChaCha20 inputs up to this size go to the addon (RustCrypto, AVX2), longer ones to node:crypto
 * (OpenSSL's AVX-512 here): they cross at about 12 KiB on the shared VM. Every onion stream (BOLT 4:
 * 1,300 and 650 bytes, plus a hop) falls below.
 */
export const ADDON_CHACHA20_MAX_BYTES = 8192;
/** ring's AEAD serves inputs up to this size where the host's OpenSSL is missing (they cross at about 32 KiB here). */
export const RING_AEAD_MAX_BYTES = 16_384;

type Seal = NonNullable<AddonCipherExports['aeadSeal']>;
type Open = NonNullable<AddonCipherExports['aeadOpen']>;
type Aead = Omit<CipherBackend, 'chacha20'>;

/** The four AEAD forms over one seal and one open of the addon (outputs allocated here, every byte written). */
function aeadOver(seal: Seal, open: Open): Aead {
  const openDetached = (key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null => {
    const out = uninitializedBytes(ciphertext.length); // written whole (zeroed on a wrong tag)
    return open(key, nonce, ad, ciphertext, tag, out) ? out : null;
  };
  return {
    chacha20Poly1305Seal(key, nonce, ad, plaintext) {
      const out = uninitializedBytes(plaintext.length + 16);
      seal(key, nonce, ad, plaintext, out.subarray(0, plaintext.length), out.subarray(plaintext.length));
      return out;
    },
    chacha20Poly1305SealDetached(key, nonce, ad, plaintext) {
      const ciphertext = uninitializedBytes(plaintext.length);
      const tag = new Uint8Array(16);
      seal(key, nonce, ad, plaintext, ciphertext, tag);
      return { ciphertext, tag };
    },
    chacha20Poly1305Open: (key, nonce, ad, sealed) => openDetached(key, nonce, ad, sealed.subarray(0, sealed.length - 16), sealed.subarray(sealed.length - 16)),
    chacha20Poly1305OpenDetached: openDetached,
  };
}

/** One AEAD of the addon with its raw ChaCha20, as a CipherBackend (for the probe), and what serves the AEAD. */
export interface AddonAead {
  readonly ciphers: CipherBackend;
  readonly description: string;
}

/** The addon's ciphers, each at every size (the limits are applied by `libsecpCiphers`). */
export interface AddonCiphers {
  /** ring's AEAD. */
  readonly ring: AddonAead;
  /** The host OpenSSL's AEAD; null where the process has none. */
  readonly host: AddonAead | null;
  /** What serves the raw ChaCha20 (in both `ciphers`). */
  readonly stream: string;
}

const BINDING = "N-API, Glasswing's binding";

/** The addon's ciphers; null for an addon built before them. */
export function addonCiphers(lib: AddonCipherExports): AddonCiphers | null {
  const { aeadSeal, aeadOpen, chacha20Xor, cipherVersion, hostCipherVersion, hostAeadSeal, hostAeadOpen } = lib;
  if (aeadSeal === undefined || aeadOpen === undefined || chacha20Xor === undefined || cipherVersion === undefined) return null;
  const chacha20: CipherBackend['chacha20'] = (key, nonce, data, counter) => {
    const out = uninitializedBytes(data.length); // written whole
    chacha20Xor(key, nonce, counter, data, out);
    return out;
  };
  const [ring, stream] = cipherVersion.call(lib).split(';');
  const hostVersion = hostCipherVersion?.call(lib) ?? null;
  const host = hostVersion !== null && hostAeadSeal !== undefined && hostAeadOpen !== undefined
    ? { ciphers: { ...aeadOver(hostAeadSeal, hostAeadOpen), chacha20 }, description: `${hostVersion} (the process's own, through Glasswing's binding)` }
    : null;
  return {
    ring: { ciphers: { ...aeadOver(aeadSeal, aeadOpen), chacha20 }, description: `${ring ?? 'ring'} (${BINDING})` },
    host,
    stream: `${stream ?? 'RustCrypto chacha20'} (${BINDING})`,
  };
}

/** What the libsecp backend enciphers with, and how it is reported. */
export interface LibsecpCiphers {
  readonly ciphers: CipherBackend;
  readonly chacha20Poly1305: string;
  readonly chacha20: string;
  /** Why an addon cipher is not used (one line in the log and in `getinfo`), or null. */
  readonly note: string | null;
}

/**
 * Chooses, per primitive, between the addon's ciphers and `other` (node:crypto's, or @noble's where
 * node:crypto lacks one: `otherInfo` says which). `failures(c)` probes a cipher set against @noble
 * (backend-node.ts's cipherProbeFailures): null per primitive that agrees.
 */
export function libsecpCiphers(
  addon: AddonCiphers | null,
  other: CipherBackend,
  otherInfo: { readonly chacha20Poly1305: string; readonly chacha20: string; readonly aeadIsNoble: boolean; readonly streamIsNoble: boolean },
  failures: (c: CipherBackend) => Record<'chacha20Poly1305' | 'chacha20', string | null>,
): LibsecpCiphers {
  if (addon === null) {
    return {
      ciphers: other, chacha20Poly1305: otherInfo.chacha20Poly1305, chacha20: otherInfo.chacha20,
      note: 'the libsecp256k1 addon has no ciphers (built before them: run node scripts/native/secp256k1.mjs); node:crypto serves them',
    };
  }
  const notes: string[] = [];
  const ringFailures = failures(addon.ring.ciphers);
  const hostFailure = addon.host ? failures(addon.host.ciphers).chacha20Poly1305 : null;
  if (addon.host && hostFailure !== null) notes.push(`the host OpenSSL's ChaCha20-Poly1305 through the addon (${hostFailure})`);
  if (ringFailures.chacha20Poly1305 !== null) notes.push(`ring's ChaCha20-Poly1305 (${ringFailures.chacha20Poly1305})`);
  if (ringFailures.chacha20 !== null) notes.push(`the addon's ChaCha20 (${ringFailures.chacha20})`);

  const limit = (n: number) => n.toLocaleString('en-US');
  let aead: Aead = other;
  let aeadInfo = otherInfo.chacha20Poly1305;
  if (addon.host && hostFailure === null) {
    aead = addon.host.ciphers;
    aeadInfo = addon.host.description;
  } else if (ringFailures.chacha20Poly1305 === null) {
    const ring = addon.ring.ciphers;
    // Above the limit node:crypto's is faster; @noble's never is.
    const long = otherInfo.aeadIsNoble ? ring : other;
    const pick = (length: number): Aead => (length <= RING_AEAD_MAX_BYTES ? ring : long);
    aead = {
      chacha20Poly1305Seal: (key, nonce, ad, plaintext) => pick(plaintext.length).chacha20Poly1305Seal(key, nonce, ad, plaintext),
      chacha20Poly1305SealDetached: (key, nonce, ad, plaintext) => pick(plaintext.length).chacha20Poly1305SealDetached(key, nonce, ad, plaintext),
      chacha20Poly1305Open: (key, nonce, ad, sealed) => pick(sealed.length - 16).chacha20Poly1305Open(key, nonce, ad, sealed),
      chacha20Poly1305OpenDetached: (key, nonce, ad, ciphertext, tag) => pick(ciphertext.length).chacha20Poly1305OpenDetached(key, nonce, ad, ciphertext, tag),
    };
    aeadInfo = otherInfo.aeadIsNoble ? addon.ring.description : `${addon.ring.description} up to ${limit(RING_AEAD_MAX_BYTES)} B, ${otherInfo.chacha20Poly1305} above`;
  }
  let chacha20 = other.chacha20;
  let streamInfo = otherInfo.chacha20;
  if (ringFailures.chacha20 === null) {
    const short = addon.ring.ciphers.chacha20;
    const long = otherInfo.streamIsNoble ? short : other.chacha20;
    chacha20 = (key, nonce, data, counter) => (data.length <= ADDON_CHACHA20_MAX_BYTES ? short : long)(key, nonce, data, counter);
    streamInfo = otherInfo.streamIsNoble ? addon.stream : `${addon.stream} up to ${limit(ADDON_CHACHA20_MAX_BYTES)} B, ${otherInfo.chacha20} above`;
  }
  return {
    ciphers: { ...aead, chacha20 },
    chacha20Poly1305: aeadInfo,
    chacha20: streamInfo,
    note: notes.length > 0 ? `not used: ${notes.join('; ')}` : null,
  };
}
