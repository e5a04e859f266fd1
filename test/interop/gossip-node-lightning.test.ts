/**
 * BOLT 7 against node-lightning (@node-lightning/wire, @node-lightning/checksum), an independent
 * TypeScript codebase with its own crypto: it parses the gossip we build and verifies our
 * signatures (so what we sign — offset 258 of a channel_announcement, everything after the
 * signature of the others — is what another implementation checks), re-serializes it to our bytes,
 * and its query messages and ours decode to the same values both ways.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c as theirCrc32c } from '@node-lightning/checksum';
import { ShortChannelId } from '@node-lightning/core';
import {
  ChannelAnnouncementMessage, ChannelUpdateMessage, GossipTimestampFilterMessage, NodeAnnouncementMessage, QueryChannelRangeMessage,
  QueryShortChannelIdsMessage, ReplyChannelRangeMessage, ReplyShortChannelIdsEndMessage,
} from '@node-lightning/wire';
import { toHex } from '../../core/crypto';
import { crc32c } from '../../core/gossip';
import { decodeMessage, encodeMessage, shortChannelIdParts } from '../../core/wire';
import type { Message } from '../../core/wire';
import { CHAIN, channel, node, nodeAnnouncement, scid, update } from '../unit/gossip/support';

/** node-lightning deserializers take the message with its type. */
const buf = (m: Message) => Buffer.from(encodeMessage(m));
const hex = (b: Uint8Array) => toHex(b);

describe('node-lightning reads and verifies our gossip', () => {
  const ch = channel(node(1), node(2), scid(654_321, 7, 1), { features: new Uint8Array([0x02]) });

  it('channel_announcement: all four signatures verify with its crypto, and it re-serializes to our bytes', () => {
    const theirs = ChannelAnnouncementMessage.deserialize(buf(ch.announcement));
    expect(ChannelAnnouncementMessage.verifySignatures(theirs)).toBe(true);
    expect(hex(theirs.serialize())).toBe(hex(encodeMessage(ch.announcement)));
    expect(theirs.shortChannelId.toString()).toBe('654321x7x1');
    // A signature of ours over another announcement does not verify there either.
    const other = channel(node(1), node(2), scid(654_321, 7, 2));
    theirs.nodeSignature1 = Buffer.from(other.announcement.nodeSignature1);
    expect(ChannelAnnouncementMessage.verifySignatures(theirs)).toBe(false);
  });

  it('channel_update: the signature of each direction verifies with that end\'s key', () => {
    for (const d of [0, 1] as const) {
      const u = update(ch, d, { disabled: d === 1, feeBaseMsat: 1234, feeProportionalMillionths: 56, htlcMaximumMsat: 990_000_000n });
      const theirs = ChannelUpdateMessage.deserialize(buf(u));
      expect(ChannelUpdateMessage.validateSignature(theirs, Buffer.from(ch.ends[d].id))).toBe(true);
      expect(ChannelUpdateMessage.validateSignature(theirs, Buffer.from(ch.ends[1 - d]!.id))).toBe(false);
      expect(theirs.direction).toBe(d);
      expect(theirs.disabled).toBe(d === 1);
      expect(hex(theirs.serialize())).toBe(hex(encodeMessage(u)));
    }
  });

  it('node_announcement: the signature verifies and it re-serializes to our bytes', () => {
    const m = nodeAnnouncement(node(1), {
      alias: 'glasswing', addresses: [{ kind: 'ipv4', address: new Uint8Array([127, 0, 0, 1]), port: 9735 }, { kind: 'ipv6', address: new Uint8Array(16).fill(1), port: 9736 }],
    });
    const theirs = NodeAnnouncementMessage.deserialize(buf(m));
    expect(NodeAnnouncementMessage.verifySignatures(theirs)).toBe(true);
    expect(hex(theirs.serialize())).toBe(hex(encodeMessage(m)));
  });

  it('CRC32C is the same function', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      expect(crc32c(b)).toBe(theirCrc32c(Buffer.from(b)));
    }));
  });
});

/** node-lightning's EncodingType.Raw (0): its serializers default to zlib (1). The enum is not exported from the package index. */
const RAW = 0;

