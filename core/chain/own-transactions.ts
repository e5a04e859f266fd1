/**
 * Our own transactions (funding, closing, sweeps, wallet sends), kept and rebroadcast until they
 * are settled: confirmed `settleDepth` deep, or conflicted — an input spent by another
 * transaction that is that deep. Sans-I/O: the adapter broadcasts what `due` returns and reports
 * each outcome; settlement follows from the tracker's views of the watches registered here
 * (owner `broadcast`): the transaction itself and each of its inputs.
 *
 * A transaction that is reorged out before it settles becomes pending again and is rebroadcast.
 */
import { decodeTx, txid as computeTxid, txidToHex, BitcoinError } from '../bitcoin';
import type { BroadcastOutcome } from './broadcast-outcome';
import { ChainError } from './errors';
import type { ChainEvent } from './events';
import type { ChainStore, StoredOwnTx } from './store';
import type { ChainTracker } from './tracker';
import { outpointKeyOf } from './types';
import { watchId } from './watch';

export const BROADCAST_OWNER = 'broadcast';

export interface OwnTransactionsOptions {
  readonly tracker: ChainTracker;
  readonly store: ChainStore;
  /** How often a pending transaction is handed to the source again (default 5 minutes). */
  readonly rebroadcastIntervalMs?: number;
  /** Confirmations after which a transaction (or a conflicting one) is settled (default 6). */
  readonly settleDepth?: number;
}

export type OwnTxState = 'pending' | 'confirmed' | 'conflicted';

export interface OwnTxView {
  readonly txid: string;
  readonly state: OwnTxState;
  readonly confirmations: number;
  readonly conflictingTxid: string | null;
  readonly attempts: number;
  readonly lastOutcome: BroadcastOutcome | null;
  readonly lastAttemptAt: number | null;
  readonly addedAt: number;
}

export class OwnTransactions {
  readonly #tracker: ChainTracker;
  readonly #store: ChainStore;
  readonly #interval: number;
  readonly #settleDepth: number;
  readonly #txs = new Map<string, StoredOwnTx & { readonly inputs: readonly string[] }>();

  constructor(opts: OwnTransactionsOptions) {
    this.#tracker = opts.tracker;
    this.#store = opts.store;
    this.#interval = opts.rebroadcastIntervalMs ?? 300_000;
    this.#settleDepth = opts.settleDepth ?? 6;
    for (const t of this.#store.loadOwnTxs()) this.#txs.set(t.txid, { ...t, inputs: inputsOf(t.raw) });
  }

  /**
   * Keeps `raw` as ours (persisted before anyone broadcasts it) and watches it and its inputs.
   * Adding the same transaction again changes nothing.
   */
  add(raw: Uint8Array, nowMs: number): { txid: string; events: ChainEvent[] } {
    let tx;
    try {
      tx = decodeTx(raw);
    } catch (e) {
      if (e instanceof BitcoinError) throw new ChainError('chain.bad_argument', `not a transaction: ${e.message}`);
      throw e;
    }
    const id = txidToHex(computeTxid(tx));
    if (this.#txs.has(id)) return { txid: id, events: [] };
    const record: StoredOwnTx = { txid: id, raw: raw.slice(), addedAt: nowMs, lastAttemptAt: null, attempts: 0, lastOutcome: null };
    const events: ChainEvent[] = [];
    this.#store.transaction(() => {
      this.#store.putOwnTx(record);
      this.#txs.set(id, { ...record, inputs: tx.inputs.map((i) => outpointKeyOf(i.prevout)) });
      events.push(...this.#watchAll(id, this.#hint(0)));
    });
    return { txid: id, events };
  }

  /** Heights from which to look: just above the tip, or `back` blocks below it. */
  #hint(back: number): number {
    const tip = this.#tracker.tip;
    return tip ? Math.max(0, tip.height + 1 - back) : 0;
  }

  #watchAll(txid: string, heightHint: number): ChainEvent[] {
    const t = this.#txs.get(txid)!;
    const events = [...this.#tracker.watchTransaction({ txid, depth: this.#settleDepth, heightHint }, BROADCAST_OWNER).events];
    for (const key of t.inputs) {
      const [prev, vout] = key.split(':');
      events.push(...this.#tracker.watchOutpoint({ txid: prev!, vout: Number(vout), script: '', heightHint }, BROADCAST_OWNER).events);
    }
    return events;
  }

  /**
   * Records what the source said. When it says the transaction or a conflict is already in a
   * block, the watches look back `settleDepth` blocks to find it.
   */
  recordAttempt(txid: string, outcome: BroadcastOutcome, nowMs: number, rebroadcast: boolean): ChainEvent[] {
    const t = this.#txs.get(txid);
    if (!t) return [];
    const next = { ...t, attempts: t.attempts + 1, lastAttemptAt: nowMs, lastOutcome: outcome };
    const events: ChainEvent[] = [{ type: 'chain.broadcast', txid, outcome, attempt: next.attempts, rebroadcast }];
    this.#store.transaction(() => {
      this.#txs.set(txid, next);
      this.#store.putOwnTx(stored(next));
      if (outcome.kind === 'already_confirmed' || outcome.kind === 'conflict' || outcome.kind === 'missing_inputs') {
        events.push(...this.#watchAll(txid, this.#hint(this.#settleDepth)));
      }
    });
    return events;
  }

