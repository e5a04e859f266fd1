/**
 * The watch registry: the watches, the transactions that matched one of them ("relevant"
 * transactions, with where each is), and the views of every watch derived from those two.
 * Internal to core/chain: the tracker feeds it transactions and blocks and turns the changes of
 * the views into events. Every change goes to the store at once (the tracker holds the
 * database transaction open around each step).
 *
 * A transaction is relevant when its txid is watched, it spends a watched outpoint, it pays a
 * watched script, or it spends an output of a relevant transaction that paid a watched script.
 */
import { decodeTx, txid as computeTxid, txidToHex, type Transaction } from '../bitcoin';
import { toHex } from '../crypto';
import type { ChainEvent, ScriptInput, ScriptOutput } from './events';
import type { Lookup } from './requests';
import type { ChainStore, StoredTx } from './store';
import { outpointKey, outpointKeyOf, sameStatus, type RemovalReason, type TxStatus } from './types';
import { watchId, type ScriptTxView, type SpenderView, type Watch, type WatchSpec, type WatchView } from './watch';

interface RelevantTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly tx: Transaction;
  /** Output scripts as hex, computed once. */
  readonly scripts: readonly string[];
  /** Input outpoint keys, computed once. */
  readonly spends: readonly string[];
  status: TxStatus;
  seq: number;
}

interface PaidOutput {
  readonly script: string;
  readonly valueSat: bigint;
}

/** The part of a view whose change is an event. */
type Snapshot =
  | { readonly kind: 'transaction'; readonly status: TxStatus | null; readonly depthReached: boolean }
  | { readonly kind: 'outpoint'; readonly spender: { readonly txid: string; readonly status: TxStatus } | null }
  | { readonly kind: 'script'; readonly txs: ReadonlyMap<string, { readonly status: TxStatus; readonly signature: string }> };

function statusKey(s: TxStatus): string {
  return s.kind === 'mempool' ? 'mempool' : `${s.height}:${s.blockHash}`;
}

export class WatchRegistry {
  readonly #store: ChainStore;
  readonly #watches = new Map<string, Watch>();
  readonly #txs = new Map<string, RelevantTx>();
  #seq = 0;
  #tipHeight = -1;

  // Indices over the watches.
  readonly #txWatchIds = new Map<string, Set<string>>();
  readonly #outpointWatchIds = new Map<string, Set<string>>();
  readonly #scriptWatchIds = new Map<string, string>();

  // Indices over the relevant transactions.
  /** outpoint → relevant transactions spending it. */
  readonly #spenders = new Map<string, Set<string>>();
  /** outpoint → the watched script a relevant transaction's output pays. */
  readonly #paidOutputs = new Map<string, PaidOutput>();
  /** script → relevant transactions paying it or spending its outputs. */
  readonly #scriptTxs = new Map<string, Set<string>>();
  /** block hash → relevant transactions confirmed in it. */
  readonly #byBlock = new Map<string, Set<string>>();

  #snapshots = new Map<string, Snapshot>();

  constructor(store: ChainStore) {
    this.#store = store;
  }

