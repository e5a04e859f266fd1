/**
 * Two gossip managers syncing over an in-memory wire: every byte one pulls from its outbox is
 * decoded and fed to the other, until both are quiet. B starts empty (or behind) and ends with
 * A's graph, through query_channel_range / reply_channel_range / query_short_channel_ids.
 */
import { describe, expect, it } from 'vitest';
import { GossipManager } from '../../../core/gossip';
import type { GossipEvent, GossipOutput } from '../../../core/gossip';
import { decodeMessage, encodeMessage } from '../../../core/wire';
import type { Message } from '../../../core/wire';
import { CHAIN, NOW_MS, NOW_SEC, TestChain, channel, feed, node, nodeAnnouncement, scid, update } from './support';
import type { TestChannel } from './support';

const A = node(100).hex;
const B = node(101).hex;

interface Side {
  readonly g: GossipManager;
  readonly id: string;
  readonly events: GossipEvent[];
  readonly warnings: string[];
  readonly types: string[];
}

function side(id: string): Side {
  return { g: new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS }), id, events: [], warnings: [], types: [] };
}

function absorb(s: Side, out: GossipOutput, chain: TestChain, nowMs: number): void {
  s.events.push(...out.events);
  for (const a of out.actions) {
    if (a.kind === 'warn') s.warnings.push(a.text);
    if (a.kind === 'lookup_funding') absorb(s, s.g.fundingResult(a.shortChannelId, chain.lookup(a.shortChannelId), nowMs), chain, nowMs);
  }
}

/** Moves messages both ways until neither side has anything to send. Returns how many moved. */
function pump(x: Side, y: Side, chain: TestChain, nowMs = NOW_MS, tamper?: (m: Message, from: Side) => Message): number {
  let moved = 0;
  for (let round = 0; round < 1000; round++) {
    let any = false;
    for (const [from, to] of [[x, y], [y, x]] as const) {
      for (const bytes of from.g.nextMessagesFor(to.id, 50)) {
        any = true;
        moved++;
        let m = decodeMessage(bytes);
        to.types.push(m.type);
        if (tamper) m = tamper(m, from);
        absorb(to, to.g.receive(from.id, m, nowMs, tamper ? encodeMessage(m) : bytes), chain, nowMs);
      }
    }
    if (!any) return moved;
  }
  throw new Error('the two sides never went quiet');
}

function connect(x: Side, y: Side, ex: boolean, chain: TestChain): void {
  absorb(x, x.g.peerConnected(y.id, { gossipQueries: true, gossipQueriesEx: ex }, NOW_MS), chain, NOW_MS);
  absorb(y, y.g.peerConnected(x.id, { gossipQueries: true, gossipQueriesEx: ex }, NOW_MS), chain, NOW_MS);
}

/** A graph of `n` channels in a line 0-1-2-...-n, updates both ways, every node announced. */
function lineGraph(n: number): { channels: TestChannel[]; messages: Message[]; chain: TestChain } {
  const chain = new TestChain();
  const channels = Array.from({ length: n }, (_, i) => channel(node(i), node(i + 1), scid(600_000 + i * 7, i % 3, i % 2), { capacitySat: BigInt(100_000 + i) }));
  const messages: Message[] = [];
  for (const ch of channels) {
    chain.fund(ch);
    messages.push(ch.announcement, update(ch, 0, { timestamp: NOW_SEC - 1000 }), update(ch, 1, { timestamp: NOW_SEC - 900, feeBaseMsat: 3 }));
  }
  for (let i = 0; i <= n; i++) messages.push(nodeAnnouncement(node(i), { timestamp: NOW_SEC - 500, alias: `n${i}` }));
  return { channels, messages, chain };
}

/** Everything that makes two graphs the same: channels with both policies' bytes and nodes' announcements. */
function snapshot(g: GossipManager) {
  const channels = [...g.graph.channels()].map((c) => ({
    scid: c.shortChannelId, n1: c.nodeId1, n2: c.nodeId2, cap: c.capacitySat, ann: c.announcement, p: c.policies.map((p) => p?.message ?? null),
  })).sort((a, b) => (a.scid < b.scid ? -1 : 1));
  const nodes = [...g.graph.nodes()].map((n) => ({ id: n.nodeId, ann: n.info?.message ?? null })).sort((a, b) => (a.id < b.id ? -1 : 1));
  return { channels, nodes };
}