  /** Pending transactions whose last attempt is older than the interval (or never made). */
  due(nowMs: number): { txid: string; raw: Uint8Array }[] {
    const out: { txid: string; raw: Uint8Array }[] = [];
    for (const t of this.#txs.values()) {
      if (this.view(t.txid)?.state !== 'pending') continue;
      if (t.lastAttemptAt !== null && nowMs - t.lastAttemptAt < this.#interval) continue;
      out.push({ txid: t.txid, raw: t.raw });
    }
    return out;
  }

  view(txid: string): OwnTxView | undefined {
    const t = this.#txs.get(txid);
    if (!t) return undefined;
    const tip = this.#tracker.tip?.height ?? 0;
    const self = this.#tracker.view(watchId({ kind: 'transaction', txid, depth: this.#settleDepth, heightHint: 0 }));
    let state: OwnTxState = 'pending';
    let confirmations = 0;
    let conflictingTxid: string | null = null;
    if (self?.kind === 'transaction' && self.status?.kind === 'confirmed') {
      state = 'confirmed';
      confirmations = self.confirmations;
    } else {
      for (const key of t.inputs) {
        const [prev, vout] = key.split(':');
        const v = this.#tracker.view(watchId({ kind: 'outpoint', txid: prev!, vout: Number(vout), script: '', heightHint: 0 }));
        const spender = v?.kind === 'outpoint' ? v.spender : null;
        if (spender && spender.txid !== txid && spender.status.kind === 'confirmed') {
          state = 'conflicted';
          conflictingTxid = spender.txid;
          confirmations = Math.max(0, tip - spender.status.height + 1);
          break;
        }
      }
    }
    return {
      txid, state, confirmations, conflictingTxid, attempts: t.attempts, lastOutcome: t.lastOutcome, lastAttemptAt: t.lastAttemptAt, addedAt: t.addedAt,
    };
  }

  list(): OwnTxView[] {
    return [...this.#txs.keys()].map((id) => this.view(id)!);
  }

  /** The raw transaction, while it is ours. */
  raw(txid: string): Uint8Array | undefined {
    return this.#txs.get(txid)?.raw;
  }

  /**
   * Stops keeping `txid` (its owner gave up on it: the wallet abandoned a send whose broadcast was
   * refused), so it is not rebroadcast. Its watches go with it; a copy already in some mempool may
   * still confirm, and the owner's own watches would see it. True when it was kept.
   */
  forget(txid: string): boolean {
    const t = this.#txs.get(txid);
    if (!t) return false;
    this.#store.transaction(() => {
      this.#txs.delete(txid);
      this.#store.deleteOwnTx(txid);
      this.#tracker.unwatch(watchId({ kind: 'transaction', txid, depth: this.#settleDepth, heightHint: 0 }), BROADCAST_OWNER);
      for (const key of t.inputs) this.#tracker.unwatch(`outpoint:${key}`, BROADCAST_OWNER);
    });
    return true;
  }

  /** Drops transactions that are settled, with an event for each; call after tracker events. */
  settle(): ChainEvent[] {
    const events: ChainEvent[] = [];
    for (const id of [...this.#txs.keys()]) {
      const v = this.view(id)!;
      if (v.state === 'pending' || v.confirmations < this.#settleDepth) continue;
      this.#store.transaction(() => {
        const t = this.#txs.get(id)!;
        this.#txs.delete(id);
        this.#store.deleteOwnTx(id);
        this.#tracker.unwatch(watchId({ kind: 'transaction', txid: id, depth: this.#settleDepth, heightHint: 0 }), BROADCAST_OWNER);
        for (const key of t.inputs) this.#tracker.unwatch(`outpoint:${key}`, BROADCAST_OWNER);
      });
      events.push({ type: 'chain.own_tx_settled', txid: id, result: v.state, ...(v.conflictingTxid ? { conflictingTxid: v.conflictingTxid } : {}) });
    }
    return events;
  }
}

function inputsOf(raw: Uint8Array): string[] {
  return decodeTx(raw).inputs.map((i) => outpointKeyOf(i.prevout));
}

function stored(t: StoredOwnTx): StoredOwnTx {
  return { txid: t.txid, raw: t.raw, addedAt: t.addedAt, lastAttemptAt: t.lastAttemptAt, attempts: t.attempts, lastOutcome: t.lastOutcome };
}

