/**
 * The onion-message traffic log: one row per messenger event, capped at a number of rows (the
 * oldest are deleted). Rows are appended in batches, each batch in one transaction.
 */
import type { MessageLogFilter, MessageLogRow, MessageLogStore, StoredMessageLogRow } from '../messenger/ports';
import type { Statement } from 'better-sqlite3';
import type { Database } from './database';
import { runTransaction } from './database';
import { newestRows } from './newest-rows';

export type { MessageLogFilter, MessageLogRow, StoredMessageLogRow } from '../messenger/ports';

interface Row {
  id: number;
  time: number;
  message_id: string | null;
  outcome: string;
  peer: string | null;
  tlv_types: string;
  size: number;
  event: string;
}

function toRow(r: Row): StoredMessageLogRow {
  let event: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(r.event);
    if (parsed && typeof parsed === 'object') event = parsed as Record<string, unknown>;
  } catch {
    event = {};
  }
  return {
    id: r.id, time: r.time, messageId: r.message_id, outcome: r.outcome, peer: r.peer,
    tlvTypes: r.tlv_types.split(',').filter((t) => t.length > 0), size: r.size, event,
  };
}

export class MessageLogRepository implements MessageLogStore {
  readonly #db: Database;
  readonly #capacity: number;
  #insert: Statement | undefined;
  #trim: Statement | undefined;

  constructor(db: Database, capacity: number) {
    this.#db = db;
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Appends rows in one transaction, then deletes the oldest beyond the cap. Relaxed durability:
   * the log is history, and a flood's log must not cost an fsync per flush.
   */
  append(rows: readonly MessageLogRow[]): void {
    if (rows.length === 0) return;
    this.#insert ??= this.#db.prepare('INSERT INTO message_log (time, message_id, outcome, peer, tlv_types, size, event) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#trim ??= this.#db.prepare('DELETE FROM message_log WHERE id <= (SELECT MAX(id) FROM message_log) - ?');
    const insert = this.#insert;
    const trim = this.#trim;
    runTransaction(this.#db, () => {
      for (const r of rows) {
        insert.run(r.time, r.messageId, r.outcome, r.peer, `,${r.tlvTypes.join(',')}${r.tlvTypes.length ? ',' : ''}`, r.size, JSON.stringify(r.event));
      }
      // Row ids only grow and only the oldest are deleted, so this keeps exactly `capacity` rows.
      trim.run(this.#capacity);
    }, 'relaxed');
  }

  list(filter: MessageLogFilter = {}): StoredMessageLogRow[] {
    return newestRows<Row>(this.#db, 'message_log', [
      ['peer = ?', filter.peer],
      ['instr(tlv_types, ?) > 0', filter.tlvType === undefined ? undefined : `,${filter.tlvType},`],
      ['outcome = ?', filter.outcome],
    ], filter.limit ?? 100, 'id').reverse().map(toRow); // a log reads oldest first (NodeApi listMessages)
  }

  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM message_log').get() as { n: number }).n;
  }
}
