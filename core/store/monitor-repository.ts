/**
 * Channel monitors (core/monitor's MonitorStore): each channel's append-only update log, one row
 * per update in the monitor's binary encoding, and the monitor's snapshot (JSON), replaced whole.
 * Appending is one small insert per update in one transaction, on a synchronous=FULL database:
 * cheap enough to do before every commitment_signed and revoke_and_ack leaves.
 *
 * A restart must not read a channel's whole history: the runtime saves a checkpoint every so many
 * updates (the folded log, compact: ChannelData.compact(), stored as length-prefixed updates with
 * the last seq it covers), and `loadMonitor` reads the checkpoint and the updates after it. The
 * HTLCs of the peer's commitments (needed only if a revoked one appears on chain) are kept by
 * commitment number as they are appended and read one commitment at a time (`remoteHtlcs`). A
 * channel logged before checkpoints existed is read whole once, its remote commitments indexed.
 *
 * Migration 21: a checkpoint prunes the log rows it covers in its own transaction — all but the last,
 * which keeps the channel's seq (the next update's number, and listMonitors) — and a retired monitor
 * (a closed channel with every output irrevocably resolved) keeps its final view in `monitors.retired`,
 * read at start in one query instead of its log.
 */
import {
  MonitorError, decodeMonitorSnapshot, decodeMonitorUpdate, decodeRetiredView, encodeMonitorSnapshot, encodeMonitorUpdate, encodeRetiredView,
} from '../monitor';
import type { MonitorSnapshot, MonitorStore, MonitorUpdate, MonitorView, StoredMonitor } from '../monitor';
import type { Htlc } from '../channel/state';
import type { Database } from './database';
import { StoreError } from './errors';

const CHANNEL_ID = /^[0-9a-f]{64}$/;

function bad(channelId: string, what: string): StoreError {
  return new StoreError('store.bad_monitor', `stored monitor ${channelId}: ${what}`, { channelId });
}

function checkId(channelId: string): void {
  if (!CHANNEL_ID.test(channelId)) throw new StoreError('store.bad_monitor', `bad channel id ${JSON.stringify(channelId).slice(0, 80)}`);
}

function decodeRow(channelId: string, what: string, data: unknown): MonitorUpdate {
  if (!(data instanceof Uint8Array)) throw bad(channelId, `${what} is not a blob`);
  try {
    return decodeMonitorUpdate(new Uint8Array(data));
  } catch (e) {
    if (e instanceof MonitorError) throw bad(channelId, `${what}: ${e.message}`);
    throw e;
  }
}

