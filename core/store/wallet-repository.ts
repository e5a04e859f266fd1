/**
 * The wallet's store port (core/wallet/store.ts) on SQLite (migration 9): the wallet's meta
 * (account id, best block), its two keychains, and its transactions. Each `apply` is one
 * transaction; with `synchronous = FULL` it is on disk when `apply` returns, so a send is
 * persisted before the wallet hands it out for broadcast.
 *
 * Migration 21: the scripts the wallet derived (`wallet_scripts`, by chain and index), so a start
 * reads them instead of deriving each key again (BIP32, ~1 ms an index). Per chain the store keeps
 * their count and a running digest (sha256(digest || script), from 32 zero bytes, in index order)
 * written in the same transaction as the rows: a row changed, missing or out of place after it was
 * written is `store.corrupt` at load. Whether they are these keys' scripts the wallet checks.
 */
import { equalBytes, fromHex, sha256, toHex } from '../crypto';
import type { Keychain } from '../wallet/keys';
import type {
  DerivedScripts, KeychainRecord, SendMeta, TxLabel, TxState, WalletChanges, WalletSnapshot, WalletStore, WalletTxRecord,
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

interface ScriptRow {
  chain: string;
  idx: number;
  script: unknown;
}

interface ScriptChainRow {
  chain: string;
  count: number;
  digest: unknown;
}

/** A P2WPKH output script: OP_0 PUSH20 <HASH160(pubkey)> (BIP 141), the only kind the wallet derives. */
const P2WPKH_LENGTH = 22;
const DIGEST_START = new Uint8Array(32);

/** The next running digest: sha256(digest || script). */
function foldDigest(digest: Uint8Array, script: Uint8Array): Uint8Array {
  const buf = new Uint8Array(digest.length + script.length);
  buf.set(digest);
  buf.set(script, digest.length);
  return sha256(buf);
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
    return { meta: { accountId: meta.account_id, bestHeight: meta.best_height, bestHash: meta.best_hash }, keychains, txs, scripts: this.#loadScripts() };
  }

  /** Each chain's stored scripts in index order, checked against the chain's count and digest. */
  #loadScripts(): Record<Keychain, Uint8Array[]> {
    const corrupt = (what: string): StoreError => new StoreError('store.corrupt', `wallet_scripts: ${what}`);
    const out: Record<Keychain, Uint8Array[]> = { receive: [], change: [] };
    const digests: Record<Keychain, Uint8Array> = { receive: DIGEST_START, change: DIGEST_START };
    for (const row of this.#db.prepare('SELECT chain, idx, script FROM wallet_scripts ORDER BY chain, idx').all() as ScriptRow[]) {
      if (row.chain !== 'receive' && row.chain !== 'change') throw corrupt(`a row of unknown chain ${JSON.stringify(String(row.chain)).slice(0, 40)}`);
      const list = out[row.chain];
      if (row.idx !== list.length) throw corrupt(`${row.chain} index ${list.length} is missing`);
      if (!(row.script instanceof Uint8Array) || row.script.length !== P2WPKH_LENGTH || row.script[0] !== 0x00 || row.script[1] !== 0x14) {
        throw corrupt(`${row.chain}/${row.idx} is not a P2WPKH script`);
      }
      const script = new Uint8Array(row.script);
      list.push(script);
      digests[row.chain] = foldDigest(digests[row.chain], script);
    }
    const chains = this.#db.prepare('SELECT chain, count, digest FROM wallet_script_chains').all() as ScriptChainRow[];
    if (chains.some((c) => c.chain !== 'receive' && c.chain !== 'change')) throw corrupt('a digest of an unknown chain');
    for (const chain of ['receive', 'change'] as const) {
      const row = chains.find((c) => c.chain === chain);
      const count = row?.count ?? 0;
      if (count !== out[chain].length) throw corrupt(`${chain} holds ${out[chain].length} scripts, ${count} were written`);
      if (row && !(row.digest instanceof Uint8Array && equalBytes(new Uint8Array(row.digest), digests[chain]))) throw corrupt(`${chain}: the scripts are not the ones written`);
    }
    return out;
  }

  /** Appends derived scripts after what each chain holds (indexes it holds are skipped), with the chain's count and digest. */
  #appendScripts(batches: readonly DerivedScripts[]): void {
    const readChain = this.#db.prepare('SELECT count, digest FROM wallet_script_chains WHERE chain = ?');
    const insert = this.#db.prepare('INSERT INTO wallet_scripts (chain, idx, script) VALUES (?, ?, ?)');
    const writeChain = this.#db.prepare(
      'INSERT INTO wallet_script_chains (chain, count, digest) VALUES (?, ?, ?) ON CONFLICT(chain) DO UPDATE SET count = excluded.count, digest = excluded.digest',
    );
    for (const b of batches) {
      if (b.scripts.length === 0) continue;
      const row = readChain.get(b.chain) as { count: number; digest: Uint8Array } | undefined;
      let count = row?.count ?? 0;
      let digest: Uint8Array = row ? new Uint8Array(row.digest) : DIGEST_START;
      if (b.from > count) throw new StoreError('store.corrupt', `wallet_scripts: ${b.chain} scripts from ${b.from} written after ${count}`);
      b.scripts.forEach((script, i) => {
        if (b.from + i < count) return;
        insert.run(b.chain, count, script);
        digest = foldDigest(digest, script);
        count++;
      });
      writeChain.run(b.chain, count, digest);
    }
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
      if (changes.scripts && changes.scripts.length > 0) this.#appendScripts(changes.scripts);
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
