/**
 * BOLT 7 gossip messages: `announcement_signatures`, `channel_announcement`, `node_announcement`,
 * `channel_update`, and the queries (`query_short_channel_ids`, `reply_short_channel_ids_end`,
 * `query_channel_range`, `reply_channel_range`, `gossip_timestamp_filter`) with their extended
 * query TLVs. Field names are the spec's, camelCased.
 *
 * Announcements are signed over their bytes as sent, so every codec here round-trips byte for
 * byte: `features` bitmaps and node_announcement `addresses` are kept as the raw bytes
 * (`FeatureVector.decode(m.features)`, `decodeAddressList(m.addresses)` read them), and unknown
 * odd extension records are kept. `encodeMessage(decodeMessage(b))` is `b` for every gossip
 * message that decodes.
 *
 * `encoded_*` arrays (BOLT 7 "Query Messages"): encoding type 0 (uncompressed, in ascending
 * order) is the only one. Type 1, formerly zlib, "MUST NOT be used", and the receiver
 * requirements allow a warning and closing the connection for an encoding type that "is not a
 * known encoding type": a reader here fails such a field with `wire.unsupported_encoding`
 * (details: `encodingType`) instead of inflating it, so no peer can make us decompress.
 * Writers produce type 0 only. Readers do not require ascending order (the receiver
 * requirements do not); the gossip core sorts what it sends.
 */
