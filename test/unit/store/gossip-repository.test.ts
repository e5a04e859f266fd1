/**
 * GossipRepository on a real SQLite file: the changes a GossipManager reports are written, the
 * file is closed and reopened, and a new manager restored from it has the same graph.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GossipManager } from '../../../core/gossip';
import type { GossipChange } from '../../../core/gossip';
import { GossipRepository, StoreError, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';
import { CHAIN, NOW_MS, TestChain, channel, feed, node, nodeAnnouncement, scid, update } from '../gossip/support';

const PEER = node(90).hex;

function open(file: string) {
  const db = openDatabase(file);
  return { db, repo: new GossipRepository(db) };
}

const graphOf = (g: GossipManager) => ({
  channels: [...g.graph.channels()].sort((a, b) => (a.shortChannelId < b.shortChannelId ? -1 : 1)),
  nodes: [...g.graph.nodes()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)),
});

describe('GossipRepository', () => {
  it('persists a graph across a restart: channels, both updates, node announcements, spends, the blacklist', () => {
    const file = join(tempDir(), 'glasswing.sqlite');
    const ab = channel(node(1), node(2), scid(800_000, 3, 1));
    const bc = channel(node(2), node(3), scid(800_100, 0, 0), { capacitySat: 21_000_000n * 100_000_000n }); // a capacity beyond 2^53 msat
    const cd = channel(node(3), node(4), scid(800_200));
    const chain = new TestChain().fund(ab).fund(bc).fund(cd);
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    const changes: GossipChange[] = [];
    for (const m of [ab.announcement, bc.announcement, cd.announcement, update(ab, 0), update(ab, 1, { feeBaseMsat: 5 }), update(bc, 1),
      nodeAnnouncement(node(2), { alias: 'two' }), nodeAnnouncement(node(4)), update(ab, 1, { timestamp: 1_700_000_100, feeBaseMsat: 6 })]) {
      changes.push(...(feed(g, PEER, m, chain).changes as GossipChange[]));
    }
    changes.push(...g.fundingSpent(bc.scid, 900_000).changes);
    changes.push(...g.blockHeight(900_000).changes);
    // cd goes away (spent long ago): its row and node 4's go with it.
    changes.push(...g.fundingSpent(cd.scid, 800_000).changes);
    expect(changes.filter((c) => c.kind === 'channel_removed' || c.kind === 'node_removed')).toHaveLength(2);
    changes.push({ kind: 'node_blacklisted', nodeId: node(9).hex, atMs: NOW_MS });

    const first = open(file);
    // In two batches, as a host that writes every second would.
    first.repo.applyGossipChanges(changes.slice(0, 5));
    first.repo.applyGossipChanges(changes.slice(5));
    first.db.close();

    const second = open(file);
    const snap = second.repo.loadGossip();
    second.db.close();
    expect(snap.channels.map((c) => c.shortChannelId)).toEqual([ab.scid, bc.scid]);
    expect(snap.channels[1]).toMatchObject({ capacitySat: 2_100_000_000_000_000n, spentAtHeight: 900_000, updates: [null, expect.any(Uint8Array)] });
    expect(Object.getPrototypeOf(snap.channels[0]!.announcement)).toBe(Uint8Array.prototype); // never a Buffer
    expect(snap.nodes.map((n) => n.nodeId)).toEqual([node(2).hex]);
    expect(snap.blacklist).toEqual([node(9).hex]);

    const restored = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    expect(restored.restore(snap).skipped).toEqual([]);
    expect(graphOf(restored)).toEqual(graphOf(g));
    expect(restored.isBlacklisted(node(9).hex)).toBe(true);
  });

  it('keeps short_channel_ids above 2^63 (stored as signed 64-bit integers)', () => {
    const file = join(tempDir(), 'glasswing.sqlite');
    const { db, repo } = open(file);
    const big = 0xfffffffffffffff0n;
    repo.applyGossipChanges([
      { kind: 'channel_added', shortChannelId: big, nodeId1: node(1).hex, nodeId2: node(2).hex, announcement: new Uint8Array([1, 0]), capacitySat: null, fundingTxid: null, receivedAtMs: 5 },
      { kind: 'channel_added', shortChannelId: 1n, nodeId1: node(1).hex, nodeId2: node(2).hex, announcement: new Uint8Array([1, 0]), capacitySat: 3n, fundingTxid: 'ab'.repeat(32), receivedAtMs: 5 },
      { kind: 'channel_updated', shortChannelId: big, direction: 1, update: new Uint8Array([1, 2]) },
    ]);
    const snap = repo.loadGossip();
    expect(snap.channels.map((c) => [c.shortChannelId, c.capacitySat, c.fundingTxid, c.updates[1]])).toEqual([
      [big, null, null, new Uint8Array([1, 2])], // sorts first as a negative integer; the order does not matter
      [1n, 3n, 'ab'.repeat(32), null],
    ]);
    repo.applyGossipChanges([{ kind: 'channel_removed', shortChannelId: big }]);
    expect(repo.loadGossip().channels).toHaveLength(1);
    db.close();
  });

  it('reports a row of an impossible shape as store.corrupt', () => {
    const { db, repo } = open(join(tempDir(), 'glasswing.sqlite'));
    db.prepare("INSERT INTO gossip_channels (scid, node_id_1, node_id_2, announcement, received_at) VALUES (1, 'zz', 'zz', x'0100', 0)").run();
    expect(() => repo.loadGossip()).toThrow(StoreError);
    db.prepare('DELETE FROM gossip_channels').run();
    db.prepare(`INSERT INTO gossip_nodes (node_id, announcement) VALUES ('${node(1).hex}', 'text')`).run();
    expect(() => repo.loadGossip()).toThrow(/not a blob/);
    db.prepare('DELETE FROM gossip_nodes').run();
    db.prepare(`INSERT INTO gossip_channels (scid, node_id_1, node_id_2, announcement, received_at, funding_txid) VALUES (1, '${node(1).hex}', '${node(2).hex}', x'0100', 0, 'not hex')`).run();
    expect(() => repo.loadGossip()).toThrow(/not a txid/);
    db.close();
  });
});
