/**
 * The channel monitors of a node (BOLT 5 on-chain enforcement), one core/monitor ChannelMonitor per
 * channel, and what they need from outside: the channel's updates (fed by the channel service before
 * its messages leave), the chain (spends of the outputs each monitor follows, blocks, reorgs), fee
 * estimates, the wallet (CPFP children, fee inputs of anchor HTLC transactions) and whoever claims
 * upstream (preimages learned on chain, HTLCs timed out on chain).
 *
 * Order, as "persist before you promise" asks: a monitor step's snapshot (and the updates that made
 * it) is written before its actions are carried out; the channel service writes a channel's updates
 * in the same transaction as the channel itself, and only then lets its messages go.
 *
 * A closed channel whose every output is irrevocably resolved (core/monitor/retired.ts) is retired:
 * its final view is stored, its watches dropped, and from then on — this run and every start after —
 * it is that view (at the current height), not a ChannelMonitor restored from its log.
 */
import { decodeTx, encodeTx, txidToHex, type Transaction } from '../../bitcoin';
import { fromHex, toHex } from '../../crypto';
import { GlasswingError } from '../../errors';
import type { ChainEvent } from '../../chain';
import type { ChannelState } from '../../channel/state';
import {
  ChannelMonitor, isRetirable, monitorUpdatesBetween, outpointKey, retiredViewAt, type FeeEstimate, type MonitorAction, type MonitorEvent, type MonitorSigner, type MonitorStep,
  type MonitorUpdate, type MonitorView,
} from '../../monitor';
import type { ChannelChainPort, ChannelStores, ChannelWalletPort, OnChainResolution } from './ports';

/** The owner name of the channel service's chain watches. */
export const CHANNEL_WATCH_OWNER = 'channels';

/** The confirmation targets the monitors' fee policy reads (blocks). */
export const MONITOR_FEE_TARGETS = [1, 2, 3, 6, 12, 24, 72, 144] as const;

/** Broadcast outcomes that mean the source has (or had) the transaction. */
const TAKEN = new Set(['accepted', 'already_known', 'already_confirmed']);
/**
 * Refusals of a wallet-funded child that may pass a moment later: its parent or a wallet coin not in
 * the source's mempool yet (or replaced), a conflict with a child just abandoned, a replacement that
 * paid too little. Others (non-standard, rejected, not final) wait for the next block as before.
 */
const TRANSIENT = new Set(['missing_inputs', 'conflict', 'insufficient_fee']);
/** A refused CPFP / HTLC-fee request is asked again after 2 s, 4 s, 8 s, … at most this many times a block. */
export const CLAIM_RETRIES_PER_BLOCK = 4;
export const CLAIM_RETRY_BASE_MS = 2_000;

export interface ChannelMonitorsOptions {
  readonly stores: ChannelStores;
  readonly chain: ChannelChainPort | null;
  readonly wallet: ChannelWalletPort | null;
  readonly signerFor: (keyIndex: number) => MonitorSigner;
  readonly publish: (event: MonitorEvent) => void;
  readonly log: (line: Record<string, unknown>) => void;
  readonly upstream: (resolution: OnChainResolution) => void;
  /** Runs `fn` once after `delayMs` (the node's clock): retries of refused wallet-funded claims. None: they wait for the next block. */
  readonly schedule?: (name: string, delayMs: number, fn: () => void) => void;
}

/** A monitor step waiting to be written (with the updates that made it), then carried out. */
export interface PendingMonitorStep {
  readonly channelId: string;
  readonly updates: readonly MonitorUpdate[];
  readonly step: MonitorStep;
  readonly created: boolean;
}

interface Entry {
  readonly monitor: ChannelMonitor;
  readonly keyIndex: number;
  /** The channel state the monitor was last fed (its updates are derived from the next one). */
  fed: ChannelState | null;
  /** Updates written since the last checkpoint (what a restart reads after it). */
  sinceCheckpoint: number;
}

/**
 * A checkpoint (the monitor's folded log, compact) is written once this many updates were appended
 * after the last one: a restart reads at most this many log rows per channel however long it lived.
 */
export const MONITOR_CHECKPOINT_EVERY = 200;

