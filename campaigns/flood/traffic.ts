/**
 * What the flood peers send, built once before the flood starts (building an onion costs
 * several ECDHs; the flood replays the built frames, as an attacker would: BOLT 4 onion messages
 * carry no replay protection, so a replayed onion is processed like a fresh one).
 *
 * - honest-shaped onion messages: an `invoice_request` for the daemon's offer with a reply path
 *   back to the sending peer (BOLT 12 "Requirements for Invoice Requests", BOLT 4 `reply_path`),
 *   and forwards — a two-hop blinded path through the daemon to another flood peer, so the
 *   daemon peels one layer and forwards by `next_node_id` (BOLT 4 Onion Messages);
 * - junk onions: a random packet, a flipped payload bit (HMAC mismatch), an unknown version, an
 *   onion built for another node, and an `onion_message` whose `path_key` is not a point;
 * - gossip (BOLT 7): signed channel_announcement, channel_update and node_announcement for
 *   made-up channels, and the query messages (query_channel_range, query_short_channel_ids,
 *   gossip_timestamp_filter).
 */
import { publicKeyFromPrivate, randomBytes, randomPrivateKey } from '../../core/crypto';
import {
  assembleChannelAnnouncement, createAnnouncementSignatures, signChannelUpdate, signNodeAnnouncement, unsignedChannelAnnouncement,
} from '../../core/gossip';
import { CHAIN_HASHES, buildInvoiceRequest, decodeOffer } from '../../core/offers';
import { createBlindedPath, createOnionMessage, encodeOnionPacket } from '../../core/onion';
import { FeatureVector, chainHash, encodeMessage, shortChannelIdFromParts, type Message, type TlvRecord } from '../../core/wire';

/** BOLT 12 / BOLT 4: the onion message record that carries an invoice_request. */
const INVOICE_REQUEST_TLV = 64n;

