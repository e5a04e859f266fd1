/**
 * BOLT 4 Route Blinding: building blinded paths (with padding and optional dummy hops) and
 * processing one blinded hop (decrypting `encrypted_recipient_data`, deriving the next path key).
 * The wire form of a path (`blinded_path`) lives in core/wire/blinded-path.ts.
 */
import {
  aeadDecrypt, aeadEncrypt, assertBytes, concatBytes, ecdh, equalBytes, pointFromScalar, pointMultiply,
  scalarFromHash, scalarMultiply, sha256, zeroize,
} from '../crypto';
import type { BlindedPath, SciddirOrPubkey } from '../wire';
import { bigSizeLength } from '../wire';
import { KEY_TYPE } from './constants';
import type { EncryptedDataTlv } from './encrypted-data';
import { decodeEncryptedDataTlv, encodeEncryptedDataTlv } from './encrypted-data';
import { OnionError, wrapError } from './errors';
import { ecdhChecked, generateKey, hasCompressedShape } from './keys';

const ZERO_NONCE = new Uint8Array(12);
const NO_AD = new Uint8Array(0);

/** What the creator of a blinded path derives for hop i (BOLT 4 Route Blinding, writer). */
export interface BlindedHopKeys {
  /** e_i: the ephemeral private path key. Secret. */
  readonly pathPrivateKey: Uint8Array;
  /** E_i = e_i · G: the `path_key` hop i receives. */
  readonly pathKey: Uint8Array;
  /** ss_i = SHA256(e_i · N_i). Secret. */
  readonly sharedSecret: Uint8Array;
  /** rho_i = HMAC256("rho", ss_i): the ChaCha20-Poly1305 key of `encrypted_recipient_data`. Secret. */
  readonly rho: Uint8Array;
  /** HMAC256("blinded_node_id", ss_i): the tweak applied to N_i. */
  readonly blindingTweak: Uint8Array;
  /** B_i = HMAC256("blinded_node_id", ss_i) · N_i */
  readonly blindedNodeId: Uint8Array;
  /** SHA256(E_i || ss_i): the factor that takes E_i to E_{i+1}. */
  readonly nextKeyFactor: Uint8Array;
}

/**
 * BOLT 4 Route Blinding, "MUST create a series of ECDH shared secrets": walks e_0 = sessionKey
 * through `nodeIds` (e_{i+1} = SHA256(E_i || ss_i) · e_i). Throws CryptoError for invalid keys.
 */
export function computeBlindedHopKeys(sessionKey: Uint8Array, nodeIds: readonly Uint8Array[]): BlindedHopKeys[] {
  const out: BlindedHopKeys[] = [];
  let e: Uint8Array = sessionKey.slice();
  for (const nodeId of nodeIds) {
    const pathKey = pointFromScalar(e); // E_i = e_i · G
    const sharedSecret = ecdh(e, nodeId); // ss_i = SHA256(e_i · N_i)
    const rho = generateKey(KEY_TYPE.rho, sharedSecret); // rho_i = HMAC256("rho", ss_i)
    const blindingTweak = generateKey(KEY_TYPE.blindedNodeId, sharedSecret);
    const blindedNodeId = pointMultiply(nodeId, scalarFromHash(blindingTweak)); // B_i = HMAC256("blinded_node_id", ss_i) · N_i
    const nextKeyFactor = sha256(concatBytes(pathKey, sharedSecret));
    out.push({ pathPrivateKey: e, pathKey, sharedSecret, rho, blindingTweak, blindedNodeId, nextKeyFactor });
    e = scalarMultiply(e, scalarFromHash(nextKeyFactor)); // e_{i+1} = SHA256(E_i || ss_i) · e_i
  }
  zeroize(e);
  return out;
}

/** BOLT 4: E_{i+1} = SHA256(E_i || ss_i) · E_i, the next `path_key` when there is no override. */
export function deriveNextPathKey(pathKey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  return pointMultiply(pathKey, scalarFromHash(sha256(concatBytes(pathKey, sharedSecret))));
}

/** BOLT 4 reader of `encrypted_recipient_data`: b_i = HMAC256("blinded_node_id", ss_i) · k_i. Secret. */
export function deriveBlindedPrivateKey(privateKey: Uint8Array, pathKey: Uint8Array): Uint8Array {
  const ss = ecdh(privateKey, pathKey);
  const tweak = generateKey(KEY_TYPE.blindedNodeId, ss);
  const out = scalarMultiply(privateKey, scalarFromHash(tweak));
  zeroize(ss, tweak);
  return out;
}

