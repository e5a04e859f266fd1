/**
 * The chain layer's persistence port. core/store's ChainRepository implements it on SQLite; the
 * tracker calls it inside `transaction` so one answer from the source is committed whole, before
 * the events it causes are returned (persist before you promise).
 */
import type { BroadcastOutcome } from './broadcast-outcome';
import type { HeaderRecord } from './types';
import type { Watch } from './watch';

/** A transaction that matched a watch, with where it is. */
export interface StoredTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  /** null with `blockHash` null: in the mempool. */
  readonly height: number | null;
  readonly blockHash: string | null;
  /** Order of arrival, for choosing among conflicting mempool spends. */
  readonly seq: number;
}

/** Blocks `cursor..toHeight` still to be scanned again for watches registered late. */
export interface RescanState {
  readonly fromHeight: number;
  readonly toHeight: number;
  readonly cursor: number;
}

/** One of our own transactions, rebroadcast until it is settled. */
export interface StoredOwnTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  /** Unix ms. */
  readonly addedAt: number;
  readonly lastAttemptAt: number | null;
  readonly attempts: number;
  readonly lastOutcome: BroadcastOutcome | null;
}

export interface ChainStore {
  /** Runs `fn` in one database transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;

  /** Headers of the best chain we keep, lowest first. */
  loadHeaders(): HeaderRecord[];
  putHeader(header: HeaderRecord): void;
  /** Deletes headers at `height` and above. */
  deleteHeadersFrom(height: number): void;
  /** Deletes headers below `height`. */
  deleteHeadersBelow(height: number): void;

  loadWatches(): Watch[];
  putWatch(watch: Watch): void;
  deleteWatch(id: string): void;

  loadTxs(): StoredTx[];
  putTx(tx: StoredTx): void;
  deleteTx(txid: string): void;

  getRescan(): RescanState | null;
  putRescan(state: RescanState | null): void;

  loadOwnTxs(): StoredOwnTx[];
  putOwnTx(tx: StoredOwnTx): void;
  deleteOwnTx(txid: string): void;
}
