/**
 * The chain layer's store (migration 7): implements core/chain's `ChainStore` port on SQLite —
 * recent headers, watches, the transactions that matched them, the rescan cursor and our own
 * transactions. Bytes are stored as hex, like the other repositories.
 */
import { fromHex, toHex } from '../crypto';
import type { BroadcastOutcome, ChainStore, HeaderRecord, RescanState, StoredOwnTx, StoredTx, Watch } from '../chain';
import type { Database } from './database';
import { StoreError } from './errors';

interface HeaderRow {
  height: number;
  hash: string;
  prev_hash: string;
  time: number;
}

interface WatchRow {
  id: string;
  kind: string;
  txid: string | null;
  vout: number | null;
  script: string | null;
  depth: number | null;
  height_hint: number;
  owners: string;
}

interface TxRow {
  txid: string;
  raw: string;
  height: number | null;
  block_hash: string | null;
  seq: number;
}

interface OwnTxRow {
  txid: string;
  raw: string;
  added_at: number;
  last_attempt_at: number | null;
  attempts: number;
  last_outcome: string | null;
}

function corrupt(what: string): StoreError {
  return new StoreError('store.corrupt', `chain store: ${what}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(`${what} is not JSON`);
  }
}

function bytes(hex: string, what: string): Uint8Array {
  try {
    return fromHex(hex, what);
  } catch {
    throw corrupt(`${what} is not hex`);
  }
}

function toWatch(row: WatchRow): Watch {
  const owners = parseJson(row.owners, `owners of ${row.id}`);
  if (!Array.isArray(owners) || !owners.every((o) => typeof o === 'string')) throw corrupt(`owners of ${row.id}`);
  switch (row.kind) {
    case 'transaction':
      if (row.txid === null || row.depth === null) break;
      return { kind: 'transaction', id: row.id, txid: row.txid, depth: row.depth, heightHint: row.height_hint, owners };
    case 'outpoint':
      if (row.txid === null || row.vout === null || row.script === null) break;
      return { kind: 'outpoint', id: row.id, txid: row.txid, vout: row.vout, script: row.script, heightHint: row.height_hint, owners };
    case 'script':
      if (row.script === null) break;
      return { kind: 'script', id: row.id, script: row.script, heightHint: row.height_hint, owners };
  }
  throw corrupt(`watch ${row.id} of kind ${row.kind} is incomplete`);
}

export class ChainRepository implements ChainStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  transaction<T>(fn: () => T): T {
    // better-sqlite3 turns a nested transaction into a savepoint.
    return this.#db.transaction(fn)();
  }

  loadHeaders(): HeaderRecord[] {
    const rows = this.#db.prepare('SELECT * FROM chain_headers ORDER BY height').all() as HeaderRow[];
    return rows.map((r) => ({ height: r.height, hash: r.hash, prevHash: r.prev_hash, time: r.time }));
  }

  putHeader(h: HeaderRecord): void {
    this.#db.prepare('INSERT OR REPLACE INTO chain_headers (height, hash, prev_hash, time) VALUES (?, ?, ?, ?)').run(h.height, h.hash, h.prevHash, h.time);
  }

  deleteHeadersFrom(height: number): void {
    this.#db.prepare('DELETE FROM chain_headers WHERE height >= ?').run(height);
  }

  deleteHeadersBelow(height: number): void {
    this.#db.prepare('DELETE FROM chain_headers WHERE height < ?').run(height);
  }

  loadWatches(): Watch[] {
    return (this.#db.prepare('SELECT * FROM chain_watches ORDER BY rowid').all() as WatchRow[]).map(toWatch);
  }

  putWatch(w: Watch): void {
    this.#db
      .prepare(
        `INSERT INTO chain_watches (id, kind, txid, vout, script, depth, height_hint, owners) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET height_hint = excluded.height_hint, owners = excluded.owners`,
      )
      .run(
        w.id,
        w.kind,
        w.kind === 'script' ? null : w.txid,
        w.kind === 'outpoint' ? w.vout : null,
        w.kind === 'transaction' ? null : w.script,
        w.kind === 'transaction' ? w.depth : null,
        w.heightHint,
        JSON.stringify(w.owners),
      );
  }

  deleteWatch(id: string): void {
    this.#db.prepare('DELETE FROM chain_watches WHERE id = ?').run(id);
  }

  loadTxs(): StoredTx[] {
    const rows = this.#db.prepare('SELECT * FROM chain_txs ORDER BY seq').all() as TxRow[];
    return rows.map((r) => ({ txid: r.txid, raw: bytes(r.raw, `transaction ${r.txid}`), height: r.height, blockHash: r.block_hash, seq: r.seq }));
  }

  putTx(t: StoredTx): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO chain_txs (txid, raw, height, block_hash, seq) VALUES (?, ?, ?, ?, ?)')
      .run(t.txid, toHex(t.raw), t.height, t.blockHash, t.seq);
  }

  deleteTx(txid: string): void {
    this.#db.prepare('DELETE FROM chain_txs WHERE txid = ?').run(txid);
  }

  getRescan(): RescanState | null {
    const row = this.#db.prepare("SELECT value FROM chain_meta WHERE key = 'rescan'").get() as { value: string } | undefined;
    if (!row) return null;
    const v = parseJson(row.value, 'rescan state') as Partial<RescanState> | null;
    if (!v || typeof v.fromHeight !== 'number' || typeof v.toHeight !== 'number' || typeof v.cursor !== 'number') throw corrupt('rescan state');
    return { fromHeight: v.fromHeight, toHeight: v.toHeight, cursor: v.cursor };
  }

  putRescan(state: RescanState | null): void {
    if (state === null) this.#db.prepare("DELETE FROM chain_meta WHERE key = 'rescan'").run();
    else this.#db.prepare("INSERT OR REPLACE INTO chain_meta (key, value) VALUES ('rescan', ?)").run(JSON.stringify(state));
  }

  loadOwnTxs(): StoredOwnTx[] {
    const rows = this.#db.prepare('SELECT * FROM chain_own_txs ORDER BY added_at, txid').all() as OwnTxRow[];
    return rows.map((r) => ({
      txid: r.txid,
      raw: bytes(r.raw, `own transaction ${r.txid}`),
      addedAt: r.added_at,
      lastAttemptAt: r.last_attempt_at,
      attempts: r.attempts,
      lastOutcome: r.last_outcome === null ? null : (parseJson(r.last_outcome, `outcome of ${r.txid}`) as BroadcastOutcome),
    }));
  }

  putOwnTx(t: StoredOwnTx): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO chain_own_txs (txid, raw, added_at, last_attempt_at, attempts, last_outcome) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.txid, toHex(t.raw), t.addedAt, t.lastAttemptAt, t.attempts, t.lastOutcome === null ? null : JSON.stringify(t.lastOutcome));
  }

  deleteOwnTx(txid: string): void {
    this.#db.prepare('DELETE FROM chain_own_txs WHERE txid = ?').run(txid);
  }
}
