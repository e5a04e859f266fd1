/**
 * Answering queries (reply_channel_range, query_short_channel_ids), the gossip_timestamp_filter
 * dump, and the staggered relay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelGraph, GossipManager, maxIdsPerReply, replyChannelRange } from '../../../core/gossip';
import { QUERY_FLAGS, QUERY_OPTION_FLAGS, chainHash, decodeMessage, encodeMessage } from '../../../core/wire';
import type { Message, QueryChannelRange, ReplyChannelRange } from '../../../core/wire';
import { CHAIN, NOW_MS, NOW_SEC, TestChain, channel, feed, node, nodeAnnouncement, scid, update } from './support';

const PEER = node(90).hex;
const OTHER = node(91).hex;

/** A graph of `blocks` blocks holding `perBlock` channels each, without signatures (the graph trusts its caller). */
function plainGraph(perBlock: (block: number) => number, blocks: number, from = 1000): ChannelGraph {
  const g = new ChannelGraph();
  for (let b = from; b < from + blocks; b++) {
    for (let t = 0; t < perBlock(b); t++) {
      g.addChannel({
        shortChannelId: scid(b, t), nodeId1: 'a', nodeId2: 'b', capacitySat: 1n, features: new Uint8Array(), unknownRequiredFeatures: false,
        announcement: new Uint8Array(), receivedAtMs: 0,
      });
    }
  }
  return g;
}

const query = (first: number, count: number, option?: bigint): QueryChannelRange => ({
  type: 'query_channel_range', chainHash: CHAIN, firstBlocknum: first, numberOfBlocks: count, tlvs: option === undefined ? {} : { queryOption: option },
});

/** The BOLT 7 rules for a sequence of replies to `q`, and that they list exactly `expected`. */
function checkReplies(replies: ReplyChannelRange[], q: QueryChannelRange, expected: readonly bigint[]): void {
  const end = Math.min(q.firstBlocknum + q.numberOfBlocks, 0xffffffff);
  expect(replies.length).toBeGreaterThan(0);
  expect(replies[0]!.firstBlocknum).toBeLessThanOrEqual(q.firstBlocknum);
  expect(replies[0]!.firstBlocknum + replies[0]!.numberOfBlocks).toBeGreaterThanOrEqual(Math.min(q.firstBlocknum + 1, end));
  replies.forEach((r, i) => {
    expect(r.chainHash).toEqual(q.chainHash);
    if (i > 0) expect(r.firstBlocknum).toBeGreaterThanOrEqual(replies[i - 1]!.firstBlocknum);
    expect(r.syncComplete).toBe(i === replies.length - 1 ? 1 : 0);
    for (const id of r.shortChannelIds) {
      const block = Number(id >> 40n);
      expect(block).toBeGreaterThanOrEqual(r.firstBlocknum);
      expect(block).toBeLessThan(r.firstBlocknum + r.numberOfBlocks);
    }
    expect(encodeMessage(r).length).toBeLessThanOrEqual(65535);
  });
  const last = replies[replies.length - 1]!;
  expect(last.firstBlocknum + last.numberOfBlocks).toBeGreaterThanOrEqual(end);
  expect(replies.flatMap((r) => r.shortChannelIds)).toEqual(expected);
}

