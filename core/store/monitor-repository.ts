/**
 * Channel monitors (core/monitor's MonitorStore): each channel's append-only update log, one row
 * per update in the monitor's binary encoding, and the monitor's snapshot (JSON), replaced whole.
 * Appending is one small insert per update in one transaction, on a synchronous=FULL database:
 * cheap enough to do before every commitment_signed and revoke_and_ack leaves.
 */
import { MonitorError, decodeMonitorSnapshot, decodeMonitorUpdate, encodeMonitorSnapshot, encodeMonitorUpdate } from '../monitor';
import type { MonitorSnapshot, MonitorStore, MonitorUpdate, MonitorView, StoredMonitor } from '../monitor';
import type { Database } from './database';
import { StoreError } from './errors';

const CHANNEL_ID = /^[0-9a-f]{64}$/;

function bad(channelId: string, what: string): StoreError {
  return new StoreError('store.bad_monitor', `stored monitor ${channelId}: ${what}`, { channelId });
}

function checkId(channelId: string): void {
  if (!CHANNEL_ID.test(channelId)) throw new StoreError('store.bad_monitor', `bad channel id ${JSON.stringify(channelId).slice(0, 80)}`);
}

export class MonitorRepository implements MonitorStore {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, opts: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
  }

  appendMonitorUpdates(channelId: string, updates: readonly MonitorUpdate[]): void {
    checkId(channelId);
    if (updates.length === 0) return;
    const encoded = updates.map((u) => ({ kind: u.kind, data: encodeMonitorUpdate(u) }));
    this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT MAX(seq) AS s FROM monitor_updates WHERE channel_id = ?').get(channelId) as { s: number | null };
      let seq = (row.s ?? -1) + 1;
      if (seq === 0 && encoded[0]!.kind !== 'open') throw bad(channelId, 'the first update must be open');
      const insert = this.#db.prepare('INSERT INTO monitor_updates (channel_id, seq, kind, data) VALUES (?, ?, ?, ?)');
      for (const e of encoded) insert.run(channelId, seq++, e.kind, e.data);
    })();
  }

  saveMonitorSnapshot(channelId: string, snapshot: MonitorSnapshot, state: MonitorView['state']): void {
    checkId(channelId);
    this.#db
      .prepare(
        `INSERT INTO monitors (channel_id, snapshot, state, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET snapshot = excluded.snapshot, state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(channelId, JSON.stringify(encodeMonitorSnapshot(snapshot)), state, this.#now());
  }

  /** The log and snapshot of a channel; `store.bad_monitor` for a row that does not decode (never run a monitor on a guess). */
  loadMonitor(channelId: string): StoredMonitor | undefined {
    checkId(channelId);
    const rows = this.#db.prepare('SELECT seq, kind, data FROM monitor_updates WHERE channel_id = ? ORDER BY seq').all(channelId) as {
      seq: number;
      kind: string;
      data: Uint8Array;
    }[];
    const snap = this.#db.prepare('SELECT snapshot FROM monitors WHERE channel_id = ?').get(channelId) as { snapshot: string } | undefined;
    if (rows.length === 0 && !snap) return undefined;
    const updates = rows.map((r, i) => {
      if (r.seq !== i) throw bad(channelId, `update ${i} is missing`);
      if (!(r.data instanceof Uint8Array)) throw bad(channelId, `update ${i} is not a blob`);
      try {
        const u = decodeMonitorUpdate(new Uint8Array(r.data));
        if (u.kind !== r.kind) throw bad(channelId, `update ${i} is ${u.kind}, recorded as ${r.kind}`);
        return u;
      } catch (e) {
        if (e instanceof MonitorError) throw bad(channelId, `update ${i}: ${e.message}`);
        throw e;
      }
    });
    let snapshot: MonitorSnapshot | null = null;
    if (snap) {
      try {
        snapshot = decodeMonitorSnapshot(JSON.parse(snap.snapshot));
      } catch (e) {
        if (e instanceof SyntaxError) throw bad(channelId, 'the snapshot is not JSON');
        if (e instanceof MonitorError) throw bad(channelId, e.message);
        throw e;
      }
    }
    return { channelId, updates, snapshot };
  }

  deleteMonitor(channelId: string): void {
    checkId(channelId);
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM monitor_updates WHERE channel_id = ?').run(channelId);
      this.#db.prepare('DELETE FROM monitors WHERE channel_id = ?').run(channelId);
    })();
  }

  listMonitors(): { channelId: string; state: string }[] {
    return this.#db
      .prepare(
        `SELECT u.channel_id AS channelId, COALESCE(m.state, 'open') AS state
         FROM (SELECT DISTINCT channel_id FROM monitor_updates) u LEFT JOIN monitors m ON m.channel_id = u.channel_id
         ORDER BY u.channel_id`,
      )
      .all() as { channelId: string; state: string }[];
  }
}