const scidOf = (s: ShortChannelId) => scid(s.block, s.txIdx, s.voutIdx);
const theirScid = (id: bigint) => {
  const p = shortChannelIdParts(id);
  return new ShortChannelId(p.block, p.txIndex, p.outputIndex);
};

describe('gossip queries both ways', () => {
  const ids = [scid(600_000, 1, 0), scid(600_001, 2, 1), scid(600_100, 0, 3)];

  it('query_channel_range with query_option', () => {
    const ours = buf({ type: 'query_channel_range', chainHash: CHAIN, firstBlocknum: 600_000, numberOfBlocks: 1000, tlvs: { queryOption: 3n } });
    const theirs = QueryChannelRangeMessage.deserialize(ours);
    expect([theirs.firstBlocknum, theirs.numberOfBlocks, theirs.timestamps, theirs.checksums]).toEqual([600_000, 1000, true, true]);
    expect(hex(theirs.serialize())).toBe(hex(ours));
  });

  it('reply_channel_range with timestamps and checksums, uncompressed', () => {
    const m = new ReplyChannelRangeMessage();
    m.chainHash = Buffer.from(CHAIN);
    m.firstBlocknum = 600_000;
    m.numberOfBlocks = 101;
    m.fullInformation = true;
    m.shortChannelIds = ids.map(theirScid);
    m.timestamps = [[1, 2], [3, 4], [5, 0]];
    m.checksums = [[0xdeadbeef, 7], [8, 9], [10, 11]];
    // node-lightning writes zlib unless told otherwise; we refuse that (BOLT 7: "MUST NOT be used").
    expect(() => decodeMessage(new Uint8Array(m.serialize()))).toThrow(expect.objectContaining({ code: 'wire.unsupported_encoding' }));
    const decoded = decodeMessage(new Uint8Array(m.serialize(RAW)));
    expect(decoded).toMatchObject({
      type: 'reply_channel_range', firstBlocknum: 600_000, numberOfBlocks: 101, syncComplete: 1, shortChannelIds: ids,
      tlvs: {
        timestamps: [{ timestampNodeId1: 1, timestampNodeId2: 2 }, { timestampNodeId1: 3, timestampNodeId2: 4 }, { timestampNodeId1: 5, timestampNodeId2: 0 }],
        checksums: [{ checksumNodeId1: 0xdeadbeef, checksumNodeId2: 7 }, { checksumNodeId1: 8, checksumNodeId2: 9 }, { checksumNodeId1: 10, checksumNodeId2: 11 }],
      },
    });
    const back = ReplyChannelRangeMessage.deserialize(Buffer.from(encodeMessage(decoded)));
    expect(back.shortChannelIds.map(scidOf)).toEqual(ids);
    expect(back.timestamps).toEqual(m.timestamps);
    expect(back.checksums).toEqual(m.checksums);
  });

  it('query_short_channel_ids with query_flags, and reply_short_channel_ids_end', () => {
    const ours = buf({ type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: ids, tlvs: { queryFlags: [1n, 6n, 31n] } });
    const theirs = QueryShortChannelIdsMessage.deserialize(ours);
    expect(theirs.shortChannelIds.map(scidOf)).toEqual(ids);
    expect(theirs.flags.map((f) => Number(f.value))).toEqual([1, 6, 31]);
    expect(hex(theirs.serialize(RAW))).toBe(hex(ours));
    const end = new ReplyShortChannelIdsEndMessage();
    end.chainHash = Buffer.from(CHAIN);
    end.complete = true;
    expect(decodeMessage(new Uint8Array(end.serialize()))).toMatchObject({ type: 'reply_short_channel_ids_end', fullInformation: 1 });
  });

  it('gossip_timestamp_filter', () => {
    const m = new GossipTimestampFilterMessage();
    m.chainHash = Buffer.from(CHAIN);
    m.firstTimestamp = 1_700_000_000;
    m.timestampRange = 0xffffffff - 1_700_000_000;
    const decoded = decodeMessage(new Uint8Array(m.serialize()));
    expect(decoded).toMatchObject({ firstTimestamp: 1_700_000_000, timestampRange: 0xffffffff - 1_700_000_000 });
    expect(hex(encodeMessage(decoded))).toBe(hex(m.serialize()));
  });
});