describe('reply_channel_range', () => {
  it('answers with one reply when everything fits, timestamps and checksums as asked', () => {
    const g = plainGraph(() => 2, 5);
    const q = query(1001, 3, QUERY_OPTION_FLAGS.wantTimestamps | QUERY_OPTION_FLAGS.wantChecksums);
    const replies = replyChannelRange(g, q, CHAIN);
    expect(replies).toHaveLength(1);
    checkReplies(replies, q, [scid(1001, 0), scid(1001, 1), scid(1002, 0), scid(1002, 1), scid(1003, 0), scid(1003, 1)]);
    expect(replies[0]).toMatchObject({ firstBlocknum: 1001, numberOfBlocks: 3 });
    // No updates yet: "0 if there was no channel_update from that node".
    expect(replies[0]!.tlvs?.timestamps).toEqual(Array(6).fill({ timestampNodeId1: 0, timestampNodeId2: 0 }));
    expect(replies[0]!.tlvs?.checksums).toHaveLength(6);
    expect(replyChannelRange(g, query(1001, 3), CHAIN)[0]!.tlvs).toEqual({});
  });

  it('splits between blocks when a reply is full, and inside a block only when one block does not fit', () => {
    const cap = maxIdsPerReply(true, true);
    expect(cap).toBe(2728);
    const g = plainGraph((b) => (b === 1001 ? cap + 10 : 1500), 4);
    const q = query(0, 0xffffffff, QUERY_OPTION_FLAGS.wantTimestamps | QUERY_OPTION_FLAGS.wantChecksums);
    const replies = replyChannelRange(g, q, CHAIN);
    checkReplies(replies, q, g.sortedShortChannelIds());
    expect(replies.map((r) => [r.firstBlocknum, r.shortChannelIds.length])).toEqual([
      [0, 1500], // block 1000
      [1001, cap], // block 1001 does not fit in one reply: split
      [1001, 10 + 1500], // the rest of 1001 and all of 1002; 1003 would not fit too
      [1003, 1500],
    ]);
  });

  it('answers a chain we do not follow, and an empty range, with one final empty reply', () => {
    const g = plainGraph(() => 1, 3);
    const other = { ...query(0, 100000), chainHash: chainHash('mainnet') };
    expect(replyChannelRange(g, other, CHAIN)).toEqual([
      { type: 'reply_channel_range', chainHash: other.chainHash, firstBlocknum: 0, numberOfBlocks: 100000, syncComplete: 1, shortChannelIds: [], tlvs: {} },
    ]);
    checkReplies(replyChannelRange(g, query(5000, 10), CHAIN), query(5000, 10), []);
  });

  it('follows the BOLT 7 rules for any graph and query (property)', () => {
    fc.assert(
      fc.property(
        // Mostly small blocks, sometimes one larger than a reply can carry.
        fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: 2700, max: 3000 }) }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 1100 }),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(0xffffffff)),
        fc.constantFrom(0n, 1n, 2n, 3n),
        (counts, first, count, option) => {
          const g = plainGraph((b) => counts[b - 1000] ?? 0, counts.length);
          const q = query(first, count, option);
          const end = Math.min(first + count, 0xffffffff);
          checkReplies(replyChannelRange(g, q, CHAIN), q, g.sortedShortChannelIds().filter((id) => Number(id >> 40n) >= first && Number(id >> 40n) < end));
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** A manager with channels ab and bc announced, updated and their nodes announced. */
function populated() {
  const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
  g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  g.peerConnected(OTHER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  const ab = channel(node(1), node(2), scid(700_000, 1));
  const bc = channel(node(2), node(3), scid(700_001, 1));
  const chain = new TestChain().fund(ab).fund(bc);
  const msgs: Message[] = [
    ab.announcement, bc.announcement, update(ab, 0, { timestamp: NOW_SEC - 100 }), update(ab, 1, { timestamp: NOW_SEC - 50 }),
    update(bc, 0, { timestamp: NOW_SEC - 10 }), nodeAnnouncement(node(1), { timestamp: NOW_SEC - 100 }), nodeAnnouncement(node(2), { timestamp: NOW_SEC - 5 }),
    nodeAnnouncement(node(3), { timestamp: NOW_SEC - 200 }),
  ];
  for (const m of msgs) expect(feed(g, OTHER, m, chain).outcome.kind).not.toBe('rejected');
  g.nextMessagesFor(PEER, 1000);
  g.flush(NOW_MS); // nothing relayed: no peer has a filter
  return { g, ab, bc };
}

const typesOf = (bytes: Uint8Array[]) => bytes.map((b) => decodeMessage(b).type);

describe('query_short_channel_ids', () => {
  it('without flags: the announcement, both updates and the node announcements, each node once, then the end', () => {
    const { g, ab, bc } = populated();
    const r = g.receive(PEER, { type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: [ab.scid, bc.scid, 42n] }, NOW_MS);
    expect(r.actions).toContainEqual({ kind: 'outbound_ready', peer: PEER });
    const out = g.nextMessagesFor(PEER, 100);
    expect(typesOf(out)).toEqual([
      'channel_announcement', 'channel_update', 'channel_update', 'node_announcement', 'node_announcement',
      'channel_announcement', 'channel_update', 'node_announcement',
      'reply_short_channel_ids_end',
    ]);
    expect(decodeMessage(out[out.length - 1]!)).toMatchObject({ fullInformation: 1 });
  });

  it('with flags: exactly what each flag asks for', () => {
    const { g, ab, bc } = populated();
    g.receive(PEER, {
      type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: [ab.scid, bc.scid],
      tlvs: { queryFlags: [QUERY_FLAGS.channelUpdate2, QUERY_FLAGS.channelUpdate2 | QUERY_FLAGS.nodeAnnouncement2] },
    }, NOW_MS);
    const out = g.nextMessagesFor(PEER, 100).map(decodeMessage);
    // bc has no update from node_id_2.
    expect(out.map((m) => m.type)).toEqual(['channel_update', 'node_announcement', 'reply_short_channel_ids_end']);
    expect(out[0]).toMatchObject({ shortChannelId: ab.scid, channelFlags: 1 });
  });

  it('warns about a second query before the end of the first, and about flags that do not match the ids', () => {
    const { g, ab } = populated();
    g.receive(PEER, { type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: [ab.scid] }, NOW_MS);
    expect(g.receive(PEER, { type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: [ab.scid] }, NOW_MS).outcome)
      .toEqual({ kind: 'rejected', reason: 'query_in_progress' });
    g.nextMessagesFor(PEER, 100);
    expect(g.receive(PEER, { type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: [ab.scid], tlvs: { queryFlags: [1n, 1n] } }, NOW_MS))
      .toMatchObject({ outcome: { kind: 'rejected', reason: 'bad_query' }, actions: [{ kind: 'warn', disconnect: false }] });
  });

  it('for another chain: only the end, with full_information 0', () => {
    const { g, ab } = populated();
    g.receive(PEER, { type: 'query_short_channel_ids', chainHash: chainHash('mainnet'), shortChannelIds: [ab.scid] }, NOW_MS);
    expect(g.nextMessagesFor(PEER, 100).map(decodeMessage)).toEqual([
      { type: 'reply_short_channel_ids_end', chainHash: chainHash('mainnet'), fullInformation: 0, tlvs: { unknownTlvs: [] } },
    ]);
  });
});

describe('gossip_timestamp_filter', () => {
  it('dumps what falls in the range: announcements only with an update in range, before it; nodes once', () => {
    const { g } = populated();
    g.receive(PEER, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: NOW_SEC - 60, timestampRange: 0xffffffff }, NOW_MS);
    const out = g.nextMessagesFor(PEER, 100).map(decodeMessage);
    // ab: only direction 1 (NOW-50) is in range; bc: direction 0; node 2 (NOW-5) only; node 1 and 3 are older.
    expect(out.map((m) => m.type)).toEqual(['channel_announcement', 'channel_update', 'node_announcement', 'channel_announcement', 'channel_update']);
    expect(out[2]).toMatchObject({ nodeId: node(2).id });
  });

  it('sends nothing for the "no gossip" filter, and replaces an earlier filter', () => {
    const { g } = populated();
    g.receive(PEER, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0, timestampRange: 0xffffffff }, NOW_MS);
    g.receive(PEER, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0xffffffff, timestampRange: 0 }, NOW_MS);
    expect(g.nextMessagesFor(PEER, 100)).toEqual([]);
  });

  it('leaves out spent channels and dont_forward updates', () => {
    const { g, ab, bc } = populated();
    g.fundingSpent(bc.scid, 800_000);
    feed(g, OTHER, update(ab, 0, { timestamp: NOW_SEC, dontForward: true }), new TestChain());
    g.receive(PEER, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0, timestampRange: 0xffffffff }, NOW_MS);
    const out = g.nextMessagesFor(PEER, 100).map(decodeMessage);
    expect(out.filter((m) => m.type === 'channel_announcement')).toHaveLength(1);
    expect(out.filter((m) => m.type === 'channel_update')).toEqual([expect.objectContaining({ channelFlags: 1 })]);
  });
});

