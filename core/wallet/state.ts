/**
 * The wallet's derived state, recomputed from its transactions (the only persisted truth):
 * which transactions are in effect, the coins they create for us, which outpoints they spend,
 * which coins a prepared funding transaction locks. Pure functions; no I/O.
 */
import type { Transaction } from '../bitcoin';
import { decodeTx, txidToHex } from '../bitcoin';
import { toHex } from '../crypto';
import type { Keychain } from './keys';
import type { WalletTxRecord } from './store';

/** A transaction with what derive() needs of it computed once (its keys never change). */
export interface TxEntry {
  readonly record: WalletTxRecord;
  readonly tx: Transaction;
  /** `txid:vout` of each input. */
  readonly inputKeys: readonly string[];
  /** The txids its inputs spend from. */
  readonly parents: readonly string[];
  /** Hex of each output script. */
  readonly outputScripts: readonly string[];
  readonly coinbase: boolean;
}

/** An entry for `record` (decoded here unless given); an updated record keeps the old entry's cached keys. */
export function makeEntry(record: WalletTxRecord, tx?: Transaction, previous?: TxEntry): TxEntry {
  if (previous) return { ...previous, record };
  const decoded = tx ?? decodeTx(record.raw);
  const inputKeys = decoded.inputs.map(inputKey);
  return {
    record, tx: decoded, inputKeys, parents: inputKeys.map((k) => k.slice(0, k.indexOf(':'))),
    outputScripts: decoded.outputs.map((o) => scriptKey(o.scriptPubKey)), coinbase: isCoinbase(decoded),
  };
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
  for (const { record, tx, outputScripts, coinbase } of entries.values()) {
    outputScripts.forEach((script, vout) => {
      const info = scripts.get(script);
      if (!info) return;
      const key = outpointKey(record.txid, vout);
      const o = tx.outputs[vout]!;
      ownOutputs.set(key, {
        key, txid: record.txid, vout, valueSat: o.value, script: o.scriptPubKey, chain: info.chain, index: info.index,
        height: record.state === 'confirmed' ? record.blockHeight : null, trusted: false, coinbase, lockedBy: null,
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
      const { record, parents } = entries.get(txid)!;
      if (record.state !== 'unconfirmed') continue;
      if (parents.some((parent) => entries.has(parent) && !active.has(parent))) {
        active.delete(txid);
        changed = true;
      }
    }
  }

  const spentBy = new Map<string, string>();
  const lockedBy = new Map<string, string>();
  for (const { record, inputKeys } of entries.values()) {
    if (active.has(record.txid)) for (const k of inputKeys) spentBy.set(k, record.txid);
    else if (record.state === 'prepared') for (const k of inputKeys) lockedBy.set(k, record.txid);
  }

  const utxos = new Map<string, WalletCoin>();
  for (const coin of ownOutputs.values()) {
    if (!active.has(coin.txid) || spentBy.has(coin.key)) continue;
    const { record, inputKeys } = entries.get(coin.txid)!;
    // Trusted (Bitcoin Core's IsTrusted): ours, or every input spends one of our outputs.
    const trusted = record.ours || (!coin.coinbase && inputKeys.length > 0 && inputKeys.every((k) => ownOutputs.has(k)));
    utxos.set(coin.key, { ...coin, trusted, lockedBy: lockedBy.get(coin.key) ?? null });
  }
  return { active, ownOutputs, spentBy, lockedBy, utxos };
}

/** Map key of an output script (hex). */
export function scriptKey(script: Uint8Array): string {
  return toHex(script);
}

/**
 * Updates `derived` in place for one changed entry when that cannot cascade — a new transaction
 * spending nothing another one spends, or a transaction in effect moving between unconfirmed and
 * confirmed — and returns true; otherwise returns false and the caller runs `derive()`. Keeps the
 * wallet's cost per chain transaction independent of its history (the model property test checks
 * the result is the same as `derive()`'s).
 */
export function applyIncrement(
  derived: Derived, entries: ReadonlyMap<string, TxEntry>, scripts: ReadonlyMap<string, ScriptInfo>, previous: TxEntry | undefined, entry: TxEntry,
): boolean {
  const d = derived as { active: Set<string>; ownOutputs: Map<string, WalletCoin>; spentBy: Map<string, string>; lockedBy: Map<string, string>; utxos: Map<string, WalletCoin> };
  const { record } = entry;
  const inEffect = (s: string): boolean => s === 'unconfirmed' || s === 'confirmed';
  const height = record.state === 'confirmed' ? record.blockHeight : null;

  if (previous) {
    // Between unconfirmed and confirmed while in effect: only heights change.
    if (!inEffect(previous.record.state) || !inEffect(record.state) || !d.active.has(record.txid)) return false;
    entry.outputScripts.forEach((_, vout) => {
      const key = outpointKey(record.txid, vout);
      const own = d.ownOutputs.get(key);
      if (own) d.ownOutputs.set(key, { ...own, height });
      const utxo = d.utxos.get(key);
      if (utxo) d.utxos.set(key, { ...utxo, height });
    });
    return true;
  }

  if (!inEffect(record.state) && record.state !== 'prepared') return false;
  // Conflicts, a child seen before its parent, or an unconfirmed child of a transaction out of effect cascade.
  if (entry.inputKeys.some((k) => d.spentBy.has(k) || d.lockedBy.has(k))) return false;
  const prefix = `${record.txid}:`;
  for (const k of d.spentBy.keys()) if (k.startsWith(prefix)) return false;
  for (const k of d.lockedBy.keys()) if (k.startsWith(prefix)) return false;
  if (record.state === 'unconfirmed' && entry.parents.some((p) => entries.has(p) && !d.active.has(p))) return false;

  const own: WalletCoin[] = [];
  entry.outputScripts.forEach((script, vout) => {
    const info = scripts.get(script);
    if (!info) return;
    const o = entry.tx.outputs[vout]!;
    const key = outpointKey(record.txid, vout);
    const coin: WalletCoin = {
      key, txid: record.txid, vout, valueSat: o.value, script: o.scriptPubKey, chain: info.chain, index: info.index, height,
      trusted: false, coinbase: entry.coinbase, lockedBy: null,
    };
    d.ownOutputs.set(key, coin);
    own.push(coin);
  });
  if (record.state === 'prepared') {
    for (const k of entry.inputKeys) {
      d.lockedBy.set(k, record.txid);
      const utxo = d.utxos.get(k);
      if (utxo) d.utxos.set(k, { ...utxo, lockedBy: record.txid });
    }
    return true;
  }
  d.active.add(record.txid);
  for (const k of entry.inputKeys) {
    d.spentBy.set(k, record.txid);
    d.utxos.delete(k);
  }
  const trusted = record.ours || (!entry.coinbase && entry.inputKeys.length > 0 && entry.inputKeys.every((k) => d.ownOutputs.has(k)));
  for (const coin of own) d.utxos.set(coin.key, { ...coin, trusted });
  return true;
}
