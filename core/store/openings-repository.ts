/**
 * Channel openings (core/channel's OpeningStore): one row per channel being opened, from
 * funding_signed on, holding the opening record as JSON (core/channel/establish's codec). The
 * channel service writes it before funding_signed leaves (fundee) or the funding transaction is
 * broadcast (funder), and again with the channel row in one transaction when both channel_ready
 * are exchanged (handed_off). A row that does not decode is `store.bad_opening`: a node does not
 * start with an opening it cannot read (its funds would be unwatched).
 */
import { toHex } from '../crypto';
import { OpenError, decodeOpeningRecord, encodeOpeningRecord } from '../channel/establish';
import type { OpeningRecord } from '../channel/establish';
import { channelIdFromFundingOutpoint } from '../channel/channel-id';
import type { OpeningStore } from '../channel/store';
import type { Database } from './database';
import { StoreError } from './errors';

interface OpeningRow {
  peer_id: string;
  temporary_channel_id: string;
  channel_id: string;
  record: string;
  revision: number;
}

function bad(row: { peer_id?: unknown; temporary_channel_id?: unknown }, what: string): StoreError {
  const id = typeof row.temporary_channel_id === 'string' ? row.temporary_channel_id : '?';
  return new StoreError('store.bad_opening', `stored opening ${id}: ${what}`, { temporaryChannelId: typeof row.temporary_channel_id === 'string' ? row.temporary_channel_id : null });
}

export class OpeningsRepository implements OpeningStore {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, opts: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
  }

  loadOpenings(): OpeningRecord[] {
    const rows = this.#db.prepare('SELECT * FROM channel_openings ORDER BY updated_at, temporary_channel_id').all() as OpeningRow[];
    return rows.map((row) => {
      let record: OpeningRecord;
      try {
        record = decodeOpeningRecord(JSON.parse(row.record));
      } catch (e) {
        if (e instanceof SyntaxError) throw bad(row, 'the record is not JSON');
        if (e instanceof OpenError) throw bad(row, e.message);
        throw e;
      }
      if (record.peerId !== row.peer_id || toHex(record.temporaryChannelId) !== row.temporary_channel_id) throw bad(row, 'the record belongs to another row');
      if (record.revision !== row.revision) throw bad(row, `revision ${row.revision} of the row is not the record's ${record.revision}`);
      return record;
    });
  }

  saveOpening(record: OpeningRecord): void {
    const tmp = toHex(record.temporaryChannelId);
    const channelId = toHex(channelIdFromFundingOutpoint(record.terms.fundingOutpoint));
    const json = JSON.stringify(encodeOpeningRecord(record));
    this.#db.transaction(() => {
      const existing = this.#db.prepare('SELECT revision FROM channel_openings WHERE peer_id = ? AND temporary_channel_id = ?').get(record.peerId, tmp) as
        | { revision: number }
        | undefined;
      if (existing && existing.revision > record.revision) {
        throw new StoreError('store.stale_opening', `opening ${tmp}: revision ${record.revision} is older than the stored ${existing.revision}`);
      }
      this.#db
        .prepare(
          `INSERT INTO channel_openings (peer_id, temporary_channel_id, channel_id, key_index, role, record, handed_off, revision, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (peer_id, temporary_channel_id) DO UPDATE SET
             record = excluded.record, handed_off = excluded.handed_off, revision = excluded.revision, updated_at = excluded.updated_at`,
        )
        .run(record.peerId, tmp, channelId, record.keyIndex, record.role, json, record.handedOff ? 1 : 0, record.revision, this.#now());
    })();
  }

  deleteOpening(peerId: string, temporaryChannelId: string): void {
    this.#db.prepare('DELETE FROM channel_openings WHERE peer_id = ? AND temporary_channel_id = ?').run(peerId, temporaryChannelId);
  }

  maxKeyIndex(): number {
    const row = this.#db.prepare('SELECT MAX(key_index) AS k FROM channel_openings').get() as { k: number | null };
    return row.k ?? -1;
  }
}
