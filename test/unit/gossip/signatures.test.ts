import { describe, expect, it } from 'vitest';
import { compareBytes, sha256d } from '../../../core/crypto';
import {
  GossipError, channelAnnouncementHash, channelUpdateSignatureValid, checkAnnouncementSignatures, createAnnouncementSignatures,
  invalidChannelAnnouncementSignatures, nodeAnnouncementSignatureValid, unsignedChannelAnnouncement,
} from '../../../core/gossip';
import { encodeMessage } from '../../../core/wire';
import { CHAIN, channel, node, nodeAnnouncement, scid, update } from './support';

describe('channel_announcement signatures', () => {
  const a = node(1);
  const b = node(2);
  const ch = channel(a, b, scid(700_000, 5, 1));

  it('puts the lesser node id first, with its funding key, whichever side builds it', () => {
    const m = ch.announcement;
    expect(compareBytes(m.nodeId1, m.nodeId2)).toBeLessThan(0);
    const [one] = ch.ends;
    const fundingOfOne = one === a ? ch.fundingA : ch.fundingB;
    expect(m.bitcoinKey1).toEqual(fundingOfOne.id);
  });

  it('signs SHA256d of the message from offset 258 (after the type and the four signatures)', () => {
    const raw = encodeMessage(ch.announcement);
    expect(channelAnnouncementHash(raw)).toEqual(sha256d(raw.subarray(258)));
    // Changing a signature does not change h; changing any signed byte does.
    const other = encodeMessage({ ...ch.announcement, nodeSignature1: new Uint8Array(64).fill(1) });
    expect(channelAnnouncementHash(other)).toEqual(channelAnnouncementHash(raw));
    const moved = encodeMessage({ ...ch.announcement, shortChannelId: ch.scid + 1n });
    expect(channelAnnouncementHash(moved)).not.toEqual(channelAnnouncementHash(raw));
  });

  it('all four verify, and each one failing is named', () => {
    const raw = encodeMessage(ch.announcement);
    expect(invalidChannelAnnouncementSignatures(raw, ch.announcement)).toEqual([]);
    for (const field of ['nodeSignature1', 'nodeSignature2', 'bitcoinSignature1', 'bitcoinSignature2'] as const) {
      const bad = { ...ch.announcement, [field]: ch.announcement[field].map((x, i) => (i === 10 ? x ^ 1 : x)) };
      expect(invalidChannelAnnouncementSignatures(encodeMessage(bad), bad)).toEqual([field.replace(/([A-Z])/g, '_$1').replace(/(\d)/, '_$1').toLowerCase()]);
    }
    // Signatures swapped between the two nodes fail both.
    const swapped = { ...ch.announcement, nodeSignature1: ch.announcement.nodeSignature2, nodeSignature2: ch.announcement.nodeSignature1 };
    expect(invalidChannelAnnouncementSignatures(encodeMessage(swapped), swapped)).toEqual(['node_signature_1', 'node_signature_2']);
  });

  it('checks a peer\'s announcement_signatures: scid, node and bitcoin signatures', () => {
    const params = { chainHash: CHAIN, shortChannelId: ch.scid, localNodeId: a.id, remoteNodeId: b.id, localFundingPubkey: ch.fundingA.id, remoteFundingPubkey: ch.fundingB.id };
    const ours = unsignedChannelAnnouncement(params);
    const theirs = unsignedChannelAnnouncement({ ...params, localNodeId: b.id, remoteNodeId: a.id, localFundingPubkey: ch.fundingB.id, remoteFundingPubkey: ch.fundingA.id });
    expect(theirs.hash).toEqual(ours.hash);
    const fromB = createAnnouncementSignatures(theirs, new Uint8Array(32), b.secret, ch.fundingB.secret);
    expect(checkAnnouncementSignatures(ours, fromB)).toBeUndefined();
    expect(checkAnnouncementSignatures(ours, { ...fromB, shortChannelId: 1n })).toMatch(/short_channel_id/);
    expect(checkAnnouncementSignatures(ours, { ...fromB, nodeSignature: fromB.bitcoinSignature })).toMatch(/node_signature/);
    expect(checkAnnouncementSignatures(ours, { ...fromB, bitcoinSignature: fromB.nodeSignature })).toMatch(/bitcoin_signature/);
  });

  it('refuses to sign with secrets that are not the announcement\'s', () => {
    const u = unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: 1n, localNodeId: a.id, remoteNodeId: b.id, localFundingPubkey: ch.fundingA.id, remoteFundingPubkey: ch.fundingB.id });
    expect(() => createAnnouncementSignatures(u, new Uint8Array(32), b.secret, ch.fundingA.secret)).toThrow(GossipError);
    expect(() => unsignedChannelAnnouncement({ chainHash: CHAIN, shortChannelId: 1n, localNodeId: a.id, remoteNodeId: a.id, localFundingPubkey: a.id, remoteFundingPubkey: b.id })).toThrow(GossipError);
  });
});

describe('channel_update and node_announcement signatures', () => {
  const ch = channel(node(3), node(4), scid(1000));

  it('a channel_update verifies with the key of its direction only', () => {
    for (const d of [0, 1] as const) {
      const u = update(ch, d);
      const raw = encodeMessage(u);
      expect(channelUpdateSignatureValid(raw, u, ch.ends[d].id)).toBe(true);
      expect(channelUpdateSignatureValid(raw, u, ch.ends[1 - d]!.id)).toBe(false);
      // The signature covers everything after it, including appended fields.
      const extended = { ...u, tlvs: { unknownTlvs: [{ type: 1n, value: new Uint8Array([1]) }] } };
      expect(channelUpdateSignatureValid(encodeMessage(extended), extended, ch.ends[d].id)).toBe(false);
    }
  });

  it('a node_announcement verifies with its own node id', () => {
    const m = nodeAnnouncement(node(3));
    expect(nodeAnnouncementSignatureValid(encodeMessage(m), m)).toBe(true);
    const moved = { ...m, timestamp: m.timestamp + 1 };
    expect(nodeAnnouncementSignatureValid(encodeMessage(moved), moved)).toBe(false);
  });
});
