/**
 * The wallet's store port (core/wallet/store.ts) on SQLite (migration 7): the wallet's meta
 * (account id, best block), its two keychains, and its transactions. Each `apply` is one
 * transaction; with `synchronous = FULL` it is on disk when `apply` returns, so a send is
 * persisted before the wallet hands it out for broadcast.
 */
import { fromHex, toHex } from '../crypto';
import type {
  KeychainRecord, SendMeta, TxLabel, TxState, WalletChanges, WalletSnapshot, WalletStore, WalletTxRecord,
} from '../wallet/store';
import type { Database } from './database';
import { StoreError } from './errors';

interface MetaRow {
  account_id: string;
  best_height: number | null;
  best_hash: string | null;
}

interface KeychainRow {
  chain: string;
  next_index: number;
  used_index: number;
}

interface TxRow {
  txid: string;
  raw: string;
  label: string;
  ours: number;
  state: string;
  block_height: number | null;
  block_hash: string | null;
  replaced_by: string | null;
  fee_sat: number | bigint | null;
  created_at: number;
  meta: string | null;
}

const LABELS: readonly TxLabel[] = ['deposit', 'withdraw', 'funding', 'sweep', 'cpfp', 'bump', 'htlc_fee'];
const STATES: readonly TxState[] = ['prepared', 'unconfirmed', 'confirmed', 'replaced', 'conflicted', 'abandoned'];

export class WalletRepository implements WalletStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  load(): WalletSnapshot | null {
    const meta = this.#db.prepare('SELECT account_id, best_height, best_hash FROM wallet_meta WHERE id = 1').get() as MetaRow | undefined;
    if (!meta) return null;
    const keychains = (this.#db.prepare('SELECT chain, next_index, used_index FROM wallet_keychains').all() as KeychainRow[]).map(toKeychain);
    const txs = (this.#db.prepare('SELECT * FROM wallet_txs ORDER BY created_at, txid').all() as TxRow[]).map(toTx);
    return { meta: { accountId: meta.account_id, bestHeight: meta.best_height, bestHash: meta.best_hash }, keychains, txs };
  }

  apply(changes: WalletChanges): void {
    const upsertTx = this.#db.prepare(
      `INSERT INTO wallet_txs (txid, raw, label, ours, state, block_height, block_hash, replaced_by, fee_sat, created_at, meta)
       VALUES (@txid, @raw, @label, @ours, @state, @block_height, @block_hash, @replaced_by, @fee_sat, @created_at, @meta)
       ON CONFLICT(txid) DO UPDATE SET raw = excluded.raw, label = excluded.label, ours = excluded.ours, state = excluded.state,
         block_height = excluded.block_height, block_hash = excluded.block_hash, replaced_by = excluded.replaced_by,
         fee_sat = excluded.fee_sat, meta = excluded.meta`,
    );
    const upsertKeychain = this.#db.prepare(
      `INSERT INTO wallet_keychains (chain, next_index, used_index) VALUES (?, ?, ?)
       ON CONFLICT(chain) DO UPDATE SET next_index = excluded.next_index, used_index = excluded.used_index`,
    );
    this.#db.transaction(() => {
      if (changes.meta) {
        this.#db
          .prepare(
            `INSERT INTO wallet_meta (id, account_id, best_height, best_hash) VALUES (1, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET account_id = excluded.account_id, best_height = excluded.best_height, best_hash = excluded.best_hash`,
          )
          .run(changes.meta.accountId, changes.meta.bestHeight, changes.meta.bestHash);
      }
      for (const k of changes.keychains ?? []) upsertKeychain.run(k.chain, k.nextIndex, k.usedIndex);
      for (const t of changes.upsertTxs ?? []) {
        upsertTx.run({
          txid: t.txid, raw: toHex(t.raw), label: t.label, ours: t.ours ? 1 : 0, state: t.state, block_height: t.blockHeight,
          block_hash: t.blockHash, replaced_by: t.replacedBy, fee_sat: t.feeSat, created_at: t.createdAt,
          meta: t.meta ? JSON.stringify(t.meta) : null,
        });
      }
      const del = this.#db.prepare('DELETE FROM wallet_txs WHERE txid = ?');
      for (const txid of changes.deleteTxs ?? []) del.run(txid);
    })();
  }
}

function toKeychain(row: KeychainRow): KeychainRecord {
  if ((row.chain !== 'receive' && row.chain !== 'change') || !Number.isSafeInteger(row.next_index) || !Number.isSafeInteger(row.used_index)) {
    throw new StoreError('store.corrupt', `wallet_keychains: bad row for ${row.chain}`);
  }
  return { chain: row.chain, nextIndex: row.next_index, usedIndex: row.used_index };
}

function toTx(row: TxRow): WalletTxRecord {
  const corrupt = (what: string): StoreError => new StoreError('store.corrupt', `wallet_txs ${row.txid}: ${what}`);
  if (!LABELS.includes(row.label as TxLabel)) throw corrupt(`unknown label ${row.label}`);
  if (!STATES.includes(row.state as TxState)) throw corrupt(`unknown state ${row.state}`);
  let raw: Uint8Array;
  try {
    raw = fromHex(row.raw);
  } catch {
    throw corrupt('raw is not hex');
  }
  let meta: SendMeta | null = null;
  if (row.meta !== null) {
    try {
      meta = JSON.parse(row.meta) as SendMeta;
    } catch {
      throw corrupt('meta is not JSON');
    }
  }
  return {
    txid: row.txid, raw, label: row.label as TxLabel, ours: row.ours === 1, state: row.state as TxState, blockHeight: row.block_height,
    blockHash: row.block_hash, replacedBy: row.replaced_by, feeSat: row.fee_sat === null ? null : BigInt(row.fee_sat),
    createdAt: row.created_at, meta,
  };
}
