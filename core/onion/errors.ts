/**
 * Errors of the onion layer (BOLT 4). Every failure is an OnionError with a stable code;
 * the two subclasses separate "these bytes do not parse" from "this parses, but is not
 * allowed here", because a forwarding node answers them differently.
 *
 * OnionError — the packet itself or its cryptography:
 * - `onion.bad_length` — the packet is not a valid size (truncated, or not 1,366 bytes for a payment)
 * - `onion.bad_version` — `version` is not 0 (BOLT 4: report `invalid_onion_version`)
 * - `onion.invalid_key` — `public_key` (or a `path_key`) is not a valid point (`invalid_onion_key`)
 * - `onion.hmac_mismatch` — the packet's HMAC does not verify (`invalid_onion_hmac`)
 * - `onion.bad_payload_length` — the `hop_payload` length prefix is not a canonical BigSize
 * - `onion.payload_too_short` — a payment `hop_payload` length of 0 or 1 (reserved)
 * - `onion.payload_length_exceeds` — the length runs past the end of `hop_payloads` or leaves no room for the HMAC
 * - `onion.route_too_long` — (construction) the payloads do not fit the payload area
 * - `onion.bad_argument` — (construction) an input is not usable: wrong key length, no hops, ...
 * - `onion.blinding_failed` — `encrypted_recipient_data` does not decrypt with the path key
 * - `onion.failure_unattributable` — (origin) no hop's `um` HMAC matches a returned failure
 * - `onion.bad_failure_packet` — (origin) the failure packet of the erring hop is malformed
 *
 * OnionParseError — a payload that does not parse (`onion.bad_payload`, `onion.bad_encrypted_data`,
 * `onion.bad_failure_message`); `details.type` names the offending TLV type when known.
 *
 * OnionSemanticError — a payload that parses but breaks the BOLT 4 rules for its role:
 * `onion.missing_field` (e.g. no `short_channel_id` for a forward), `onion.unexpected_field`
 * (e.g. a `path_id` at a forwarding hop), `onion.conflicting_fields` (both `short_channel_id`
 * and `next_node_id`; a path key both with the HTLC and in the payload), `onion.unknown_feature`
 * (`allowed_features` with a bit we do not know).
 */
import { GlasswingError } from '../errors';

export class OnionError extends GlasswingError {}

/** Bytes that do not decode into the TLV stream or structure expected. */
export class OnionParseError extends OnionError {}

/** A payload that decodes but is not acceptable for the role it plays (forward, final, blinded). */
export class OnionSemanticError extends OnionError {}

/** Wraps a lower-layer error (wire/crypto) into an onion error with `code`, keeping its message. */
export function wrapError<E extends OnionError>(
  Ctor: new (code: string, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) => E,
  code: string,
  field: string,
  cause: unknown,
): E {
  if (cause instanceof OnionError) return cause as E;
  const message = cause instanceof Error ? cause.message : String(cause);
  const details: Record<string, unknown> = { field };
  if (cause instanceof GlasswingError) {
    details.cause = cause.code;
    if (cause.details?.type !== undefined) details.type = cause.details.type;
  }
  // An untyped cause (a bug, or a library's own error) stays reachable as `cause`.
  return new Ctor(code, `${field}: ${message}`, details, cause instanceof GlasswingError ? undefined : { cause });
}
