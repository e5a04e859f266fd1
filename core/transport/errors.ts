/**
 * Typed errors of the BOLT 8 transport. Every failure the spec names has its own stable code,
 * so a host can tell a wrong key from a tampered packet without parsing messages.
 */
import { GlasswingError } from '../errors';

/**
 * The root of transport errors. Codes used directly on this class (caller mistakes, not peer
 * misbehaviour):
 * - `transport.invalid_key` — a local private key, injected ephemeral key or the remote static
 *   key given to a constructor is not a valid secp256k1 key
 * - `transport.not_bytes` — an argument that must be a Uint8Array is not one
 * - `transport.out_of_order` — a handshake step called in the wrong state (or twice)
 * - `transport.closed` — the handshake or session was destroyed, or failed earlier
 * - `transport.message_too_large` — `encrypt` was given more than 65,535 bytes (BOLT 8)
 */
export class TransportError extends GlasswingError {}

/** Which act of the handshake a HandshakeError belongs to. */
export type HandshakeAct = 1 | 2 | 3;

/**
 * A handshake act received from the peer was rejected. The spec's names (Appendix A) map to
 * codes as follows (n is the act: 1 or 2 for `e`, 3 for `s`):
 * - ACTn_READ_FAILED → `transport.actN_bad_length` — the act is not exactly 50 (acts 1, 2) or
 *   66 (act 3) bytes
 * - ACTn_BAD_VERSION → `transport.actN_bad_version` — the leading version byte is not 0
 *   (`details.version` holds the byte received)
 * - ACTn_BAD_PUBKEY → `transport.actN_bad_pubkey` — the ephemeral key (acts 1, 2) or the
 *   decrypted static key (act 3) is not a valid compressed secp256k1 point
 * - ACT3_BAD_CIPHERTEXT → `transport.act3_bad_ciphertext` — the MAC over the encrypted static
 *   key failed
 * - ACTn_BAD_TAG → `transport.actN_bad_tag` — the final zero-length AEAD tag failed
 */
export type HandshakeErrorCode =
  | 'transport.act1_bad_length'
  | 'transport.act1_bad_version'
  | 'transport.act1_bad_pubkey'
  | 'transport.act1_bad_tag'
  | 'transport.act2_bad_length'
  | 'transport.act2_bad_version'
  | 'transport.act2_bad_pubkey'
  | 'transport.act2_bad_tag'
  | 'transport.act3_bad_length'
  | 'transport.act3_bad_version'
  | 'transport.act3_bad_ciphertext'
  | 'transport.act3_bad_pubkey'
  | 'transport.act3_bad_tag';

export class HandshakeError extends TransportError {
  declare readonly code: HandshakeErrorCode;
  /** The act whose bytes were rejected. */
  readonly act: HandshakeAct;

  constructor(code: HandshakeErrorCode, act: HandshakeAct, message: string, details?: Record<string, unknown>) {
    super(code, message, { act, ...details });
    this.act = act;
  }
}

/**
 * A received frame failed authentication (BOLT 8 "Receiving and Decrypting Messages"):
 * - `transport.length_bad_tag` — the MAC of the 18-byte encrypted length prefix failed
 * - `transport.message_bad_tag` — the MAC of the message body failed
 *
 * The receiving direction is dead afterwards; the connection must be closed. Messages that
 * decrypted successfully earlier in the same `feed` call are in `messagesBefore`, in order.
 */
export type FrameErrorCode = 'transport.length_bad_tag' | 'transport.message_bad_tag';

export class FrameError extends TransportError {
  declare readonly code: FrameErrorCode;
  /** Messages authenticated and decrypted before the failure, within the same `feed` call. */
  readonly messagesBefore: readonly Uint8Array[];

  constructor(code: FrameErrorCode, message: string, messagesBefore: readonly Uint8Array[]) {
    super(code, message);
    this.messagesBefore = messagesBefore;
  }
}
