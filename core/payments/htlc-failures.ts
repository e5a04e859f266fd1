/**
 * Failing an incoming HTLC back, by where we sit in its route (BOLT 2 "Removing an HTLC", when
 * failing an incoming HTLC; BOLT 4 Failure Messages, erring and forwarding node):
 * - outside a blinded route: `update_fail_htlc` with the failure encrypted to the sender with our
 *   shared secret (BADONION failures go in `update_fail_malformed_htlc`: we could not read the onion);
 * - introduction node (`current_path_key` in the payload, not the final node): "MUST send an
 *   update_fail_htlc error using the invalid_onion_blinding failure code for any local or downstream errors";
 * - inside a blinded route (`path_key` in the incoming update_add_htlc): "MUST send an
 *   update_fail_malformed_htlc error using the invalid_onion_blinding failure code".
 */
import { toHex } from '../crypto';
import { FAILURE_CODES, createFailure, encodeFailureMessage } from '../onion';
import type { FailureData, FailureName } from '../onion';
import type { PaymentAction } from './step';
import type { BlindedRole } from './types';

export interface IncomingRef {
  readonly channelId: string;
  readonly htlcId: bigint;
  /** SHA256 of the onion that came with it (`sha256_of_onion`). */
  readonly onionHash: Uint8Array;
}

const INVALID_ONION_BLINDING = FAILURE_CODES.invalid_onion_blinding.code;

/** A failure to return: its BOLT 4 name and that failure's data. */
export type FailureChoice = { readonly [N in FailureName]: { readonly name: N; readonly data: FailureData<N> } }[FailureName];

/** A failure to return, and why, in words (for records and events). */
export type Refusal = FailureChoice & { readonly reason: string };

/** Encodes a chosen failure's `failuremsg`. */
export function encodeChoice(f: FailureChoice): Uint8Array {
  return encodeFailureMessage(f.name, f.data as FailureData<typeof f.name>);
}

/** The removal that returns `failure` for `htlc`, given our role and our layer's shared secret. */
export function failIncoming(htlc: IncomingRef, role: BlindedRole, sharedSecret: Uint8Array | null, failure: FailureChoice): PaymentAction {
  if (role === 'inside' || sharedSecret === null) {
    return { kind: 'fail_malformed_htlc', channelId: htlc.channelId, htlcId: htlc.htlcId, sha256OfOnion: htlc.onionHash, failureCode: role === 'inside' ? INVALID_ONION_BLINDING : FAILURE_CODES.invalid_onion_key.code };
  }
  // "SHOULD use the sha256_of_onion of the onion it received."
  const failureMessage = role === 'introduction' ? encodeFailureMessage('invalid_onion_blinding', { sha256OfOnion: htlc.onionHash }) : encodeChoice(failure);
  return { kind: 'fail_htlc', channelId: htlc.channelId, htlcId: htlc.htlcId, reason: createFailure({ sharedSecret, failureMessage }) };
}

/** The BOLT 4 name a removal carries, for records and events. */
export function failureNameOf(role: BlindedRole, name: FailureName): string {
  return role === 'none' ? name : 'invalid_onion_blinding';
}

/** The upstream record of a removal: what to send again after a restart. */
export function upstreamOf(action: PaymentAction): { reason: string } | { malformedCode: number } | null {
  if (action.kind === 'fail_htlc') return { reason: toHex(action.reason) };
  if (action.kind === 'fail_malformed_htlc') return { malformedCode: action.failureCode };
  return null;
}
