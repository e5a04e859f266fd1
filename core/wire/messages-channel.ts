/**
 * BOLT 2 messages used by the commitment state machine: adding and removing HTLCs, fees,
 * commitment_signed / revoke_and_ack, channel_reestablish, quiescence (stfu), and the legacy
 * close (shutdown, closing_signed). Field names are the spec's, camelCased; amounts are bigint.
 */
import { codecs } from './codec';
import type { Codec } from './codec';
import type { BlindedPath } from './blinded-path';
import { readBlindedPath, writeBlindedPath } from './blinded-path';
import { WireError } from './errors';
import { DEFAULT_ASYNC_PAYMENTS_PROFILE } from './async-payments';
import type { AsyncPaymentsProfile, AsyncPaymentsProfileName } from './async-payments';
import { defineTlvStream } from './typed-tlv';
import type { TlvStreamCodec } from './typed-tlv';
import { defineMessage, noTlvs } from './message-codec';
import type { NoTlvs, TypedMessage } from './message-codec';

const c = codecs;

/** BOLT 2 `onion_routing_packet`: a 1366-byte BOLT 4 payment onion. */
export const ONION_ROUTING_PACKET_LENGTH = 1366;
/** BOLT 4 attribution data: 20 hold times and 20 + 19 + ... + 1 = 210 four-byte HMACs. */
export const ATTRIBUTION_HOLD_TIMES = 20;
export const ATTRIBUTION_HMACS_LENGTH = 210 * 4;

// ---------------------------------------------------------------------------------------------
// update_add_htlc (128)

export interface UpdateAddHtlcTlvs extends NoTlvs {
  /** TLV 0 `blinded_path`: present when this HTLC travels inside a blinded route. */
  readonly blindedPath?: {
    /** BOLT 2 `path_key` */
    readonly pathKey: Uint8Array;
  };
  /**
   * `hold_htlc` (async payments, lightning/bolts#1149; its type comes from the profile,
   * async-payments.ts): "MUST NOT forward the HTLC until a corresponding release_held_htlc onion
   * message is received". No value: present or absent.
   */
  readonly holdHtlc?: true;
}

/** BOLT 2 `update_add_htlc` (type 128). */
export interface UpdateAddHtlc extends TypedMessage<'update_add_htlc', UpdateAddHtlcTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `id`: this HTLC's number, counting up from 0 per sender. */
  readonly id: bigint;
  /** `amount_msat` */
  readonly amountMsat: bigint;
  /** `payment_hash` */
  readonly paymentHash: Uint8Array;
  /** `cltv_expiry` (block height) */
  readonly cltvExpiry: number;
  /** `onion_routing_packet` (1366 bytes) */
  readonly onionRoutingPacket: Uint8Array;
}

/** A TLV record whose presence is its value (an empty `data`). */
const presence: Codec<true> = {
  read: () => true,
  write: (_w, v, field) => {
    if (v !== true) throw new WireError('wire.bad_value', `${field}: a flag record is written as true (or left out)`);
  },
};

/** One value per async payments profile, built once. */
function perProfile<T>(build: (p: AsyncPaymentsProfile) => T): (p?: AsyncPaymentsProfile) => T {
  const cache = new Map<AsyncPaymentsProfileName, T>();
  return (p = DEFAULT_ASYNC_PAYMENTS_PROFILE) => {
    let v = cache.get(p.name);
    if (v === undefined) cache.set(p.name, (v = build(p)));
    return v;
  };
}

/** update_add_htlc's extension in an async payments profile (`hold_htlc` at the profile's number). */
export const updateAddHtlcTlvsFor: (p?: AsyncPaymentsProfile) => TlvStreamCodec<UpdateAddHtlcTlvs> = perProfile((p) =>
  defineTlvStream('update_add_htlc_tlvs', {
    blindedPath: { type: 0, codec: c.struct({ pathKey: c.point }) },
    holdHtlc: { type: p.holdHtlcTlv, codec: presence },
  }),
);