  /** Loads watches and transactions from the store and takes the current views as the baseline. */
  load(tipHeight: number): void {
    this.#tipHeight = tipHeight;
    for (const w of this.#store.loadWatches()) this.#indexWatch(w);
    for (const t of this.#store.loadTxs()) {
      const status: TxStatus = t.height !== null && t.blockHash !== null ? { kind: 'confirmed', height: t.height, blockHash: t.blockHash } : { kind: 'mempool' };
      this.#insert(t.txid, t.raw, decodeTx(t.raw), status, t.seq, false);
      this.#seq = Math.max(this.#seq, t.seq + 1);
    }
    this.#reindexScripts();
    this.#snapshots = this.#takeSnapshots();
  }

  // ---------------------------------------------------------------------------------------------
  // Watches

  get watches(): readonly Watch[] {
    return [...this.#watches.values()];
  }

  get(id: string): Watch | undefined {
    return this.#watches.get(id);
  }

  /**
   * Adds `owner` to the watch for `spec`, creating it, or lowering its height hint. Returns the
   * watch and whether its hint went down (or it is new): then blocks from the hint may need a scan.
   */
  add(spec: WatchSpec, owner: string): { watch: Watch; needsScanFrom: number | null } {
    const id = watchId(spec);
    const existing = this.#watches.get(id);
    if (existing) {
      const owners = existing.owners.includes(owner) ? existing.owners : [...existing.owners, owner];
      const lowered = spec.heightHint < existing.heightHint;
      const watch = { ...existing, owners, heightHint: Math.min(existing.heightHint, spec.heightHint) } as Watch;
      if (owners !== existing.owners || lowered) {
        this.#watches.set(id, watch);
        this.#store.putWatch(watch);
      }
      return { watch, needsScanFrom: lowered ? spec.heightHint : null };
    }
    const watch = { ...spec, id, owners: [owner] } as Watch;
    this.#store.putWatch(watch);
    this.#indexWatch(watch);
    if (watch.kind === 'script') this.#reindexScripts();
    return { watch, needsScanFrom: spec.heightHint };
  }

  /** Removes `owner` from watch `id`; the watch goes when no owner is left. True if it went. */
  remove(id: string, owner: string): boolean {
    const w = this.#watches.get(id);
    if (!w || !w.owners.includes(owner)) return false;
    const owners = w.owners.filter((o) => o !== owner);
    if (owners.length > 0) {
      const next = { ...w, owners } as Watch;
      this.#watches.set(id, next);
      this.#store.putWatch(next);
      return false;
    }
    this.#watches.delete(id);
    this.#store.deleteWatch(id);
    this.#unindexWatch(w);
    if (w.kind === 'script') this.#reindexScripts();
    // Transactions no one watches any more are forgotten.
    for (const t of [...this.#txs.values()]) if (this.#txs.has(t.txid) && !this.#isRelevant(t)) this.#delete(t.txid);
    return true;
  }

  #indexWatch(w: Watch): void {
    this.#watches.set(w.id, w);
    if (w.kind === 'transaction') addTo(this.#txWatchIds, w.txid, w.id);
    else if (w.kind === 'outpoint') addTo(this.#outpointWatchIds, outpointKey(w.txid, w.vout), w.id);
    else this.#scriptWatchIds.set(w.script, w.id);
  }

  #unindexWatch(w: Watch): void {
    if (w.kind === 'transaction') removeFrom(this.#txWatchIds, w.txid, w.id);
    else if (w.kind === 'outpoint') removeFrom(this.#outpointWatchIds, outpointKey(w.txid, w.vout), w.id);
    else this.#scriptWatchIds.delete(w.script);
  }

  /** The lowest height hint of all watches, or null without watches. */
  lowestHint(): number | null {
    let low: number | null = null;
    for (const w of this.#watches.values()) low = low === null ? w.heightHint : Math.min(low, w.heightHint);
    return low;
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions

  /** True when a transaction with these outputs and inputs matches a watch (before it is stored). */
  matches(txid: string, tx: Transaction): boolean {
    if (this.#txWatchIds.has(txid)) return true;
    for (const input of tx.inputs) {
      const key = outpointKeyOf(input.prevout);
      if (this.#outpointWatchIds.has(key) || this.#paidOutputs.has(key)) return true;
    }
    if (this.#scriptWatchIds.size > 0) for (const o of tx.outputs) if (this.#scriptWatchIds.has(toHex(o.scriptPubKey))) return true;
    return false;
  }

  #isRelevant(t: RelevantTx): boolean {
    if (this.#txWatchIds.has(t.txid)) return true;
    for (const key of t.spends) if (this.#outpointWatchIds.has(key) || this.#paidOutputs.has(key)) return true;
    for (const s of t.scripts) if (this.#scriptWatchIds.has(s)) return true;
    return false;
  }

  /**
   * Records a transaction seen with `status` if it is relevant. A mempool sighting never
   * overrides a confirmation (the mempool view lags blocks); a confirmation replaces everything.
   * Returns true when something changed.
   */
  offer(txid: string, raw: Uint8Array, tx: Transaction, status: TxStatus): boolean {
    const existing = this.#txs.get(txid);
    if (existing) {
      if (sameStatus(existing.status, status)) return false;
      if (existing.status.kind === 'confirmed' && status.kind === 'mempool') return false;
      this.#setStatus(existing, status);
      return true;
    }
    if (!this.matches(txid, tx)) return false;
    this.#insert(txid, raw, tx, status, this.#seq++, true);
    return true;
  }

  /** Decodes and offers a transaction from its bytes (checked by the caller's txid when given). */
  offerRaw(raw: Uint8Array, status: TxStatus, expectedTxid?: string): { txid: string; changed: boolean } {
    const tx = decodeTx(raw);
    const id = txidToHex(computeTxid(tx));
    if (expectedTxid !== undefined && id !== expectedTxid) return { txid: id, changed: false };
    return { txid: id, changed: this.offer(id, raw, tx, status) };
  }

  #setStatus(t: RelevantTx, status: TxStatus): void {
    if (t.status.kind === 'confirmed') removeFrom(this.#byBlock, t.status.blockHash, t.txid);
    t.status = status;
    if (status.kind === 'confirmed') addTo(this.#byBlock, status.blockHash, t.txid);
    this.#store.putTx(toStored(t));
  }

  #insert(txid: string, raw: Uint8Array, tx: Transaction, status: TxStatus, seq: number, persist: boolean): void {
    const t: RelevantTx = {
      txid,
      raw,
      tx,
      scripts: tx.outputs.map((o) => toHex(o.scriptPubKey)),
      spends: tx.inputs.map((i) => outpointKeyOf(i.prevout)),
      status,
      seq,
    };
    this.#txs.set(txid, t);
    if (persist) this.#store.putTx(toStored(t));
    for (const key of t.spends) addTo(this.#spenders, key, txid);
    if (status.kind === 'confirmed') addTo(this.#byBlock, status.blockHash, txid);
    this.#indexScriptsOf(t);
  }

  /** Adds `t`'s paid outputs and its spends of paid outputs to the script indices. */
  #indexScriptsOf(t: RelevantTx): void {
    t.scripts.forEach((script, vout) => {
      if (!this.#scriptWatchIds.has(script)) return;
      const key = outpointKey(t.txid, vout);
      this.#paidOutputs.set(key, { script, valueSat: t.tx.outputs[vout]!.value });
      addTo(this.#scriptTxs, script, t.txid);
      // A spender seen before its funding transaction (a history answer in any order).
      for (const child of this.#spenders.get(key) ?? []) addTo(this.#scriptTxs, script, child);
    });
    for (const key of t.spends) {
      const paid = this.#paidOutputs.get(key);
      if (paid) addTo(this.#scriptTxs, paid.script, t.txid);
    }
  }

  /** Rebuilds the script indices from scratch (after a script watch comes or goes). */
  #reindexScripts(): void {
    this.#paidOutputs.clear();
    this.#scriptTxs.clear();
    const ordered = [...this.#txs.values()].sort((a, b) => a.seq - b.seq);
    for (const t of ordered) this.#indexScriptsOf(t);
  }

  /** Forgets a transaction, and then its spenders that were relevant only through it. */
  #delete(txid: string): void {
    const t = this.#txs.get(txid);
    if (!t) return;
    this.#txs.delete(txid);
    this.#store.deleteTx(txid);
    for (const key of t.spends) {
      removeFrom(this.#spenders, key, txid);
      const paid = this.#paidOutputs.get(key);
      if (paid) removeFrom(this.#scriptTxs, paid.script, txid);
    }
    if (t.status.kind === 'confirmed') removeFrom(this.#byBlock, t.status.blockHash, txid);
    const orphans: string[] = [];
    t.scripts.forEach((script, vout) => {
      const key = outpointKey(txid, vout);
      if (!this.#paidOutputs.delete(key)) return;
      removeFrom(this.#scriptTxs, script, txid);
      for (const child of this.#spenders.get(key) ?? []) {
        const c = this.#txs.get(child);
        if (c && !c.scripts.includes(script) && !c.spends.some((k) => this.#paidOutputs.get(k)?.script === script)) {
          removeFrom(this.#scriptTxs, script, child);
        }
        orphans.push(child);
      }
    });
    for (const child of orphans) {
      const c = this.#txs.get(child);
      if (c && !this.#isRelevant(c)) this.#delete(child);
    }
  }

  /** Forgets every matched transaction (the chain they were seen on is gone); watches stay. */
  clearTxs(): void {
    for (const txid of [...this.#txs.keys()]) this.#delete(txid);
  }

  /** Removes a transaction that left the mempool without confirming. */
  evict(txid: string): boolean {
    const t = this.#txs.get(txid);
    if (!t || t.status.kind !== 'mempool') return false;
    this.#delete(txid);
    return true;
  }

  /** Every relevant transaction confirmed in block `hash` leaves: the block left the best chain. */
  disconnectBlock(hash: string): void {
    for (const txid of [...(this.#byBlock.get(hash) ?? [])]) this.#delete(txid);
    this.#byBlock.delete(hash);
  }

  /** Relevant transactions in the mempool. */
  mempoolTxids(): string[] {
    return [...this.#txs.values()].filter((t) => t.status.kind === 'mempool').map((t) => t.txid);
  }

  /** Relevant mempool transactions that pay or spend `script` / spend `outpoint`. */
  mempoolTxidsForScript(script: string): string[] {
    return [...(this.#scriptTxs.get(script) ?? [])].filter((id) => this.#txs.get(id)?.status.kind === 'mempool');
  }

  mempoolSpendersOf(outpoint: string): string[] {
    return [...(this.#spenders.get(outpoint) ?? [])].filter((id) => this.#txs.get(id)?.status.kind === 'mempool');
  }

  /** Outpoints whose spends matter: watched outpoints and outputs paying watched scripts. */
  *interestingOutpoints(): Iterable<string> {
    yield* this.#outpointWatchIds.keys();
    yield* this.#paidOutputs.keys();
  }

  hasTx(txid: string): boolean {
    return this.#txs.has(txid);
  }

  statusOf(txid: string): TxStatus | null {
    return this.#txs.get(txid)?.status ?? null;
  }

  setTip(height: number): void {
    this.#tipHeight = height;
  }

  /**
   * Filtered mode: what to ask the source this round — unconfirmed watched transactions, outpoints
   * not spent in a block, every script (a payment can come at any time).
   */
  lookups(): Lookup[] {
    const out: Lookup[] = [];
    const seenTx = new Set<string>();
    for (const w of this.#watches.values()) {
      if (w.kind === 'transaction') {
        if (seenTx.has(w.txid) || this.#txs.get(w.txid)?.status.kind === 'confirmed') continue;
        seenTx.add(w.txid);
        out.push({ kind: 'tx', txid: w.txid });
      } else if (w.kind === 'outpoint') {
        const spent = [...(this.#spenders.get(outpointKey(w.txid, w.vout)) ?? [])].some((id) => this.#txs.get(id)?.status.kind === 'confirmed');
        if (!spent) out.push({ kind: 'outspend', txid: w.txid, vout: w.vout });
      } else {
        out.push({ kind: 'script', script: w.script });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Views and events

  view(id: string): WatchView | undefined {
    const w = this.#watches.get(id);
    if (!w) return undefined;
    if (w.kind === 'transaction') {
      const t = this.#txs.get(w.txid);
      const status = t?.status ?? null;
      const confirmations = status?.kind === 'confirmed' ? Math.max(0, this.#tipHeight - status.height + 1) : 0;
      return { kind: 'transaction', id, txid: w.txid, depth: w.depth, status, confirmations, txHex: t ? toHex(t.raw) : null };
    }
    if (w.kind === 'outpoint') {
      const key = outpointKey(w.txid, w.vout);
      const t = this.#chooseSpender(key);
      const spender: SpenderView | null = t
        ? { txid: t.txid, inputIndex: t.spends.indexOf(key), status: t.status, txHex: toHex(t.raw) }
        : null;
      return { kind: 'outpoint', id, outpoint: key, spender };
    }
    const txs = chainOrder([...(this.#scriptTxs.get(w.script) ?? [])].map((id) => this.#txs.get(id)!)).map((t) => this.#scriptTxView(w.script, t));
    return { kind: 'script', id, script: w.script, txs };
  }

  /** A confirmed spender wins; among mempool spenders (conflicts), the one seen last. */
  #chooseSpender(key: string): RelevantTx | undefined {
    let best: RelevantTx | undefined;
    for (const id of this.#spenders.get(key) ?? []) {
      const t = this.#txs.get(id);
      if (!t) continue;
      if (!best) best = t;
      else if (t.status.kind === 'confirmed' && best.status.kind !== 'confirmed') best = t;
      else if (t.status.kind === best.status.kind && t.seq > best.seq) best = t;
    }
    return best;
  }

  /** The outputs of `t` paying `script` and its inputs spending outputs that paid it. */
  #scriptParts(script: string, t: RelevantTx): { outputs: ScriptOutput[]; inputs: ScriptInput[] } {
    const outputs: ScriptOutput[] = [];
    t.scripts.forEach((s, vout) => {
      if (s === script) outputs.push({ vout, valueSat: t.tx.outputs[vout]!.value });
    });
    const inputs: ScriptInput[] = [];
    t.spends.forEach((key, inputIndex) => {
      const paid = this.#paidOutputs.get(key);
      if (paid && paid.script === script) inputs.push({ inputIndex, outpoint: key, valueSat: paid.valueSat });
    });
    return { outputs, inputs };
  }

  #scriptTxView(script: string, t: RelevantTx): ScriptTxView {
    return { txid: t.txid, status: t.status, ...this.#scriptParts(script, t), txHex: toHex(t.raw) };
  }

  #snapshot(w: Watch): Snapshot {
    if (w.kind === 'transaction') {
      const status = this.#txs.get(w.txid)?.status ?? null;
      const depthReached = status?.kind === 'confirmed' && this.#tipHeight - status.height + 1 >= w.depth;
      return { kind: 'transaction', status, depthReached };
    }
    if (w.kind === 'outpoint') {
      const t = this.#chooseSpender(outpointKey(w.txid, w.vout));
      return { kind: 'outpoint', spender: t ? { txid: t.txid, status: t.status } : null };
    }
    const txs = new Map<string, { status: TxStatus; signature: string }>();
    for (const id of this.#scriptTxs.get(w.script) ?? []) {
      const t = this.#txs.get(id)!;
      const v = this.#scriptParts(w.script, t);
      txs.set(id, { status: t.status, signature: `${statusKey(t.status)}|${v.outputs.map((o) => o.vout).join(',')}|${v.inputs.map((i) => i.inputIndex).join(',')}` });
    }
    return { kind: 'script', txs };
  }

  #takeSnapshots(): Map<string, Snapshot> {
    const out = new Map<string, Snapshot>();
    for (const w of this.#watches.values()) out.set(w.id, this.#snapshot(w));
    return out;
  }

  /**
   * Compares every watch's view with the last one taken and returns the events that say what
   * changed; the new views become the baseline. A watch that is new starts from nothing, so what
   * is already known about it is reported at once.
   */
  diff(): ChainEvent[] {
    const events: ChainEvent[] = [];
    const next = this.#takeSnapshots();
    for (const [id, now] of next) {
      const before = this.#snapshots.get(id);
      const w = this.#watches.get(id)!;
      this.#diffOne(w, before, now, events);
    }
    this.#snapshots = next;
    return events;
  }

  #diffOne(w: Watch, before: Snapshot | undefined, now: Snapshot, events: ChainEvent[]): void {
    if (w.kind === 'transaction' && now.kind === 'transaction') {
      const prev = before?.kind === 'transaction' ? before : { status: null, depthReached: false };
      const was = prev.status?.kind === 'confirmed' ? prev.status : null;
      const is = now.status?.kind === 'confirmed' ? now.status : null;
      const moved = was !== null && (is === null || is.blockHash !== was.blockHash);
      if (moved) {
        events.push({ type: 'chain.tx_unconfirmed', watchId: w.id, txid: w.txid, formerHeight: was.height, formerBlockHash: was.blockHash, reason: 'reorg' });
      }
      if (is && (was === null || moved)) {
        const t = this.#txs.get(w.txid)!;
        events.push({ type: 'chain.tx_confirmed', watchId: w.id, txid: w.txid, height: is.height, blockHash: is.blockHash, txHex: toHex(t.raw) });
      }
      if (is && now.depthReached && (!prev.depthReached || moved)) {
        events.push({ type: 'chain.tx_depth_reached', watchId: w.id, txid: w.txid, depth: w.depth, height: is.height, blockHash: is.blockHash });
      }
      return;
    }
    if (w.kind === 'outpoint' && now.kind === 'outpoint') {
      const prev = before?.kind === 'outpoint' ? before.spender : null;
      const cur = now.spender;
      if (prev && cur && prev.txid === cur.txid && sameStatus(prev.status, cur.status)) return;
      const outpoint = outpointKey(w.txid, w.vout);
      if (prev && (!cur || cur.txid !== prev.txid)) {
        const reason: RemovalReason = prev.status.kind === 'confirmed' ? 'reorg' : 'evicted';
        if (!cur || prev.status.kind === 'confirmed' || !this.#txs.has(prev.txid)) {
          events.push({ type: 'chain.outpoint_unspent', watchId: w.id, outpoint, formerSpendingTxid: prev.txid, reason });
        }
      }
      if (cur) {
        const t = this.#txs.get(cur.txid)!;
        events.push({
          type: 'chain.outpoint_spent', watchId: w.id, outpoint, spendingTxid: cur.txid, inputIndex: t.spends.indexOf(outpoint), status: cur.status, txHex: toHex(t.raw),
        });
      }
      return;
    }
    if (w.kind === 'script' && now.kind === 'script') {
      const prev = before?.kind === 'script' ? before.txs : new Map<string, { status: TxStatus; signature: string }>();
      for (const [txid, p] of prev) {
        if (now.txs.has(txid)) continue;
        events.push({ type: 'chain.script_unconfirmed', watchId: w.id, script: w.script, txid, reason: p.status.kind === 'confirmed' ? 'reorg' : 'evicted' });
      }
      const fresh = [...now.txs.entries()].filter(([txid, n]) => prev.get(txid)?.signature !== n.signature);
      const order = chainOrder(fresh.map(([txid]) => this.#txs.get(txid)!));
      for (const t of order) {
        const v = this.#scriptTxView(w.script, t);
        const p = prev.get(t.txid);
        if (p?.status.kind === 'confirmed' && (v.status.kind !== 'confirmed' || v.status.blockHash !== p.status.blockHash)) {
          events.push({ type: 'chain.script_unconfirmed', watchId: w.id, script: w.script, txid: t.txid, reason: 'reorg' });
        }
        if (v.outputs.length > 0) {
          events.push({ type: 'chain.script_paid', watchId: w.id, script: w.script, txid: t.txid, outputs: v.outputs, status: v.status, txHex: v.txHex });
        }
        if (v.inputs.length > 0) {
          events.push({ type: 'chain.script_spent', watchId: w.id, script: w.script, txid: t.txid, inputs: v.inputs, status: v.status, txHex: v.txHex });
        }
      }
    }
  }
}

function heightOf(t: RelevantTx): number {
  return t.status.kind === 'confirmed' ? t.status.height : Number.MAX_SAFE_INTEGER;
}

/**
 * Chain order: by height (mempool last); within one block or the mempool, a transaction after
 * those it spends from, else in the order seen.
 */
function chainOrder(txs: readonly RelevantTx[]): RelevantTx[] {
  const sorted = [...txs].sort((a, b) => heightOf(a) - heightOf(b) || a.seq - b.seq);
  const out: RelevantTx[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && heightOf(sorted[j]!) === heightOf(sorted[i]!)) j++;
    const group = sorted.slice(i, j);
    const ids = new Set(group.map((t) => t.txid));
    const placed = new Set<string>();
    while (placed.size < group.length) {
      // The first one (in seen order) whose parents in the group are placed; a cycle cannot
      // happen in a real chain, but take the first remaining one if it does.
      const next = group.find((t) => !placed.has(t.txid) && t.spends.every((k) => {
        const parent = k.slice(0, 64);
        return !ids.has(parent) || placed.has(parent) || parent === t.txid;
      })) ?? group.find((t) => !placed.has(t.txid))!;
      placed.add(next.txid);
      out.push(next);
    }
    i = j;
  }
  return out;
}

function toStored(t: RelevantTx): StoredTx {
  return {
    txid: t.txid,
    raw: t.raw,
    height: t.status.kind === 'confirmed' ? t.status.height : null,
    blockHash: t.status.kind === 'confirmed' ? t.status.blockHash : null,
    seq: t.seq,
  };
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
