/**
 * The chain tracker: our view of the best chain and of everything watched on it, sans-I/O.
 *
 * It keeps the recent headers of the best chain (persisted), follows the source's tip block by
 * block, finds the fork point of a reorganisation and disconnects back to it, and matches
 * transactions against the watch registry — LDK's `Listen` (whole blocks), `Confirm` (only the
 * relevant transactions) and `Filter` (what is relevant), LND's chainntnfs confirmation and spend
 * notifications. It does no I/O: a sync round is a conversation in which the tracker says what it
 * needs (`nextRequest`) and the adapter answers (`receive`), and each answer returns the events it
 * caused, after the state they describe is in the store.
 *
 * Two modes, chosen by the source:
 * - `blocks` (bitcoind/btcd JSON-RPC): every new block is fetched whole and scanned; watches
 *   registered late are served by rescanning blocks from their height hints; the mempool is
 *   followed by txid lists and fetching new transactions.
 * - `filtered` (Esplora): only headers are fetched; after each round the tracker asks about each
 *   watch (transaction status, outpoint spend, script history), as LDK's esplora sync does. A
 *   late watch needs no rescan — the history answers cover every height.
 *
 * A round: tip → (anchor and backfill headers on a fresh start) → fork search → disconnect to the
 * fork → rescan (blocks) → connect up to the tip → mempool (blocks) or lookups (filtered).
 */
import {
  BitcoinError, checkProofOfWork, decodeBlock, decodeHeader, decodeTx, headerHash, txid as computeTxid, txidToHex, type BlockHeader, type Transaction,
} from '../bitcoin';
import { ChainError, ChainSourceError } from './errors';
import type { ChainEvent } from './events';
import { HeaderChain } from './headers';
import { MempoolMemory } from './mempool';
import { WatchRegistry } from './registry';
import type { ChainAnswer, ChainRequest, FoundTx, LookupResult } from './requests';
import type { ChainStore, RescanState } from './store';
import { checkHash, checkHeight, outpointKeyOf, type BlockRef, type HeaderRecord, type TxStatus } from './types';
import { checkOwner, checkWatchSpec, type Watch, type WatchSpec, type WatchView } from './watch';

export type ChainMode = 'blocks' | 'filtered';

export interface ChainTrackerOptions {
  readonly store: ChainStore;
  readonly mode: ChainMode;
  /** The deepest reorganisation followed (default 144, a day of blocks); deeper ones halt the tracker. */
  readonly maxReorgDepth?: number;
  /** Blocks mode: follow the source's mempool (default true). */
  readonly mempool?: boolean;
  /** Blocks mode: transactions asked for at once when following the mempool (default 100). */
  readonly mempoolBatch?: number;
  /**
   * How many rounds in a row the source must report a best chain that is a strict prefix of
   * ours (a lower tip on our own chain) before we disconnect down to it (default 1: at once, as
   * after `invalidateblock`). Above 1 for a source behind a load balancer whose servers may lag.
   */
  readonly shorterChainRounds?: number;
}

/** Why the tracker stopped following the source; it needs a person. */
export interface HaltReason {
  readonly code: 'chain.reorg_too_deep' | 'chain.wrong_chain';
  readonly message: string;
}

interface Round {
  target: BlockRef | null;
  tipAnswers: number;
  restarts: number;
  connected: number;
  /** Fork search: the height being compared; null before the search starts. */
  probe: number | null;
  resolved: boolean;
  /** The hash the source gave for the next height to connect or rescan. */
  nextHash: { readonly height: number; readonly hash: string; readonly purpose: 'connect' | 'rescan' } | null;
  mempool: 'todo' | 'fetching' | 'done';
  mempoolQueue: string[];
  mempoolRestarts: number;
  lookups: 'todo' | 'done';
}

type Pending = ChainRequest & { readonly purpose?: 'anchor' | 'backfill' | 'fork' | 'connect' | 'rescan' };

const MAX_RESTARTS = 5;
const MAX_TIP_ANSWERS = 4;

