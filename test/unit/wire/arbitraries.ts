/** fast-check generators for wire values and messages (shared by the wire property tests). */
import fc from 'fast-check';
import { publicKeyFromPrivate } from '../../../core/crypto';
import { FeatureVector } from '../../../core/wire';
import type { AddressDescriptor, BlindedPath, KnownMessage, TlvRecord } from '../../../core/wire';

/** A few valid compressed points (from private keys 1..6), so generation stays cheap. */
export const POINTS: readonly Uint8Array[] = [1, 2, 3, 4, 5, 6].map((k) => {
  const sk = new Uint8Array(32);
  sk[31] = k;
  return publicKeyFromPrivate(sk);
});

export const point = fc.constantFrom(...POINTS).map((p) => p.slice());
export const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
export const varBytes = (max = 64) => fc.uint8Array({ maxLength: max });
export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** Sorted, unique, odd TLV records whose types avoid `known`. */
export function unknownTlvs(known: readonly number[]): fc.Arbitrary<TlvRecord[]> {
  const knownSet = new Set(known.map(BigInt));
  return fc
    .uniqueArray(
      fc.record({
        type: fc.oneof(fc.bigInt({ min: 0n, max: 300n }), u64).map((t) => t | 1n).filter((t) => !knownSet.has(t)),
        value: varBytes(16),
      }),
      { selector: (r) => r.type, maxLength: 3 },
    )
    .map((rs) => [...rs].sort((a, b) => (a.type < b.type ? -1 : 1)));
}

/** BOLT 4 `blinded_path`: a node id or scid introduction, a path key, 1..3 hops. */
export const blindedPath: fc.Arbitrary<BlindedPath> = fc.record({
  firstNodeId: fc.oneof(
    point.map((nodeId) => ({ kind: 'node_id' as const, nodeId })),
    fc.record({ kind: fc.constant('scid' as const), direction: fc.constantFrom(0 as const, 1 as const), shortChannelId: u64 }),
  ),
  firstPathKey: point,
  hops: fc.array(fc.record({ blindedNodeId: point, encryptedRecipientData: varBytes(40) }), { minLength: 1, maxLength: 3 }),
});

/** The fields closing_complete and closing_sig share (option_simple_close). */
function closingFields() {
  return {
    channelId: bytes(32),
    closerScriptpubkey: varBytes(40),
    closeeScriptpubkey: varBytes(40),
    feeSatoshis: u64,
    locktime: u32,
    tlvs: tlvs([1, 2, 3], { closerOutputOnly: bytes(64), closeeOutputOnly: bytes(64), closerAndCloseeOutputs: bytes(64) }),
  };
}

/** A TLV object: the given optional fields plus the always-present `unknownTlvs`. */
function tlvs<T extends Record<string, fc.Arbitrary<unknown>>>(known: readonly number[], fields: T) {
  return fc.record({ ...fields, unknownTlvs: unknownTlvs(known) }, { requiredKeys: ['unknownTlvs'] });
}

export const featureVector = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 70n) - 1n }),
  fc.bigInt({ min: 0n, max: (1n << 600n) - 1n }),
).map((b) => FeatureVector.fromBitmask(b));

export const addressDescriptor: fc.Arbitrary<AddressDescriptor> = fc.oneof(
  fc.record({ kind: fc.constant('ipv4' as const), address: bytes(4), port: u16 }),
  fc.record({ kind: fc.constant('ipv6' as const), address: bytes(16), port: u16 }),
  fc.record({ kind: fc.constant('torv2' as const), onion: bytes(10), port: u16 }),
  fc.record({ kind: fc.constant('torv3' as const), onion: bytes(35), port: u16 }),
  fc.record({
    kind: fc.constant('dns' as const),
    hostname: fc.string({ maxLength: 60, unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }),
    port: u16,
  }),
  fc.record({ kind: fc.constant('unknown' as const), typeNumber: fc.oneof(fc.constant(0), fc.integer({ min: 6, max: 255 })), data: varBytes(20) }),
);

const channelKeys = {
  fundingPubkey: point,
  revocationBasepoint: point,
  paymentBasepoint: point,
  delayedPaymentBasepoint: point,
  htlcBasepoint: point,
  firstPerCommitmentPoint: point,
};

const attribution = fc.record({ htlcHoldTimes: fc.array(u32, { minLength: 20, maxLength: 20 }), truncatedHmacs: bytes(840) });