/** One hop of a path to blind: its real node id and what to tell it. */
export interface BlindedHopInput {
  readonly nodeId: Uint8Array;
  readonly data: EncryptedDataTlv;
}

export interface CreateBlindedPathOptions {
  /** e_0: a fresh random 32-byte key (BOLT 4: "SHOULD be obtained via CSPRNG"). Secret. */
  readonly sessionKey: Uint8Array;
  /** The hops, introduction node first, the path's creator (recipient) last. */
  readonly hops: readonly BlindedHopInput[];
  /** `first_node_id`; defaults to the first hop's node id. */
  readonly introduction?: SciddirOrPubkey;
  /**
   * BOLT 4 "SHOULD add padding data to ensure all encrypted_data_tlv[i] have the same length".
   * Default true: any `padding` in the hops is replaced by computed padding. False: data is used as given.
   */
  readonly pad?: boolean;
  /**
   * Dummy hops addressed to the last hop's node (ourselves), to hide the path length. The last
   * hop's data moves to the final dummy; the real last hop and the other dummies forward to it.
   */
  readonly dummyHops?: number;
  /** What the forwarding-to-ourselves hops say; default `{ nextNodeId: <last hop's node id> }`. */
  readonly dummyData?: EncryptedDataTlv;
}

/** A path with the plaintext each hop will decrypt (the creator may want to keep it). */
export interface CreatedBlindedPath {
  readonly path: BlindedPath;
  /** encrypted_data_tlv[i] as encrypted, padding included. */
  readonly encryptedData: readonly Uint8Array[];
}

/**
 * BOLT 4 Route Blinding, writer of a `blinded_path`: blinds every hop's node id and encrypts
 * its `encrypted_data_tlv` with ChaCha20-Poly1305 (key rho_i, all-zero nonce).
 */
export function createBlindedPath(opts: CreateBlindedPathOptions): CreatedBlindedPath {
  const hops = withDummyHops(opts);
  if (hops.length === 0) throw new OnionError('onion.bad_argument', 'a blinded path needs at least one hop');
  if (hops.length > 255) throw new OnionError('onion.bad_argument', 'a blinded path has at most 255 hops');
  try {
    assertBytes(opts.sessionKey, 32, 'session key');
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'blinded path', e);
  }
  const plaintexts = opts.pad === false ? hops.map((h) => encodeEncryptedDataTlv(h.data)) : padEncryptedData(hops.map((h) => h.data));
  let keys: BlindedHopKeys[];
  try {
    keys = computeBlindedHopKeys(opts.sessionKey, hops.map((h) => h.nodeId));
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'blinded path', e);
  }
  const pathHops = keys.map((k, i) => ({
    blindedNodeId: k.blindedNodeId,
    // BOLT 4: "MUST encrypt each encrypted_data_tlv[i] with ChaCha20-Poly1305 using rho_i and an all-zero nonce"
    encryptedRecipientData: aeadEncrypt(k.rho, ZERO_NONCE, NO_AD, plaintexts[i]!),
  }));
  const path: BlindedPath = {
    firstNodeId: opts.introduction ?? { kind: 'node_id', nodeId: hops[0]!.nodeId },
    firstPathKey: keys[0]!.pathKey, // BOLT 4: "MUST set first_path_key to E_0"
    hops: pathHops,
  };
  for (const k of keys) zeroize(k.pathPrivateKey, k.sharedSecret, k.rho);
  return { path, encryptedData: plaintexts };
}

function withDummyHops(opts: CreateBlindedPathOptions): BlindedHopInput[] {
  const count = opts.dummyHops ?? 0;
  if (!Number.isInteger(count) || count < 0) throw new OnionError('onion.bad_argument', 'dummyHops must be a non-negative integer');
  if (count === 0) return [...opts.hops];
  const last = opts.hops.at(-1);
  if (!last) throw new OnionError('onion.bad_argument', 'a blinded path needs at least one hop');
  const forward: EncryptedDataTlv = opts.dummyData ?? { nextNodeId: last.nodeId };
  const selfHops = Array.from({ length: count }, () => ({ nodeId: last.nodeId, data: forward }));
  return [...opts.hops.slice(0, -1), ...selfHops, last];
}

/**
 * Encodes every hop's data with a `padding` record so that all have the same length. A padding
 * record is 1 + BigSize(n) + n bytes, so it can add 0 (absent), 2..254 or 257.. bytes: the target
 * is the smallest length >= the longest data that every hop can reach.
 */
