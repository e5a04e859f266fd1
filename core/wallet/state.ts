/**
 * The wallet's derived state, recomputed from its transactions (the only persisted truth):
 * which transactions are in effect, the coins they create for us, which outpoints they spend,
 * which coins a prepared funding transaction locks. Pure functions; no I/O.
 */
import type { Transaction } from '../bitcoin';
import { txidToHex } from '../bitcoin';
import { toHex } from '../crypto';
import type { Keychain } from './keys';
import type { WalletTxRecord } from './store';

export interface TxEntry {
  readonly record: WalletTxRecord;
  readonly tx: Transaction;
}

export interface ScriptInfo {
  readonly chain: Keychain;
  readonly index: number;
}

export interface WalletCoin {
  /** `txid:vout`, display-order txid. */
  readonly key: string;
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly script: Uint8Array;
  readonly chain: Keychain;
  readonly index: number;
  /** Height of the block confirming the transaction, null while unconfirmed. */
  readonly height: number | null;
  /** Created by a transaction that spends only our coins (our change): safe to spend unconfirmed. */
  readonly trusted: boolean;
  readonly coinbase: boolean;
  /** The prepared funding transaction holding this coin, if any. */
  readonly lockedBy: string | null;
}

export interface Derived {
  /** Transactions in effect: unconfirmed or confirmed, and no unconfirmed ancestor of theirs out of effect. */
  readonly active: ReadonlySet<string>;
  /** Our outputs in any known transaction (for recognising spends and computing fees). */
  readonly ownOutputs: ReadonlyMap<string, WalletCoin>;
  /** Outpoint → the active transaction spending it. */
  readonly spentBy: ReadonlyMap<string, string>;
  /** Outpoint → the prepared transaction spending it. */
  readonly lockedBy: ReadonlyMap<string, string>;
  /** Our unspent outputs of active transactions (locked ones included, marked). */
  readonly utxos: ReadonlyMap<string, WalletCoin>;
}

export function outpointKey(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

export function inputKey(input: Transaction['inputs'][number]): string {
  return outpointKey(txidToHex(input.prevout.txid), input.prevout.vout);
}

/** A coinbase has one input spending the null outpoint (32 zero bytes, index 0xffffffff). */
export function isCoinbase(tx: Transaction): boolean {
  return tx.inputs.length === 1 && tx.inputs[0]!.prevout.vout === 0xffffffff && tx.inputs[0]!.prevout.txid.every((b) => b === 0);
}

export function derive(entries: ReadonlyMap<string, TxEntry>, scripts: ReadonlyMap<string, ScriptInfo>): Derived {
  // Every output of ours in any transaction we know, in effect or not.
  const ownOutputs = new Map<string, WalletCoin>();
  for (const { record, tx } of entries.values()) {
    tx.outputs.forEach((o, vout) => {
      const info = scripts.get(scriptKey(o.scriptPubKey));
      if (!info) return;
      const key = outpointKey(record.txid, vout);
      ownOutputs.set(key, {
        key, txid: record.txid, vout, valueSat: o.value, script: o.scriptPubKey, chain: info.chain, index: info.index,
        height: record.state === 'confirmed' ? record.blockHeight : null, trusted: false, coinbase: isCoinbase(tx), lockedBy: null,
      });
    });
  }

  // In effect: unconfirmed or confirmed, minus unconfirmed transactions spending an output of a
  // known transaction that is not in effect (replaced, conflicted, abandoned, only prepared).
  const active = new Set<string>();
  for (const { record } of entries.values()) if (record.state === 'unconfirmed' || record.state === 'confirmed') active.add(record.txid);
  for (let changed = true; changed; ) {
    changed = false;
    for (const txid of active) {
      const { record, tx } = entries.get(txid)!;
      if (record.state !== 'unconfirmed') continue;
      const orphan = tx.inputs.some((i) => {
        const parent = txidToHex(i.prevout.txid);
        return entries.has(parent) && !active.has(parent);
      });
      if (orphan) {
        active.delete(txid);
        changed = true;
      }
    }
  }

  const spentBy = new Map<string, string>();
  const lockedBy = new Map<string, string>();
  for (const { record, tx } of entries.values()) {
    if (active.has(record.txid)) for (const i of tx.inputs) spentBy.set(inputKey(i), record.txid);
    else if (record.state === 'prepared') for (const i of tx.inputs) lockedBy.set(inputKey(i), record.txid);
  }

  const utxos = new Map<string, WalletCoin>();
  for (const coin of ownOutputs.values()) {
    if (!active.has(coin.txid) || spentBy.has(coin.key)) continue;
    const { record, tx } = entries.get(coin.txid)!;
    // Trusted (Bitcoin Core's IsTrusted): ours, or every input spends one of our outputs.
    const trusted = record.ours || (tx.inputs.length > 0 && !coin.coinbase && tx.inputs.every((i) => ownOutputs.has(inputKey(i))));
    utxos.set(coin.key, { ...coin, trusted, lockedBy: lockedBy.get(coin.key) ?? null });
  }
  return { active, ownOutputs, spentBy, lockedBy, utxos };
}

/** Map key of an output script (hex). */
export function scriptKey(script: Uint8Array): string {
  return toHex(script);
}
