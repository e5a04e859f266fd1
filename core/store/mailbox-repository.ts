/**
 * The onion-message mailbox: the allow-list of peers we hold messages for while they are
 * offline, and the messages themselves, in arrival order, with per-peer and total quotas and an
 * expiry. A message is deleted only when the messenger says it was written to the peer.
 */
import { fromHex, toHex } from '../crypto';
import type { MailboxQuotas } from '../messenger/constants';
import type { MailboxMessageRecord, MailboxStore, MailboxStoreResult, NewMailboxMessage } from '../messenger/ports';
import type { Database } from './database';

/** Quotas the repository enforces when storing (core/messenger's MailboxQuotas; defaults in its constants.ts). */
export type MailboxLimits = MailboxQuotas;
export type { MailboxMessageRecord, MailboxStoreResult, NewMailboxMessage } from '../messenger/ports';

interface Row {
  id: number;
  message_id: string;
  node_id: string;
  from_node: string | null;
  path_key: string;
  packet: string;
  size: number;
  stored_at: number;
  expires_at: number;
}

function toRecord(r: Row): MailboxMessageRecord {
  return {
    id: r.id, messageId: r.message_id, nodeId: r.node_id, from: r.from_node, pathKey: fromHex(r.path_key, 'path_key'),
    packet: fromHex(r.packet, 'packet'), size: r.size, storedAt: r.stored_at, expiresAt: r.expires_at,
  };
}

export class MailboxRepository implements MailboxStore {
  readonly #db: Database;
  #limits: MailboxLimits;

  constructor(db: Database, limits: MailboxLimits) {
    this.#db = db;
    this.#limits = limits;
  }

  get limits(): MailboxLimits {
    return this.#limits;
  }

  /** New quotas apply to messages stored from now on. */
  setLimits(change: Partial<MailboxLimits>): MailboxLimits {
    this.#limits = { ...this.#limits, ...change };
    return this.#limits;
  }

  // ----- allow-list ---------------------------------------------------------------------------

  allow(nodeId: string, now: number): void {
    this.#db.prepare('INSERT INTO mailbox_allow (node_id, added_at) VALUES (?, ?) ON CONFLICT(node_id) DO NOTHING').run(nodeId, now);
  }

  /** Removes a peer from the allow-list. Messages already stored for it stay until delivered or expired. */
  deny(nodeId: string): boolean {
    return this.#db.prepare('DELETE FROM mailbox_allow WHERE node_id = ?').run(nodeId).changes > 0;
  }

  isAllowed(nodeId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM mailbox_allow WHERE node_id = ?').get(nodeId) !== undefined;
  }

  listAllowed(): { nodeId: string; since: number }[] {
    return (this.#db.prepare('SELECT node_id, added_at FROM mailbox_allow ORDER BY added_at, node_id').all() as { node_id: string; added_at: number }[])
      .map((r) => ({ nodeId: r.node_id, since: r.added_at }));
  }

  // ----- messages -----------------------------------------------------------------------------

  /** Stores a message if the peer's and the total quotas allow it (checked and inserted atomically). */
  store(m: NewMailboxMessage, now: number): MailboxStoreResult {
    return this.#db.transaction((): MailboxStoreResult => {
      const peer = this.countFor(m.nodeId);
      const l = this.#limits;
      if (peer.messages + 1 > l.perPeerMessages || peer.bytes + m.size > l.perPeerBytes) {
        return { stored: false, reason: 'mailbox_peer_quota', detail: `the mailbox holds ${peer.messages} messages (${peer.bytes} bytes) for this peer; quota ${l.perPeerMessages} messages, ${l.perPeerBytes} bytes` };
      }
      const total = this.totals();
      if (total.messages + 1 > l.totalMessages || total.bytes + m.size > l.totalBytes) {
        return { stored: false, reason: 'mailbox_full', detail: `the mailbox holds ${total.messages} messages (${total.bytes} bytes); quota ${l.totalMessages} messages, ${l.totalBytes} bytes` };
      }
      const info = this.#db
        .prepare(
          `INSERT INTO mailbox_messages (message_id, node_id, from_node, path_key, packet, size, stored_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(m.messageId, m.nodeId, m.from, toHex(m.pathKey), toHex(m.packet), m.size, now, now + l.expiryMs);
      const record: MailboxMessageRecord = { id: Number(info.lastInsertRowid), ...m, storedAt: now, expiresAt: now + l.expiryMs };
      return { stored: true, record, peerMessages: peer.messages + 1, peerBytes: peer.bytes + m.size };
    })();
  }

  /** The messages held for `nodeId`, oldest first. */
  listFor(nodeId: string): MailboxMessageRecord[] {
    return (this.#db.prepare('SELECT * FROM mailbox_messages WHERE node_id = ? ORDER BY id').all(nodeId) as Row[]).map(toRecord);
  }

  /** Every stored message, oldest first. */
  list(limit = 1000): MailboxMessageRecord[] {
    return (this.#db.prepare('SELECT * FROM mailbox_messages ORDER BY id LIMIT ?').all(limit) as Row[]).map(toRecord);
  }

  /** Node ids with stored messages. */
  nodesWithMessages(): string[] {
    return (this.#db.prepare('SELECT DISTINCT node_id FROM mailbox_messages').all() as { node_id: string }[]).map((r) => r.node_id);
  }

  delete(id: number): boolean {
    return this.#db.prepare('DELETE FROM mailbox_messages WHERE id = ?').run(id).changes > 0;
  }

  /** Deletes and returns the messages expired at `now`, except those in `keep` (being written right now). */
  expire(now: number, keep: ReadonlySet<number> = new Set()): MailboxMessageRecord[] {
    return this.#db.transaction(() => {
      const rows = (this.#db.prepare('SELECT * FROM mailbox_messages WHERE expires_at <= ? ORDER BY id').all(now) as Row[]).filter((r) => !keep.has(r.id));
      const del = this.#db.prepare('DELETE FROM mailbox_messages WHERE id = ?');
      for (const r of rows) del.run(r.id);
      return rows.map(toRecord);
    })();
  }

  countFor(nodeId: string): { messages: number; bytes: number } {
    const r = this.#db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM mailbox_messages WHERE node_id = ?').get(nodeId) as { n: number; b: number };
    return { messages: r.n, bytes: r.b };
  }

  totals(): { messages: number; bytes: number } {
    const r = this.#db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM mailbox_messages').get() as { n: number; b: number };
    return { messages: r.n, bytes: r.b };
  }
}
