/**
 * The BOLT 2 messages the commitment state machine consumes and emits: the core/wire message
 * types themselves, so a decoded message goes straight to `Channel.receive` and an emitted one
 * straight to `encodeMessage`.
 */
import type {
  CommitmentSigned, RevokeAndAck, UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFee, UpdateFulfillHtlc,
} from '../wire';

export type {
  CommitmentSigned, RevokeAndAck, UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFee, UpdateFulfillHtlc,
};

export type UpdateMessage = UpdateAddHtlc | UpdateFulfillHtlc | UpdateFailHtlc | UpdateFailMalformedHtlc | UpdateFee;

/** Every message the state machine handles. */
export type ChannelMessage = UpdateMessage | CommitmentSigned | RevokeAndAck;

export type ChannelMessageType = ChannelMessage['type'];

const CHANNEL_MESSAGE_TYPES: readonly string[] = [
  'update_add_htlc', 'update_fulfill_htlc', 'update_fail_htlc', 'update_fail_malformed_htlc', 'update_fee', 'commitment_signed', 'revoke_and_ack',
] satisfies ChannelMessageType[];

/** Whether a decoded wire message is one `Channel.receive` handles. */
export function isChannelMessage(m: { readonly type: string }): m is ChannelMessage {
  return CHANNEL_MESSAGE_TYPES.includes(m.type);
}
