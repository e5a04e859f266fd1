/**
 * The gossip graph (core/gossip's `GossipStore`): one row per public channel with its
 * announcement and both directions' latest updates as the bytes received, one row per announced
 * node, and the blacklist. `applyGossipChanges` writes a batch in one transaction.
 */
import type { GossipChange, GossipSnapshot, GossipStore, StoredGossipChannel } from '../gossip/store';
import type { Database } from './database';
import { StoreError } from './errors';

interface ChannelRow {
  scid: bigint;
  node_id_1: unknown;
  node_id_2: unknown;
  announcement: unknown;
  capacity_sat: bigint | null;
  funding_txid: unknown;
  received_at: bigint;
  spent_height: bigint | null;
  update_1: unknown;
  update_2: unknown;
}

const NODE_ID = /^0[23][0-9a-f]{64}$/;

/** SQLite INTEGER is signed 64-bit: a u64 short_channel_id is stored as its two's complement. */
const toRow = (scid: bigint): bigint => BigInt.asIntN(64, scid);
const fromRow = (v: bigint): bigint => BigInt.asUintN(64, v);

function corrupt(what: string): StoreError {
  return new StoreError('store.corrupt', `gossip store: ${what}`);
}

/** better-sqlite3 returns BLOBs as Buffers: copy them into plain Uint8Arrays (core never sees a Buffer). */
function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw corrupt(`${what} is not a blob`);
  return new Uint8Array(v);
}

function optionalBytes(v: unknown, what: string): Uint8Array | null {
  return v === null ? null : bytes(v, what);
}

function txid(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw corrupt(`${what} is not a txid`);
  return v;
}

function nodeId(v: unknown, what: string): string {
  if (typeof v !== 'string' || !NODE_ID.test(v)) throw corrupt(`${what} is not a node id`);
  return v;
}

export class GossipRepository implements GossipStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Everything stored. A row of an impossible shape is StoreError `store.corrupt`. */
  loadGossip(): GossipSnapshot {
    const rows = this.#db.prepare('SELECT * FROM gossip_channels ORDER BY scid').safeIntegers(true).all() as ChannelRow[];
    const channels = rows.map((r): StoredGossipChannel => {
      const scid = fromRow(r.scid);
      const what = `channel ${scid}`;
      return {
        shortChannelId: scid,
        nodeId1: nodeId(r.node_id_1, `${what} node_id_1`),
        nodeId2: nodeId(r.node_id_2, `${what} node_id_2`),
        announcement: bytes(r.announcement, `${what} announcement`),
        capacitySat: r.capacity_sat,
        fundingTxid: r.funding_txid === null ? null : txid(r.funding_txid, `${what} funding_txid`),
        receivedAtMs: Number(r.received_at),
        spentAtHeight: r.spent_height === null ? null : Number(r.spent_height),
        updates: [optionalBytes(r.update_1, `${what} update_1`), optionalBytes(r.update_2, `${what} update_2`)],
      };
    });
    const nodes = (this.#db.prepare('SELECT node_id, announcement FROM gossip_nodes ORDER BY node_id').all() as { node_id: unknown; announcement: unknown }[])
      .map((r) => ({ nodeId: nodeId(r.node_id, 'node'), announcement: bytes(r.announcement, `node ${String(r.node_id)} announcement`) }));
    const blacklist = (this.#db.prepare('SELECT node_id FROM gossip_blacklist ORDER BY node_id').all() as { node_id: unknown }[])
      .map((r) => nodeId(r.node_id, 'blacklist entry'));
    const cursor = this.#db.prepare("SELECT value FROM gossip_meta WHERE key = 'spend_check_cursor'").safeIntegers(true).get() as { value: bigint } | undefined;
    return { channels, nodes, blacklist, spendCheckCursor: cursor === undefined ? null : fromRow(cursor.value) };
  }

  applyGossipChanges(changes: readonly GossipChange[]): void {
    if (changes.length === 0) return;
    const db = this.#db;
    const addChannel = db.prepare(`
      INSERT INTO gossip_channels (scid, node_id_1, node_id_2, announcement, capacity_sat, funding_txid, received_at, spent_height, update_1, update_2)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
      ON CONFLICT (scid) DO UPDATE SET node_id_1 = excluded.node_id_1, node_id_2 = excluded.node_id_2, announcement = excluded.announcement,
        capacity_sat = excluded.capacity_sat, funding_txid = excluded.funding_txid, received_at = excluded.received_at, spent_height = NULL, update_1 = NULL, update_2 = NULL`);
    const update1 = db.prepare('UPDATE gossip_channels SET update_1 = ? WHERE scid = ?');
    const update2 = db.prepare('UPDATE gossip_channels SET update_2 = ? WHERE scid = ?');
    const spent = db.prepare('UPDATE gossip_channels SET spent_height = ? WHERE scid = ?');
    const removeChannel = db.prepare('DELETE FROM gossip_channels WHERE scid = ?');
    const putNode = db.prepare('INSERT INTO gossip_nodes (node_id, announcement) VALUES (?, ?) ON CONFLICT (node_id) DO UPDATE SET announcement = excluded.announcement');
    const removeNode = db.prepare('DELETE FROM gossip_nodes WHERE node_id = ?');
    const blacklist = db.prepare('INSERT OR IGNORE INTO gossip_blacklist (node_id, added_at) VALUES (?, ?)');
    const funding = db.prepare('UPDATE gossip_channels SET funding_txid = ?, capacity_sat = coalesce(?, capacity_sat) WHERE scid = ?');
    const putCursor = db.prepare("INSERT INTO gossip_meta (key, value) VALUES ('spend_check_cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    const dropCursor = db.prepare("DELETE FROM gossip_meta WHERE key = 'spend_check_cursor'");
    db.transaction(() => {
      for (const c of changes) {
        switch (c.kind) {
          case 'channel_added':
            addChannel.run(toRow(c.shortChannelId), c.nodeId1, c.nodeId2, c.announcement, c.capacitySat, c.fundingTxid, c.receivedAtMs);
            break;
          case 'channel_updated':
            (c.direction === 0 ? update1 : update2).run(c.update, toRow(c.shortChannelId));
            break;
          case 'channel_spent':
            spent.run(c.height, toRow(c.shortChannelId));
            break;
          case 'channel_funding':
            funding.run(c.fundingTxid, c.capacitySat, toRow(c.shortChannelId));
            break;
          case 'spend_check_cursor':
            if (c.cursor === null) dropCursor.run();
            else putCursor.run(toRow(c.cursor));
            break;
          case 'channel_unspent':
            spent.run(null, toRow(c.shortChannelId));
            break;
          case 'channel_removed':
            removeChannel.run(toRow(c.shortChannelId));
            break;
          case 'node_announced':
            putNode.run(c.nodeId, c.announcement);
            break;
          case 'node_removed':
            removeNode.run(c.nodeId);
            break;
          case 'node_blacklisted':
            blacklist.run(c.nodeId, c.atMs);
            break;
        }
      }
    })();
  }
}