export const updateAddHtlcTlvs: TlvStreamCodec<UpdateAddHtlcTlvs> = updateAddHtlcTlvsFor();

export const updateAddHtlcCodecFor = perProfile((p) =>
  defineMessage<UpdateAddHtlc>(
    'update_add_htlc',
    c.struct({
      channelId: c.channelId,
      id: c.u64,
      amountMsat: c.u64,
      paymentHash: c.sha256,
      cltvExpiry: c.u32,
      onionRoutingPacket: c.bytes(ONION_ROUTING_PACKET_LENGTH),
    }),
    updateAddHtlcTlvsFor(p),
  ),
);

/** update_add_htlc with the default profile's numbers. */
export const updateAddHtlcCodec = updateAddHtlcCodecFor();

// ---------------------------------------------------------------------------------------------
// update_fulfill_htlc (130), update_fail_htlc (131), update_fail_malformed_htlc (135)

/** BOLT 2/4 `attribution_data` (TLV 1 of update_fulfill_htlc and update_fail_htlc). */
export interface AttributionData {
  /** `htlc_hold_times`: 20 u32, in units of 100 ms. */
  readonly htlcHoldTimes: readonly number[];
  /** `truncated_hmacs`: 210 four-byte truncated HMACs, concatenated (840 bytes). */
  readonly truncatedHmacs: Uint8Array;
}

export interface AttributionTlvs extends NoTlvs {
  /** TLV 1 `attribution_data` (with `option_attribution_data`). */
  readonly attributionData?: AttributionData;
}

const attributionData = c.struct({
  htlcHoldTimes: c.arrayFixed(c.u32, ATTRIBUTION_HOLD_TIMES),
  truncatedHmacs: c.bytes(ATTRIBUTION_HMACS_LENGTH),
});

/** BOLT 2 `update_fulfill_htlc` (type 130). */
export interface UpdateFulfillHtlc extends TypedMessage<'update_fulfill_htlc', AttributionTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `id` of the HTLC being fulfilled */
  readonly id: bigint;
  /** `payment_preimage` (32 bytes) */
  readonly paymentPreimage: Uint8Array;
}

export const updateFulfillHtlcTlvs: TlvStreamCodec<AttributionTlvs> = defineTlvStream('update_fulfill_htlc_tlvs', {
  attributionData: { type: 1, codec: attributionData },
});

export const updateFulfillHtlcCodec = defineMessage<UpdateFulfillHtlc>(
  'update_fulfill_htlc',
  c.struct({ channelId: c.channelId, id: c.u64, paymentPreimage: c.bytes(32) }),
  updateFulfillHtlcTlvs,
);

/** BOLT 2 `update_fail_htlc` (type 131). */
export interface UpdateFailHtlc extends TypedMessage<'update_fail_htlc', AttributionTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `id` of the HTLC being failed */
  readonly id: bigint;
  /** `reason`: the encrypted BOLT 4 failure onion (u16 length on the wire). */
  readonly reason: Uint8Array;
}

export const updateFailHtlcTlvs: TlvStreamCodec<AttributionTlvs> = defineTlvStream('update_fail_htlc_tlvs', {
  attributionData: { type: 1, codec: attributionData },
});

export const updateFailHtlcCodec = defineMessage<UpdateFailHtlc>(
  'update_fail_htlc',
  c.struct({ channelId: c.channelId, id: c.u64, reason: c.bytesU16 }),
  updateFailHtlcTlvs,
);

/** BOLT 2 `update_fail_malformed_htlc` (type 135). */
export interface UpdateFailMalformedHtlc extends TypedMessage<'update_fail_malformed_htlc'> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `id` of the HTLC being failed */
  readonly id: bigint;
  /** `sha256_of_onion` */
  readonly sha256OfOnion: Uint8Array;
  /** `failure_code` (BOLT 4; must have the BADONION bit) */
  readonly failureCode: number;
}

