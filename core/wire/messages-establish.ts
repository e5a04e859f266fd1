/**
 * BOLT 2 "Channel Establishment v1": open_channel, accept_channel, funding_created,
 * funding_signed, channel_ready. Amounts are bigint (`*_satoshis` in sat, `*_msat` in msat).
 */
import { codecs } from './codec';
import type { Codec } from './codec';
import { FeatureVector } from './features';
import { WireError } from './errors';
import { defineTlvStream } from './typed-tlv';
import type { TlvStreamCodec } from './typed-tlv';
import { defineMessage, noTlvs } from './message-codec';
import type { NoTlvs, TypedMessage } from './message-codec';

const c = codecs;

/** BOLT 2 `channel_flags` bit 0: `announce_channel`. */
export const CHANNEL_FLAG_ANNOUNCE = 1;

/** `...*byte` holding a feature bitmap (the `channel_type` TLV), re-encoded at minimal length. */
const featureBitsRest: Codec<FeatureVector> = {
  read: (r, field) => FeatureVector.decode(c.bytesRest.read(r, field)),
  write: (w, v, field) => {
    if (!(v instanceof FeatureVector)) throw new WireError('wire.bad_value', `${field}: expected a FeatureVector`);
    w.writeBytes(v.encode());
  },
};

/** TLVs shared by open_channel and accept_channel. */
export interface OpenChannelTlvs extends NoTlvs {
  /** TLV 0 `upfront_shutdown_script`: `shutdown_scriptpubkey` (empty = none, with the feature). */
  readonly upfrontShutdownScript?: Uint8Array;
  /** TLV 1 `channel_type`: the channel type as a feature bitmap (BOLT 9 context T). */
  readonly channelType?: FeatureVector;
}

const openTlvFields = {
  upfrontShutdownScript: { type: 0, codec: c.bytesRest },
  channelType: { type: 1, codec: featureBitsRest },
};

export const openChannelTlvs: TlvStreamCodec<OpenChannelTlvs> = defineTlvStream('open_channel_tlvs', openTlvFields);
export const acceptChannelTlvs: TlvStreamCodec<OpenChannelTlvs> = defineTlvStream('accept_channel_tlvs', openTlvFields);

/** The basepoints and first per-commitment point both sides announce. */
interface ChannelKeysFields {
  /** `funding_pubkey` */
  readonly fundingPubkey: Uint8Array;
  /** `revocation_basepoint` */
  readonly revocationBasepoint: Uint8Array;
  /** `payment_basepoint` */
  readonly paymentBasepoint: Uint8Array;
  /** `delayed_payment_basepoint` */
  readonly delayedPaymentBasepoint: Uint8Array;
  /** `htlc_basepoint` */
  readonly htlcBasepoint: Uint8Array;
  /** `first_per_commitment_point` */
  readonly firstPerCommitmentPoint: Uint8Array;
}

const keyFields = {
  fundingPubkey: c.point,
  revocationBasepoint: c.point,
  paymentBasepoint: c.point,
  delayedPaymentBasepoint: c.point,
  htlcBasepoint: c.point,
  firstPerCommitmentPoint: c.point,
};

/** BOLT 2 `open_channel` (type 32). */
export interface OpenChannel extends TypedMessage<'open_channel', OpenChannelTlvs>, ChannelKeysFields {
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `temporary_channel_id` */
  readonly temporaryChannelId: Uint8Array;
  /** `funding_satoshis` */
  readonly fundingSatoshis: bigint;
  /** `push_msat` */
  readonly pushMsat: bigint;
  /** `dust_limit_satoshis` */
  readonly dustLimitSatoshis: bigint;
  /** `max_htlc_value_in_flight_msat` */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** `channel_reserve_satoshis` */
  readonly channelReserveSatoshis: bigint;
  /** `htlc_minimum_msat` */
  readonly htlcMinimumMsat: bigint;
  /** `feerate_per_kw` */
  readonly feeratePerKw: number;
  /** `to_self_delay` (blocks) */
  readonly toSelfDelay: number;
  /** `max_accepted_htlcs` */
  readonly maxAcceptedHtlcs: number;
  /** `channel_flags` (bit 0: announce_channel) */
  readonly channelFlags: number;
}

