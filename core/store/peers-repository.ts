/** The address book: peers we know, their addresses, when we last saw them, whether to reconnect. */
import type { AddressBook, PeerRecord } from '../peer/ports';
import type { Database } from './database';

export type { PeerRecord } from '../peer/ports';

interface PeerRow {
  node_id: string;
  addresses: string;
  last_seen: number | null;
  reconnect: number;
  created_at: number;
  label: string | null;
  gave_up_reason: string | null;
  gave_up_at: number | null;
}

function toRecord(row: PeerRow): PeerRecord {
  let addresses: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.addresses);
    if (Array.isArray(parsed)) addresses = parsed.filter((a): a is string => typeof a === 'string');
  } catch {
    addresses = [];
  }
  return {
    nodeId: row.node_id, addresses, lastSeen: row.last_seen, reconnect: row.reconnect === 1, createdAt: row.created_at, label: row.label ?? null,
    gaveUp: row.gave_up_reason !== null && row.gave_up_reason !== undefined ? { reason: row.gave_up_reason, at: row.gave_up_at ?? 0 } : null,
  };
}

export class PeersRepository implements AddressBook {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(nodeId: string): PeerRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM peers WHERE node_id = ?').get(nodeId) as PeerRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(): PeerRecord[] {
    return (this.#db.prepare('SELECT * FROM peers ORDER BY created_at').all() as PeerRow[]).map(toRecord);
  }

  /** Records a peer (and an address, moved to the front) without changing its reconnect flag. */
  upsert(nodeId: string, address: string | undefined, now: number): PeerRecord {
    const existing = this.get(nodeId);
    const addresses = address ? [address, ...(existing?.addresses ?? []).filter((a) => a !== address)].slice(0, 8) : existing?.addresses ?? [];
    this.#db
      .prepare(
        `INSERT INTO peers (node_id, addresses, created_at) VALUES (?, ?, ?)
         ON CONFLICT(node_id) DO UPDATE SET addresses = excluded.addresses`,
      )
      .run(nodeId, JSON.stringify(addresses), now);
    return this.get(nodeId)!;
  }

  markSeen(nodeId: string, now: number): void {
    this.#db.prepare('UPDATE peers SET last_seen = ? WHERE node_id = ?').run(now, nodeId);
  }

  setReconnect(nodeId: string, reconnect: boolean): void {
    this.#db.prepare('UPDATE peers SET reconnect = ?, gave_up_reason = NULL, gave_up_at = NULL WHERE node_id = ?').run(reconnect ? 1 : 0, nodeId);
  }

  giveUp(nodeId: string, reason: string, now: number): void {
    this.#db.prepare('UPDATE peers SET reconnect = 0, gave_up_reason = ?, gave_up_at = ? WHERE node_id = ?').run(reason.slice(0, 1000), now, nodeId);
  }

  forget(nodeId: string): boolean {
    return this.#db.prepare('DELETE FROM peers WHERE node_id = ?').run(nodeId).changes > 0;
  }

  /** Names a peer (created in the address book if new); an empty label removes the name. */
  setLabel(nodeId: string, label: string, now: number): void {
    if (!this.get(nodeId)) this.upsert(nodeId, undefined, now);
    this.#db.prepare('UPDATE peers SET label = ? WHERE node_id = ?').run(label === '' ? null : label, nodeId);
  }

  /** Peers to reconnect to at start-up or after a drop. */
  listReconnect(): PeerRecord[] {
    return (this.#db.prepare('SELECT * FROM peers WHERE reconnect = 1 ORDER BY created_at').all() as PeerRow[]).map(toRecord);
  }
}