export const updateFailMalformedHtlcCodec = defineMessage<UpdateFailMalformedHtlc>(
  'update_fail_malformed_htlc',
  c.struct({ channelId: c.channelId, id: c.u64, sha256OfOnion: c.sha256, failureCode: c.u16 }),
  noTlvs('update_fail_malformed_htlc_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// commitment_signed (132), revoke_and_ack (133), update_fee (134)

export interface CommitmentSignedTlvs extends NoTlvs {
  /** TLV 1 `funding_txid`: the funding transaction this commitment spends (splicing). */
  readonly fundingTxid?: Uint8Array;
}

/** BOLT 2 `commitment_signed` (type 132). */
export interface CommitmentSigned extends TypedMessage<'commitment_signed', CommitmentSignedTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `signature` of the receiver's new commitment transaction */
  readonly signature: Uint8Array;
  /** `htlc_signature`: one per HTLC output, in commitment output order (u16 count on the wire). */
  readonly htlcSignatures: readonly Uint8Array[];
}

export const commitmentSignedTlvs: TlvStreamCodec<CommitmentSignedTlvs> = defineTlvStream('commitment_signed_tlvs', {
  fundingTxid: { type: 1, codec: c.sha256 },
});

export const commitmentSignedCodec = defineMessage<CommitmentSigned>(
  'commitment_signed',
  c.struct({ channelId: c.channelId, signature: c.signature, htlcSignatures: c.arrayU16(c.signature) }),
  commitmentSignedTlvs,
);

/**
 * A path to the holder of a held HTLC (async payments): the payer sends `held_htlc_available` with it
 * as the reply path, and the recipient's `release_held_htlc` comes back over it. LDK names the held
 * HTLC's id with each path; the draft (lightning/bolts#1149) sends paths only (`htlcId` null).
 */
export interface ReleaseHeldHtlcPath {
  /** The `id` of the held update_add_htlc (LDK profile), or null (draft profile). */
  readonly htlcId: bigint | null;
  readonly path: BlindedPath;
}

export interface RevokeAndAckTlvs extends NoTlvs {
  /**
   * `release_held_htlc_message_paths` (async payments; type and form from the profile): "MUST set
   * release_held_htlc_message_paths to at least 1 blinded path" when `hold_htlc` was set in the
   * preceding update_add_htlc and we hold HTLCs.
   */
  readonly releaseHeldHtlcMessagePaths?: readonly ReleaseHeldHtlcPath[];
}

/** BOLT 2 `revoke_and_ack` (type 133). */
export interface RevokeAndAck extends TypedMessage<'revoke_and_ack', RevokeAndAckTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `per_commitment_secret` of the commitment being revoked (32 bytes) */
  readonly perCommitmentSecret: Uint8Array;
  /** `next_per_commitment_point` */
  readonly nextPerCommitmentPoint: Uint8Array;
}

/** LDK: `Vec<(u64, BlindedMessagePath)>` without a count (`optional_vec`); the draft: `...blinded_path`. */
function releasePathsCodec(withHtlcId: boolean): Codec<readonly ReleaseHeldHtlcPath[]> {
  const one: Codec<ReleaseHeldHtlcPath> = {
    read: (r, field) => (withHtlcId ? { htlcId: r.readU64(`${field}.htlc_id`), path: readBlindedPath(r, field) } : { htlcId: null, path: readBlindedPath(r, field) }),
    write: (w, v, field) => {
      // The channel names the HTLC of every path; the draft's wire has no place for it (its paths are in HTLC order).
      if (withHtlcId && typeof v.htlcId !== 'bigint') throw new WireError('wire.bad_value', `${field}: this profile names the held HTLC of every path`);
      if (withHtlcId) w.writeU64(v.htlcId!, `${field}.htlc_id`);
      writeBlindedPath(w, v.path);
    },
  };
  return c.arrayRest(one);
}

export const revokeAndAckTlvsFor: (p?: AsyncPaymentsProfile) => TlvStreamCodec<RevokeAndAckTlvs> = perProfile((p) =>
  defineTlvStream('revoke_and_ack_tlvs', {
    releaseHeldHtlcMessagePaths: { type: p.releasePathsTlv, codec: releasePathsCodec(p.releasePathsCarryHtlcId) },
  }),
);