export function padEncryptedData(data: readonly EncryptedDataTlv[]): Uint8Array[] {
  const bare = data.map((d) => {
    const { padding: _ignored, ...rest } = d;
    return rest;
  });
  const lengths = bare.map((d) => encodeEncryptedDataTlv(d).length);
  const reachable = (diff: number): boolean => diff === 0 || paddingLength(diff) !== null;
  let target = Math.max(...lengths);
  while (!lengths.every((l) => reachable(target - l))) target++;
  return bare.map((d, i) => {
    const diff = target - lengths[i]!;
    if (diff === 0) return encodeEncryptedDataTlv(d);
    return encodeEncryptedDataTlv({ ...d, padding: new Uint8Array(paddingLength(diff)!) });
  });
}

/** The padding value length n whose record (type 1, BigSize n, n bytes) is exactly `recordSize` bytes. */
function paddingLength(recordSize: number): number | null {
  for (let n = Math.max(0, recordSize - 10); n <= recordSize - 2; n++) {
    if (1 + bigSizeLength(n) + n === recordSize) return n;
  }
  return null;
}

export interface ProcessBlindedHopOptions {
  /** The node's private key (omit when `sharedSecret` is given). Secret. */
  readonly privateKey?: Uint8Array;
  /** ss_i = ECDH(path_key, node key), when already computed (e.g. by peelOnionPacket). Secret. */
  readonly sharedSecret?: Uint8Array;
  /** E_i, the `path_key` of this hop. */
  readonly pathKey: Uint8Array;
  /** The hop's `encrypted_recipient_data`. */
  readonly encryptedRecipientData: Uint8Array;
}

export interface ProcessedBlindedHop {
  /** The decrypted `encrypted_data_tlv`. */
  readonly data: EncryptedDataTlv;
  /** Its bytes. */
  readonly plaintext: Uint8Array;
  /** The `path_key` to hand to the next hop: the override if present, else E_{i+1}. */
  readonly nextPathKey: Uint8Array;
  /** True when `next_path_key_override` supplied `nextPathKey`. */
  readonly nextPathKeyOverridden: boolean;
  /** ss_i. Secret. */
  readonly sharedSecret: Uint8Array;
}

/**
 * BOLT 4 Route Blinding, reader of `encrypted_recipient_data`: ss_i = SHA256(k_i · E_i),
 * rho_i = HMAC256("rho", ss_i), decrypt, then take `next_path_key_override` or
 * E_{i+1} = SHA256(E_i || ss_i) · E_i. A decryption failure is OnionError `onion.blinding_failed`;
 * a malformed plaintext is OnionParseError `onion.bad_encrypted_data`.
 */
export function processBlindedHop(opts: ProcessBlindedHopOptions): ProcessedBlindedHop {
  const { pathKey, encryptedRecipientData } = opts;
  // With `sharedSecret` the caller's ECDH with this path_key parsed it; else ours does (ecdhChecked).
  if (!(pathKey instanceof Uint8Array) || !hasCompressedShape(pathKey)) {
    throw new OnionError('onion.invalid_key', 'path_key is not a valid point');
  }
  if (!(encryptedRecipientData instanceof Uint8Array)) throw new OnionError('onion.bad_argument', 'encrypted_recipient_data must be bytes');
  let sharedSecret: Uint8Array;
  if (opts.sharedSecret !== undefined) {
    if (!(opts.sharedSecret instanceof Uint8Array) || opts.sharedSecret.length !== 32) {
      throw new OnionError('onion.bad_argument', 'shared secret must be 32 bytes');
    }
    sharedSecret = opts.sharedSecret;
  } else {
    try {
      sharedSecret = ecdhChecked(opts.privateKey as Uint8Array, pathKey, 'path_key');
    } catch (e) {
      throw wrapError(OnionError, 'onion.bad_argument', 'node key', e);
    }
  }
  const rho = generateKey(KEY_TYPE.rho, sharedSecret);
  let plaintext: Uint8Array;
  try {
    plaintext = aeadDecrypt(rho, ZERO_NONCE, NO_AD, encryptedRecipientData);
  } catch (e) {
    throw wrapError(OnionError, 'onion.blinding_failed', 'encrypted_recipient_data', e);
  } finally {
    zeroize(rho);
  }
  const data = decodeEncryptedDataTlv(plaintext);
  const override = data.nextPathKeyOverride;
  return {
    data,
    plaintext,
    nextPathKey: override ?? deriveNextPathKey(pathKey, sharedSecret),
    nextPathKeyOverridden: override !== undefined,
    sharedSecret,
  };
}

/** True when a blinded hop's data forwards to `ourNodeId` (a dummy hop the path's creator added for itself). */
export function forwardsTo(data: EncryptedDataTlv, ourNodeId: Uint8Array): boolean {
  return data.nextNodeId !== undefined && equalBytes(data.nextNodeId, ourNodeId);
}
