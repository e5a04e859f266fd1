/**
 * Sphinx packets (BOLT 4 "Packet Structure", "Packet Construction", "Onion Decryption",
 * "Filler Generation"). One implementation serves payment onions (1,300-byte `hop_payloads`)
 * and onion messages (`onionmsg_payloads` of any length, normally 1,300 or 32,768 bytes).
 */
import {
  assertBytes, concatBytes, equalBytes, hmacSha256, isValidPublicKey, scalarFromHash, scalarMultiply, zeroize,
} from '../crypto';
import { ByteReader, ByteWriter, bigSizeLength } from '../wire';
import {
  HMAC_LENGTH, KEY_TYPE, MAX_MESSAGE_PACKET_LENGTH, MESSAGE_PAYLOAD_SIZES, ONION_VERSION, PACKET_OVERHEAD,
  PAYMENT_PAYLOAD_SIZE,
} from './constants';
import { OnionError, wrapError } from './errors';
import { computeHopKeys, ecdhChecked, generateCipherStream, generateKey, hasCompressedShape, nextEphemeralPublicKey, xorInto } from './keys';

/** BOLT 4 `onion_packet` / `onion_message_packet`. */
export interface OnionPacket {
  /** BOLT 4 `version` (0 is the only one defined). */
  readonly version: number;
  /** BOLT 4 `public_key`: the ephemeral key for this hop. */
  readonly publicKey: Uint8Array;
  /** BOLT 4 `hop_payloads` (payments) or `onionmsg_payloads` (messages). */
  readonly hopPayloads: Uint8Array;
  /** BOLT 4 `hmac` */
  readonly hmac: Uint8Array;
}

/** Payment onions have a fixed 1,300-byte payload area; onion messages take their size from the length. */
export type OnionKind = 'payment' | 'message';

/** One hop of a route to build: the key the layer is encrypted to, and its TLV payload (no length prefix). */
export interface OnionHop {
  /** The hop's node id, or its blinded node id inside a blinded path. */
  readonly nodeId: Uint8Array;
  /** The hop's TLV stream, without the BigSize length (the packet adds it). */
  readonly payload: Uint8Array;
}

export interface CreateOnionPacketOptions {
  /** 32-byte random session key: the first ephemeral private key. Secret. */
  readonly sessionKey: Uint8Array;
  readonly hops: readonly OnionHop[];
  /** Data the HMACs commit to: the payment_hash for payments; empty (the default) for onion messages. */
  readonly associatedData?: Uint8Array;
  /** Size of the payload area: 1,300 (default) or, for onion messages, 32,768. */
  readonly payloadSize?: number;
}

export interface CreatedOnionPacket {
  readonly packet: OnionPacket;
  /** One shared secret per hop, first hop first: keep them to decode a returned failure. Secret. */
  readonly sharedSecrets: Uint8Array[];
}

export interface PeelOnionOptions {
  /** The packet, decoded or as bytes. */
  readonly packet: OnionPacket | Uint8Array;
  /** The processing node's private key (omit when `sharedSecret` is given). Secret. */
  readonly privateKey?: Uint8Array;
  /** ECDH(public_key, node key), if the caller computed it elsewhere (e.g. in a signer). */
  readonly sharedSecret?: Uint8Array;
  /** Route blinding: the `path_key` received with the packet; the node key is tweaked with it. */
  readonly pathKey?: Uint8Array;
  /** Must equal the sender's associated data (payment_hash; empty for onion messages). */
  readonly associatedData?: Uint8Array;
  /** Defaults to 'payment' (exactly 1,366 bytes, payloads of at least 2 bytes). */
  readonly kind?: OnionKind;
}

export interface PeeledOnion {
  /** This hop's TLV payload (without its length prefix). */
  readonly payload: Uint8Array;
  /** The packet to forward, or null when this hop is the final destination (all-zero next HMAC). */
  readonly next: { readonly packet: OnionPacket } | null;
  /** ss = ECDH(public_key, node key): keep it to wrap a failure on the way back. Secret. */
  readonly sharedSecret: Uint8Array;
  /** With `pathKey`: ECDH(path_key, node key), the secret that decrypts `encrypted_recipient_data`. */
  readonly pathKeySharedSecret?: Uint8Array;
}

const ZERO_HMAC = new Uint8Array(HMAC_LENGTH);