export class ChannelMonitors {
  readonly #opts: ChannelMonitorsOptions;
  readonly #entries = new Map<string, Entry>();
  /** Outpoint key (display txid:vout) → the channel whose monitor follows it. */
  readonly #byOutpoint = new Map<string, string>();
  /** Our broadcasts go out one at a time, in the order the monitors asked (a commitment before its CPFP child). */
  #broadcasts: Promise<void> = Promise.resolve();
  #feeKey = '';
  #closed = false;
  /** Claim key → retries asked at the best height `height` (reset every block). */
  readonly #retries = new Map<string, { height: number; count: number }>();
  /** Retired monitors' final views (read from the store once, at the first restore). */
  #retired: Map<string, MonitorView> | null = null;
  /** Outpoints of monitors retired at restore, unwatched at start (the chain's watches outlive a run). */
  readonly #unwatchAtStart: string[] = [];

  constructor(opts: ChannelMonitorsOptions) {
    this.#opts = opts;
  }

  get enabled(): boolean {
    return this.#opts.wallet !== null && this.#opts.chain !== null;
  }

  /** Whether the channel has a monitor (live, or retired: closed with nothing left to follow). */
  has(channelId: string): boolean {
    return this.#entries.has(channelId) || this.#retiredViews().has(channelId);
  }

  /** Whether the channel's monitor is retired (nothing on chain can change its view any more). */
  retired(channelId: string): boolean {
    return !this.#entries.has(channelId) && this.#retiredViews().has(channelId);
  }