export const revokeAndAckCodecFor = perProfile((p) =>
  defineMessage<RevokeAndAck>(
    'revoke_and_ack',
    c.struct({ channelId: c.channelId, perCommitmentSecret: c.bytes(32), nextPerCommitmentPoint: c.point }),
    revokeAndAckTlvsFor(p),
  ),
);

/** revoke_and_ack with the default profile's numbers. */
export const revokeAndAckCodec = revokeAndAckCodecFor();

/** BOLT 2 `update_fee` (type 134). */
export interface UpdateFee extends TypedMessage<'update_fee'> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `feerate_per_kw` (satoshi per 1000 weight) */
  readonly feeratePerKw: number;
}

export const updateFeeCodec = defineMessage<UpdateFee>(
  'update_fee',
  c.struct({ channelId: c.channelId, feeratePerKw: c.u32 }),
  noTlvs('update_fee_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// channel_reestablish (136)

export interface ChannelReestablishTlvs extends NoTlvs {
  /** TLV 1 `next_funding` (splicing / dual funding) */
  readonly nextFunding?: {
    /** `next_funding_txid` */
    readonly nextFundingTxid: Uint8Array;
    /** `retransmit_flags`: bit 0 = retransmit `commitment_signed` */
    readonly retransmitFlags: number;
  };
  /** TLV 5 `my_current_funding_locked` */
  readonly myCurrentFundingLocked?: {
    /** `my_current_funding_locked_txid` */
    readonly myCurrentFundingLockedTxid: Uint8Array;
    /** `retransmit_flags`: bit 0 = retransmit `announcement_signatures` */
    readonly retransmitFlags: number;
  };
}

/** BOLT 2 `channel_reestablish` (type 136). */
export interface ChannelReestablish extends TypedMessage<'channel_reestablish', ChannelReestablishTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `next_commitment_number` (48-bit counter) */
  readonly nextCommitmentNumber: bigint;
  /** `next_revocation_number` */
  readonly nextRevocationNumber: bigint;
  /** `your_last_per_commitment_secret` (32 bytes, all zero if none) */
  readonly yourLastPerCommitmentSecret: Uint8Array;
  /** `my_current_per_commitment_point` */
  readonly myCurrentPerCommitmentPoint: Uint8Array;
}

export const channelReestablishTlvs: TlvStreamCodec<ChannelReestablishTlvs> = defineTlvStream('channel_reestablish_tlvs', {
  nextFunding: { type: 1, codec: c.struct({ nextFundingTxid: c.sha256, retransmitFlags: c.u8 }) },
  myCurrentFundingLocked: { type: 5, codec: c.struct({ myCurrentFundingLockedTxid: c.sha256, retransmitFlags: c.u8 }) },
});

export const channelReestablishCodec = defineMessage<ChannelReestablish>(
  'channel_reestablish',
  c.struct({
    channelId: c.channelId,
    nextCommitmentNumber: c.u64,
    nextRevocationNumber: c.u64,
    yourLastPerCommitmentSecret: c.bytes(32),
    myCurrentPerCommitmentPoint: c.point,
  }),
  channelReestablishTlvs,
);

// ---------------------------------------------------------------------------------------------
// stfu (2)

/** BOLT 2 `stfu` (type 2, channel quiescence). */
export interface Stfu extends TypedMessage<'stfu'> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `initiator`: 1 if the sender started quiescence, else 0 */
  readonly initiator: number;
}