export class ChainTracker {
  readonly mode: ChainMode;
  readonly maxReorgDepth: number;
  readonly #store: ChainStore;
  readonly #headers: HeaderChain;
  readonly #registry: WatchRegistry;
  readonly #followMempool: boolean;
  readonly #mempoolBatch: number;
  readonly #shorterChainRounds: number;
  #round: Round | null = null;
  #pending: Pending | null = null;
  #halted: HaltReason | null = null;
  #rescan: RescanState | null;
  readonly #mempool = new MempoolMemory();
  #shorter: { hash: string; rounds: number } | null = null;
  #spendFilter: ((outpoint: string) => boolean) | null = null;

  constructor(opts: ChainTrackerOptions) {
    this.mode = opts.mode;
    this.maxReorgDepth = opts.maxReorgDepth ?? 144;
    if (!Number.isInteger(this.maxReorgDepth) || this.maxReorgDepth < 1 || this.maxReorgDepth > 10_000) {
      throw new ChainError('chain.bad_argument', 'maxReorgDepth must be an integer from 1 to 10000');
    }
    this.#store = opts.store;
    this.#followMempool = opts.mempool ?? true;
    this.#mempoolBatch = opts.mempoolBatch ?? 100;
    this.#shorterChainRounds = opts.shorterChainRounds ?? 1;
    // maxReorgDepth + 1 headers: a fork exactly maxReorgDepth below the tip is still found.
    this.#headers = new HeaderChain(this.#store, this.maxReorgDepth + 1);
    this.#registry = new WatchRegistry(this.#store);
    this.#headers.load();
    this.#registry.load(this.#headers.tip?.height ?? -1);
    this.#rescan = this.mode === 'blocks' ? this.#store.getRescan() : null;
  }

  /**
   * Blocks mode: each block joining the best chain is scanned for inputs spending an outpoint
   * ("txid:vout") `filter` says yes to, each reported as `chain.spend_seen`. Nothing is stored and
   * a reorg undoes nothing here: for hints kept elsewhere (the gossip graph's channels, far too many
   * to watch one by one), whose owner undoes them on `chain.block_disconnected` (emitted before the
   * new branch's blocks are scanned, so a spend mined again is reported again). Null stops it.
   * Filtered mode fetches no blocks: nothing is reported (the gossip layer asks its source).
   */
  setSpendFilter(filter: ((outpoint: string) => boolean) | null): void {
    this.#spendFilter = filter;
  }

  // ---------------------------------------------------------------------------------------------
  // State

  /** Our best chain's tip, or null before the first sync. */
  get tip(): HeaderRecord | null {
    return this.#headers.tip;
  }

  /** The header we keep at `height`, if it is within the recent window. */
  headerAt(height: number): HeaderRecord | undefined {
    return this.#headers.at(height);
  }

  get halted(): HaltReason | null {
    return this.#halted;
  }

  get rescan(): RescanState | null {
    return this.#rescan;
  }

  get roundActive(): boolean {
    return this.#round !== null;
  }

  get watches(): readonly Watch[] {
    return this.#registry.watches;
  }

  view(watchId: string): WatchView | undefined {
    return this.#registry.view(watchId);
  }

  /** Where a transaction that matched a watch is (null when no watch made us keep it). */
  txStatus(txid: string): TxStatus | null {
    return this.#registry.statusOf(checkHash(txid, 'txid'));
  }

  // ---------------------------------------------------------------------------------------------
  // Watches (LDK Filter / LND RegisterConfirmationsNtfn, RegisterSpendNtfn)

  /** Watch a transaction until it has `depth` confirmations. */
  watchTransaction(spec: { txid: string; depth: number; heightHint: number }, owner = 'default'): { id: string; events: ChainEvent[] } {
    return this.watch({ kind: 'transaction', ...spec }, owner);
  }

  /** Watch for the spend of `txid:vout`, an output with `script`. */
  watchOutpoint(spec: { txid: string; vout: number; script: string; heightHint: number }, owner = 'default'): { id: string; events: ChainEvent[] } {
    return this.watch({ kind: 'outpoint', ...spec }, owner);
  }

  /** Watch payments to `script` and the spends of those payments. */
  watchScript(spec: { script: string; heightHint: number }, owner = 'default'): { id: string; events: ChainEvent[] } {
    return this.watch({ kind: 'script', ...spec }, owner);
  }

