/**
 * Pruning (BOLT 7 "Pruning the Network View"), restoring from stored rows, and properties of the
 * manager under arbitrary input: it never throws on a peer's message, and its graph stays whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GossipManager } from '../../../core/gossip';
import type { GossipChange, GossipSnapshot, StoredGossipChannel } from '../../../core/gossip';
import { WireError, decodeMessage, encodeMessage } from '../../../core/wire';
import type { Message } from '../../../core/wire';
import { CHAIN, NOW_MS, NOW_SEC, TestChain, channel, feed, node, nodeAnnouncement, scid, update } from './support';

const PEER = node(90).hex;
const DAY = 86_400;

function manager() {
  const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
  g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  return g;
}

const ab = channel(node(1), node(2), scid(800_000));
const bc = channel(node(2), node(3), scid(800_001));
const chain = new TestChain().fund(ab).fund(bc);

describe('stale channels', () => {
  it('are pruned when the older direction\'s update is two weeks old, with the nodes left without channels', () => {
    const g = manager();
    for (const m of [ab.announcement, bc.announcement, update(ab, 0, { timestamp: NOW_SEC - 13 * DAY }), update(ab, 1), update(bc, 0), update(bc, 1),
      nodeAnnouncement(node(1))]) feed(g, PEER, m, chain);
    expect(g.prune(NOW_MS + DAY * 1000 - 1000).changes).toEqual([]);
    const later = NOW_MS + 1.5 * DAY * 1000;
    const r = g.prune(later);
    expect(r.changes).toEqual([{ kind: 'channel_removed', shortChannelId: ab.scid }, { kind: 'node_removed', nodeId: node(1).hex }]);
    expect(r.events).toEqual([{ type: 'gossip.pruned', reason: 'stale', channels: 1, nodes: 1 }]);
    expect(g.graph.node(node(2).hex)?.channels).toEqual(new Set([bc.scid]));
  });

  it('count a missing direction from when the announcement was accepted', () => {
    const g = manager();
    feed(g, PEER, ab.announcement, chain);
    feed(g, PEER, update(ab, 0), chain);
    expect(g.prune(NOW_MS + 13 * DAY * 1000).changes).toEqual([]);
    expect(g.prune(NOW_MS + 15 * DAY * 1000).changes).toContainEqual({ kind: 'channel_removed', shortChannelId: ab.scid });
  });

  it('are pruned by tick once per prune interval', () => {
    const g = manager();
    feed(g, PEER, ab.announcement, chain);
    expect(g.tick(NOW_MS + 15 * DAY * 1000).changes).toContainEqual({ kind: 'channel_removed', shortChannelId: ab.scid });
  });
});

describe('spent channels', () => {
  it('are forgotten 72 blocks after the spend', () => {
    const g = manager();
    feed(g, PEER, ab.announcement, chain);
    g.blockHeight(900_000);
    expect(g.fundingSpent(ab.scid, 900_010).changes).toEqual([{ kind: 'channel_spent', shortChannelId: ab.scid, height: 900_010 }]);
    expect(g.blockHeight(900_081).changes).toEqual([]);
    expect(g.blockHeight(900_082).changes).toContainEqual({ kind: 'channel_removed', shortChannelId: ab.scid });
    expect(g.graph.channelCount).toBe(0);
  });
});

/** A store in memory that applies changes the way the SQLite repository does (for restore tests). */
function applyAll(changes: readonly GossipChange[]): GossipSnapshot {
  const channels = new Map<bigint, StoredGossipChannel>();
  const nodes = new Map<string, Uint8Array>();
  const blacklist = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'channel_added') {
      channels.set(c.shortChannelId, { ...c, spentAtHeight: null, updates: [null, null] });
    } else if (c.kind === 'channel_updated') {
      const ch = channels.get(c.shortChannelId)!;
      const updates: [Uint8Array | null, Uint8Array | null] = [...ch.updates];
      updates[c.direction] = c.update;
      channels.set(c.shortChannelId, { ...ch, updates });
    } else if (c.kind === 'channel_spent') channels.set(c.shortChannelId, { ...channels.get(c.shortChannelId)!, spentAtHeight: c.height });
    else if (c.kind === 'channel_unspent') channels.set(c.shortChannelId, { ...channels.get(c.shortChannelId)!, spentAtHeight: null });
    else if (c.kind === 'channel_removed') channels.delete(c.shortChannelId);
    else if (c.kind === 'node_announced') nodes.set(c.nodeId, c.announcement);
    else if (c.kind === 'node_removed') nodes.delete(c.nodeId);
    else if (c.kind === 'channel_funding') {
      const ch = channels.get(c.shortChannelId)!;
      channels.set(c.shortChannelId, { ...ch, fundingTxid: c.fundingTxid, capacitySat: c.capacitySat ?? ch.capacitySat });
    }
    else if (c.kind === 'node_blacklisted') blacklist.add(c.nodeId);
  }
  return { channels: [...channels.values()], nodes: [...nodes].map(([nodeId, announcement]) => ({ nodeId, announcement })), blacklist: [...blacklist] };
}