/** A checkpoint blob → its updates (each a u32 length, big-endian, then the update); it must start with open. */
function decodeCheckpoint(channelId: string, data: unknown): MonitorUpdate[] {
  if (!(data instanceof Uint8Array)) throw bad(channelId, 'the checkpoint is not a blob');
  const bytes = new Uint8Array(data);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: MonitorUpdate[] = [];
  for (let at = 0; at < bytes.length;) {
    if (at + 4 > bytes.length) throw bad(channelId, 'the checkpoint ends inside a length');
    const n = view.getUint32(at);
    if (at + 4 + n > bytes.length) throw bad(channelId, 'the checkpoint ends inside an update');
    out.push(decodeRow(channelId, `checkpoint update ${out.length}`, bytes.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  if (out[0]?.kind !== 'open') throw bad(channelId, 'the checkpoint does not start with open');
  return out;
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
      this.#indexRemoteHtlcs(channelId, updates, encoded.map((e) => e.data));
    })();
  }

  /** Keeps each remote commitment with HTLCs by its number (a repeat of the same commitment is the same row). */
  #indexRemoteHtlcs(channelId: string, updates: readonly MonitorUpdate[], encoded: readonly Uint8Array[]): void {
    const put = this.#db.prepare('INSERT OR IGNORE INTO monitor_remote_htlcs (channel_id, ctn, data) VALUES (?, ?, ?)');
    updates.forEach((u, i) => {
      if (u.kind === 'remote_commitment' && u.commitment.spec.htlcs.length > 0) put.run(channelId, u.commitment.ctn, encoded[i]!);
    });
  }

  saveMonitorCheckpoint(channelId: string, updates: readonly MonitorUpdate[]): void {
    checkId(channelId);
    if (updates[0]?.kind !== 'open') throw bad(channelId, 'a checkpoint must start with open');
    const parts = updates.map((u) => encodeMonitorUpdate(u));
    const data = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(data.buffer);
    let at = 0;
    for (const p of parts) {
      view.setUint32(at, p.length);
      data.set(p, at + 4);
      at += 4 + p.length;
    }
    this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT MAX(seq) AS s FROM monitor_updates WHERE channel_id = ?').get(channelId) as { s: number | null };
      if (row.s === null) throw bad(channelId, 'a checkpoint of a monitor with no log');
      this.#db
        .prepare('INSERT INTO monitor_checkpoints (channel_id, seq, data) VALUES (?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET seq = excluded.seq, data = excluded.data')
        .run(channelId, row.s, data);
      // What the checkpoint folds is read by nothing now (a restart starts after it; the peer's HTLCs by
      // commitment number are in monitor_remote_htlcs): gone in the same transaction, so a kill between
      // any two statements leaves either the old checkpoint with its rows or the new one without them.
      this.#db.prepare('DELETE FROM monitor_updates WHERE channel_id = ? AND seq < ?').run(channelId, row.s);
    })();
  }

  retireMonitor(channelId: string, view: MonitorView): void {
    checkId(channelId);
    if (view.channelId !== channelId) throw bad(channelId, `retired with the view of ${view.channelId}`);
    let json: string;
    try {
      json = encodeRetiredView(view);
    } catch (e) {
      if (e instanceof MonitorError) throw bad(channelId, e.message);
      throw e;
    }
    const r = this.#db.prepare("UPDATE monitors SET retired = ?, state = 'closed', updated_at = ? WHERE channel_id = ?").run(json, this.#now(), channelId);
    if (r.changes !== 1) throw bad(channelId, 'retired before its snapshot was saved');
  }

  retiredMonitors(): Map<string, MonitorView> {
    const out = new Map<string, MonitorView>();
    for (const row of this.#db.prepare('SELECT channel_id, retired FROM monitors WHERE retired IS NOT NULL').all() as { channel_id: string; retired: unknown }[]) {
      checkId(row.channel_id);
      if (typeof row.retired !== 'string') throw bad(row.channel_id, 'the retired view is not text');
      let json: unknown;
      try {
        json = JSON.parse(row.retired);
      } catch {
        throw bad(row.channel_id, 'the retired view is not JSON');
      }
      try {
        out.set(row.channel_id, decodeRetiredView(row.channel_id, json));
      } catch (e) {
        if (e instanceof MonitorError) throw bad(row.channel_id, e.message);
        throw e;
      }
    }
    return out;
  }

  remoteHtlcs(channelId: string, ctn: number): readonly Htlc[] | undefined {
    checkId(channelId);
    const row = this.#db.prepare('SELECT data FROM monitor_remote_htlcs WHERE channel_id = ? AND ctn = ?').get(channelId, ctn) as { data: unknown } | undefined;
    if (!row) return undefined;
    const u = decodeRow(channelId, `remote commitment ${ctn}`, row.data);
    if (u.kind !== 'remote_commitment' || u.commitment.ctn !== ctn) throw bad(channelId, `remote commitment ${ctn} is stored as something else`);
    return u.commitment.spec.htlcs;
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

  /**
   * The checkpoint's log and the updates after it (or the whole log), and the snapshot;
   * `store.bad_monitor` for a row that does not decode (never run a monitor on a guess).
   */
  loadMonitor(channelId: string): StoredMonitor | undefined {
    checkId(channelId);
    const checkpoint = this.#db.prepare('SELECT seq, data FROM monitor_checkpoints WHERE channel_id = ?').get(channelId) as { seq: number; data: unknown } | undefined;
    const from = checkpoint ? checkpoint.seq + 1 : 0;
    const rows = this.#db.prepare('SELECT seq, kind, data FROM monitor_updates WHERE channel_id = ? AND seq >= ? ORDER BY seq').all(channelId, from) as {
      seq: number;
      kind: string;
      data: unknown;
    }[];
    const snap = this.#db.prepare('SELECT snapshot FROM monitors WHERE channel_id = ?').get(channelId) as { snapshot: string } | undefined;
    if (rows.length === 0 && !snap && !checkpoint) return undefined;
    const tail = rows.map((r, i) => {
      if (r.seq !== from + i) throw bad(channelId, `update ${from + i} is missing`);
      const u = decodeRow(channelId, `update ${r.seq}`, r.data);
      if (u.kind !== r.kind) throw bad(channelId, `update ${r.seq} is ${u.kind}, recorded as ${r.kind}`);
      return u;
    });
    // A log written before checkpoints: its remote commitments are indexed now, once (the next checkpoint covers it).
    if (!checkpoint && tail.length > 0) this.#db.transaction(() => this.#indexRemoteHtlcs(channelId, tail, tail.map((u) => encodeMonitorUpdate(u))))();
    const head = checkpoint ? decodeCheckpoint(channelId, checkpoint.data) : [];
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
    return { channelId, updates: [...head, ...tail], snapshot, sinceCheckpoint: tail.length };
  }

  deleteMonitor(channelId: string): void {
    checkId(channelId);
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM monitor_updates WHERE channel_id = ?').run(channelId);
      this.#db.prepare('DELETE FROM monitors WHERE channel_id = ?').run(channelId);
      this.#db.prepare('DELETE FROM monitor_checkpoints WHERE channel_id = ?').run(channelId);
      this.#db.prepare('DELETE FROM monitor_remote_htlcs WHERE channel_id = ?').run(channelId);
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
