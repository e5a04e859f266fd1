/**
 * Turning accepted gossip bytes into graph entries: a channel_update into a `ChannelPolicy`, a
 * node_announcement into a `NodeInfo`, and reading messages back from the store. Stored
 * messages were fully checked when they arrived, so they are read here without the on-curve
 * check of their points (about 0.25 ms each with the portable backend: a mainnet graph has
 * ~200,000 of them); a row that does not parse is a `GossipError` `gossip.bad_message`.
 */
import { toHex } from '../crypto';
import {
  ByteReader, FEATURES, FeatureVector, MESSAGE_FLAGS, MESSAGE_TYPES, CHANNEL_FLAGS, WireError, codecs, decodeAddressList, decodeMessage,
} from '../wire';
import type { AddressDescriptor, ChannelUpdate, FeatureDefinition, NodeAnnouncement } from '../wire';
import { channelUpdateChecksum } from './checksum';
import { GossipError } from './errors';
import type { ChannelPolicy, NodeInfo } from './graph';

const c = codecs;
const pointBytes = c.bytes(33);

/** A channel_update's policy. `message` is the update's bytes (type included). */
export function policyFromUpdate(m: ChannelUpdate, message: Uint8Array): ChannelPolicy {
  return {
    timestamp: m.timestamp,
    messageFlags: m.messageFlags,
    channelFlags: m.channelFlags,
    disabled: (m.channelFlags & CHANNEL_FLAGS.disable) !== 0,
    dontForward: (m.messageFlags & MESSAGE_FLAGS.dontForward) !== 0,
    cltvExpiryDelta: m.cltvExpiryDelta,
    htlcMinimumMsat: m.htlcMinimumMsat,
    htlcMaximumMsat: m.htlcMaximumMsat,
    feeBaseMsat: BigInt(m.feeBaseMsat),
    feeProportionalMillionths: BigInt(m.feeProportionalMillionths),
    message,
    checksum: channelUpdateChecksum(message),
  };
}

/** True when a feature bitmap sets an even bit that `known` does not define. */
export function hasUnknownRequiredFeatures(features: Uint8Array, known: readonly FeatureDefinition[] = FEATURES): boolean {
  return FeatureVector.decode(features).unknownRequiredBits(known).length > 0;
}

const aliasDecoder = new TextDecoder('utf-8', { fatal: false });

/** BOLT 7 `alias`: UTF-8 "with any alias trailing-bytes equal to 0"; invalid bytes become U+FFFD. */
export function aliasText(alias: Uint8Array): string {
  let end = alias.length;
  while (end > 0 && alias[end - 1] === 0) end--;
  return aliasDecoder.decode(alias.subarray(0, end));
}

/**
 * The addresses a node_announcement offers, with the BOLT 7 receiver rules applied: decoding
 * stops at the first unknown type ("SHOULD ignore the first address descriptor that does NOT
 * match the types defined above"); "if port is equal to 0: SHOULD ignore ipv6_addr OR ipv4_addr
 * OR hostname"; "SHOULD ignore Tor v2 onion services"; "if more than one type 5 address is
 * announced: SHOULD ignore the additional data. MUST not forward the node_announcement."
 * Throws WireError when a descriptor of a known type does not fit `addrlen` (the caller warns).
 */
export function usableAddresses(addresses: Uint8Array): { addresses: AddressDescriptor[]; relay: boolean } {
  const out: AddressDescriptor[] = [];
  let dns = 0;
  for (const a of decodeAddressList(addresses).addresses) {
    if (a.kind === 'torv2' || a.kind === 'unknown') continue;
    if (a.kind === 'dns' && ++dns > 1) continue;
    if ((a.kind === 'ipv4' || a.kind === 'ipv6' || a.kind === 'dns') && a.port === 0) continue;
    out.push(a);
  }
  return { addresses: out, relay: dns <= 1 };
}

/** A node_announcement's NodeInfo (its addresses checked by `usableAddresses`). */
export function nodeInfoFrom(m: NodeAnnouncement, message: Uint8Array, known: readonly FeatureDefinition[] = FEATURES): NodeInfo {
  const { addresses, relay } = usableAddresses(m.addresses);
  return {
    timestamp: m.timestamp,
    features: m.features,
    unknownRequiredFeatures: hasUnknownRequiredFeatures(m.features, known),
    alias: aliasText(m.alias),
    color: '#' + toHex(m.rgbColor),
    addresses,
    relay,
    message,
  };
}

// ---------------------------------------------------------------------------------------------
// Stored messages

function stored<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    const cause = e instanceof WireError ? e.code : 'unknown';
    throw new GossipError('gossip.bad_message', `stored ${what} does not parse: ${e instanceof Error ? e.message : String(e)}`, { cause });
  }
}

/** A stored channel_update (it has no points, so the ordinary decoder is cheap). */
export function storedChannelUpdate(message: Uint8Array): ChannelUpdate {
  return stored('channel_update', () => {
    const m = decodeMessage(message);
    if (m.type !== 'channel_update') throw new WireError('wire.bad_value', `a ${m.type}, not a channel_update`);
    return m;
  });
}

const trustedNodeAnnouncement = c.struct({
  signature: c.signature,
  features: c.bytesU16,
  timestamp: c.u32,
  nodeId: pointBytes,
  rgbColor: c.bytes(3),
  alias: c.bytes(32),
  addresses: c.bytesU16,
});

/** A stored node_announcement, read without the on-curve check of `node_id` (extension ignored). */
export function storedNodeAnnouncement(message: Uint8Array): NodeAnnouncement {
  return stored('node_announcement', () => {
    const r = new ByteReader(message);
    if (r.readU16('type') !== MESSAGE_TYPES.node_announcement) throw new WireError('wire.bad_value', 'not a node_announcement');
    return { type: 'node_announcement', ...trustedNodeAnnouncement.read(r, 'node_announcement') };
  });
}

const trustedChannelAnnouncementHead = c.struct({
  signatures: c.bytes(256),
  features: c.bytesU16,
  chainHash: c.chainHash,
  shortChannelId: c.shortChannelId,
  nodeId1: pointBytes,
  nodeId2: pointBytes,
  bitcoinKey1: pointBytes,
  bitcoinKey2: pointBytes,
});

/** The fields of a stored channel_announcement the graph needs, read without point checks. */
export function storedChannelAnnouncement(message: Uint8Array): {
  features: Uint8Array; shortChannelId: bigint; nodeId1: string; nodeId2: string; bitcoinKey1: Uint8Array; bitcoinKey2: Uint8Array;
} {
  return stored('channel_announcement', () => {
    const r = new ByteReader(message);
    if (r.readU16('type') !== MESSAGE_TYPES.channel_announcement) throw new WireError('wire.bad_value', 'not a channel_announcement');
    const h = trustedChannelAnnouncementHead.read(r, 'channel_announcement');
    return { features: h.features, shortChannelId: h.shortChannelId, nodeId1: toHex(h.nodeId1), nodeId2: toHex(h.nodeId2), bitcoinKey1: h.bitcoinKey1, bitcoinKey2: h.bitcoinKey2 };
  });
}