  view(channelId: string): MonitorView | null {
    const entry = this.#entries.get(channelId);
    if (entry) return entry.monitor.view();
    const retired = this.#retiredViews().get(channelId);
    return retired ? retiredViewAt(retired, this.#opts.chain?.tip()?.height ?? 0) : null;
  }

  views(): MonitorView[] {
    return [...this.#entries.keys(), ...this.#retiredViews().keys()].map((id) => this.view(id)!);
  }

  #retiredViews(): Map<string, MonitorView> {
    this.#retired ??= this.#opts.stores.monitors.retiredMonitors();
    return this.#retired;
  }

  /**
   * Loads a stored monitor (at start). The channel's state, when known, is what it was fed. A retired
   * one is its stored view (its log is not read); one that is retirable now is retired on the spot.
   */
  restore(channelId: string, keyIndex: number, state: ChannelState | null): boolean {
    if (this.#entries.has(channelId) || this.#retiredViews().has(channelId)) return true;
    const stored = this.#opts.stores.monitors.loadMonitor(channelId);
    if (!stored || stored.updates.length === 0) return false;
    const monitor = ChannelMonitor.restore(stored.updates, stored.snapshot, this.#opts.signerFor(keyIndex), { remoteHtlcs: this.#remoteHtlcs(channelId) });
    const view = monitor.view();
    // Closed and final before this start (a store from before retirement, or a kill before it was written).
    if (isRetirable(view) && this.#retireStored(channelId, view)) {
      this.#unwatchAtStart.push(outpointKey(monitor.data.params.fundingOutpoint), ...view.outputs.map((o) => o.outpoint));
      return true;
    }
    this.#entries.set(channelId, { monitor, keyIndex, fed: state, sinceCheckpoint: stored.sinceCheckpoint });
    // A long log with no checkpoint (written before checkpoints, or a channel that stopped moving): one now,
    // so the next restart does not read it all again.
    if (stored.sinceCheckpoint >= MONITOR_CHECKPOINT_EVERY) {
      this.#opts.stores.atomically(() => this.#opts.stores.monitors.saveMonitorCheckpoint(channelId, monitor.data.compact()));
      this.#entries.get(channelId)!.sinceCheckpoint = 0;
    }
    return true;
  }

  /** The store's HTLCs of the peer's commitments, asked only when a revoked one appears on chain. */
  #remoteHtlcs(channelId: string): (ctn: number) => ReturnType<ChannelStores['monitors']['remoteHtlcs']> {
    const monitors = this.#opts.stores.monitors;
    return (ctn) => monitors.remoteHtlcs(channelId, ctn);
  }

  /**
   * The monitor updates from the state it was fed to `next` (and `extra`: closing transactions we
   * signed), applied in memory. A channel without a monitor gets one (its `open` update carries a
   * fresh wallet script for sweeps). Null when there is nothing to write, or no wallet to sweep to.
   */
  advance(channelId: string, keyIndex: number, next: ChannelState, extra: readonly MonitorUpdate[] = []): PendingMonitorStep | null {
    const entry = this.#entries.get(channelId);
    if (!entry) {
      // A retired monitor's channel is over on chain: its link's later steps (going offline) are nothing to enforce.
      if (!this.#opts.wallet || this.#retiredViews().has(channelId)) return null;
      const updates = [...monitorUpdatesBetween(null, next, { sweepScript: this.#opts.wallet.freshScript() }), ...extra];
      const monitor = ChannelMonitor.open(updates, this.#opts.signerFor(keyIndex), { remoteHtlcs: this.#remoteHtlcs(channelId) });
      this.#entries.set(channelId, { monitor, keyIndex, fed: next, sinceCheckpoint: 0 });
      const tip = this.#opts.chain?.tip();
      const feeds = [monitor.start(), ...(tip ? [monitor.bestBlock(tip.height)] : []), monitor.feeratesUpdated(this.#estimates())];
      return { channelId, updates, step: mergeSteps(feeds), created: true };
    }
    const updates = [...monitorUpdatesBetween(entry.fed, next), ...extra];
    entry.fed = next;
    if (updates.length === 0) return null;
    return { channelId, updates, step: entry.monitor.applyUpdates(updates), created: false };
  }

  /** Writes a pending step: its updates appended, and its snapshot when it changed. Call inside the channel's transaction. */
  write(p: PendingMonitorStep): void {
    const entry = this.#entries.get(p.channelId)!;
    const m = entry.monitor;
    this.#opts.stores.monitors.appendMonitorUpdates(p.channelId, p.updates);
    if (p.step.persist || p.created) this.#opts.stores.monitors.saveMonitorSnapshot(p.channelId, m.snapshot(), m.view().state);
    // The monitor in memory has folded these updates (advance): its compact log is the log up to them.
    entry.sinceCheckpoint += p.updates.length;
    if (entry.sinceCheckpoint >= MONITOR_CHECKPOINT_EVERY) {
      this.#opts.stores.monitors.saveMonitorCheckpoint(p.channelId, m.data.compact());
      entry.sinceCheckpoint = 0;
    }
  }

  /** After the write: publish the step's events and carry out its actions. */
  after(p: PendingMonitorStep): void {
    this.#carryOut(p.channelId, p.step);
  }

  /**
   * BOLT 5 "Failing a Channel": broadcast our newest commitment (anchors: CPFP through our anchor).
   * Not when the funding is already spent, nor for a channel that has no monitor.
   */
  forceClose(channelId: string): { readonly commitmentTxid: string | null } | null {
    const entry = this.#entries.get(channelId);
    if (!entry || entry.monitor.view().state !== 'open') return null;
    let txid: string | null = null;
    this.#run(channelId, (m) => {
      const step = m.forceClose();
      for (const a of step.actions) if (a.type === 'broadcast' && a.label === 'commitment') txid = a.txid;
      return step;
    });
    return { commitmentTxid: txid };
  }

  /** Whether the channel's monitor knows the preimage of `paymentHash` (it can claim the HTLC on chain). */
  knowsPreimage(channelId: string, paymentHash: Uint8Array): boolean {
    return this.preimage(channelId, paymentHash) !== null;
  }

  preimage(channelId: string, paymentHash: Uint8Array): Uint8Array | null {
    return this.#entries.get(channelId)?.monitor.data.preimageFor(paymentHash) ?? null;
  }

  /**
   * A preimage for an incoming HTLC that cannot be fulfilled off chain now (the peer is away): the
   * monitor keeps it (written before this returns) and claims the HTLC on chain if the channel closes.
   */
  recordPreimage(channelId: string, preimage: Uint8Array): boolean {
    const entry = this.#entries.get(channelId);
    if (!entry) return false;
    const updates: MonitorUpdate[] = [{ kind: 'preimage', preimage: preimage.slice() }];
    const step = entry.monitor.applyUpdates(updates);
    const p: PendingMonitorStep = { channelId, updates, step, created: false };
    this.#opts.stores.atomically(() => this.write(p));
    this.after(p);
    return true;
  }

  /** Forgets a channel whose funding never confirmed (a fundee after 2016 blocks): no watches, no rows. */
  forget(channelId: string): void {
    const entry = this.#entries.get(channelId);
    if (!entry) return;
    this.#retired?.delete(channelId);
    this.#entries.delete(channelId);
    for (const [key, id] of [...this.#byOutpoint]) {
      if (id !== channelId) continue;
      this.#byOutpoint.delete(key);
      this.#opts.chain?.unwatch(`outpoint:${key}`, CHANNEL_WATCH_OWNER);
    }
    this.#opts.stores.monitors.deleteMonitor(channelId);
  }

  /**
   * At start (or once the chain is there): every monitor re-registers its watches and hands out
   * its unconfirmed claims again; what the chain already knows of each watch is read from its view
   * (events emitted while the node was down are not replayed).
   */
  start(): void {
    for (const key of this.#unwatchAtStart.splice(0)) this.#opts.chain?.unwatch(`outpoint:${key}`, CHANNEL_WATCH_OWNER);
    for (const channelId of this.#entries.keys()) this.#run(channelId, (m) => m.start());
    this.resync();
    this.refreshFees();
  }

  close(): void {
    this.#closed = true;
  }

  /** Reads every watched outpoint's view and the tip (at start, or after a feed failed). */
  resync(): void {
    const chain = this.#opts.chain;
    if (!chain) return;
    const spends = new Map<string, { tx: Transaction; height: number }[]>();
    for (const [key, channelId] of this.#byOutpoint) {
      const view = chain.view(`outpoint:${key}`);
      if (view?.kind !== 'outpoint' || !view.spender || view.spender.status.kind !== 'confirmed') continue;
      const list = spends.get(channelId) ?? [];
      list.push({ tx: decodeTx(fromHex(view.spender.txHex)), height: view.spender.status.height });
      spends.set(channelId, list);
    }
    const tip = chain.tip();
    for (const [channelId, list] of spends) {
      for (const s of list.sort((a, b) => a.height - b.height)) this.#run(channelId, (m) => m.transactionsConfirmed([s.tx], s.height));
    }
    if (tip) for (const channelId of this.#entries.keys()) this.#run(channelId, (m) => m.bestBlock(tip.height));
  }

  /**
   * A batch of chain events (the service queues them and calls this once per batch): reorgs first,
   * then spends leaving the chain, then confirmed spends by height, then the new tip.
   */
  onChainEvents(events: readonly ChainEvent[]): void {
    if (this.#entries.size === 0) return;
    let fork: number | null = null;
    let tip: number | null = null;
    const unconfirmed: { channelId: string; txid: string }[] = [];
    const confirmed: { channelId: string; tx: Transaction; height: number }[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'chain.reorg':
          fork = fork === null ? e.forkHeight : Math.min(fork, e.forkHeight);
          break;
        case 'chain.block_connected':
          tip = tip === null ? e.height : Math.max(tip, e.height);
          break;
        case 'chain.block_disconnected':
          fork = fork === null ? e.height - 1 : Math.min(fork, e.height - 1);
          break;
        case 'chain.outpoint_spent': {
          const channelId = this.#byOutpoint.get(e.outpoint);
          if (!channelId) break;
          if (e.status.kind === 'confirmed') confirmed.push({ channelId, tx: decodeTx(fromHex(e.txHex)), height: e.status.height });
          // Back in the mempool: its block left the best chain.
          else unconfirmed.push({ channelId, txid: e.spendingTxid });
          break;
        }
        case 'chain.outpoint_unspent': {
          const channelId = this.#byOutpoint.get(e.outpoint);
          if (channelId) unconfirmed.push({ channelId, txid: e.formerSpendingTxid });
          break;
        }
        default:
          break;
      }
    }
    if (fork !== null) for (const channelId of this.#entries.keys()) this.#run(channelId, (m) => m.chainReorged(Math.max(0, fork!)));
    for (const u of unconfirmed) this.#run(u.channelId, (m) => m.transactionUnconfirmed(u.txid));
    for (const c of confirmed.sort((a, b) => a.height - b.height)) this.#run(c.channelId, (m) => m.transactionsConfirmed([c.tx], c.height));
    const best = this.#opts.chain?.tip()?.height ?? tip;
    if (best !== null && best !== undefined) for (const channelId of this.#entries.keys()) this.#run(channelId, (m) => m.bestBlock(best));
  }

  /** New fee estimates from the chain: claims may be re-bid (called when they change). */
  refreshFees(): void {
    const estimates = this.#estimates();
    const key = estimates.map((e) => `${e.targetBlocks}:${e.feeratePerKw}`).join(',');
    if (key === this.#feeKey || estimates.length === 0) return;
    this.#feeKey = key;
    for (const channelId of this.#entries.keys()) this.#run(channelId, (m) => m.feeratesUpdated(estimates));
  }

  #estimates(): FeeEstimate[] {
    const chain = this.#opts.chain;
    if (!chain) return [];
    return MONITOR_FEE_TARGETS.map((t) => ({ targetBlocks: t, feeratePerKw: chain.feeEstimate(t).satPerKw }));
  }

  /** One input to one monitor: write its snapshot when it changed, then carry out what it asks. */
  #run(channelId: string, input: (m: ChannelMonitor) => MonitorStep): void {
    const entry = this.#entries.get(channelId);
    if (!entry || this.#closed) return;
    let step: MonitorStep;
    try {
      step = input(entry.monitor);
    } catch (e) {
      this.#opts.log({ event: 'monitor_input_failed', channelId, code: e instanceof GlasswingError ? e.code : 'internal', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (step.persist) this.#opts.stores.monitors.saveMonitorSnapshot(channelId, entry.monitor.snapshot(), entry.monitor.view().state);
    this.#carryOut(channelId, step);
    if (step.persist && isRetirable(entry.monitor.view())) this.#retire(channelId, entry.monitor);
  }

  /**
   * Every output irrevocably resolved: the final view is stored and served from now on, the monitor
   * and its watches (the funding outpoint's, which it never drops itself) let go. A kill before the
   * write leaves it live; the next start retires it at restore.
   */
  #retire(channelId: string, monitor: ChannelMonitor): void {
    const view = monitor.view();
    if (!this.#retireStored(channelId, view)) return;
    this.#entries.delete(channelId);
    for (const [key, id] of [...this.#byOutpoint]) {
      if (id !== channelId) continue;
      this.#byOutpoint.delete(key);
      this.#opts.chain?.unwatch(`outpoint:${key}`, CHANNEL_WATCH_OWNER);
    }
    this.#opts.log({ event: 'monitor_retired', channelId, closingTxid: view.closing?.txid ?? null });
  }

  /** Writes the final view and serves it from now on; a failed write leaves the monitor live (it is tried again later). */
  #retireStored(channelId: string, view: MonitorView): boolean {
    try {
      this.#opts.stores.monitors.retireMonitor(channelId, view);
    } catch (e) {
      this.#opts.log({ event: 'monitor_retire_failed', channelId, code: e instanceof GlasswingError ? e.code : 'internal', message: e instanceof Error ? e.message : String(e) });
      return false;
    }
    this.#retiredViews().set(channelId, view);
    return true;
  }

  #carryOut(channelId: string, step: MonitorStep): void {
    for (const e of step.events) this.#opts.publish(e);
    for (const a of step.actions) {
      try {
        this.#act(channelId, a);
      } catch (e) {
        this.#opts.log({ event: 'monitor_action_failed', channelId, action: a.type, code: e instanceof GlasswingError ? e.code : 'internal', message: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  #act(channelId: string, a: MonitorAction): void {
    const chain = this.#opts.chain;
    switch (a.type) {
      case 'watch':
        this.#byOutpoint.set(a.key, channelId);
        chain?.watch({ kind: 'outpoint', txid: txidToHex(a.outpoint.txid), vout: a.outpoint.vout, script: toHex(a.scriptPubKey), heightHint: a.heightHint }, CHANNEL_WATCH_OWNER);
        break;
      case 'unwatch':
        this.#byOutpoint.delete(a.key);
        chain?.unwatch(`outpoint:${a.key}`, CHANNEL_WATCH_OWNER);
        break;
      case 'broadcast':
        this.#broadcast(channelId, a.label, encodeTx(a.tx), null);
        break;
      case 'request_cpfp': {
        const wallet = this.#opts.wallet;
        if (!wallet) break;
        let child: ReturnType<ChannelWalletPort['fundCpfp']>;
        try {
          child = wallet.fundCpfp(a.request);
        } catch (e) {
          // The wallet could not fund it now (e.g. its coins still in flight): ask again soon, not a block later.
          this.#retryLater(channelId, a.request.key, 'unfunded', () => this.#run(channelId, (m) => m.claimRefused(a.request.key)));
          throw e;
        }
        if (child.replaces) chain?.forget(child.replaces);
        this.#broadcast(channelId, 'cpfp', child.tx, { txid: child.txid, key: a.request.key });
        break;
      }
      case 'request_htlc_fee': {
        const wallet = this.#opts.wallet;
        if (!wallet) break;
        let funded: ReturnType<ChannelWalletPort['fundHtlcTx']>;
        try {
          funded = wallet.fundHtlcTx(a.request);
        } catch (e) {
          this.#retryLater(channelId, a.request.key, 'unfunded', () => this.#run(channelId, (m) => m.claimRefused(a.request.key)));
          throw e;
        }
        if (funded.replaces) chain?.forget(funded.replaces);
        this.#broadcast(channelId, a.request.kind, funded.tx, { txid: funded.txid, key: a.request.key });
        break;
      }
      case 'preimage_learned':
        this.#opts.upstream({ kind: 'preimage_learned', channelId, paymentHash: a.paymentHash, preimage: a.preimage, htlc: a.htlc });
        break;
      case 'htlc_failed':
        this.#opts.upstream({ kind: 'htlc_failed', channelId, htlc: a.htlc });
        break;
      case 'preimage_wanted':
        this.#opts.upstream({ kind: 'preimage_wanted', channelId, htlc: a.htlc });
        break;
    }
  }

  /**
   * Hands a transaction to the chain, after the ones asked for before it. A wallet-funded one the
   * source refuses is abandoned (its coins free again); the monitor asks again at the next block, or
   * a moment later when the refusal may be transient (`TRANSIENT`, `#retryLater`).
   * "Already known" and "input spent" are normal here: a claim goes out again every block.
   */
  #broadcast(channelId: string, label: string, raw: Uint8Array, funded: { readonly txid: string; readonly key: string } | null): void {
    const chain = this.#opts.chain;
    if (!chain) return;
    this.#broadcasts = this.#broadcasts.then(async () => {
      if (this.#closed) return;
      try {
        const { txid, outcome } = await chain.broadcast(raw);
        this.#opts.log({ event: 'monitor_broadcast', channelId, label, txid, outcome: outcome.kind, ...(outcome.detail && !TAKEN.has(outcome.kind) ? { detail: outcome.detail } : {}) });
        // The source did not answer (a loaded node timing out): the same bytes again in a moment, not a block later.
        if (outcome.kind === 'source_down') this.#retryLater(channelId, `broadcast:${txid}`, outcome.kind, () => this.#broadcast(channelId, label, raw, funded));
        if (funded && !TAKEN.has(outcome.kind) && outcome.kind !== 'source_down' && !this.#closed) {
          this.#opts.wallet?.abandon(funded.txid);
          chain.forget(funded.txid);
          if (TRANSIENT.has(outcome.kind)) this.#retryLater(channelId, funded.key, outcome.kind, () => this.#run(channelId, (m) => m.claimRefused(funded.key)));
        }
      } catch (e) {
        this.#opts.log({ event: 'monitor_broadcast_failed', channelId, label, code: e instanceof GlasswingError ? e.code : 'internal', message: e instanceof Error ? e.message : String(e) });
      }
    });
  }

  /**
   * A wallet-funded claim was refused for a cause that may pass (the monitor hands the request out
   * again), or the source did not answer a broadcast (the same bytes again): `retry` runs after 2 s,
   * 4 s, 8 s, … (CLAIM_RETRIES_PER_BLOCK times a block at most per key; each new block hands every
   * unconfirmed claim out again anyway).
   */
  #retryLater(channelId: string, key: string, cause: string, retry: () => void): void {
    const schedule = this.#opts.schedule;
    if (!schedule || this.#closed) return;
    const height = this.#entries.get(channelId)?.monitor.bestHeight ?? 0;
    const prev = this.#retries.get(key);
    const count = prev && prev.height === height ? prev.count : 0;
    if (count >= CLAIM_RETRIES_PER_BLOCK) return;
    this.#retries.set(key, { height, count: count + 1 });
    const delayMs = CLAIM_RETRY_BASE_MS * 2 ** count;
    this.#opts.log({ event: 'monitor_claim_retry', channelId, key, cause, attempt: count + 1, delayMs });
    schedule(`monitor.claim_retry ${key}`, delayMs, () => {
      if (!this.#closed) retry();
    });
  }

  /** Resolves when every broadcast asked for so far was handed to the chain (tests, shutdown). */
  async settled(): Promise<void> {
    await this.#broadcasts;
  }
}

function mergeSteps(steps: readonly MonitorStep[]): MonitorStep {
  return { actions: steps.flatMap((s) => s.actions), events: steps.flatMap((s) => s.events), persist: steps.some((s) => s.persist) };
}