import type { ByteReader } from './reader';
import { ByteReader as Reader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';
import { codecs } from './codec';
import type { Codec } from './codec';
import { defineTlvStream } from './typed-tlv';
import type { TlvStreamCodec } from './typed-tlv';
import { defineMessage, noTlvs } from './message-codec';
import type { NoTlvs, TypedMessage } from './message-codec';

const c = codecs;

/** BOLT 7 encoding types of `encoded_short_ids` and the other `encoded_*` arrays. */
export const GOSSIP_ENCODING = {
  /** An uncompressed array, in ascending order. */
  uncompressed: 0,
  /** Formerly zlib: "this encoding MUST NOT be used". Readers here refuse it. */
  zlibObsolete: 1,
} as const;

/** BOLT 7 `channel_update` `channel_flags` bits. */
export const CHANNEL_FLAGS = {
  /** Bit 0 `direction`: 0 if the origin is node_id_1, 1 if node_id_2. */
  direction: 0x01,
  /** Bit 1 `disable`. */
  disable: 0x02,
} as const;

/** BOLT 7 `channel_update` `message_flags` bits. */
export const MESSAGE_FLAGS = {
  /** Bit 0 `must_be_one` (set by writers, ignored by readers). */
  mustBeOne: 0x01,
  /** Bit 1 `dont_forward`: a private update for the channel peer only. */
  dontForward: 0x02,
} as const;

/** BOLT 7 `query_flags` bits (one bigsize bitfield per short_channel_id). */
export const QUERY_FLAGS = {
  channelAnnouncement: 1n << 0n,
  channelUpdate1: 1n << 1n,
  channelUpdate2: 1n << 2n,
  nodeAnnouncement1: 1n << 3n,
  nodeAnnouncement2: 1n << 4n,
} as const;

/** BOLT 7 `query_option_flags` bits of `query_channel_range`. */
export const QUERY_OPTION_FLAGS = {
  wantTimestamps: 1n << 0n,
  wantChecksums: 1n << 1n,
} as const;

// ---------------------------------------------------------------------------------------------
// encoded_* arrays

function readEncodedArray<T>(r: ByteReader, element: Codec<T>, elementSize: number | undefined, field: string): T[] {
  const encodingType = r.readU8(`${field}.encoding_type`);
  // BOLT 7 receiver: "if the first byte of encoded_short_ids is not a known encoding type: MAY
  // send a warning. MAY close the connection." Type 1 (zlib) is no longer a known encoding.
  if (encodingType !== GOSSIP_ENCODING.uncompressed) {
    throw new WireError('wire.unsupported_encoding', `${field}: encoding type ${encodingType} is not supported (only 0, uncompressed)`, {
      field,
      encodingType,
    });
  }
  // BOLT 7: "if encoded_short_ids does not decode into a whole number of short_channel_id" (likewise
  // for the other fixed-size arrays).
  if (elementSize !== undefined && r.remaining % elementSize !== 0) {
    throw new WireError('wire.bad_value', `${field}: ${r.remaining} bytes is not a whole number of ${elementSize}-byte elements`, { field });
  }
  const out: T[] = [];
  while (!r.atEnd) out.push(element.read(r, `${field}[${out.length}]`));
  return out;
}

function writeEncodedArray<T>(w: ByteWriter, values: readonly T[], element: Codec<T>, field: string): void {
  if (!Array.isArray(values)) throw new WireError('wire.bad_value', `${field}: expected an array`);
  w.writeU8(GOSSIP_ENCODING.uncompressed, `${field}.encoding_type`);
  values.forEach((v, i) => element.write(w, v, `${field}[${i}]`));
}

/** `[byte:encoding_type][...*T]`: an encoded array filling the rest of a TLV value. */
function encodedRest<T>(element: Codec<T>, elementSize?: number): Codec<readonly T[]> {
  return {
    read: (r, field) => readEncodedArray(r, element, elementSize, field),
    write: (w, v, field) => writeEncodedArray(w, v, element, field),
  };
}

/** `[u16:len][len*byte:encoded_short_ids]`, decoded to the short_channel_ids. */
const encodedShortIdsU16: Codec<readonly bigint[]> = {
  read: (r, field) => {
    const len = r.readU16(`${field}.len`);
    return readEncodedArray(new Reader(r.readBytes(len, field)), c.shortChannelId, 8, field);
  },
  write: (w, v, field) => {
    const inner = new ByteWriter(1 + 8 * (Array.isArray(v) ? v.length : 0));
    writeEncodedArray(inner, v, c.shortChannelId, field);
    const bytes = inner.finish();
    if (bytes.length > 0xffff) throw new WireError('wire.too_large', `${field}: ${v.length} short_channel_ids do not fit a u16 length`);
    w.writeU16(bytes.length, `${field}.len`).writeBytes(bytes);
  },
};

// ---------------------------------------------------------------------------------------------
// announcement_signatures (259)

/** BOLT 7 `announcement_signatures` (type 259): a direct message between channel peers. */
export interface AnnouncementSignatures extends TypedMessage<'announcement_signatures'> {
  /** `channel_id` */
  readonly channelId: Uint8Array;
  /** `short_channel_id` */
  readonly shortChannelId: bigint;
  /** `node_signature` of the channel_announcement hash, by the sender's node key */
  readonly nodeSignature: Uint8Array;
  /** `bitcoin_signature` of the same hash, by the sender's funding key */
  readonly bitcoinSignature: Uint8Array;
}

export const announcementSignaturesCodec = defineMessage<AnnouncementSignatures>(
  'announcement_signatures',
  c.struct({ channelId: c.channelId, shortChannelId: c.shortChannelId, nodeSignature: c.signature, bitcoinSignature: c.signature }),
  noTlvs('announcement_signatures_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// channel_announcement (256)

/** BOLT 7 `channel_announcement` (type 256). */
export interface ChannelAnnouncement extends TypedMessage<'channel_announcement'> {
  /** `node_signature_1` */
  readonly nodeSignature1: Uint8Array;
  /** `node_signature_2` */
  readonly nodeSignature2: Uint8Array;
  /** `bitcoin_signature_1` */
  readonly bitcoinSignature1: Uint8Array;
  /** `bitcoin_signature_2` */
  readonly bitcoinSignature2: Uint8Array;
  /** `features` (u16 `len` on the wire), the bitmap as sent: `FeatureVector.decode` reads it. */
  readonly features: Uint8Array;
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `short_channel_id` of the funding output */
  readonly shortChannelId: bigint;
  /** `node_id_1`: the lexicographically lesser node id */
  readonly nodeId1: Uint8Array;
  /** `node_id_2` */
  readonly nodeId2: Uint8Array;
  /** `bitcoin_key_1`: node_id_1's funding_pubkey */
  readonly bitcoinKey1: Uint8Array;
  /** `bitcoin_key_2`: node_id_2's funding_pubkey */
  readonly bitcoinKey2: Uint8Array;
}

export const channelAnnouncementCodec = defineMessage<ChannelAnnouncement>(
  'channel_announcement',
  c.struct({
    nodeSignature1: c.signature,
    nodeSignature2: c.signature,
    bitcoinSignature1: c.signature,
    bitcoinSignature2: c.signature,
    features: c.bytesU16,
    chainHash: c.chainHash,
    shortChannelId: c.shortChannelId,
    nodeId1: c.point,
    nodeId2: c.point,
    bitcoinKey1: c.point,
    bitcoinKey2: c.point,
  }),
  noTlvs('channel_announcement_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// node_announcement (257)

/** BOLT 7 `node_announcement` (type 257). */
export interface NodeAnnouncement extends TypedMessage<'node_announcement'> {
  /** `signature` of the double-SHA256 of everything after it, by `node_id` */
  readonly signature: Uint8Array;
  /** `features` (u16 `flen` on the wire), the bitmap as sent */
  readonly features: Uint8Array;
  /** `timestamp` (seconds; orders announcements of the same node) */
  readonly timestamp: number;
  /** `node_id` */
  readonly nodeId: Uint8Array;
  /** `rgb_color` (3 bytes: red, green, blue) */
  readonly rgbColor: Uint8Array;
  /** `alias` (32 bytes, UTF-8 padded with zeros by honest writers) */
  readonly alias: Uint8Array;
  /** `addresses` (u16 `addrlen` on the wire): address descriptors as sent; `decodeAddressList` reads them. */
  readonly addresses: Uint8Array;
}

export const nodeAnnouncementCodec = defineMessage<NodeAnnouncement>(
  'node_announcement',
  c.struct({
    signature: c.signature,
    features: c.bytesU16,
    timestamp: c.u32,
    nodeId: c.point,
    rgbColor: c.bytes(3),
    alias: c.bytes(32),
    addresses: c.bytesU16,
  }),
  noTlvs('node_announcement_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// channel_update (258)

/** BOLT 7 `channel_update` (type 258). */
export interface ChannelUpdate extends TypedMessage<'channel_update'> {
  /** `signature` of the double-SHA256 of everything after it, by the origin node */
  readonly signature: Uint8Array;
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `short_channel_id` */
  readonly shortChannelId: bigint;
  /** `timestamp` (seconds) */
  readonly timestamp: number;
  /** `message_flags` (MESSAGE_FLAGS) */
  readonly messageFlags: number;
  /** `channel_flags` (CHANNEL_FLAGS: direction, disable) */
  readonly channelFlags: number;
  /** `cltv_expiry_delta` */
  readonly cltvExpiryDelta: number;
  /** `htlc_minimum_msat` */
  readonly htlcMinimumMsat: bigint;
  /** `fee_base_msat` */
  readonly feeBaseMsat: number;
  /** `fee_proportional_millionths` */
  readonly feeProportionalMillionths: number;
  /** `htlc_maximum_msat` */
  readonly htlcMaximumMsat: bigint;
}

export const channelUpdateCodec = defineMessage<ChannelUpdate>(
  'channel_update',
  c.struct({
    signature: c.signature,
    chainHash: c.chainHash,
    shortChannelId: c.shortChannelId,
    timestamp: c.u32,
    messageFlags: c.u8,
    channelFlags: c.u8,
    cltvExpiryDelta: c.u16,
    htlcMinimumMsat: c.u64,
    feeBaseMsat: c.u32,
    feeProportionalMillionths: c.u32,
    htlcMaximumMsat: c.u64,
  }),
  noTlvs('channel_update_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// query_short_channel_ids (261), reply_short_channel_ids_end (262)

export interface QueryShortChannelIdsTlvs extends NoTlvs {
  /**
   * TLV 1 `query_flags` (`encoding_type` + `encoded_query_flags`): one bigsize bitfield per
   * short_channel_id (QUERY_FLAGS).
   */
  readonly queryFlags?: readonly bigint[];
}

/** BOLT 7 `query_short_channel_ids` (type 261). */
export interface QueryShortChannelIds extends TypedMessage<'query_short_channel_ids', QueryShortChannelIdsTlvs> {
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `encoded_short_ids` (u16 `len`, encoding type 0 on the wire) */
  readonly shortChannelIds: readonly bigint[];
}

export const queryShortChannelIdsTlvs: TlvStreamCodec<QueryShortChannelIdsTlvs> = defineTlvStream('query_short_channel_ids_tlvs', {
  queryFlags: { type: 1, codec: encodedRest(c.bigsize) },
});

export const queryShortChannelIdsCodec = defineMessage<QueryShortChannelIds>(
  'query_short_channel_ids',
  c.struct({ chainHash: c.chainHash, shortChannelIds: encodedShortIdsU16 }),
  queryShortChannelIdsTlvs,
);

/** BOLT 7 `reply_short_channel_ids_end` (type 262). */
export interface ReplyShortChannelIdsEnd extends TypedMessage<'reply_short_channel_ids_end'> {
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `full_information`: 1 if the sender keeps up-to-date information for this chain, else 0 */
  readonly fullInformation: number;
}

export const replyShortChannelIdsEndCodec = defineMessage<ReplyShortChannelIdsEnd>(
  'reply_short_channel_ids_end',
  c.struct({ chainHash: c.chainHash, fullInformation: c.u8 }),
  noTlvs('reply_short_channel_ids_end_tlvs'),
);

// ---------------------------------------------------------------------------------------------
// query_channel_range (263), reply_channel_range (264)

export interface QueryChannelRangeTlvs extends NoTlvs {
  /** TLV 1 `query_option`: `query_option_flags` (QUERY_OPTION_FLAGS), a bigsize. */
  readonly queryOption?: bigint;
}

/** BOLT 7 `query_channel_range` (type 263). */
export interface QueryChannelRange extends TypedMessage<'query_channel_range', QueryChannelRangeTlvs> {
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `first_blocknum` */
  readonly firstBlocknum: number;
  /** `number_of_blocks` */
  readonly numberOfBlocks: number;
}

export const queryChannelRangeTlvs: TlvStreamCodec<QueryChannelRangeTlvs> = defineTlvStream('query_channel_range_tlvs', {
  queryOption: { type: 1, codec: c.bigsize },
});

export const queryChannelRangeCodec = defineMessage<QueryChannelRange>(
  'query_channel_range',
  c.struct({ chainHash: c.chainHash, firstBlocknum: c.u32, numberOfBlocks: c.u32 }),
  queryChannelRangeTlvs,
);

/** BOLT 7 `channel_update_timestamps`: the timestamps of both directions' updates (0: none). */
export interface ChannelUpdateTimestamps {
  /** `timestamp_node_id_1` */
  readonly timestampNodeId1: number;
  /** `timestamp_node_id_2` */
  readonly timestampNodeId2: number;
}

/** BOLT 7 `channel_update_checksums`: CRC32C of both directions' updates (0: none). */
export interface ChannelUpdateChecksums {
  /** `checksum_node_id_1` */
  readonly checksumNodeId1: number;
  /** `checksum_node_id_2` */
  readonly checksumNodeId2: number;
}

export interface ReplyChannelRangeTlvs extends NoTlvs {
  /** TLV 1 `timestamps_tlv` (`encoding_type` + `encoded_timestamps`): one entry per short_channel_id. */
  readonly timestamps?: readonly ChannelUpdateTimestamps[];
  /** TLV 3 `checksums_tlv`: one entry per short_channel_id. */
  readonly checksums?: readonly ChannelUpdateChecksums[];
}

/** BOLT 7 `reply_channel_range` (type 264). */
export interface ReplyChannelRange extends TypedMessage<'reply_channel_range', ReplyChannelRangeTlvs> {
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `first_blocknum` */
  readonly firstBlocknum: number;
  /** `number_of_blocks` */
  readonly numberOfBlocks: number;
  /** `sync_complete`: 1 on the final reply to a query, 0 before it */
  readonly syncComplete: number;
  /** `encoded_short_ids` (u16 `len`, encoding type 0 on the wire) */
  readonly shortChannelIds: readonly bigint[];
}

const timestampsCodec = c.struct({ timestampNodeId1: c.u32, timestampNodeId2: c.u32 });
const checksumsCodec = c.struct({ checksumNodeId1: c.u32, checksumNodeId2: c.u32 });

export const replyChannelRangeTlvs: TlvStreamCodec<ReplyChannelRangeTlvs> = defineTlvStream('reply_channel_range_tlvs', {
  timestamps: { type: 1, codec: encodedRest(timestampsCodec, 8) },
  checksums: { type: 3, codec: c.arrayRest(checksumsCodec) },
});

export const replyChannelRangeCodec = defineMessage<ReplyChannelRange>(
  'reply_channel_range',
  c.struct({
    chainHash: c.chainHash,
    firstBlocknum: c.u32,
    numberOfBlocks: c.u32,
    syncComplete: c.u8,
    shortChannelIds: encodedShortIdsU16,
  }),
  replyChannelRangeTlvs,
);

// ---------------------------------------------------------------------------------------------
// gossip_timestamp_filter (265)

/** BOLT 7 `gossip_timestamp_filter` (type 265). */
export interface GossipTimestampFilter extends TypedMessage<'gossip_timestamp_filter'> {
  /** `chain_hash` */
  readonly chainHash: Uint8Array;
  /** `first_timestamp` */
  readonly firstTimestamp: number;
  /** `timestamp_range` */
  readonly timestampRange: number;
}

export const gossipTimestampFilterCodec = defineMessage<GossipTimestampFilter>(
  'gossip_timestamp_filter',
  c.struct({ chainHash: c.chainHash, firstTimestamp: c.u32, timestampRange: c.u32 }),
  noTlvs('gossip_timestamp_filter_tlvs'),
);

/** Every BOLT 7 message. */
export type GossipMessage =
  | AnnouncementSignatures
  | ChannelAnnouncement
  | NodeAnnouncement
  | ChannelUpdate
  | QueryShortChannelIds
  | ReplyShortChannelIdsEnd
  | QueryChannelRange
  | ReplyChannelRange
  | GossipTimestampFilter;