  /**
   * Registers a watch. What is already known about it is reported in `events` at once; history
   * below the tip is found by the next round (a rescan from the height hint in blocks mode, the
   * lookups in filtered mode).
   */
  watch(spec: WatchSpec, owner = 'default'): { id: string; events: ChainEvent[] } {
    const checked = checkWatchSpec(spec);
    const who = checkOwner(owner);
    return this.#store.transaction(() => {
      const { watch, needsScanFrom } = this.#registry.add(checked, who);
      const events: ChainEvent[] = [];
      const tip = this.#headers.tip;
      if (needsScanFrom !== null && this.mode === 'blocks' && tip && needsScanFrom <= tip.height) {
        this.#extendRescan(needsScanFrom, tip.height, events);
        // It may also be in the mempool already: a script can be paid by anything we fetched
        // before, so look at the whole mempool again; a transaction, fetch it again.
        if (watch.kind === 'script') this.#mempool.clear();
        if (watch.kind === 'transaction') this.#mempool.refetch(watch.txid);
      }
      this.#noticeInteresting();
      if (this.mode === 'filtered' && this.#round) this.#round.lookups = 'todo';
      events.push(...this.#registry.diff());
      return { id: watch.id, events };
    });
  }

  /** Lets go of a watch for `owner`; the watch ends when no owner is left. */
  unwatch(watchId: string, owner = 'default'): boolean {
    return this.#store.transaction(() => {
      const removed = this.#registry.remove(watchId, checkOwner(owner));
      this.#registry.diff();
      return removed;
    });
  }

  /** Blocks mode: mempool transactions spending outpoints that only now matter are fetched again. */
  #noticeInteresting(): void {
    if (this.mode !== 'blocks' || !this.#followMempool) return;
    const again = this.#mempool.noticeInteresting(this.#registry.interestingOutpoints());
    const r = this.#round;
    if (again.length && r && r.mempool !== 'todo') {
      for (const id of again) if (!r.mempoolQueue.includes(id)) r.mempoolQueue.push(id);
      r.mempool = 'fetching';
    }
  }

  #extendRescan(from: number, to: number, events: ChainEvent[]): void {
    const current = this.#rescan;
    const next: RescanState = current
      ? { fromHeight: Math.min(current.fromHeight, from), toHeight: Math.max(current.toHeight, to), cursor: Math.min(current.cursor, from) }
      : { fromHeight: from, toHeight: to, cursor: from };
    this.#rescan = next;
    this.#store.putRescan(next);
    if (!current) events.push({ type: 'chain.rescan_started', fromHeight: next.fromHeight, toHeight: next.toHeight });
  }

  // ---------------------------------------------------------------------------------------------
  // Sync rounds

  /** Starts a round (a poll): the next request asks for the source's tip. No-op during a round. */
  startRound(): void {
    if (this.#halted || this.#round) return;
    this.#round = {
      target: null, tipAnswers: 0, restarts: 0, connected: 0, probe: null, resolved: false, nextHash: null,
      mempool: 'todo', mempoolQueue: [], mempoolRestarts: 0, lookups: 'todo',
    };
    this.#pending = null;
  }

  /** Abandons the round (the source failed); everything answered so far is kept. */
  abortRound(): void {
    this.#round = null;
    this.#pending = null;
  }

  /**
   * Clears a halt: forgets our headers and every transaction the watches matched (they were seen
   * on a chain the source no longer has), keeping the watches. The next round anchors at the
   * source's tip as a fresh tracker would, and finds the watches' history again (a rescan from
   * their lowest hint in blocks mode, the lookups in filtered mode). Returns the events of what
   * was forgotten (`reason: reorg`).
   */
  resetHeaders(): ChainEvent[] {
    const events: ChainEvent[] = [];
    this.#store.transaction(() => {
      const low = this.#headers.lowest;
      if (low) this.#store.deleteHeadersFrom(low.height);
      this.#headers.load();
      this.#registry.clearTxs();
      this.#registry.setTip(-1);
      this.#setRescan(null, []);
      events.push(...this.#registry.diff());
    });
    this.#mempool.clear();
    this.#halted = null;
    this.#round = null;
    this.#pending = null;
    return events;
  }

  /** What the tracker needs next from the source, or null when the round is over. */
  nextRequest(): ChainRequest | null {
    if (this.#pending) return this.#pending;
    const r = this.#round;
    if (!r || this.#halted) return null;
    const req = this.#next(r);
    if (!req) this.#round = null;
    this.#pending = req;
    return req;
  }

  #next(r: Round): Pending | null {
    if (r.target === null) return { kind: 'tip' };
    const tip = this.#headers.tip;
    if (!tip) return { kind: 'header', hash: r.target.hash, purpose: 'anchor' };
    if (this.#headers.needsBackfill()) return { kind: 'header', hash: this.#headers.lowest!.prevHash, purpose: 'backfill' };
    if (!r.resolved) {
      if (r.target.hash === tip.hash) {
        r.resolved = true;
        this.#shorter = null;
      } else {
        if (r.probe === null) r.probe = Math.min(tip.height, r.target.height);
        return { kind: 'block_hash', height: r.probe, purpose: 'fork' };
      }
    }
    const rescan = this.#rescan;
    if (rescan && rescan.cursor <= Math.min(rescan.toHeight, tip.height)) {
      const h = rescan.cursor;
      const known = this.#headers.at(h);
      if (known) return { kind: 'block', hash: known.hash, purpose: 'rescan' };
      if (r.nextHash?.height === h && r.nextHash.purpose === 'rescan') return { kind: 'block', hash: r.nextHash.hash, purpose: 'rescan' };
      return { kind: 'block_hash', height: h, purpose: 'rescan' };
    }
    if (tip.height < r.target.height) {
      const h = tip.height + 1;
      if (r.nextHash?.height === h && r.nextHash.purpose === 'connect') {
        return this.mode === 'blocks' ? { kind: 'block', hash: r.nextHash.hash, purpose: 'connect' } : { kind: 'header', hash: r.nextHash.hash, purpose: 'connect' };
      }
      return { kind: 'block_hash', height: h, purpose: 'connect' };
    }
    // Caught up with the tip we were told; ask again in case it moved while we connected.
    if (r.connected > 0 && r.tipAnswers < MAX_TIP_ANSWERS) {
      r.connected = 0;
      this.#retarget(r);
      return { kind: 'tip' };
    }
    if (this.mode === 'blocks' && this.#followMempool) {
      if (r.mempool === 'todo') return { kind: 'mempool' };
      if (r.mempool === 'fetching' && r.mempoolQueue.length > 0) return { kind: 'transactions', txids: r.mempoolQueue.slice(0, this.#mempoolBatch) };
    }
    if (this.mode === 'filtered' && r.lookups === 'todo') {
      const items = this.#registry.lookups();
      if (items.length > 0) return { kind: 'lookups', items };
      r.lookups = 'done';
    }
    return null;
  }

  #retarget(r: Round): void {
    r.target = null;
    r.probe = null;
    r.resolved = false;
    r.nextHash = null;
  }

  /** Starts the round over from the tip (the source's chain moved under us). */
  #restart(r: Round): void {
    r.restarts++;
    this.#retarget(r);
    r.mempool = 'todo';
    r.mempoolQueue = [];
    r.lookups = 'todo';
    if (r.restarts > MAX_RESTARTS) this.#round = null;
  }

  /**
   * Takes the source's answer to the outstanding request and returns the events it caused. A
   * wrong or inconsistent answer throws `ChainSourceError` (`chain.source.bad_response`) and
   * changes nothing; the adapter should then abort the round.
   */
  receive(answer: ChainAnswer): ChainEvent[] {
    const req = this.#pending;
    const r = this.#round;
    if (!req || !r) throw new ChainError('chain.unexpected_answer', 'no request is outstanding');
    if (answer.kind !== req.kind) throw new ChainError('chain.unexpected_answer', `expected a ${req.kind} answer, got ${answer.kind}`);
    const events: ChainEvent[] = [];
    this.#store.transaction(() => {
      switch (answer.kind) {
        case 'tip':
          this.#onTip(r, answer.tip);
          break;
        case 'block_hash':
          this.#onBlockHash(r, req as Pending & { kind: 'block_hash' }, answer, events);
          break;
        case 'header':
          this.#onHeader(r, req as Pending & { kind: 'header' }, answer, events);
          break;
        case 'block':
          this.#onBlock(r, req as Pending & { kind: 'block' }, answer, events);
          break;
        case 'mempool':
          this.#onMempool(r, answer);
          break;
        case 'transactions':
          this.#onTransactions(r, req as Pending & { kind: 'transactions' }, answer);
          break;
        case 'lookups':
          this.#onLookups(r, req as Pending & { kind: 'lookups' }, answer.results);
          break;
      }
      this.#noticeInteresting();
      events.push(...this.#registry.diff());
    });
    this.#pending = null;
    return events;
  }

  #onTip(r: Round, tip: BlockRef): void {
    if (!tip || typeof tip !== 'object') throw bad('no tip');
    const hash = checkAnswerHash(tip.hash, 'tip hash');
    if (!Number.isSafeInteger(tip.height) || tip.height < 0) throw bad('tip height is not a height');
    r.target = { height: tip.height, hash };
    r.tipAnswers++;
  }

  #onBlockHash(r: Round, req: { height: number; purpose?: string }, answer: { height: number; hash: string | null }, events: ChainEvent[]): void {
    if (answer.height !== req.height) throw new ChainError('chain.unexpected_answer', `asked for the hash at ${req.height}, got ${answer.height}`);
    if (answer.hash === null) {
      // The source has no block there any more: its chain moved while we asked.
      this.#restart(r);
      return;
    }
    const hash = checkAnswerHash(answer.hash, 'block hash');
    if (req.purpose === 'fork') {
      this.#onForkProbe(r, req.height, hash, events);
      return;
    }
    r.nextHash = { height: req.height, hash, purpose: req.purpose === 'rescan' ? 'rescan' : 'connect' };
  }

  #onForkProbe(r: Round, height: number, hash: string, events: ChainEvent[]): void {
    const ours = this.#headers.at(height);
    const tip = this.#headers.tip!;
    const target = r.target!;
    if (ours && ours.hash === hash) {
      if (height === target.height && target.height < tip.height) {
        // The source's best chain is a prefix of ours: its tip is lower, on our own chain.
        const seen = this.#shorter?.hash === target.hash ? this.#shorter.rounds + 1 : 1;
        this.#shorter = { hash: target.hash, rounds: seen };
        if (seen < this.#shorterChainRounds) {
          this.#round = null;
          return;
        }
      }
      this.#disconnectTo(height, target, events);
      r.resolved = true;
      this.#shorter = null;
      return;
    }
    const low = this.#headers.lowest!;
    if (height - 1 < low.height) {
      if (low.height === 0) {
        this.#halt({ code: 'chain.wrong_chain', message: `the source's block 0 is ${hash}, ours is ${low.hash}` });
      } else {
        this.#halt({
          code: 'chain.reorg_too_deep',
          message: `the source's chain forks below height ${low.height}, deeper than the ${this.maxReorgDepth} blocks we follow`,
        });
        events.push({ type: 'chain.reorg_too_deep', lowestKnownHeight: low.height, maxReorgDepth: this.maxReorgDepth, sourceTip: target });
      }
      return;
    }
    r.probe = height - 1;
  }

  #halt(reason: HaltReason): void {
    this.#halted = reason;
    this.#round = null;
  }

  #disconnectTo(forkHeight: number, newTip: BlockRef, events: ChainEvent[]): void {
    const tip = this.#headers.tip!;
    if (tip.height <= forkHeight) return;
    events.push({ type: 'chain.reorg', forkHeight, depth: tip.height - forkHeight, oldTip: { height: tip.height, hash: tip.hash }, newTip });
    while (this.#headers.tip!.height > forkHeight) {
      const gone = this.#headers.disconnectTip();
      this.#registry.disconnectBlock(gone.hash);
      this.#registry.setTip(gone.height - 1);
      events.push({ type: 'chain.block_disconnected', height: gone.height, hash: gone.hash });
    }
    // Transactions of the disconnected blocks go back to the mempool: fetch them again.
    this.#mempool.clear();
    const rescan = this.#rescan;
    if (rescan && rescan.toHeight > forkHeight) {
      // Heights above the fork are scanned when the new chain's blocks connect.
      this.#setRescan(rescan.cursor > forkHeight ? null : { ...rescan, toHeight: forkHeight }, events);
    }
  }

  /** `scannedTo`: the last height the rescan covered, when it ends. */
  #setRescan(next: RescanState | null, events: ChainEvent[], scannedTo?: number): void {
    const current = this.#rescan;
    this.#rescan = next;
    this.#store.putRescan(next);
    if (!next && current) events.push({ type: 'chain.rescan_finished', fromHeight: current.fromHeight, toHeight: scannedTo ?? current.cursor - 1 });
  }

  #onHeader(r: Round, req: { hash: string; purpose?: string }, answer: { hash: string; header: Uint8Array }, events: ChainEvent[]): void {
    if (answer.hash !== req.hash) throw new ChainError('chain.unexpected_answer', `asked for header ${req.hash}, got ${answer.hash}`);
    const header = checkedHeader(answer.header, req.hash);
    if (req.purpose === 'anchor') {
      const target = r.target!;
      const record = toRecord(header, target.height);
      this.#headers.anchor(record);
      this.#registry.setTip(record.height);
      events.push({ type: 'chain.block_connected', height: record.height, hash: record.hash, time: record.time });
      // Watches registered before the first sync want the blocks from their hints.
      const low = this.#registry.lowestHint();
      if (this.mode === 'blocks' && low !== null && low <= record.height) this.#extendRescan(low, record.height, events);
      r.resolved = true;
      return;
    }
    if (req.purpose === 'backfill') {
      const low = this.#headers.lowest!;
      this.#headers.prepend(toRecord(header, low.height - 1));
      return;
    }
    this.#connect(r, header, events);
  }

  #onBlock(r: Round, req: { hash: string; purpose?: string }, answer: { hash: string; block: Uint8Array }, events: ChainEvent[]): void {
    if (answer.hash !== req.hash) throw new ChainError('chain.unexpected_answer', `asked for block ${req.hash}, got ${answer.hash}`);
    let block;
    try {
      block = decodeBlock(answer.block);
    } catch (e) {
      if (e instanceof BitcoinError) throw bad(`block ${req.hash}: ${e.message}`);
      throw e;
    }
    const hash = txidToHex(block.hash);
    if (hash !== req.hash) throw bad(`asked for block ${req.hash}, the bytes hash to ${hash}`);
    if (!checkProofOfWork(block.header)) throw bad(`block ${hash} does not meet its own target`);
    if (req.purpose === 'rescan') {
      const rescan = this.#rescan!;
      const height = rescan.cursor;
      const known = this.#headers.at(height);
      if (known && known.hash !== hash) {
        this.#restart(r);
        return;
      }
      const status: TxStatus = { kind: 'confirmed', height, blockHash: hash };
      for (const t of block.transactions) this.#registry.offer(txidToHex(t.txid), t.raw, t.tx, status);
      const next = { ...rescan, cursor: height + 1 };
      r.nextHash = null;
      this.#setRescan(next.cursor > next.toHeight ? null : next, events, height);
      return;
    }
    if (!this.#connect(r, block.header, events)) return;
    const status: TxStatus = { kind: 'confirmed', height: this.#headers.tip!.height, blockHash: hash };
    const filter = this.#spendFilter;
    for (const t of block.transactions) {
      const id = txidToHex(t.txid);
      this.#registry.offer(id, t.raw, t.tx, status);
      this.#mempool.forget(id);
      if (filter) {
        for (const input of t.tx.inputs) {
          const outpoint = outpointKeyOf(input.prevout);
          if (filter(outpoint)) events.push({ type: 'chain.spend_seen', outpoint, txid: id, height: status.height });
        }
      }
    }
  }

  /** Connects a header on top of our tip; false (and a restart) when it does not fit there. */
  #connect(r: Round, header: BlockHeader, events: ChainEvent[]): boolean {
    const tip = this.#headers.tip!;
    const record = toRecord(header, tip.height + 1);
    if (record.prevHash !== tip.hash) {
      this.#restart(r);
      return false;
    }
    this.#headers.connect(record);
    this.#registry.setTip(record.height);
    r.connected++;
    r.nextHash = null;
    events.push({ type: 'chain.block_connected', height: record.height, hash: record.hash, time: record.time });
    return true;
  }

  #onMempool(r: Round, answer: { txids: readonly string[]; tipHash: string }): void {
    const txids = answer.txids.map((t) => checkAnswerHash(t, 'mempool txid'));
    const tipHash = checkAnswerHash(answer.tipHash, 'tip hash');
    if (tipHash !== this.#headers.tip!.hash) {
      // A block arrived while we listed the mempool: catch up first, else its transactions
      // would look evicted.
      r.mempoolRestarts++;
      if (r.mempoolRestarts > MAX_RESTARTS) r.mempool = 'done';
      else this.#retarget(r);
      return;
    }
    const current = new Set(txids);
    for (const id of this.#registry.mempoolTxids()) if (!current.has(id)) this.#registry.evict(id);
    r.mempoolQueue = this.#mempool.reconcile(txids);
    r.mempool = 'fetching';
  }

  #onTransactions(r: Round, req: { txids: readonly string[] }, answer: { txs: readonly (Uint8Array | null)[] }): void {
    if (answer.txs.length !== req.txids.length) throw bad(`asked for ${req.txids.length} transactions, got ${answer.txs.length}`);
    const mempool: TxStatus = { kind: 'mempool' };
    const fetched: { txid: string; tx: Transaction; raw: Uint8Array }[] = [];
    req.txids.forEach((txid, i) => {
      const raw = answer.txs[i];
      if (!raw) {
        this.#mempool.forget(txid);
        return;
      }
      let tx: Transaction;
      try {
        tx = decodeTx(raw);
      } catch (e) {
        if (e instanceof BitcoinError) throw bad(`mempool transaction ${txid}: ${e.message}`);
        throw e;
      }
      const got = txidToHex(computeTxid(tx));
      if (got !== txid) throw bad(`asked for transaction ${txid}, the bytes hash to ${got}`);
      fetched.push({ txid, tx, raw });
    });
    // Twice: a child listed before its parent is relevant only once the parent is known.
    for (let pass = 0; pass < 2; pass++) for (const f of fetched) this.#registry.offer(f.txid, f.raw, f.tx, mempool);
    for (const f of fetched) this.#mempool.record(f.txid, f.tx.inputs.map((i) => outpointKeyOf(i.prevout)));
    r.mempoolQueue = r.mempoolQueue.slice(req.txids.length);
    if (r.mempoolQueue.length === 0) r.mempool = 'done';
  }

  #offerChecked(raw: Uint8Array, status: TxStatus, what: string): string {
    try {
      return this.#registry.offerRaw(raw, status).txid;
    } catch (e) {
      if (e instanceof BitcoinError) throw bad(`${what}: ${e.message}`);
      throw e;
    }
  }

  /**
   * Filtered mode. A confirmation is taken only in a block of our chain (checked against our
   * headers when the height is within them); one from elsewhere means the source moved on, and
   * the round starts over once the rest is applied.
   */
  #onLookups(r: Round, req: { items: readonly { kind: string }[] }, results: readonly LookupResult[]): void {
    if (results.length !== req.items.length) throw bad(`asked ${req.items.length} lookups, got ${results.length} answers`);
    let stale = false;
    const fits = (f: FoundTx): boolean => {
      if (f.status.kind === 'mempool') return true;
      const tip = this.#headers.tip!;
      if (f.status.height > tip.height) return false;
      const ours = this.#headers.at(f.status.height);
      return ours === undefined || ours.hash === f.status.blockHash;
    };
    const apply = (f: FoundTx, what: string, expected?: string): string | null => {
      checkFoundStatus(f.status, what);
      if (!fits(f)) {
        stale = true;
        return null;
      }
      const got = this.#offerChecked(f.raw, f.status, what);
      if (expected !== undefined && got !== expected) throw bad(`${what}: asked for ${expected}, the bytes hash to ${got}`);
      return got;
    };
    results.forEach((res, i) => {
      const item = req.items[i] as { kind: string; txid?: string; vout?: number; script?: string };
      if (res.kind !== item.kind) throw bad(`lookup ${i} is a ${item.kind}, the answer a ${res.kind}`);
      if (res.kind === 'tx') {
        if (res.txid !== item.txid) throw bad(`lookup ${i}: asked about ${item.txid}, answered about ${res.txid}`);
        if (res.found) apply(res.found, `transaction ${res.txid}`, res.txid);
        else this.#registry.evict(res.txid);
      } else if (res.kind === 'outspend') {
        if (res.txid !== item.txid || res.vout !== item.vout) throw bad(`lookup ${i}: answered about another outpoint`);
        const key = `${res.txid}:${res.vout}`;
        if (res.spender) {
          const got = apply(res.spender, `spender of ${key}`);
          if (got !== null && !this.#spends(res.spender.raw, key)) throw bad(`the spender of ${key} does not spend it`);
          if (got !== null && res.spender.status.kind === 'mempool') {
            // The source names one mempool spender: the others were replaced.
            for (const id of this.#registry.mempoolSpendersOf(key)) if (id !== got) this.#registry.evict(id);
          }
        } else {
          for (const id of this.#registry.mempoolSpendersOf(key)) this.#registry.evict(id);
        }
      } else {
        if (res.script !== item.script) throw bad(`lookup ${i}: asked about another script`);
        // Payments first, so spends of them are recognised whatever order the history is in.
        const sorted = [...res.txs].sort((a, b) => order(a.status) - order(b.status));
        const present = new Set<string>();
        for (const f of sorted) {
          const got = apply(f, `history of script ${res.script.slice(0, 16)}…`);
          if (got) present.add(got);
        }
        for (const f of sorted) {
          // A second pass: a spend listed before the payment it spends is relevant only now.
          const got = apply(f, `history of script ${res.script.slice(0, 16)}…`);
          if (got) present.add(got);
        }
        if (res.complete) for (const id of this.#registry.mempoolTxidsForScript(res.script)) if (!present.has(id)) this.#registry.evict(id);
      }
    });
    r.lookups = 'done';
    if (stale) this.#restart(r);
  }

  #spends(raw: Uint8Array, key: string): boolean {
    return decodeTx(raw).inputs.some((i) => `${txidToHex(i.prevout.txid)}:${i.prevout.vout}` === key);
  }
}

function order(s: TxStatus): number {
  return s.kind === 'confirmed' ? s.height : Number.MAX_SAFE_INTEGER;
}


function bad(message: string): ChainSourceError {
  return new ChainSourceError('chain.source.bad_response', message);
}

function checkAnswerHash(value: unknown, field: string): string {
  try {
    return checkHash(value, field);
  } catch {
    throw bad(`${field} is not a 64-digit hex hash`);
  }
}

function checkFoundStatus(s: TxStatus, what: string): void {
  if (!s || (s.kind !== 'mempool' && s.kind !== 'confirmed')) throw bad(`${what}: no status`);
  if (s.kind === 'confirmed') {
    try {
      checkHeight(s.height, 'height');
    } catch {
      throw bad(`${what}: the block height is not a height`);
    }
    checkAnswerHash(s.blockHash, `${what}: block hash`);
  }
}

function checkedHeader(bytes: Uint8Array, expected: string): BlockHeader {
  let header: BlockHeader;
  try {
    header = decodeHeader(bytes);
  } catch (e) {
    if (e instanceof BitcoinError) throw bad(`header ${expected}: ${e.message}`);
    throw e;
  }
  const hash = txidToHex(headerHash(header));
  if (hash !== expected) throw bad(`asked for header ${expected}, the bytes hash to ${hash}`);
  if (!checkProofOfWork(header)) throw bad(`header ${hash} does not meet its own target`);
  return header;
}

function toRecord(h: BlockHeader, height: number): HeaderRecord {
  return { height, hash: txidToHex(headerHash(h)), prevHash: txidToHex(h.prevHash), time: h.time };
}