export const openChannelCodec = defineMessage<OpenChannel>(
  'open_channel',
  c.struct({
    chainHash: c.chainHash,
    temporaryChannelId: c.bytes(32),
    fundingSatoshis: c.u64,
    pushMsat: c.u64,
    dustLimitSatoshis: c.u64,
    maxHtlcValueInFlightMsat: c.u64,
    channelReserveSatoshis: c.u64,
    htlcMinimumMsat: c.u64,
    feeratePerKw: c.u32,
    toSelfDelay: c.u16,
    maxAcceptedHtlcs: c.u16,
    ...keyFields,
    channelFlags: c.u8,
  }),
  openChannelTlvs,
);

/** BOLT 2 `accept_channel` (type 33). */
export interface AcceptChannel extends TypedMessage<'accept_channel', OpenChannelTlvs>, ChannelKeysFields {
  /** `temporary_channel_id` (the one from open_channel) */
  readonly temporaryChannelId: Uint8Array;
  /** `dust_limit_satoshis` */
  readonly dustLimitSatoshis: bigint;
  /** `max_htlc_value_in_flight_msat` */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** `channel_reserve_satoshis` */
  readonly channelReserveSatoshis: bigint;
  /** `htlc_minimum_msat` */
  readonly htlcMinimumMsat: bigint;
  /** `minimum_depth` (confirmations) */
  readonly minimumDepth: number;
  /** `to_self_delay` */
  readonly toSelfDelay: number;
  /** `max_accepted_htlcs` */
  readonly maxAcceptedHtlcs: number;
}

export const acceptChannelCodec = defineMessage<AcceptChannel>(
  'accept_channel',
  c.struct({
    temporaryChannelId: c.bytes(32),
    dustLimitSatoshis: c.u64,
    maxHtlcValueInFlightMsat: c.u64,
    channelReserveSatoshis: c.u64,
    htlcMinimumMsat: c.u64,
    minimumDepth: c.u32,
    toSelfDelay: c.u16,
    maxAcceptedHtlcs: c.u16,
    ...keyFields,
  }),
  acceptChannelTlvs,
);

/** BOLT 2 `funding_created` (type 34). */
export interface FundingCreated extends TypedMessage<'funding_created'> {
  /** `temporary_channel_id` */
  readonly temporaryChannelId: Uint8Array;
  /** `funding_txid` (internal byte order) */
  readonly fundingTxid: Uint8Array;
  /** `funding_output_index` */
  readonly fundingOutputIndex: number;
  /** `signature` of the fundee's first commitment transaction */
  readonly signature: Uint8Array;
}

export const fundingCreatedCodec = defineMessage<FundingCreated>(
  'funding_created',
  c.struct({ temporaryChannelId: c.bytes(32), fundingTxid: c.sha256, fundingOutputIndex: c.u16, signature: c.signature }),
  noTlvs('funding_created_tlvs'),
);

/** BOLT 2 `funding_signed` (type 35). */
export interface FundingSigned extends TypedMessage<'funding_signed'> {
  /** `channel_id` (now derived from the funding outpoint) */
  readonly channelId: Uint8Array;
  /** `signature` of the funder's first commitment transaction */
  readonly signature: Uint8Array;
}

export const fundingSignedCodec = defineMessage<FundingSigned>(
  'funding_signed',
  c.struct({ channelId: c.channelId, signature: c.signature }),
  noTlvs('funding_signed_tlvs'),
);

export interface ChannelReadyTlvs extends NoTlvs {
  /** TLV 1 `short_channel_id`: `alias` to use in route hints (option_scid_alias). */
  readonly shortChannelId?: bigint;
}

/** BOLT 2 `channel_ready` (type 36, formerly funding_locked). */
export interface ChannelReady extends TypedMessage<'channel_ready', ChannelReadyTlvs> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `second_per_commitment_point` */
  readonly secondPerCommitmentPoint: Uint8Array;
}

export const channelReadyTlvs: TlvStreamCodec<ChannelReadyTlvs> = defineTlvStream('channel_ready_tlvs', {
  shortChannelId: { type: 1, codec: c.shortChannelId },
});

export const channelReadyCodec = defineMessage<ChannelReady>(
  'channel_ready',
  c.struct({ channelId: c.channelId, secondPerCommitmentPoint: c.point }),
  channelReadyTlvs,
);
