/**
 * A node_announcement that arrives while its node's first channel_announcement awaits the funding
 * lookup (a node announces itself right after its channel): held, then processed when the lookup
 * accepts the channel, dropped when it does not; any other unknown node is still ignored.
 */
import { describe, expect, it } from 'vitest';
import { GossipManager } from '../../../core/gossip';
import { CHAIN, NOW_MS, TestChain, channel, node, nodeAnnouncement, scid } from './support';

const PEER = node(90).hex;

function manager(): GossipManager {
  const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
  g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
  return g;
}

const ch = channel(node(1), node(2), scid(800_000, 10, 0));

describe('node_announcement during the funding lookup of its node\'s channel', () => {
  it('is held, then accepted and stored once the channel is', () => {
    const g = manager();
    expect(g.receive(PEER, ch.announcement, NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'funding_lookup' });
    expect(g.receive(PEER, nodeAnnouncement(node(1), { alias: 'one' }), NOW_MS).outcome).toEqual({ kind: 'pending', reason: 'awaiting_announcement' });
    expect(g.graph.node(node(1).hex)).toBeUndefined();
    const f = g.fundingResult(ch.scid, new TestChain().fund(ch).lookup(ch.scid), NOW_MS);
    expect(f.outcome).toEqual({ kind: 'accepted' });
    expect(g.graph.node(node(1).hex)?.info?.alias).toBe('one');
    expect(f.changes.map((c) => c.kind)).toEqual(['channel_added', 'node_announced']);
  });

  it('is dropped when the lookup rejects the channel', () => {
    const g = manager();
    g.receive(PEER, ch.announcement, NOW_MS);
    g.receive(PEER, nodeAnnouncement(node(2)), NOW_MS);
    const f = g.fundingResult(ch.scid, { kind: 'spent' }, NOW_MS);
    expect(f.outcome).toEqual({ kind: 'ignored', reason: 'funding_spent' });
    expect(f.changes).toEqual([]);
    // The channel comes again from another peer, accepted this time: the old node_announcement is gone.
    g.receive(PEER, ch.announcement, NOW_MS);
    const again = g.fundingResult(ch.scid, new TestChain().fund(ch).lookup(ch.scid), NOW_MS);
    expect(again.changes.map((c) => c.kind)).toEqual(['channel_added']);
    expect(g.graph.node(node(2).hex)?.info).toBeNull();
  });

  it('of a node no pending channel names is ignored as before', () => {
    const g = manager();
    g.receive(PEER, ch.announcement, NOW_MS);
    expect(g.receive(PEER, nodeAnnouncement(node(3)), NOW_MS).outcome).toEqual({ kind: 'ignored', reason: 'unknown_node' });
  });
});