/** One generator per typed message, by name. */
export const messageArbitraries: { readonly [N in KnownMessage['type']]: fc.Arbitrary<Extract<KnownMessage, { type: N }>> } = {
  init: fc.record({
    type: fc.constant('init' as const),
    globalFeatures: featureVector,
    features: featureVector,
    tlvs: tlvs([1, 3], { networks: fc.array(bytes(32), { maxLength: 3 }), remoteAddr: addressDescriptor }),
  }),
  error: fc.record({ type: fc.constant('error' as const), channelId: bytes(32), data: varBytes(), tlvs: tlvs([], {}) }),
  warning: fc.record({ type: fc.constant('warning' as const), channelId: bytes(32), data: varBytes(), tlvs: tlvs([], {}) }),
  ping: fc.record({ type: fc.constant('ping' as const), numPongBytes: u16, ignored: varBytes(), tlvs: tlvs([], {}) }),
  pong: fc.record({ type: fc.constant('pong' as const), ignored: varBytes(), tlvs: tlvs([], {}) }),
  peer_storage: fc.record({ type: fc.constant('peer_storage' as const), blob: varBytes(), tlvs: tlvs([], {}) }),
  peer_storage_retrieval: fc.record({ type: fc.constant('peer_storage_retrieval' as const), blob: varBytes(), tlvs: tlvs([], {}) }),
  stfu: fc.record({ type: fc.constant('stfu' as const), channelId: bytes(32), initiator: u8, tlvs: tlvs([], {}) }),
  open_channel: fc.record({
    type: fc.constant('open_channel' as const),
    chainHash: bytes(32),
    temporaryChannelId: bytes(32),
    fundingSatoshis: u64,
    pushMsat: u64,
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    channelReserveSatoshis: u64,
    htlcMinimumMsat: u64,
    feeratePerKw: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    ...channelKeys,
    channelFlags: u8,
    tlvs: tlvs([0, 1], { upfrontShutdownScript: varBytes(34), channelType: featureVector }),
  }),
  accept_channel: fc.record({
    type: fc.constant('accept_channel' as const),
    temporaryChannelId: bytes(32),
    dustLimitSatoshis: u64,
    maxHtlcValueInFlightMsat: u64,
    channelReserveSatoshis: u64,
    htlcMinimumMsat: u64,
    minimumDepth: u32,
    toSelfDelay: u16,
    maxAcceptedHtlcs: u16,
    ...channelKeys,
    tlvs: tlvs([0, 1], { upfrontShutdownScript: varBytes(34), channelType: featureVector }),
  }),
  funding_created: fc.record({
    type: fc.constant('funding_created' as const),
    temporaryChannelId: bytes(32),
    fundingTxid: bytes(32),
    fundingOutputIndex: u16,
    signature: bytes(64),
    tlvs: tlvs([], {}),
  }),
  funding_signed: fc.record({ type: fc.constant('funding_signed' as const), channelId: bytes(32), signature: bytes(64), tlvs: tlvs([], {}) }),
  channel_ready: fc.record({
    type: fc.constant('channel_ready' as const),
    channelId: bytes(32),
    secondPerCommitmentPoint: point,
    tlvs: tlvs([1], { shortChannelId: u64 }),
  }),
  onion_message: fc.record({
    type: fc.constant('onion_message' as const),
    pathKey: point,
    onionMessagePacket: varBytes(200),
    tlvs: tlvs([], {}),
  }),
  update_add_htlc: fc.record({
    type: fc.constant('update_add_htlc' as const),
    channelId: bytes(32),
    id: u64,
    amountMsat: u64,
    paymentHash: bytes(32),
    cltvExpiry: u32,
    onionRoutingPacket: bytes(1366),
    tlvs: tlvs([0, 75537], { blindedPath: fc.record({ pathKey: point }), holdHtlc: fc.constant(true as const) }),
  }),
  update_fulfill_htlc: fc.record({
    type: fc.constant('update_fulfill_htlc' as const),
    channelId: bytes(32),
    id: u64,
    paymentPreimage: bytes(32),
    tlvs: tlvs([1], { attributionData: attribution }),
  }),
  update_fail_htlc: fc.record({
    type: fc.constant('update_fail_htlc' as const),
    channelId: bytes(32),
    id: u64,
    reason: varBytes(300),
    tlvs: tlvs([1], { attributionData: attribution }),
  }),
  update_fail_malformed_htlc: fc.record({
    type: fc.constant('update_fail_malformed_htlc' as const),
    channelId: bytes(32),
    id: u64,
    sha256OfOnion: bytes(32),
    failureCode: u16,
    tlvs: tlvs([], {}),
  }),
  commitment_signed: fc.record({
    type: fc.constant('commitment_signed' as const),
    channelId: bytes(32),
    signature: bytes(64),
    htlcSignatures: fc.array(bytes(64), { maxLength: 5 }),
    tlvs: tlvs([1], { fundingTxid: bytes(32) }),
  }),
  revoke_and_ack: fc.record({
    type: fc.constant('revoke_and_ack' as const),
    channelId: bytes(32),
    perCommitmentSecret: bytes(32),
    nextPerCommitmentPoint: point,
    // LDK's release paths (the default async payments profile): each path names its held HTLC.
    tlvs: tlvs([75537], { releaseHeldHtlcMessagePaths: fc.array(fc.record({ htlcId: u64 as fc.Arbitrary<bigint | null>, path: blindedPath }), { maxLength: 2 }) }),
  }),
  update_fee: fc.record({ type: fc.constant('update_fee' as const), channelId: bytes(32), feeratePerKw: u32, tlvs: tlvs([], {}) }),
  channel_reestablish: fc.record({
    type: fc.constant('channel_reestablish' as const),
    channelId: bytes(32),
    nextCommitmentNumber: u64,
    nextRevocationNumber: u64,
    yourLastPerCommitmentSecret: bytes(32),
    myCurrentPerCommitmentPoint: point,
    tlvs: tlvs([1, 5], {
      nextFunding: fc.record({ nextFundingTxid: bytes(32), retransmitFlags: u8 }),
      myCurrentFundingLocked: fc.record({ myCurrentFundingLockedTxid: bytes(32), retransmitFlags: u8 }),
    }),
  }),
  shutdown: fc.record({ type: fc.constant('shutdown' as const), channelId: bytes(32), scriptpubkey: varBytes(40), tlvs: tlvs([], {}) }),
  closing_signed: fc.record({
    type: fc.constant('closing_signed' as const),
    channelId: bytes(32),
    feeSatoshis: u64,
    signature: bytes(64),
    tlvs: tlvs([1], { feeRange: fc.record({ minFeeSatoshis: u64, maxFeeSatoshis: u64 }) }),
  }),
  closing_complete: fc.record({
    type: fc.constant('closing_complete' as const),
    ...closingFields(),
  }),
  closing_sig: fc.record({
    type: fc.constant('closing_sig' as const),
    ...closingFields(),
  }),
  announcement_signatures: fc.record({
    type: fc.constant('announcement_signatures' as const),
    channelId: bytes(32),
    shortChannelId: u64,
    nodeSignature: bytes(64),
    bitcoinSignature: bytes(64),
    tlvs: tlvs([], {}),
  }),
  channel_announcement: fc.record({
    type: fc.constant('channel_announcement' as const),
    nodeSignature1: bytes(64),
    nodeSignature2: bytes(64),
    bitcoinSignature1: bytes(64),
    bitcoinSignature2: bytes(64),
    features: varBytes(8),
    chainHash: bytes(32),
    shortChannelId: u64,
    nodeId1: point,
    nodeId2: point,
    bitcoinKey1: point,
    bitcoinKey2: point,
    tlvs: tlvs([], {}),
  }),
  node_announcement: fc.record({
    type: fc.constant('node_announcement' as const),
    signature: bytes(64),
    features: varBytes(8),
    timestamp: u32,
    nodeId: point,
    rgbColor: bytes(3),
    alias: bytes(32),
    addresses: varBytes(60),
    tlvs: tlvs([], {}),
  }),
  channel_update: fc.record({
    type: fc.constant('channel_update' as const),
    signature: bytes(64),
    chainHash: bytes(32),
    shortChannelId: u64,
    timestamp: u32,
    messageFlags: u8,
    channelFlags: u8,
    cltvExpiryDelta: u16,
    htlcMinimumMsat: u64,
    feeBaseMsat: u32,
    feeProportionalMillionths: u32,
    htlcMaximumMsat: u64,
    tlvs: tlvs([], {}),
  }),
  query_short_channel_ids: fc.record({
    type: fc.constant('query_short_channel_ids' as const),
    chainHash: bytes(32),
    shortChannelIds: fc.array(u64, { maxLength: 10 }),
    tlvs: tlvs([1], { queryFlags: fc.array(u64, { maxLength: 10 }) }),
  }),
  reply_short_channel_ids_end: fc.record({
    type: fc.constant('reply_short_channel_ids_end' as const),
    chainHash: bytes(32),
    fullInformation: u8,
    tlvs: tlvs([], {}),
  }),
  query_channel_range: fc.record({
    type: fc.constant('query_channel_range' as const),
    chainHash: bytes(32),
    firstBlocknum: u32,
    numberOfBlocks: u32,
    tlvs: tlvs([1], { queryOption: u64 }),
  }),
  reply_channel_range: fc.record({
    type: fc.constant('reply_channel_range' as const),
    chainHash: bytes(32),
    firstBlocknum: u32,
    numberOfBlocks: u32,
    syncComplete: u8,
    shortChannelIds: fc.array(u64, { maxLength: 10 }),
    tlvs: tlvs([1, 3], {
      timestamps: fc.array(fc.record({ timestampNodeId1: u32, timestampNodeId2: u32 }), { maxLength: 10 }),
      checksums: fc.array(fc.record({ checksumNodeId1: u32, checksumNodeId2: u32 }), { maxLength: 10 }),
    }),
  }),
  gossip_timestamp_filter: fc.record({
    type: fc.constant('gossip_timestamp_filter' as const),
    chainHash: bytes(32),
    firstTimestamp: u32,
    timestampRange: u32,
    tlvs: tlvs([], {}),
  }),
};