describe('relay (BOLT 7 staggered broadcast)', () => {
  function twoPeers() {
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    for (const p of [PEER, OTHER]) {
      g.peerConnected(p, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
      g.receive(p, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0, timestampRange: 0xffffffff }, NOW_MS);
      g.nextMessagesFor(p, 100);
    }
    return g;
  }

  it('sends new gossip to peers that asked, at the flush, never back to its sender, announcement first', () => {
    const g = twoPeers();
    const ch = channel(node(1), node(2), scid(5000));
    const chain = new TestChain().fund(ch);
    feed(g, OTHER, ch.announcement, chain);
    expect(g.tick(NOW_MS + 60_000).actions).toEqual([]); // the announcement waits for an update
    feed(g, OTHER, update(ch, 0), chain);
    feed(g, OTHER, nodeAnnouncement(node(1)), chain);
    expect(g.tick(NOW_MS + 90_000).actions).toEqual([]); // not yet 60 s since the last flush
    const t = g.tick(NOW_MS + 120_000);
    expect(t.actions).toEqual([{ kind: 'outbound_ready', peer: PEER }]);
    expect(typesOf(g.nextMessagesFor(PEER, 100))).toEqual(['channel_announcement', 'channel_update', 'node_announcement']);
    expect(g.nextMessagesFor(OTHER, 100)).toEqual([]);
    // Relayed once: the next flush has nothing.
    expect(g.flush(NOW_MS + 200_000).actions).toEqual([]);
  });

  it('honours each peer\'s filter, but sends our own gossip to everyone', () => {
    const g = twoPeers();
    g.receive(PEER, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: NOW_SEC + 1000, timestampRange: 10 }, NOW_MS);
    g.nextMessagesFor(PEER, 100);
    const ch = channel(node(1), node(2), scid(5000));
    const chain = new TestChain().fund(ch);
    feed(g, OTHER, ch.announcement, chain);
    feed(g, OTHER, update(ch, 0), chain);
    g.flush(NOW_MS);
    expect(g.nextMessagesFor(PEER, 100)).toEqual([]);
    // Our own update of direction 1 (we play node_id_2 here).
    g.broadcastOwn(update(ch, 1), NOW_MS);
    g.flush(NOW_MS);
    expect(typesOf(g.nextMessagesFor(PEER, 100))).toEqual(['channel_update']);
    expect(typesOf(g.nextMessagesFor(OTHER, 100))).toEqual(['channel_update']);
  });

  it('drops relays beyond a peer\'s queue cap', () => {
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS, limits: { maxRelayQueue: 2 } });
    g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    g.peerConnected(OTHER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    g.receive(PEER, { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0, timestampRange: 0xffffffff }, NOW_MS);
    // Our own filter (sent on connection); the dump of an empty graph adds nothing.
    expect(typesOf(g.nextMessagesFor(PEER, 100))).toEqual(['gossip_timestamp_filter']);
    const ch = channel(node(1), node(2), scid(5000));
    const chain = new TestChain().fund(ch);
    for (const m of [ch.announcement, update(ch, 0), update(ch, 1)]) feed(g, OTHER, m, chain);
    g.flush(NOW_MS);
    expect(g.nextMessagesFor(PEER, 100)).toHaveLength(2);
    expect(g.stats().relayDropped).toBe(1);
  });

  it('refuses our own gossip when it is not valid', () => {
    const g = twoPeers();
    const ch = channel(node(1), node(2), scid(5000));
    feed(g, OTHER, ch.announcement, new TestChain().fund(ch));
    expect(() => g.broadcastOwn({ ...update(ch, 0), feeBaseMsat: 1 }, NOW_MS)).toThrow(/bad_signature/);
    expect(() => g.broadcastOwn({ ...update(ch, 0), chainHash: chainHash('mainnet') }, NOW_MS)).toThrow(/wrong_chain/);
    expect(g.broadcastOwn(update(ch, 0), NOW_MS).changes).toHaveLength(1);
  });

  it('holds our own update until our channel\'s announcement is accepted, then relays both', () => {
    const g = twoPeers();
    const ch = channel(node(1), node(2), scid(5000));
    g.broadcastOwn(update(ch, 0), NOW_MS);
    expect(g.stats().pendingUpdates).toBe(1);
    g.broadcastOwn(ch.announcement, NOW_MS, new TestChain().fund(ch).lookup(ch.scid));
    expect(g.graph.channel(ch.scid)?.policies[0]).not.toBeNull();
    g.flush(NOW_MS);
    expect(typesOf(g.nextMessagesFor(PEER, 100))).toEqual(['channel_announcement', 'channel_update']);
  });
});