export const stfuCodec = defineMessage<Stfu>(
  'stfu',
  c.struct({ channelId: c.channelId, initiator: c.u8 }),
  noTlvs('stfu_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// shutdown (38), closing_signed (39)

/** BOLT 2 `shutdown` (type 38). */
export interface Shutdown extends TypedMessage<'shutdown'> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `scriptpubkey` to be paid to on close (u16 length on the wire) */
  readonly scriptpubkey: Uint8Array;
}

export const shutdownCodec = defineMessage<Shutdown>(
  'shutdown',
  c.struct({ channelId: c.channelId, scriptpubkey: c.bytesU16 }),
  noTlvs('shutdown_tlvs'),
);

export interface ClosingSignedTlvs extends NoTlvs {
  /** TLV 1 `fee_range`: the fees the sender accepts. */
  readonly feeRange?: {
    /** `min_fee_satoshis` */
    readonly minFeeSatoshis: bigint;
    /** `max_fee_satoshis` */
    readonly maxFeeSatoshis: bigint;
  };
}

/** BOLT 2 `closing_signed` (type 39, legacy closing negotiation). */
export interface ClosingSigned extends TypedMessage<'closing_signed', ClosingSignedTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `fee_satoshis` */
  readonly feeSatoshis: bigint;
  /** `signature` of the closing transaction */
  readonly signature: Uint8Array;
}

export const closingSignedTlvs: TlvStreamCodec<ClosingSignedTlvs> = defineTlvStream('closing_signed_tlvs', {
  feeRange: { type: 1, codec: c.struct({ minFeeSatoshis: c.u64, maxFeeSatoshis: c.u64 }) },
});

export const closingSignedCodec = defineMessage<ClosingSigned>(
  'closing_signed',
  c.struct({ channelId: c.channelId, feeSatoshis: c.u64, signature: c.signature }),
  closingSignedTlvs,
);

// ---------------------------------------------------------------------------------------------
// closing_complete (40), closing_sig (41): option_simple_close

/**
 * `closing_tlvs`: one signature per closing-transaction variant (BOLT 2 "Closing Negotiation:
 * closing_complete and closing_sig"). closing_complete carries one or two, closing_sig exactly one.
 */
export interface ClosingTlvs extends NoTlvs {
  /** TLV 1 `closer_output_only`: the closing transaction with only the closer's output. */
  readonly closerOutputOnly?: Uint8Array;
  /** TLV 2 `closee_output_only`: only the closee's output. */
  readonly closeeOutputOnly?: Uint8Array;
  /** TLV 3 `closer_and_closee_outputs`: both outputs. */
  readonly closerAndCloseeOutputs?: Uint8Array;
}

export const closingTlvs: TlvStreamCodec<ClosingTlvs> = defineTlvStream('closing_tlvs', {
  closerOutputOnly: { type: 1, codec: c.signature },
  closeeOutputOnly: { type: 2, codec: c.signature },
  closerAndCloseeOutputs: { type: 3, codec: c.signature },
});

/** The fields closing_complete and closing_sig share. */
interface ClosingFields {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `closer_scriptpubkey` (u16 length on the wire) */
  readonly closerScriptpubkey: Uint8Array;
  /** `closee_scriptpubkey` (u16 length on the wire) */
  readonly closeeScriptpubkey: Uint8Array;
  /** `fee_satoshis`: paid by the closer. */
  readonly feeSatoshis: bigint;
  /** `locktime` of the closing transaction. */
  readonly locktime: number;
}

const closingFields = {
  channelId: c.channelId,
  closerScriptpubkey: c.bytesU16,
  closeeScriptpubkey: c.bytesU16,
  feeSatoshis: c.u64,
  locktime: c.u32,
};

/** BOLT 2 `closing_complete` (type 40, option_simple_close). */
export interface ClosingComplete extends TypedMessage<'closing_complete', ClosingTlvs>, ClosingFields {}

export const closingCompleteCodec = defineMessage<ClosingComplete>('closing_complete', c.struct(closingFields), closingTlvs);

/** BOLT 2 `closing_sig` (type 41, option_simple_close). */
export interface ClosingSig extends TypedMessage<'closing_sig', ClosingTlvs>, ClosingFields {}

export const closingSigCodec = defineMessage<ClosingSig>('closing_sig', c.struct(closingFields), closingTlvs);