function loaded(messages: Message[], chain: TestChain): Side {
  const s = side(A);
  const feeder = node(200).hex;
  s.g.peerConnected(feeder, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  for (const m of messages) expect(feed(s.g, feeder, m, chain).outcome.kind).not.toBe('rejected');
  s.g.peerDisconnected(feeder);
  return s;
}

describe('graph sync between two nodes', () => {
  for (const ex of [true, false]) {
    it(`an empty node learns the whole graph (${ex ? 'with' : 'without'} gossip_queries_ex)`, () => {
      const { messages, chain } = lineGraph(6);
      const a = loaded(messages, chain);
      const b = side(B);
      connect(a, b, ex, chain);
      pump(a, b, chain);
      expect(snapshot(b.g)).toEqual(snapshot(a.g));
      expect(b.g.graph.channelCount).toBe(6);
      expect(b.events).toContainEqual({ type: 'gossip.sync_started', peer: A, method: 'channel_range' });
      expect(b.events).toContainEqual({ type: 'gossip.sync_finished', peer: A, outcome: 'complete', channelsListed: 6, channelsQueried: 6 });
      expect(b.warnings).toEqual([]);
      // Nothing B received was a query answer it had not asked for, and nothing was charged to A's rate budget.
      expect(b.g.stats().outcomes['ignored.rate_limited']).toBeUndefined();
    });
  }

  it('a node that is behind asks only for the newer updates (timestamps and checksums)', () => {
    const { channels, messages, chain } = lineGraph(4);
    const a = loaded(messages, chain);
    const b = loaded(messages, chain);
    (b as { id: string }).id = B;
    // A learns newer updates: one with new fees, one that only refreshes the timestamp.
    const changed = update(channels[1]!, 0, { timestamp: NOW_SEC - 10, feeBaseMsat: 99 });
    const refreshed = update(channels[2]!, 1, { timestamp: NOW_SEC - 10, feeBaseMsat: 3 });
    const feeder = node(200).hex;
    a.g.peerConnected(feeder, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    feed(a.g, feeder, changed, chain);
    feed(a.g, feeder, refreshed, chain);
    connect(a, b, true, chain);
    pump(a, b, chain);
    // Only the changed update was asked for: the refreshed one has the same checksum, and ours is not old.
    expect(b.g.graph.channel(channels[1]!.scid)?.policies[0]?.feeBaseMsat).toBe(99n);
    expect(b.g.graph.channel(channels[2]!.scid)?.policies[1]?.timestamp).toBe(NOW_SEC - 900);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'gossip.sync_finished', outcome: 'complete', channelsListed: 4, channelsQueried: 1 }));
    expect(b.types.filter((t) => t === 'channel_update')).toHaveLength(1);
    expect(b.types.filter((t) => t === 'channel_announcement')).toHaveLength(0);
  });

  it('gives up and warns when the replies break the rules', () => {
    const { messages, chain } = lineGraph(3);
    const a = loaded(messages, chain);
    const b = side(B);
    connect(a, b, true, chain);
    pump(a, b, chain, NOW_MS, (m, from) => (from === a && m.type === 'reply_channel_range' ? { ...m, firstBlocknum: 700_000, numberOfBlocks: 10 } : m));
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'gossip.sync_finished', outcome: 'failed', reason: expect.stringMatching(/cover the start/) }));
    expect(b.warnings).toHaveLength(1);
    expect(b.g.graph.channelCount).toBe(0);
  });

  it('gives up on a peer that stops answering, and ignores replies nobody asked for', () => {
    const b = side(B);
    const chain = new TestChain();
    absorb(b, b.g.peerConnected(A, { gossipQueries: true, gossipQueriesEx: true }, NOW_MS), chain, NOW_MS);
    expect(b.g.receive(A, { type: 'reply_short_channel_ids_end', chainHash: CHAIN, fullInformation: 1 }, NOW_MS).outcome)
      .toEqual({ kind: 'ignored', reason: 'unsolicited' });
    absorb(b, b.g.tick(NOW_MS + 60_000), chain, NOW_MS);
    expect(b.events.filter((e) => e.type === 'gossip.sync_finished')).toEqual([]);
    absorb(b, b.g.tick(NOW_MS + 121_000), chain, NOW_MS);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'gossip.sync_finished', outcome: 'timeout' }));
    expect(b.g.receive(A, { type: 'reply_channel_range', chainHash: CHAIN, firstBlocknum: 0, numberOfBlocks: 1, syncComplete: 1, shortChannelIds: [] }, NOW_MS).outcome)
      .toEqual({ kind: 'ignored', reason: 'unsolicited' });
  });

  it('asks for live gossip from the first peers only, and none from peers without gossip_queries', () => {
    const b = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS, limits: { gossipPeers: 1, syncPeers: 1 } });
    const filterOf = (peer: string) => b.nextMessagesFor(peer, 10).map(decodeMessage).find((m) => m.type === 'gossip_timestamp_filter');
    const queriesOf = (out: GossipOutput) => out.events.filter((e) => e.type === 'gossip.sync_started').length;
    expect(queriesOf(b.peerConnected(node(1).hex, { gossipQueries: true, gossipQueriesEx: true }, NOW_MS))).toBe(1);
    expect(queriesOf(b.peerConnected(node(2).hex, { gossipQueries: true, gossipQueriesEx: true }, NOW_MS))).toBe(0);
    b.peerConnected(node(3).hex, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    expect(filterOf(node(1).hex)).toMatchObject({ firstTimestamp: NOW_SEC, timestampRange: 0xffffffff - NOW_SEC });
    expect(filterOf(node(2).hex)).toMatchObject({ firstTimestamp: 0xffffffff, timestampRange: 0 });
    expect(filterOf(node(3).hex)).toMatchObject({ firstTimestamp: 0xffffffff, timestampRange: 0 });
  });

  it('a sync ends when the peer disconnects', () => {
    const b = side(B);
    const chain = new TestChain();
    absorb(b, b.g.peerConnected(A, { gossipQueries: true, gossipQueriesEx: false }, NOW_MS), chain, NOW_MS);
    absorb(b, b.g.peerDisconnected(A), chain, NOW_MS);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'gossip.sync_finished', outcome: 'disconnected' }));
  });
});