/** Serializes a packet: version || public_key || hop_payloads || hmac. */
export function encodeOnionPacket(packet: OnionPacket): Uint8Array {
  if (packet.publicKey.length !== 33) throw new OnionError('onion.bad_argument', 'public_key must be 33 bytes');
  if (packet.hmac.length !== HMAC_LENGTH) throw new OnionError('onion.bad_argument', 'hmac must be 32 bytes');
  if (!Number.isInteger(packet.version) || packet.version < 0 || packet.version > 255) {
    throw new OnionError('onion.bad_argument', 'version must be a byte');
  }
  return new ByteWriter(PACKET_OVERHEAD + packet.hopPayloads.length)
    .writeU8(packet.version)
    .writeBytes(packet.publicKey)
    .writeBytes(packet.hopPayloads)
    .writeBytes(packet.hmac)
    .finish();
}

/**
 * Splits packet bytes into their four fields (copies). A payment packet must be exactly 1,366
 * bytes; an onion message packet is 66 bytes of header and HMAC around a payload area whose
 * size the length implies (BOLT 4 Onion Messages). Version and key are checked by the peeler,
 * which must report them as distinct failures.
 */
export function decodeOnionPacket(bytes: Uint8Array, kind: OnionKind = 'payment'): OnionPacket {
  if (!(bytes instanceof Uint8Array)) throw new OnionError('onion.bad_length', 'onion packet: expected bytes');
  const payloadSize = bytes.length - PACKET_OVERHEAD;
  if (kind === 'payment' && payloadSize !== PAYMENT_PAYLOAD_SIZE) {
    throw new OnionError('onion.bad_length', `payment onion: expected ${PAYMENT_PAYLOAD_SIZE + PACKET_OVERHEAD} bytes, got ${bytes.length}`, {
      length: bytes.length,
    });
  }
  if (kind === 'message' && (payloadSize < 1 || bytes.length > MAX_MESSAGE_PACKET_LENGTH)) {
    throw new OnionError('onion.bad_length', `onion message packet: ${bytes.length} bytes is not a usable size`, {
      length: bytes.length,
    });
  }
  const r = new ByteReader(bytes);
  return {
    version: r.readU8('version'),
    publicKey: r.readBytes(33, 'public_key').slice(),
    hopPayloads: r.readBytes(payloadSize, 'hop_payloads').slice(),
    hmac: r.readBytes(HMAC_LENGTH, 'hmac').slice(),
  };
}

/** The smallest standard onion message payload area (1,300 or 32,768) that holds these hops' payloads. */
export function chooseMessagePayloadSize(hops: readonly OnionHop[]): number {
  const needed = hopPayloadsLength(hops);
  for (const size of MESSAGE_PAYLOAD_SIZES) if (needed <= size) return size;
  throw new OnionError('onion.route_too_long', `onion message payloads need ${needed} bytes, more than ${MESSAGE_PAYLOAD_SIZES.at(-1)}`);
}

/** Bytes the hops take in the payload area: per hop BigSize(length) + payload + 32-byte HMAC. */
export function hopPayloadsLength(hops: readonly OnionHop[]): number {
  let total = 0;
  for (const hop of hops) total += shiftSize(hop.payload.length);
  return total;
}

/** BOLT 4 Packet Construction: `shift_size` = BigSize length prefix + payload + HMAC. */
function shiftSize(payloadLength: number): number {
  return bigSizeLength(payloadLength) + payloadLength + HMAC_LENGTH;
}

/**
 * BOLT 4 Filler Generation. The filler is the tail that hops 0..n-2 append (and obfuscate) as
 * they peel, which the last hop will see. With F_0 empty and L_k = |F_k|:
 *   F_{k+1} = (F_k || 0^{shift_k}) XOR rho_k-stream[S - L_k .. S + shift_k]
 * (hop k XORs its stream over hop_payloads || 0^S, then shifts left by shift_k).
 */
export function generateFiller(sharedSecrets: readonly Uint8Array[], shifts: readonly number[], payloadSize: number): Uint8Array {
  let total = 0;
  for (let k = 0; k < shifts.length - 1; k++) total += shifts[k]!;
  const filler = new Uint8Array(total);
  let length = 0;
  for (let k = 0; k < shifts.length - 1; k++) {
    const rho = generateKey(KEY_TYPE.rho, sharedSecrets[k]!);
    const stream = generateCipherStream(rho, payloadSize + shifts[k]!);
    xorInto(filler, stream, 0, payloadSize - length, length + shifts[k]!);
    length += shifts[k]!;
    zeroize(rho, stream);
  }
  return filler;
}

/**
 * BOLT 4 Packet Construction: builds the onion for `hops` (first hop first) and returns it with
 * the per-hop shared secrets. Throws OnionError `onion.route_too_long` if the payloads do not fit,
 * `onion.bad_argument` for unusable keys or sizes.
 */
