/**
 * WalletService: the adapter that connects the on-chain wallet core (core/wallet) to the chain
 * layer, the way LDK's `Confirm` users sync (and LND's wallet follows chainntnfs):
 *
 * - it watches every script the wallet watches (owner `wallet`): the look-ahead window and the
 *   used scripts, and from then on each `newScripts` a wallet call returns. The height hint is the
 *   block that revealed them, so a block whose earlier transaction widened the window is scanned
 *   again for the rest (the tracker rescans from the hint); during a restore from backup words, it
 *   is the birthday, until the node is in sync with no rescan left;
 * - it watches the wallet's unspent outputs (`watchedOutpoints`) and lets go of them once their
 *   spend is confirmed;
 * - it feeds the wallet from the chain's events: the transactions of one block together, parents
 *   first (`transactionsConfirmed`, with the block's header time), then mempool ones
 *   (`mempoolTransaction`), a transaction whose block left the best chain
 *   (`transactionUnconfirmed`), and the tip (`bestBlockUpdated`);
 * - at start it reads the chain's views instead of replaying events it missed (a crash between
 *   the chain's write and the wallet's): every transaction of the wallet's scripts, and each of the
 *   wallet's confirmed transactions is checked to be still where the wallet saw it;
 * - it broadcasts the wallet's sends only after the wallet persisted them (the wallet writes a
 *   send before returning it), rebroadcasts `pendingBroadcasts()` once the chain is in sync after
 *   a start, and abandons a send whose broadcast is refused (a conflict; for a new send, any
 *   refusal), so its coins are spendable again and the chain stops rebroadcasting it.
 *
 * Chain events arrive synchronously from the sync loop, all of one source answer at once; they are
 * queued and applied together in a microtask, so the transactions of a block are fed in one call.
 * Watching a new script publishes events again (what the chain knows about it): they join the queue.
 */
import { decodeTx, txidToHex, txWeight, type Transaction } from '../../bitcoin';
import { fromHex, toHex } from '../../crypto';
import { GlasswingError } from '../../errors';
import type { BroadcastOutcome, ChainEvent, FeeEstimate, TxStatus, WatchSpec, WatchView } from '../../chain';
import {
  balanceView, feeRateFromSatPerVb, feeRateOf, feeRateToSatPerVb, utxoInfo, vsizeOf, walletTxInfo,
  Wallet, type BalanceView, type ChainUpdate, type SendResult, type UtxoInfo, type WalletEvent, type WalletSnapshot, type WalletTxInfo,
} from '../../wallet';
import type { Clock } from '../clock';
import { FEE_TARGETS, type WalletSendInfo, type WalletSendPreview } from './types';

/** The owner name of the wallet's watches. */
export const WALLET_WATCH_OWNER = 'wallet';

/**
 * Errors of the wallet adapter. Codes:
 * - `wallet.no_chain` — the node runs without a chain source: nothing can be received or sent
 * - `wallet.chain_not_ready` — the chain has not synced once yet, so an address could be paid unseen
 * - `wallet.broadcast_refused` — the chain source refused the send (details: outcome, detail); it was abandoned
 * - `wallet.no_preview` — this adapter was built without the wallet store's snapshot
 */
export class WalletServiceError extends GlasswingError {}

/** What the adapter needs of the chain layer (core/runtime/chain's ChainSync and tracker, wired by the node). */
export interface WalletChainPort {
  /** The best block the chain layer follows, or null before its first sync. */
  tip(): { readonly height: number; readonly hash: string; readonly time: number } | null;
  /** The header time (unix s) of block `hash` at `height` while the chain keeps its header, else null. */
  blockTime(height: number, hash: string): number | null;
  /** Ids of the watches `owner` holds. */
  watchIds(owner: string): ReadonlySet<string>;
  watch(spec: WatchSpec, owner: string): string;
  unwatch(watchId: string, owner: string): boolean;
  view(watchId: string): WatchView | undefined;
  /** Where a transaction the watches matched is, or null. */
  txStatus(txid: string): TxStatus | null;
  /** True while blocks below the tip are scanned again for late watches. */
  rescanning(): boolean;
  /** The last sync round ended at the source's tip (and nothing halted it since). */
  inSync(): boolean;
  /** Keeps `raw` as ours (persisted), hands it to the source, reports what it said. Never throws for a refusal. */
  broadcast(raw: Uint8Array): Promise<{ readonly txid: string; readonly outcome: BroadcastOutcome }>;
  /** Stops rebroadcasting one of ours. */
  forget(txid: string): void;
  feeEstimate(target: number): FeeEstimate;
}

