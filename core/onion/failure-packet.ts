/**
 * BOLT 4 Returning Errors: the erring node builds the return packet, every hop on the way back
 * obfuscates it once more, and the origin peels the layers to find which hop failed.
 * (`attribution_data` is not implemented here.)
 */
import { assertBytes, equalBytes, hmacSha256, zeroize } from '../crypto';
import { ByteReader, ByteWriter } from '../wire';
import { FAILURE_DECRYPT_ROUNDS, FAILURE_MESSAGE_PADDED_LENGTH, HMAC_LENGTH, KEY_TYPE } from './constants';
import { OnionError, wrapError } from './errors';
import type { FailureMessage } from './failure-codes';
import { decodeFailureMessage } from './failure-codes';
import { generateCipherStream, generateKey, xorInto } from './keys';

export interface CreateFailureOptions {
  /** The shared secret of the erring hop (from peeling the HTLC's onion). Secret. */
  readonly sharedSecret: Uint8Array;
  /** `failuremsg`: the encoded failure (see encodeFailureMessage). */
  readonly failureMessage: Uint8Array;
}

/**
 * BOLT 4 erring node: `hmac || failure_len || failuremsg || pad_len || pad`, the HMAC keyed with
 * `um` over the rest, then the whole packet XORed with the `ammag` stream. Pads so that
 * failure_len + pad_len is 256 (or no padding when the message is longer).
 */
export function createFailure(opts: CreateFailureOptions): Uint8Array {
  const { sharedSecret, failureMessage } = opts;
  try {
    assertBytes(sharedSecret, 32, 'shared secret');
    assertBytes(failureMessage, undefined, 'failure message');
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'create failure', e);
  }
  if (failureMessage.length > 0xffff - 2) throw new OnionError('onion.bad_argument', 'failure message is too long');
  // BOLT 4: "SHOULD set pad such that the failure_len plus pad_len is equal to 256".
  const padLength = Math.max(0, FAILURE_MESSAGE_PADDED_LENGTH - failureMessage.length);
  const body = new ByteWriter(4 + failureMessage.length + padLength)
    .writeU16(failureMessage.length, 'failure_len')
    .writeBytes(failureMessage)
    .writeU16(padLength, 'pad_len')
    .writeBytes(new Uint8Array(padLength))
    .finish();
  const um = generateKey(KEY_TYPE.um, sharedSecret);
  const packet = new Uint8Array(HMAC_LENGTH + body.length);
  packet.set(hmacSha256(um, body), 0); // hmac authenticates the remainder, keyed with `um`
  packet.set(body, HMAC_LENGTH);
  zeroize(um);
  return wrapFailure(sharedSecret, packet);
}

/** BOLT 4 intermediate node (and the erring node's last step): XOR the packet with this hop's `ammag` stream. */
export function wrapFailure(sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  try {
    assertBytes(sharedSecret, 32, 'shared secret');
    assertBytes(packet, undefined, 'failure packet');
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'wrap failure', e);
  }
  const ammag = generateKey(KEY_TYPE.ammag, sharedSecret);
  const stream = generateCipherStream(ammag, packet.length);
  const out = packet.slice();
  xorInto(out, stream);
  zeroize(ammag, stream);
  return out;
}

export interface DecodedFailure {
  /** Index of the hop that created the failure (0 = the first hop after us). */
  readonly hopIndex: number;
  /** `failuremsg` as the erring hop wrote it (empty if its packet body was malformed). */
  readonly failureMessage: Uint8Array;
  /** The decoded failure, or null when `failureMessage` does not decode (see `parseError`). */
  readonly failure: FailureMessage | null;
  /** Why the erring hop's packet or message did not decode, if it did not. */
  readonly parseError: OnionError | null;
}

/** A fixed secret for the dummy rounds after the route ends (BOLT 4: "constant ammag and um keys"). */
const DUMMY_SECRET = new Uint8Array(32);

/**
 * BOLT 4 origin node: removes one `ammag` layer per hop, first hop first, until a hop's `um`
 * HMAC matches. Keeps going for 27 rounds in all, with constant keys after the route ends, so
 * the time taken does not reveal the erring hop's position. No match at all is OnionError
 * `onion.failure_unattributable`.
 */
export function decodeFailure(opts: { sharedSecrets: readonly Uint8Array[]; packet: Uint8Array }): DecodedFailure {
  const { sharedSecrets } = opts;
  if (!(opts.packet instanceof Uint8Array)) throw new OnionError('onion.bad_argument', 'failure packet must be bytes');
  let data: Uint8Array = opts.packet.slice();
  let found: { hopIndex: number; data: Uint8Array } | null = null;
  const rounds = Math.max(FAILURE_DECRYPT_ROUNDS, sharedSecrets.length);
  for (let i = 0; i < rounds; i++) {
    const real = i < sharedSecrets.length;
    const secret = real ? sharedSecrets[i]! : DUMMY_SECRET;
    data = wrapFailure(secret, data); // XOR is its own inverse: this removes hop i's layer
    if (data.length < HMAC_LENGTH) continue;
    const um = generateKey(KEY_TYPE.um, secret);
    const matches = equalBytes(hmacSha256(um, data.subarray(HMAC_LENGTH)), data.subarray(0, HMAC_LENGTH));
    zeroize(um);
    if (matches && real && found === null) found = { hopIndex: i, data: data.slice() };
  }
  if (found === null) throw new OnionError('onion.failure_unattributable', 'no hop of the route produced this failure');
  return { hopIndex: found.hopIndex, ...parseBody(found.data) };
}

function parseBody(packet: Uint8Array): Omit<DecodedFailure, 'hopIndex'> {
  let failureMessage: Uint8Array;
  try {
    const r = new ByteReader(packet.subarray(HMAC_LENGTH));
    failureMessage = r.readBytes(r.readU16('failure_len'), 'failuremsg').slice();
    r.readBytes(r.readU16('pad_len'), 'pad');
  } catch (e) {
    return { failureMessage: new Uint8Array(0), failure: null, parseError: wrapError(OnionError, 'onion.bad_failure_packet', 'failure packet', e) };
  }
  try {
    return { failureMessage, failure: decodeFailureMessage(failureMessage), parseError: null };
  } catch (e) {
    return { failureMessage, failure: null, parseError: e instanceof OnionError ? e : wrapError(OnionError, 'onion.bad_failure_message', 'failuremsg', e) };
  }
}