export function createOnionPacket(opts: CreateOnionPacketOptions): CreatedOnionPacket {
  const { sessionKey, hops } = opts;
  const associatedData = opts.associatedData ?? new Uint8Array(0);
  const size = opts.payloadSize ?? PAYMENT_PAYLOAD_SIZE;
  if (!Number.isInteger(size) || size < 1 || size + PACKET_OVERHEAD > MAX_MESSAGE_PACKET_LENGTH) {
    throw new OnionError('onion.bad_argument', `payload size ${size} is not usable`);
  }
  if (hops.length === 0) throw new OnionError('onion.bad_argument', 'a route needs at least one hop');
  try {
    assertBytes(sessionKey, 32, 'session key');
    assertBytes(associatedData, undefined, 'associated data');
    hops.forEach((h, i) => {
      assertBytes(h.nodeId, 33, `hops[${i}].nodeId`);
      assertBytes(h.payload, undefined, `hops[${i}].payload`);
    });
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'create onion', e);
  }
  const shifts = hops.map((h) => shiftSize(h.payload.length));
  const needed = shifts.reduce((a, b) => a + b, 0);
  if (needed > size) {
    throw new OnionError('onion.route_too_long', `hop payloads need ${needed} bytes, the packet has ${size}`, { needed, size });
  }

  let hopKeys;
  try {
    hopKeys = computeHopKeys(sessionKey, hops.map((h) => h.nodeId));
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'create onion', e);
  }
  const sharedSecrets = hopKeys.map((k) => k.sharedSecret);
  const filler = generateFiller(sharedSecrets, shifts, size);

  // BOLT 4: "The packet is initialized with 1300 random bytes" from the `pad` key of the session key.
  const padKey = generateKey(KEY_TYPE.pad, sessionKey);
  const mix = generateCipherStream(padKey, size);
  zeroize(padKey);
  let nextHmac: Uint8Array = ZERO_HMAC; // the last hop gets an all-zero HMAC: "final destination"
  for (let i = hops.length - 1; i >= 0; i--) {
    const rho = generateKey(KEY_TYPE.rho, sharedSecrets[i]!);
    const mu = generateKey(KEY_TYPE.mu, sharedSecrets[i]!);
    const payload = hops[i]!.payload;
    const shift = shifts[i]!;
    mix.copyWithin(shift, 0, size - shift); // right-shift hop_payloads by shift_size
    const w = new ByteWriter(shift).writeBigSize(payload.length).writeBytes(payload).writeBytes(nextHmac);
    mix.set(w.finish(), 0); // length || payload || hmac in the freed bytes
    const stream = generateCipherStream(rho, size);
    xorInto(mix, stream); // obfuscate with the rho stream
    if (i === hops.length - 1) mix.set(filler, size - filler.length); // last hop: tail := filler
    nextHmac = hmacSha256(mu, concatBytes(mix, associatedData)); // HMAC(mu, hop_payloads || associated_data)
    zeroize(rho, mu, stream);
  }
  return {
    packet: { version: ONION_VERSION, publicKey: hopKeys[0]!.ephemeralPublicKey, hopPayloads: mix, hmac: nextHmac },
    sharedSecrets,
  };
}

/**
 * BOLT 4 Onion Decryption: checks the packet, peels this hop's layer and returns its payload
 * and the packet for the next hop (null at the final hop). Every failure is an OnionError
 * whose code tells which check failed (see errors.ts).
 */
