/**
 * The BOLT 2 messages the commitment state machine consumes and emits.
 *
 * Adapter: these mirror the core/wire message interfaces field for field (same `type` tags,
 * same camelCased spec names, `tlvs` optional), so a decoded wire message can be handed to
 * `Channel.receive` and an emitted one to the wire encoder unchanged. When the wire codecs are
 * committed this file becomes a list of `export type { ... } from '../wire'`.
 */

/** BOLT 2 `update_add_htlc` */
export interface UpdateAddHtlc {
  readonly type: 'update_add_htlc';
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `id` */
  readonly id: bigint;
  /** `amount_msat` */
  readonly amountMsat: bigint;
  /** `payment_hash` */
  readonly paymentHash: Uint8Array;
  /** `cltv_expiry` */
  readonly cltvExpiry: number;
  /** `onion_routing_packet` (1366 bytes) */
  readonly onionRoutingPacket: Uint8Array;
  readonly tlvs?: { readonly blindedPath?: { readonly pathKey: Uint8Array } };
}

/** BOLT 2 `update_fulfill_htlc` */
export interface UpdateFulfillHtlc {
  readonly type: 'update_fulfill_htlc';
  readonly channelId: Uint8Array;
  readonly id: bigint;
  /** `payment_preimage` */
  readonly paymentPreimage: Uint8Array;
  readonly tlvs?: object;
}

/** BOLT 2 `update_fail_htlc` */
export interface UpdateFailHtlc {
  readonly type: 'update_fail_htlc';
  readonly channelId: Uint8Array;
  readonly id: bigint;
  /** `reason`: the encrypted BOLT 4 failure onion */
  readonly reason: Uint8Array;
  readonly tlvs?: object;
}

/** BOLT 2 `update_fail_malformed_htlc` */
export interface UpdateFailMalformedHtlc {
  readonly type: 'update_fail_malformed_htlc';
  readonly channelId: Uint8Array;
  readonly id: bigint;
  /** `sha256_of_onion` */
  readonly sha256OfOnion: Uint8Array;
  /** `failure_code` */
  readonly failureCode: number;
  readonly tlvs?: object;
}

/** BOLT 2 `update_fee` */
export interface UpdateFee {
  readonly type: 'update_fee';
  readonly channelId: Uint8Array;
  /** `feerate_per_kw` */
  readonly feeratePerKw: number;
  readonly tlvs?: object;
}

/** BOLT 2 `commitment_signed` */
export interface CommitmentSigned {
  readonly type: 'commitment_signed';
  readonly channelId: Uint8Array;
  /** `signature` (compact 64 bytes) */
  readonly signature: Uint8Array;
  /** `htlc_signature`s, in commitment output order */
  readonly htlcSignatures: readonly Uint8Array[];
  readonly tlvs?: { readonly fundingTxid?: Uint8Array };
}

/** BOLT 2 `revoke_and_ack` */
export interface RevokeAndAck {
  readonly type: 'revoke_and_ack';
  readonly channelId: Uint8Array;
  /** `per_commitment_secret` */
  readonly perCommitmentSecret: Uint8Array;
  /** `next_per_commitment_point` */
  readonly nextPerCommitmentPoint: Uint8Array;
  readonly tlvs?: object;
}

export type UpdateMessage = UpdateAddHtlc | UpdateFulfillHtlc | UpdateFailHtlc | UpdateFailMalformedHtlc | UpdateFee;

/** Every message the state machine handles. */
export type ChannelMessage = UpdateMessage | CommitmentSigned | RevokeAndAck;

export type ChannelMessageType = ChannelMessage['type'];