/** The events the adapter reads: the chain's, and the sync state. */
export type WalletChainEvent = ChainEvent | { readonly type: 'chain.sync_state'; readonly sync: { readonly state: string } };

export interface WalletServiceOptions {
  readonly wallet: Wallet;
  /** Null: the node runs without a chain (the wallet can be read, not used). */
  readonly chain: WalletChainPort | null;
  readonly clock: Clock;
  readonly publish: (event: WalletEvent) => void;
  /**
   * A restore from backup words in progress: scripts are watched from `birthday` until the chain
   * is in sync with no rescan left; then `done` is called (the node forgets the restore).
   */
  readonly restore?: { readonly birthday: number; readonly done: () => void } | null;
  /**
   * What the wallet's store holds (its `load`): previews build a send on a copy of the wallet
   * whose writes go nowhere, so the person sees the exact fee before anything is kept or sent.
   */
  readonly snapshot?: () => WalletSnapshot | null;
  readonly log?: (line: Record<string, unknown>) => void;
}

interface Found {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly status: TxStatus;
}

/** Blocks whose header time is remembered from `chain.block_connected` (rescans reach further back). */
const BLOCK_TIMES_KEPT = 500;

/** Seconds per block, to date a transaction of an old block whose header the chain no longer keeps. */
const TARGET_SPACING_S = 600;

/** Broadcast outcomes that mean the source has the transaction. */
const TAKEN = new Set(['accepted', 'already_known', 'already_confirmed']);

export class WalletService {
  readonly wallet: Wallet;
  readonly #chain: WalletChainPort | null;
  readonly #clock: Clock;
  readonly #publish: (event: WalletEvent) => void;
  readonly #log: (line: Record<string, unknown>) => void;
  readonly #snapshot: (() => WalletSnapshot | null) | undefined;
  #restore: { readonly birthday: number; readonly done: () => void } | null;
  /** Watch ids the wallet holds (scripts and outpoints). */
  #watched = new Set<string>();
  #registered = false;
  #queue: WalletChainEvent[] = [];
  #flushScheduled = false;
  #flushing = false;
  #needsResync = false;
  #rebroadcast: 'waiting' | 'running' | 'done' = 'waiting';
  readonly #blockTimes = new Map<string, number>();
  #stopped = false;

  constructor(opts: WalletServiceOptions) {
    this.wallet = opts.wallet;
    this.#chain = opts.chain;
    this.#clock = opts.clock;
    this.#publish = opts.publish;
    this.#log = opts.log ?? (() => undefined);
    this.#snapshot = opts.snapshot;
    this.#restore = opts.chain ? (opts.restore ?? null) : null;
  }

  /** The chain is followed (a source is configured). */
  get hasChain(): boolean {
    return this.#chain !== null;
  }

  /** A restore from words is still scanning: its birthday, else null. */
  get restoreBirthday(): number | null {
    return this.#restore?.birthday ?? null;
  }