export function peelOnionPacket(opts: PeelOnionOptions): PeeledOnion {
  const kind = opts.kind ?? 'payment';
  const packet = opts.packet instanceof Uint8Array ? decodeOnionPacket(opts.packet, kind) : opts.packet;
  const associatedData = opts.associatedData ?? new Uint8Array(0);
  const size = packet.hopPayloads.length;
  if (kind === 'payment' && size !== PAYMENT_PAYLOAD_SIZE) {
    throw new OnionError('onion.bad_length', `payment onion: hop_payloads must be ${PAYMENT_PAYLOAD_SIZE} bytes`);
  }
  if (size === 0 || packet.hmac.length !== HMAC_LENGTH) throw new OnionError('onion.bad_length', 'onion packet is truncated');
  // BOLT 4: "if version is not 0: MUST abort processing the packet and fail."
  if (packet.version !== ONION_VERSION) {
    throw new OnionError('onion.bad_version', `onion version ${packet.version} is not supported`, { version: packet.version });
  }
  // BOLT 4: "if public_key is not a valid pubkey: MUST abort processing the packet and fail." Its
  // shape here; on the curve is checked by the ECDH that uses it (one point parse, not two), or
  // here when the caller brings the shared secret.
  const keyShapeOk = hasCompressedShape(packet.publicKey);
  if (!keyShapeOk || (opts.sharedSecret !== undefined && !isValidPublicKey(packet.publicKey))) {
    throw new OnionError('onion.invalid_key', 'onion public_key is not a valid point');
  }

  const { sharedSecret, pathKeySharedSecret } = deriveSharedSecret(packet.publicKey, opts);
  // BOLT 4: mu = HMAC256("mu", ss); HMAC256(mu, hop_payloads || associated_data), compared in constant time.
  const mu = generateKey(KEY_TYPE.mu, sharedSecret);
  const expected = hmacSha256(mu, concatBytes(packet.hopPayloads, associatedData));
  zeroize(mu);
  if (!equalBytes(expected, packet.hmac)) throw new OnionError('onion.hmac_mismatch', 'onion HMAC does not match');

  // BOLT 4: bytestream of twice the length of hop_payloads, XORed over hop_payloads || 0^size.
  const rho = generateKey(KEY_TYPE.rho, sharedSecret);
  const unwrapped = generateCipherStream(rho, 2 * size);
  zeroize(rho);
  xorInto(unwrapped, packet.hopPayloads);
  try {
    const r = new ByteReader(unwrapped);
    let length: number;
    try {
      length = r.readBigSizeNumber('payload_length'); // BOLT 4: "If that is malformed: MUST abort"
    } catch (e) {
      throw wrapError(OnionError, 'onion.bad_payload_length', 'hop_payload length', e);
    }
    // BOLT 4: "If the payload_length is less than two: MUST abort" (onion messages allow an empty payload).
    if (kind === 'payment' && length < 2) {
      throw new OnionError('onion.payload_too_short', `hop_payload length ${length} is reserved`, { length });
    }
    // BOLT 4: payload and next_hmac must be present, and what remains must still cover hop_payloads.
    const shift = r.position + length + HMAC_LENGTH;
    if (shift > size) {
      throw new OnionError('onion.payload_length_exceeds', `hop_payload length ${length} runs past the end of the packet`, {
        length,
      });
    }
    const payload = unwrapped.slice(r.position, r.position + length);
    const nextHmac = unwrapped.slice(shift - HMAC_LENGTH, shift);
    // BOLT 4: "Otherwise (all-zero next_hmac): This is the final destination of the onion."
    if (equalBytes(nextHmac, ZERO_HMAC)) {
      return { payload, next: null, sharedSecret, ...(pathKeySharedSecret ? { pathKeySharedSecret } : {}) };
    }
    const next: OnionPacket = {
      version: ONION_VERSION,
      // BOLT 4: public_key := incoming public_key · SHA256(public_key || ss)
      publicKey: nextEphemeralPublicKey(packet.publicKey, sharedSecret),
      // BOLT 4: hop_payloads := unwrapped_payloads truncated to the incoming size
      hopPayloads: unwrapped.slice(shift, shift + size),
      hmac: nextHmac,
    };
    return { payload, next: { packet: next }, sharedSecret, ...(pathKeySharedSecret ? { pathKeySharedSecret } : {}) };
  } finally {
    zeroize(unwrapped);
  }
}

/** ss for this hop, tweaking the node key with the path key when there is one (BOLT 4 Onion Decryption). */
function deriveSharedSecret(
  publicKey: Uint8Array,
  opts: PeelOnionOptions,
): { sharedSecret: Uint8Array; pathKeySharedSecret?: Uint8Array } {
  if (opts.sharedSecret !== undefined) {
    if (!(opts.sharedSecret instanceof Uint8Array) || opts.sharedSecret.length !== 32) {
      throw new OnionError('onion.bad_argument', 'shared secret must be 32 bytes');
    }
    return { sharedSecret: opts.sharedSecret };
  }
  const privateKey = opts.privateKey;
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new OnionError('onion.bad_argument', 'a 32-byte private key or a shared secret is required');
  }
  try {
    if (opts.pathKey === undefined) return { sharedSecret: ecdhChecked(privateKey, publicKey, 'onion public_key') };
    if (!hasCompressedShape(opts.pathKey)) throw new OnionError('onion.invalid_key', 'path_key is not a valid point');
    // BOLT 4: blinding_ss = ECDH(path_key, node_privkey); tweak node_privkey by HMAC256("blinded_node_id", blinding_ss).
    const pathKeySharedSecret = ecdhChecked(privateKey, opts.pathKey, 'path_key');
    const tweak = generateKey(KEY_TYPE.blindedNodeId, pathKeySharedSecret);
    const blindedKey = scalarMultiply(privateKey, scalarFromHash(tweak));
    const sharedSecret = ecdhChecked(blindedKey, publicKey, 'onion public_key');
    zeroize(tweak, blindedKey);
    return { sharedSecret, pathKeySharedSecret };
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'node key', e);
  }
}