/** The kinds of flood traffic, as the campaign counts them. */
export const TRAFFIC_KINDS = ['invoice_request', 'forward', 'junk_onion', 'gossip'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

/** A flood peer's own key (its node id is what the daemon rate-limits by). */
export interface PeerKey {
  readonly secret: Uint8Array;
  readonly nodeId: Uint8Array;
}

export function newPeerKey(): PeerKey {
  const secret = randomPrivateKey();
  return { secret, nodeId: publicKeyFromPrivate(secret) };
}

/** An onion_message to `target` over a one-hop blinded path (what every sender builds for a peer). */
function onionTo(target: Uint8Array, contents: Parameters<typeof createOnionMessage>[0]['contents'], hops: { nodeId: Uint8Array; data: object }[] = [{ nodeId: target, data: {} }]): Message {
  const path = createBlindedPath({ sessionKey: randomPrivateKey(), hops }).path;
  const m = createOnionMessage({ sessionKey: randomPrivateKey(), path, contents });
  return { type: 'onion_message', pathKey: m.pathKey, onionMessagePacket: encodeOnionPacket(m.packet) };
}

/**
 * An invoice_request for `offer` (a bolt12 string issued by `target` on regtest), signed by a
 * fresh payer key, in an onion message whose reply path leads back to `replyTo`.
 */
export function invoiceRequestMessage(offer: string, target: Uint8Array, replyTo: Uint8Array): Uint8Array {
  const decoded = decodeOffer(offer, { nowSeconds: Math.floor(Date.now() / 1000), chains: [CHAIN_HASHES.regtest] });
  const payer = randomPrivateKey();
  const request = buildInvoiceRequest(decoded, { payerId: publicKeyFromPrivate(payer), payerNote: 'flood' }).sign(payer);
  const records: TlvRecord[] = [{ type: INVOICE_REQUEST_TLV, value: request.bytes }];
  const replyPath = createBlindedPath({ sessionKey: randomPrivateKey(), hops: [{ nodeId: replyTo, data: { pathId: randomBytes(32) } }] }).path;
  return encodeMessage(onionTo(target, { messageRecords: records, replyPath }));
}

/** An onion message the daemon must forward to `next` (a connected peer that reads onion messages). */
export function forwardMessage(target: Uint8Array, next: Uint8Array): Uint8Array {
  return encodeMessage(onionTo(target, { messageRecords: [{ type: 65_601n, value: randomBytes(32) }] }, [
    { nodeId: target, data: { nextNodeId: next } },
    { nodeId: next, data: {} },
  ]));
}

/** Junk onions, one of each kind (cycled by the flood). */
export function junkMessages(target: Uint8Array): Uint8Array[] {
  const valid = onionTo(target, { messageRecords: [{ type: 65_603n, value: new Uint8Array([1]) }] });
  if (valid.type !== 'onion_message') throw new Error('unreachable');
  const packet = (mutate: (p: Uint8Array) => void): Uint8Array => {
    const p = valid.onionMessagePacket.slice();
    mutate(p);
    return encodeMessage({ ...valid, onionMessagePacket: p });
  };
  const elsewhere = onionTo(publicKeyFromPrivate(randomPrivateKey()), { messageRecords: [{ type: 65_603n, value: new Uint8Array([2]) }] });
  const notAPoint = encodeMessage(valid);
  notAPoint.fill(0xff, 3, 35); // path_key = 02 ff…ff: x is not a field element
  return [
    packet((p) => p.set(randomBytes(p.length - 1), 1)), // random bytes behind a valid version
    packet((p) => (p[100] = p[100]! ^ 1)), // one flipped payload bit: HMAC mismatch
    packet((p) => (p[0] = 1)), // unknown version
    encodeMessage(elsewhere), // an onion for another node: HMAC mismatch after our ECDH
    notAPoint,
  ];
}

/** Signed gossip for made-up channels and nodes, and the query messages (BOLT 7). */
export function gossipMessages(count: number): Uint8Array[] {
  const chain = chainHash('regtest');
  const out: Uint8Array[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const [a, b, fa, fb] = [randomPrivateKey(), randomPrivateKey(), randomPrivateKey(), randomPrivateKey()];
    const scid = shortChannelIdFromParts(100 + i, 1, 0);
    const params = (x: Uint8Array, y: Uint8Array, fx: Uint8Array, fy: Uint8Array) => ({
      chainHash: chain, shortChannelId: scid, localNodeId: publicKeyFromPrivate(x), remoteNodeId: publicKeyFromPrivate(y),
      localFundingPubkey: publicKeyFromPrivate(fx), remoteFundingPubkey: publicKeyFromPrivate(fy),
    });
    const ua = unsignedChannelAnnouncement(params(a, b, fa, fb));
    const ub = unsignedChannelAnnouncement(params(b, a, fb, fa));
    out.push(encodeMessage(assembleChannelAnnouncement(ua, createAnnouncementSignatures(ua, new Uint8Array(32), a, fa), createAnnouncementSignatures(ub, new Uint8Array(32), b, fb))));
    const node1 = ua.localIsNode1 ? a : b;
    out.push(encodeMessage(signChannelUpdate({
      chainHash: chain, shortChannelId: scid, timestamp: now, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40,
      htlcMinimumMsat: 1_000n, feeBaseMsat: 1_000, feeProportionalMillionths: 100, htlcMaximumMsat: 100_000_000n,
    }, node1)));
    out.push(encodeMessage(signNodeAnnouncement({
      features: new Uint8Array(0), timestamp: now, nodeId: publicKeyFromPrivate(a), rgbColor: new Uint8Array([1, 2, 3]),
      alias: new Uint8Array(32).fill(0x66), addresses: new Uint8Array(0),
    }, a)));
  }
  out.push(encodeMessage({ type: 'query_channel_range', chainHash: chain, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: {} }));
  out.push(encodeMessage({ type: 'query_short_channel_ids', chainHash: chain, shortChannelIds: Array.from({ length: 100 }, (_, i) => shortChannelIdFromParts(100 + i, 1, 0)), tlvs: {} }));
  out.push(encodeMessage({ type: 'gossip_timestamp_filter', chainHash: chain, firstTimestamp: 0, timestampRange: 0xffffffff }));
  return out;
}

/** Our `init`: onion messages (38/39) and gossip_queries (6/7), both optional (BOLT 9). */
export function initMessage(): Uint8Array {
  return encodeMessage({ type: 'init', globalFeatures: FeatureVector.EMPTY, features: FeatureVector.fromBits([7, 39]), tlvs: {} });
}

