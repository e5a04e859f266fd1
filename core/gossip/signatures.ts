/**
 * BOLT 7 signatures: what each announcement signs, checking received ones, and signing our own
 * (channel_update, node_announcement, and the two halves of a channel_announcement exchanged in
 * `announcement_signatures`). Signatures are checked over the message bytes as received, so a
 * caller passes the encoded message (type included) next to its decoded form.
 */
import { compareBytes, ecdsaSign, ecdsaVerify, equalBytes, publicKeyFromPrivate, sha256d } from '../crypto';
import { encodeMessage } from '../wire';
import type { AnnouncementSignatures, ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../wire';
import { GossipError } from './errors';

/** The 2-byte message type in front of every encoded message. */
const TYPE_LENGTH = 2;
const SIGNATURE_LENGTH = 64;

/**
 * BOLT 7 channel_announcement: "the double-SHA256 hash h of the message, beginning at offset 256,
 * up to the end of the message" — offset 256 of the payload skips the four signatures; with the
 * 2-byte type in front that is offset 258 of the encoded message. Includes any appended fields.
 */
export function channelAnnouncementHash(message: Uint8Array): Uint8Array {
  return sha256d(message.subarray(TYPE_LENGTH + 4 * SIGNATURE_LENGTH));
}

/** BOLT 7 node_announcement: "the double-SHA256 of the entire remaining packet after signature". */
export function nodeAnnouncementHash(message: Uint8Array): Uint8Array {
  return sha256d(message.subarray(TYPE_LENGTH + SIGNATURE_LENGTH));
}

/** BOLT 7 channel_update: "the double-SHA256 of the entire remaining packet after signature". */
export function channelUpdateHash(message: Uint8Array): Uint8Array {
  return sha256d(message.subarray(TYPE_LENGTH + SIGNATURE_LENGTH));
}

/** Which of a channel_announcement's four signatures fail, in spec order (empty: all valid). */
export function invalidChannelAnnouncementSignatures(message: Uint8Array, m: ChannelAnnouncement): string[] {
  const h = channelAnnouncementHash(message);
  const bad: string[] = [];
  // BOLT 7 receiver: "MUST verify the integrity AND authenticity of the message by verifying the signatures."
  if (!ecdsaVerify(m.nodeSignature1, h, m.nodeId1)) bad.push('node_signature_1');
  if (!ecdsaVerify(m.nodeSignature2, h, m.nodeId2)) bad.push('node_signature_2');
  if (!ecdsaVerify(m.bitcoinSignature1, h, m.bitcoinKey1)) bad.push('bitcoin_signature_1');
  if (!ecdsaVerify(m.bitcoinSignature2, h, m.bitcoinKey2)) bad.push('bitcoin_signature_2');
  return bad;
}

/** True if a node_announcement's `signature` is `node_id`'s over the bytes after it. */
export function nodeAnnouncementSignatureValid(message: Uint8Array, m: NodeAnnouncement): boolean {
  return ecdsaVerify(m.signature, nodeAnnouncementHash(message), m.nodeId);
}

/** True if a channel_update's `signature` is `nodeId`'s (node_id_1 or node_id_2 by direction). */
export function channelUpdateSignatureValid(message: Uint8Array, m: ChannelUpdate, nodeId: Uint8Array): boolean {
  return ecdsaVerify(m.signature, channelUpdateHash(message), nodeId);
}

// ---------------------------------------------------------------------------------------------
// Our own announcements

const ZERO_SIGNATURE = new Uint8Array(SIGNATURE_LENGTH);

export interface ChannelAnnouncementParams {
  readonly chainHash: Uint8Array;
  readonly shortChannelId: bigint;
  /** The channel's `features` (BOLT 9, context C); empty by default. */
  readonly features?: Uint8Array;
  readonly localNodeId: Uint8Array;
  readonly remoteNodeId: Uint8Array;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
}

/** A channel_announcement whose fields are set and whose four signatures are still zero. */
export interface UnsignedChannelAnnouncement {
  readonly message: ChannelAnnouncement;
  /** True when we are node_id_1 (our node id is the lesser). */
  readonly localIsNode1: boolean;
  /** The hash h both sides sign. */
  readonly hash: Uint8Array;
}

/**
 * BOLT 7 origin node: node_id_1 is "the lexicographically-lesser of the two compressed keys",
 * bitcoin_key_1/2 are "node_id_1 and node_id_2's respective funding_pubkeys".
 */
export function unsignedChannelAnnouncement(p: ChannelAnnouncementParams): UnsignedChannelAnnouncement {
  const order = compareBytes(p.localNodeId, p.remoteNodeId);
  if (order === 0) throw new GossipError('gossip.bad_argument', 'a channel needs two different node ids');
  const localIsNode1 = order < 0;
  const message: ChannelAnnouncement = {
    type: 'channel_announcement',
    nodeSignature1: ZERO_SIGNATURE,
    nodeSignature2: ZERO_SIGNATURE,
    bitcoinSignature1: ZERO_SIGNATURE,
    bitcoinSignature2: ZERO_SIGNATURE,
    features: p.features ?? new Uint8Array(0),
    chainHash: p.chainHash,
    shortChannelId: p.shortChannelId,
    nodeId1: localIsNode1 ? p.localNodeId : p.remoteNodeId,
    nodeId2: localIsNode1 ? p.remoteNodeId : p.localNodeId,
    bitcoinKey1: localIsNode1 ? p.localFundingPubkey : p.remoteFundingPubkey,
    bitcoinKey2: localIsNode1 ? p.remoteFundingPubkey : p.localFundingPubkey,
  };
  return { message, localIsNode1, hash: channelAnnouncementHash(encodeMessage(message)) };
}

/**
 * BOLT 7 announcement_signatures: "created by constructing a channel_announcement message ... and
 * signing it with the secrets matching an endpoint's node_id and bitcoin_key".
 */
export function createAnnouncementSignatures(
  unsigned: UnsignedChannelAnnouncement,
  channelId: Uint8Array,
  nodeSecret: Uint8Array,
  fundingSecret: Uint8Array,
): AnnouncementSignatures {
  const m = unsigned.message;
  const [ourNode, ourFunding] = unsigned.localIsNode1 ? [m.nodeId1, m.bitcoinKey1] : [m.nodeId2, m.bitcoinKey2];
  if (!equalBytes(publicKeyFromPrivate(nodeSecret), ourNode) || !equalBytes(publicKeyFromPrivate(fundingSecret), ourFunding)) {
    throw new GossipError('gossip.bad_argument', 'the secrets are not those of our node id and funding key in this announcement');
  }
  return {
    type: 'announcement_signatures',
    channelId,
    shortChannelId: m.shortChannelId,
    nodeSignature: ecdsaSign(unsigned.hash, nodeSecret),
    bitcoinSignature: ecdsaSign(unsigned.hash, fundingSecret),
  };
}

/**
 * BOLT 7 recipient of announcement_signatures: the short_channel_id must be the channel's, and
 * "if the node_signature OR the bitcoin_signature is NOT correct" the caller may warn and close
 * or fail the channel. Returns what is wrong, or undefined when both verify.
 */
export function checkAnnouncementSignatures(unsigned: UnsignedChannelAnnouncement, received: AnnouncementSignatures): string | undefined {
  const m = unsigned.message;
  if (received.shortChannelId !== m.shortChannelId) return 'short_channel_id does not match the funding transaction';
  const [theirNode, theirFunding] = unsigned.localIsNode1 ? [m.nodeId2, m.bitcoinKey2] : [m.nodeId1, m.bitcoinKey1];
  if (!ecdsaVerify(received.nodeSignature, unsigned.hash, theirNode)) return 'node_signature is not correct';
  if (!ecdsaVerify(received.bitcoinSignature, unsigned.hash, theirFunding)) return 'bitcoin_signature is not correct';
  return undefined;
}

/** The complete channel_announcement from both sides' announcement_signatures. */
export function assembleChannelAnnouncement(
  unsigned: UnsignedChannelAnnouncement,
  local: AnnouncementSignatures,
  remote: AnnouncementSignatures,
): ChannelAnnouncement {
  const [one, two] = unsigned.localIsNode1 ? [local, remote] : [remote, local];
  return {
    ...unsigned.message,
    nodeSignature1: one.nodeSignature,
    nodeSignature2: two.nodeSignature,
    bitcoinSignature1: one.bitcoinSignature,
    bitcoinSignature2: two.bitcoinSignature,
  };
}

/** A channel_update's fields before signing. */
export type UnsignedChannelUpdate = Omit<ChannelUpdate, 'type' | 'signature'>;

/** BOLT 7 origin node: "MUST set signature to the signature of the double-SHA256 of the entire remaining packet after signature". */
export function signChannelUpdate(fields: UnsignedChannelUpdate, nodeSecret: Uint8Array): ChannelUpdate {
  const unsigned: ChannelUpdate = { type: 'channel_update', signature: ZERO_SIGNATURE, ...fields };
  return { ...unsigned, signature: ecdsaSign(channelUpdateHash(encodeMessage(unsigned)), nodeSecret) };
}

/** A node_announcement's fields before signing. */
export type UnsignedNodeAnnouncement = Omit<NodeAnnouncement, 'type' | 'signature'>;

/** BOLT 7 origin node: the signature covers everything after `signature`, by the key of `node_id`. */
export function signNodeAnnouncement(fields: UnsignedNodeAnnouncement, nodeSecret: Uint8Array): NodeAnnouncement {
  const unsigned: NodeAnnouncement = { type: 'node_announcement', signature: ZERO_SIGNATURE, ...fields };
  return { ...unsigned, signature: ecdsaSign(nodeAnnouncementHash(encodeMessage(unsigned)), nodeSecret) };
}