describe('restore', () => {
  it('rebuilds the same graph from the changes it reported', () => {
    const g = manager();
    const changes: GossipChange[] = [];
    for (const m of [ab.announcement, bc.announcement, update(ab, 0), update(ab, 1), update(bc, 1), nodeAnnouncement(node(2), { alias: 'two' })]) {
      changes.push(...(feed(g, PEER, m, chain).changes as GossipChange[]));
    }
    changes.push(...g.fundingSpent(bc.scid, 5).changes);
    const r = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    expect(r.restore(applyAll(changes))).toEqual({ skipped: [], changes: [] });
    const view = (x: GossipManager) => [...x.graph.channels()].map((c) => ({ ...c }));
    expect(view(r)).toEqual(view(g));
    expect(r.graph.node(node(2).hex)?.info).toEqual(g.graph.node(node(2).hex)?.info);
  });

  it('skips rows that do not parse or do not match, and says which', () => {
    const snap: GossipSnapshot = {
      channels: [
        { shortChannelId: ab.scid, nodeId1: ab.ends[0].hex, nodeId2: ab.ends[1].hex, announcement: new Uint8Array([1, 0, 5]), capacitySat: 1n, fundingTxid: null, receivedAtMs: 0, spentAtHeight: null, updates: [null, null] },
        { shortChannelId: bc.scid, nodeId1: bc.ends[0].hex, nodeId2: bc.ends[1].hex, announcement: encodeMessage(bc.announcement), capacitySat: 1n, fundingTxid: null, receivedAtMs: 0, spentAtHeight: null, updates: [encodeMessage(update(bc, 1)), null] },
      ],
      nodes: [{ nodeId: node(7).hex, announcement: encodeMessage(nodeAnnouncement(node(7))) }],
      blacklist: [node(9).hex],
    };
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    const r = g.restore(snap);
    expect(r.skipped.map((s) => s.what)).toEqual([`channel 800000x1x0`, `channel 800001x1x0`, `node ${node(7).hex}`]);
    expect(r.changes).toEqual([
      { kind: 'channel_removed', shortChannelId: ab.scid },
      { kind: 'channel_removed', shortChannelId: bc.scid },
      { kind: 'node_removed', nodeId: node(7).hex },
    ]);
    expect(g.isBlacklisted(node(9).hex)).toBe(true);
  });
});

describe('properties', () => {
  const known = [ab, bc];
  const messages: Message[] = [
    ab.announcement, bc.announcement, update(ab, 0), update(ab, 1, { disabled: true }), update(bc, 0, { timestamp: NOW_SEC - 5 }),
    update(bc, 1), nodeAnnouncement(node(1)), nodeAnnouncement(node(3), { timestamp: NOW_SEC - 1 }),
    { type: 'query_short_channel_ids', chainHash: CHAIN, shortChannelIds: known.map((c) => c.scid) },
    { type: 'query_channel_range', chainHash: CHAIN, firstBlocknum: 0, numberOfBlocks: 0xffffffff },
    { type: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 0, timestampRange: 0xffffffff },
  ];
  const encoded = messages.map((m) => encodeMessage(m));

  /** A byte-level mutation of a valid message: flip, cut or extend. */
  const mutated = fc.tuple(fc.integer({ min: 0, max: encoded.length - 1 }), fc.integer({ min: 2, max: 600 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'keep'))
    .map(([i, at, v, how]) => {
      const b = encoded[i]!.slice();
      if (how === 'cut') return b.subarray(0, Math.min(at, b.length));
      if (how === 'flip' && at < b.length) b[at] = v;
      return b;
    });

  it('any sequence of (mutated) messages gives an outcome, never an exception, and keeps the graph whole', () => {
    fc.assert(
      fc.property(fc.array(mutated, { maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 3 * DAY }), { maxLength: 3 }), (inputs, jumps) => {
        const g = manager();
        let now = NOW_MS;
        for (const bytes of inputs) {
          let m: Message;
          try {
            m = decodeMessage(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
            continue;
          }
          const r = feed(g, PEER, m, chain, now);
          expect(['accepted', 'pending', 'ignored', 'rejected']).toContain(r.outcome.kind);
          g.nextMessagesFor(PEER, 1000);
          now += (jumps.shift() ?? 0) * 1000;
          g.tick(now);
        }
        // Every channel's nodes exist and list it; every node has a channel; held updates are counted right.
        for (const ch of g.graph.channels()) {
          for (const id of [ch.nodeId1, ch.nodeId2]) expect(g.graph.node(id)?.channels.has(ch.shortChannelId)).toBe(true);
          expect(ch.nodeId1 < ch.nodeId2).toBe(true);
        }
        for (const n of g.graph.nodes()) expect(n.channels.size).toBeGreaterThan(0);
        const s = g.stats();
        expect(s.pendingUpdates).toBeGreaterThanOrEqual(0);
        expect(s.pendingUpdates).toBeLessThanOrEqual(g.limits.maxPendingUpdates);
      }),
      { numRuns: 60 },
    );
  });
});