  /**
   * Watches the wallet's scripts and catches up with what the chain already knows. Before the
   * chain's first sync there is no height to watch from: a new wallet waits for the first block
   * (nothing older can pay it), a restored one watches from its birthday at once.
   */
  start(): void {
    const chain = this.#chain;
    if (!chain || this.#stopped) return;
    this.#watched = new Set(chain.watchIds(WALLET_WATCH_OWNER));
    const tip = chain.tip();
    if (tip) {
      this.#registerAll(Math.min(tip.height, this.wallet.bestBlock?.height ?? tip.height));
      this.#resync();
    } else if (this.#restore) {
      this.#registerAll(this.#restore.birthday);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#queue = [];
  }

  /** A chain event (from the sync loop's callback): applied with the others of its batch. */
  onChainEvent(event: WalletChainEvent): void {
    if (!this.#chain || this.#stopped) return;
    this.#queue.push(event);
    if (this.#flushScheduled || this.#flushing) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /**
   * Takes the result of a wallet call made by another adapter (the channel service's funding,
   * sweep scripts, CPFP children): publishes its events, watches the scripts it revealed and the
   * outputs it created.
   */
  adopt(update: { readonly events: readonly WalletEvent[]; readonly newScripts?: readonly Uint8Array[] }): void {
    if (this.#stopped) return;
    this.#take({ events: update.events, newScripts: update.newScripts ?? [] });
    this.#syncOutpoints();
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  balance(): BalanceView {
    return balanceView(this.wallet.balance());
  }

  listFunds(): UtxoInfo[] {
    return this.wallet.listUtxos().map(utxoInfo);
  }

  listTransactions(): WalletTxInfo[] {
    return this.wallet.listTransactions().map(walletTxInfo);
  }

  // ------------------------------------------------------------------------------------------
  // Requests

  /** A fresh receive address (its index persisted first). Needs a chain that synced once. */
  newAddress(): { address: string } {
    const chain = this.#requireChain();
    const tip = chain.tip();
    if (!tip) {
      throw new WalletServiceError('wallet.chain_not_ready', 'the chain has not synced yet: an address handed out now could be paid before the node sees its blocks; try again in a moment');
    }
    const { address, newScripts } = this.wallet.newAddress();
    this.#watchScripts(newScripts, tip.height + 1);
    return { address };
  }

  /**
   * Pays `amountSat` (or everything) to `address` at `feeRateSatVb`, or at the chain's estimate
   * for six blocks. The wallet persists the send before it is broadcast.
   */
  async withdraw(req: { readonly address: string; readonly amountSat: bigint | 'all'; readonly feeRateSatVb?: number }): Promise<WalletSendInfo> {
    const chain = this.#requireChain();
    const feeRateSatVb = req.feeRateSatVb ?? chain.feeEstimate(FEE_TARGETS.normal).satPerVbyte;
    const result = this.wallet.withdraw({ address: req.address, amountSat: req.amountSat, feeRateSatVb, nowMs: this.#clock.now() });
    this.#take(result, this.#nextHeight());
    return await this.#send(result, feeRateSatVb, null);
  }

  /**
   * Replaces our unconfirmed withdrawal `txid` by one paying `feeRateSatVb` — by default the
   * chain's next-blocks estimate, or the least BIP 125 lets a replacement pay if that is more.
   */
  async bumpFee(req: { readonly txid: string; readonly feeRateSatVb?: number }): Promise<WalletSendInfo> {
    const chain = this.#requireChain();
    const feeRateSatVb = req.feeRateSatVb ?? this.#defaultBumpRate(req.txid, chain);
    const result = this.wallet.bumpFee({ txid: req.txid, feeRateSatVb, nowMs: this.#clock.now() });
    this.#take(result, this.#nextHeight());
    return await this.#send(result, feeRateSatVb, req.txid);
  }

  /**
   * What `withdraw` would build now — amount, fee, size, total — without keeping or sending
   * anything (the same wallet code on a copy whose writes go nowhere). Refusals are the same typed
   * errors `withdraw` would give.
   */
  previewWithdraw(req: { readonly address: string; readonly amountSat: bigint | 'all'; readonly feeRateSatVb?: number }): WalletSendPreview {
    const chain = this.#requireChain();
    const feeRateSatVb = req.feeRateSatVb ?? chain.feeEstimate(FEE_TARGETS.normal).satPerVbyte;
    const dry = this.#dryRun();
    return preview(dry, dry.withdraw({ address: req.address, amountSat: req.amountSat, feeRateSatVb, nowMs: this.#clock.now() }), feeRateSatVb, null);
  }

  /** What `bumpFee` would build now, without keeping or sending anything; also the least rate a replacement may pay. */
  previewBumpFee(req: { readonly txid: string; readonly feeRateSatVb?: number }): WalletSendPreview {
    const chain = this.#requireChain();
    const feeRateSatVb = req.feeRateSatVb ?? this.#defaultBumpRate(req.txid, chain);
    const dry = this.#dryRun();
    return preview(dry, dry.bumpFee({ txid: req.txid, feeRateSatVb, nowMs: this.#clock.now() }), feeRateSatVb, req.txid);
  }

  /** A copy of the wallet on what its store holds, writing nowhere (for previews). */
  #dryRun(): Wallet {
    const snapshot = this.#snapshot;
    if (!snapshot) throw new WalletServiceError('wallet.no_preview', 'previews are not available here');
    const dry = Wallet.open({ keys: this.wallet.keys, store: { load: snapshot, apply: () => undefined }, config: this.wallet.config });
    // The same anchor reserve (a whole number of channels gives it: min(n × per channel, cap)).
    const per = this.wallet.config.anchorReservePerChannelSat;
    const reserve = this.wallet.anchorReserveSat();
    if (reserve > 0n && per > 0n) dry.setAnchorChannels(Number((reserve + per - 1n) / per));
    return dry;
  }

  /** The least fee rate a replacement of `txid` may pay (sat/vB), or null when the wallet did not build it. */
  minimumBumpRate(txid: string): number | null {
    const view = this.wallet.transaction(txid);
    const raw = this.wallet.rawTransaction(txid);
    if (!view || !raw || view.feeSat === null) return null;
    const old = feeRateOf(view.feeSat, vsizeOf(txWeight(decodeTx(raw))));
    return feeRateToSatPerVb(old + feeRateFromSatPerVb(this.wallet.config.incrementalRelayFeeSatVb));
  }

  #defaultBumpRate(txid: string, chain: WalletChainPort): number {
    const fast = chain.feeEstimate(FEE_TARGETS.fast).satPerVbyte;
    const minimum = this.minimumBumpRate(txid);
    return minimum === null ? fast : Math.max(fast, minimum);
  }

  async #send(result: SendResult, feeRateSatVb: number, replaces: string | null): Promise<WalletSendInfo> {
    const chain = this.#requireChain();
    const { outcome } = await chain.broadcast(result.tx);
    if (!TAKEN.has(outcome.kind) && outcome.kind !== 'source_down') {
      this.#abandon(result.txid, outcome);
      throw new WalletServiceError(
        'wallet.broadcast_refused',
        `the chain source refused the transaction (${outcome.kind}${outcome.detail ? `: ${outcome.detail}` : ''}); it was abandoned and its coins are spendable again`,
        { txid: result.txid, outcome: outcome.kind, ...(outcome.detail ? { detail: outcome.detail } : {}) },
      );
    }
    this.#syncOutpoints();
    return { ...preview(this.wallet, result, feeRateSatVb, replaces), txid: result.txid, broadcast: outcome.kind };
  }

  /** Gives up on a send the source refused: the wallet frees its coins, the chain stops rebroadcasting it. */
  #abandon(txid: string, outcome: BroadcastOutcome): void {
    this.#log({ event: 'wallet_send_abandoned', txid, outcome: outcome.kind, ...(outcome.detail ? { detail: outcome.detail } : {}) });
    try {
      this.#take(this.wallet.abandonTransaction(txid));
    } catch (e) {
      // Confirmed or replaced meanwhile: nothing to abandon.
      this.#log({ event: 'wallet_abandon_skipped', txid, code: e instanceof GlasswingError ? e.code : 'internal' });
    }
    this.#chain?.forget(txid);
  }

  /** After a start, once in sync: our unconfirmed sends go out again, parents first. */
  async #rebroadcastPending(): Promise<void> {
    const chain = this.#chain;
    if (!chain || this.#rebroadcast !== 'waiting') return;
    this.#rebroadcast = 'running';
    try {
      for (const { txid, tx } of this.wallet.pendingBroadcasts()) {
        const { outcome } = await chain.broadcast(tx);
        if (this.#stopped) return;
        this.#log({ event: 'wallet_rebroadcast', txid, outcome: outcome.kind });
        // Another transaction spends its coins for good: it can never confirm.
        if (outcome.kind === 'conflict') this.#abandon(txid, outcome);
      }
    } finally {
      this.#rebroadcast = 'done';
    }
  }

  #requireChain(): WalletChainPort {
    if (!this.#chain) {
      throw new WalletServiceError('wallet.no_chain', 'the node runs without a chain: start it with --chain bitcoind-rpc or --chain esplora to receive and send coins');
    }
    return this.#chain;
  }

  /** The height a script first handed out now can be paid at. */
  #nextHeight(): number {
    return (this.#chain?.tip()?.height ?? -1) + 1;
  }

  // ------------------------------------------------------------------------------------------
  // Watches

  #registerAll(height: number): void {
    this.#registered = true;
    this.#watchScripts(this.wallet.watchedScripts(), height);
    this.#syncOutpoints();
  }

  /** Watches scripts the wallet just started to watch, from `height` (a restore: from its birthday). */
  #watchScripts(scripts: readonly Uint8Array[], height: number): void {
    const chain = this.#chain;
    if (!chain || !this.#registered) return;
    const heightHint = this.#restore ? Math.min(this.#restore.birthday, height) : Math.max(0, height);
    for (const s of scripts) {
      const script = toHex(s);
      const id = `script:${script}`;
      if (this.#watched.has(id)) continue;
      chain.watch({ kind: 'script', script, heightHint }, WALLET_WATCH_OWNER);
      this.#watched.add(id);
    }
  }

  /**
   * The wallet's unspent outputs are watched until their spend confirms. The scripts' watches
   * already see their history, so these look only ahead (hint: the next block).
   */
  #syncOutpoints(): void {
    const chain = this.#chain;
    if (!chain || !this.#registered) return;
    const want = new Map(this.wallet.watchedOutpoints().map((o) => [`outpoint:${o.txid}:${o.vout}`, o]));
    const heightHint = this.#nextHeight();
    for (const [id, o] of want) {
      if (this.#watched.has(id)) continue;
      chain.watch({ kind: 'outpoint', txid: o.txid, vout: o.vout, script: toHex(o.scriptPubKey), heightHint }, WALLET_WATCH_OWNER);
      this.#watched.add(id);
    }
    for (const id of [...this.#watched]) {
      if (!id.startsWith('outpoint:') || want.has(id)) continue;
      chain.unwatch(id, WALLET_WATCH_OWNER);
      this.#watched.delete(id);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Feeding the wallet

  /** Publishes a wallet call's events and watches the scripts it revealed from `height`. */
  #take(update: ChainUpdate | { readonly events: readonly WalletEvent[] }, height = this.#nextHeight()): void {
    for (const e of update.events) this.#publish(e);
    if ('newScripts' in update && update.newScripts.length > 0) this.#watchScripts(update.newScripts, height);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#flushing || this.#stopped) return;
    this.#flushing = true;
    try {
      if (this.#needsResync) {
        this.#needsResync = false;
        this.#resync();
      }
      while (this.#queue.length > 0 && !this.#stopped) this.#apply(this.#queue.splice(0));
    } catch (e) {
      // The wallet reloaded itself from its store; read the chain's views again next time.
      this.#needsResync = true;
      this.#log({ event: 'wallet_feed_failed', code: e instanceof GlasswingError ? e.code : 'internal', message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.#flushing = false;
    }
  }

  #apply(batch: readonly WalletChainEvent[]): void {
    const chain = this.#chain!;
    let found: Found[] = [];
    let reorged = false;
    let synced = false;
    let rescanned = false;
    const feed = (): void => {
      if (found.length) this.#feed(found);
      found = [];
    };
    for (const e of batch) {
      switch (e.type) {
        case 'chain.block_connected':
          this.#rememberTime(e.hash, e.time);
          // A new wallet watches from the chain's first block.
          if (!this.#registered) this.#registerAll(e.height);
          break;
        case 'chain.script_paid':
        case 'chain.script_spent':
          found.push({ txid: e.txid, raw: fromHex(e.txHex), status: e.status });
          break;
        case 'chain.outpoint_spent':
          found.push({ txid: e.spendingTxid, raw: fromHex(e.txHex), status: e.status });
          break;
        case 'chain.script_unconfirmed':
          // Evicted from the mempool: the wallet keeps it unconfirmed (it may come back).
          if (e.reason === 'reorg') {
            feed();
            this.#take(this.wallet.transactionUnconfirmed(e.txid));
          }
          break;
        case 'chain.outpoint_unspent':
          if (e.reason === 'reorg') {
            feed();
            this.#take(this.wallet.transactionUnconfirmed(e.formerSpendingTxid));
          }
          break;
        case 'chain.block_disconnected':
        case 'chain.reorg':
          reorged = true;
          break;
        case 'chain.sync_state':
          if (e.sync.state === 'in_sync') synced = true;
          break;
        case 'chain.rescan_finished':
          rescanned = true;
          break;
        default:
          break;
      }
    }
    feed();
    if (reorged) this.#checkConfirmed();
    this.#followTip();
    this.#syncOutpoints();
    if ((synced || rescanned) && chain.inSync()) this.#finishRestore(chain);
    if (synced && chain.inSync()) void this.#rebroadcastPending();
  }

  #finishRestore(chain: WalletChainPort): void {
    if (!this.#restore || !this.#registered || chain.rescanning()) return;
    const { birthday, done } = this.#restore;
    this.#restore = null;
    this.#log({ event: 'wallet_restore_scanned', fromHeight: birthday, toHeight: chain.tip()?.height ?? null });
    done();
  }

  /**
   * Feeds transactions the chain reported: confirmed ones block by block (lowest first), each
   * block's in one call with parents first; then the mempool ones, parents first.
   */
  #feed(found: readonly Found[]): void {
    const latest = new Map<string, Found>();
    for (const f of found) latest.set(f.txid, f);
    const blocks = new Map<string, { height: number; hash: string; txs: Found[] }>();
    const mempool: Found[] = [];
    for (const f of latest.values()) {
      if (f.status.kind === 'mempool') {
        mempool.push(f);
        continue;
      }
      const key = f.status.blockHash;
      const block = blocks.get(key) ?? { height: f.status.height, hash: key, txs: [] };
      block.txs.push(f);
      blocks.set(key, block);
    }
    for (const block of [...blocks.values()].sort((a, b) => a.height - b.height)) {
      const update = this.wallet.transactionsConfirmed({ height: block.height, hash: block.hash, time: this.#timeOf(block.height, block.hash) }, parentsFirst(block.txs));
      this.#take(update, block.height);
    }
    const now = this.#clock.now();
    for (const raw of parentsFirst(mempool)) this.#take(this.wallet.mempoolTransaction(raw, now), this.#nextHeight());
  }

  /** LDK `Confirm`: each transaction the wallet has confirmed must still be in that block of the best chain. */
  #checkConfirmed(): void {
    const chain = this.#chain!;
    for (const r of this.wallet.relevantTxids()) {
      const status = chain.txStatus(r.txid);
      if (status?.kind === 'confirmed' && status.blockHash === r.blockHash) continue;
      this.#take(this.wallet.transactionUnconfirmed(r.txid));
    }
  }

  #followTip(): void {
    const tip = this.#chain!.tip();
    if (!tip) return;
    const best = this.wallet.bestBlock;
    if (best?.hash !== tip.hash) this.#take(this.wallet.bestBlockUpdated(tip.height, tip.hash), tip.height);
  }

  /** Catches up from the chain's views (at start, or after a failed feed). */
  #resync(): void {
    const chain = this.#chain!;
    const found: Found[] = [];
    for (const id of this.#watched) {
      const view = chain.view(id);
      if (view?.kind === 'script') for (const t of view.txs) found.push({ txid: t.txid, raw: fromHex(t.txHex), status: t.status });
      else if (view?.kind === 'outpoint' && view.spender) found.push({ txid: view.spender.txid, raw: fromHex(view.spender.txHex), status: view.spender.status });
    }
    this.#checkConfirmed();
    this.#feed(found);
    this.#followTip();
    this.#syncOutpoints();
  }

  #rememberTime(hash: string, time: number): void {
    this.#blockTimes.set(hash, time);
    if (this.#blockTimes.size > BLOCK_TIMES_KEPT) this.#blockTimes.delete(this.#blockTimes.keys().next().value!);
  }

  /** A block's header time; for an old block the chain no longer keeps, an estimate from the tip (ten minutes a block). */
  #timeOf(height: number, hash: string): number {
    const known = this.#blockTimes.get(hash) ?? this.#chain!.blockTime(height, hash);
    if (known !== null && known !== undefined) return known;
    const tip = this.#chain!.tip();
    if (!tip) return 0;
    return Math.max(0, tip.time - (tip.height - height) * TARGET_SPACING_S);
  }
}

/** A send's amounts: what the payees get (every output but our change: a payment to an address of ours counts), fee, total. */
function preview(wallet: Wallet, result: SendResult, feeRateSatVb: number, replaces: string | null): WalletSendPreview {
  const change = wallet.listUtxos().filter((u) => u.txid === result.txid && u.chain === 'change').reduce((s, u) => s + u.amountSat, 0n);
  const paid = decodeTx(result.tx).outputs.reduce((s, o) => s + o.value, 0n) - change;
  return {
    amountSat: paid.toString(), feeSat: result.feeSat.toString(), totalSat: (paid + result.feeSat).toString(), vsize: result.vsize, feeRateSatVb,
    replaces,
  };
}

/** Orders transactions so that one spending another of the list comes after it. */
function parentsFirst(txs: readonly Found[]): Uint8Array[] {
  const byId = new Map<string, { raw: Uint8Array; tx: Transaction }>();
  for (const t of txs) byId.set(t.txid, { raw: t.raw, tx: decodeTx(t.raw) });
  const done = new Set<string>();
  const out: Uint8Array[] = [];
  const visit = (txid: string): void => {
    if (done.has(txid)) return;
    done.add(txid);
    const entry = byId.get(txid)!;
    for (const input of entry.tx.inputs) {
      const parent = txidToHex(input.prevout.txid);
      if (byId.has(parent)) visit(parent);
    }
    out.push(entry.raw);
  };
  for (const t of txs) visit(t.txid);
  return out;
}

