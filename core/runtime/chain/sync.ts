/**
 * The chain sync loop: the adapter that owns a chain source and the timers, and feeds the
 * sans-I/O tracker. Each poll is one tracker round (tip, reorgs, blocks, mempool or lookups); then
 * settled own transactions are dropped, due ones rebroadcast, and fee estimates refreshed when
 * they are old. A source that fails — down, slow, garbage — aborts the round (everything answered
 * before stays), the sync state turns "out of sync since T: reason", and the round is retried with
 * exponential backoff; the tracker keeps serving what it has. Nothing here throws into the caller:
 * every failure becomes state and events.
 */
import {
  ChainError, ChainSourceError, FeeEstimator, backoffDelay, isTransientSourceError, type BackoffOptions, type BroadcastOutcome, type ChainEvent, type ChainRequest,
  type ChainAnswer, type ChainSource, type ChainSourceInfo, type ChainTracker, type FeeEstimate, type OwnTransactions, type WatchSpec, DEFAULT_FEE_TARGETS,
} from '../../chain';
import { GlasswingError } from '../../errors';
import type { Network } from '../../wire';
import type { ChainClock } from './clock';
import type { FeeRatesSource } from './fee-url-source';

export interface SyncProblem {
  readonly code: string;
  readonly message: string;
}

/** What the UI shows as "chain sync". */
export type ChainSyncState =
  /** Not yet in sync since start. */
  | { readonly state: 'starting'; readonly since: number }
  /** In sync at `height` (the source's tip when last asked). */
  | { readonly state: 'in_sync'; readonly height: number; readonly hash: string; readonly since: number }
  /** The source failed `attempts` times in a row since `since`; the next try is at `retryAt`. */
  | {
    readonly state: 'out_of_sync';
    readonly since: number;
    readonly reason: SyncProblem;
    readonly attempts: number;
    readonly retryAt: number;
    readonly height: number | null;
    readonly hash: string | null;
  }
  /** The tracker stopped (a reorg deeper than it follows, another chain): a person must look. */
  | { readonly state: 'halted'; readonly since: number; readonly reason: SyncProblem; readonly height: number | null; readonly hash: string | null };

export type ChainSyncEvent = { readonly type: 'chain.sync_state'; readonly sync: ChainSyncState } | ChainEvent;

export interface ChainSyncOptions {
  readonly tracker: ChainTracker;
  readonly source: ChainSource;
  readonly clock: ChainClock;
  readonly network: Network;
  readonly onEvent: (event: ChainSyncEvent) => void;
  readonly fees?: FeeEstimator;
  readonly feeTargets?: readonly number[];
  /** How often fee estimates are fetched again (default 5 minutes). */
  readonly feeIntervalMs?: number;
  /**
   * Where estimates come from instead of the chain source (`--fee-url`). Its failures do not stop
   * the round: they go to `onFeeProblem` and the previous estimate stays (until it is too old).
   */
  readonly feeSource?: FeeRatesSource;
  readonly onFeeProblem?: (problem: SyncProblem) => void;
  readonly own?: OwnTransactions;
  /** Time between rounds when in sync (default 10 s). */
  readonly pollIntervalMs?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: () => number;
  /**
   * When the tracker halts (a reorganisation deeper than it follows), start over from the
   * source's chain at once instead of waiting for a person: for regtest, where btcd starts a new
   * chain at every start. Never on mainnet.
   */
  readonly resetOnDeepReorg?: boolean;
}

export class ChainSync {
  readonly #tracker: ChainTracker;
  readonly #source: ChainSource;
  readonly #clock: ChainClock;
  readonly #network: Network;
  readonly #emit: (event: ChainSyncEvent) => void;
  readonly #fees: FeeEstimator;
  readonly #feeTargets: readonly number[];
  #feeIntervalMs: number;
  #feeSource: FeeRatesSource | undefined;
  /** Bumped by `setFeeSource`: an answer fetched for an earlier source is dropped. */
  #feeGeneration = 0;
  readonly #onFeeProblem: (problem: SyncProblem) => void;
  readonly #own: OwnTransactions | undefined;
  readonly #pollMs: number;
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  #info: ChainSourceInfo | null = null;
  #state: ChainSyncState;
  #failures = 0;
  #failingSince: number | null = null;
  #cancelTimer: (() => void) | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = true;
  /** Set by `stop()`: the owner may close the store, so nothing more is written. */
  #closed = false;
  #feesAt: number | null = null;
  #rounds = 0;
  readonly #resetOnDeepReorg: boolean;

  constructor(opts: ChainSyncOptions) {
    this.#tracker = opts.tracker;
    this.#source = opts.source;
    this.#clock = opts.clock;
    this.#network = opts.network;
    this.#emit = opts.onEvent;
    this.#fees = opts.fees ?? new FeeEstimator();
    this.#feeTargets = opts.feeTargets ?? DEFAULT_FEE_TARGETS;
    this.#feeIntervalMs = opts.feeIntervalMs ?? DEFAULT_FEE_INTERVAL_MS;
    this.#feeSource = opts.feeSource;
    this.#onFeeProblem = opts.onFeeProblem ?? (() => undefined);
    this.#own = opts.own;
    this.#pollMs = opts.pollIntervalMs ?? 10_000;
    this.#backoff = opts.backoff ?? {};
    this.#random = opts.random ?? Math.random;
    this.#resetOnDeepReorg = opts.resetOnDeepReorg ?? false;
    this.#state = { state: 'starting', since: this.#clock.now() };
  }

  get state(): ChainSyncState {
    return this.#state;
  }

  /** Who the source is, once it answered. */
  get info(): ChainSourceInfo | null {
    return this.#info;
  }

  get source(): ChainSource {
    return this.#source;
  }

  /** Completed rounds since start (for tests and the UI). */
  get rounds(): number {
    return this.#rounds;
  }

  /** Starts polling (the first round at once). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#closed = false;
    this.#schedule(0);
  }

  /**
   * Stops polling. Waits for a round in progress to end, at most `graceMs` (default 2 s): a
   * request still in flight after that is left to finish or time out, and nothing is written
   * once it returns (every write is checked against the stop), so the store may be closed.
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.#stopped = true;
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    const running = this.#running;
    if (!running) return;
    let cancel: () => void = () => undefined;
    await Promise.race([running, new Promise<void>((resolve) => (cancel = this.#clock.setTimer('chain.stop_grace', graceMs, resolve)))]);
    cancel();
  }

  /** Runs a round soon: after registering watches, or on a block notification. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#failures === 0) this.#schedule(0);
  }

  /**
   * Registers a watch with the tracker, publishes what is already known about it, and runs a
   * round soon so its history is found (a rescan from the hint, or the lookups). Returns its id.
   */
  watch(spec: WatchSpec, owner: string): string {
    const { id, events } = this.#tracker.watch(spec, owner);
    this.#publish(events);
    this.wake();
    return id;
  }

  /** Lets go of a watch for `owner` (it ends when no owner is left). */
  unwatch(watchId: string, owner: string): boolean {
    return this.#tracker.unwatch(watchId, owner);
  }

  /**
   * Switches where fee estimates come from while running (the fee service setting changed):
   * `source` undefined returns to the chain source's estimates, as at a start without one. The next
   * round asks the new source at once, then every `intervalMs`; an answer of the previous source
   * still in flight is dropped. The current estimate stays until the new source answers (or ages out).
   */
  setFeeSource(source: FeeRatesSource | undefined, intervalMs: number = DEFAULT_FEE_INTERVAL_MS): void {
    this.#feeSource = source;
    this.#feeIntervalMs = intervalMs;
    this.#feeGeneration++;
    this.#feesAt = null;
    this.wake();
  }

  /** The fee rate for confirming within `target` blocks (floored; the fallback when the source has none). */
  feeEstimate(target: number): FeeEstimate {
    return this.#fees.estimate(target, this.#clock.now());
  }

  /**
   * Keeps `raw` as our own transaction (persisted first), hands it to the source and reports the
   * outcome. `source_down` and refusals leave it for rebroadcast until it settles.
   */
  async broadcast(raw: Uint8Array): Promise<{ txid: string; outcome: BroadcastOutcome }> {
    if (!this.#own) throw new ChainError('chain.bad_argument', 'broadcasting needs OwnTransactions');
    const { txid, events } = this.#own.add(raw, this.#clock.now());
    this.#publish(events);
    const outcome = await this.#source.broadcast(raw);
    // Stopped meanwhile: the transaction is kept (pending) and goes out again at the next start.
    if (!this.#closed) this.#publish(this.#own.recordAttempt(txid, outcome, this.#clock.now(), false));
    this.wake();
    return { txid, outcome };
  }

  #schedule(ms: number): void {
    this.#cancelTimer?.();
    this.#cancelTimer = this.#clock.setTimer('chain.round', ms, () => {
      this.#cancelTimer = null;
      this.#running = this.#run().finally(() => {
        this.#running = null;
      });
    });
  }

  #publish(events: readonly ChainSyncEvent[]): void {
    for (const e of events) {
      try {
        this.#emit(e);
      } catch {
        // A subscriber's failure is not the chain's.
      }
    }
  }

  #setState(next: ChainSyncState): void {
    const prev = this.#state;
    this.#state = next;
    const changed = prev.state !== next.state
      || (next.state === 'in_sync' && prev.state === 'in_sync' && (prev.hash !== next.hash))
      || (next.state === 'out_of_sync' && prev.state === 'out_of_sync' && (prev.reason.code !== next.reason.code || prev.attempts !== next.attempts));
    if (changed) this.#publish([{ type: 'chain.sync_state', sync: next }]);
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (!this.#info) this.#info = await this.#source.connect(this.#network);
      await this.#round();
      if (this.#stopped) return;
      const halted = this.#tracker.halted;
      const tip = this.#tracker.tip;
      if (halted && this.#resetOnDeepReorg) {
        this.#publish(this.#tracker.resetHeaders());
        this.#again = true;
      } else if (halted) {
        if (this.#state.state !== 'halted') {
          this.#setState({ state: 'halted', since: this.#clock.now(), reason: { code: halted.code, message: halted.message }, height: tip?.height ?? null, hash: tip?.hash ?? null });
        }
      } else {
        await this.#afterRound();
        if (tip) {
          const since = this.#state.state === 'in_sync' && this.#state.hash === tip.hash ? this.#state.since : this.#clock.now();
          this.#setState({ state: 'in_sync', height: tip.height, hash: tip.hash, since });
        }
      }
      this.#failures = 0;
      this.#failingSince = null;
      this.#rounds++;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.#schedule(0);
      } else {
        this.#schedule(this.#pollMs);
      }
    } catch (e) {
      this.#tracker.abortRound();
      if (this.#stopped) return;
      this.#failures++;
      const now = this.#clock.now();
      this.#failingSince ??= now;
      const delay = backoffDelay(this.#failures, this.#backoff, this.#random);
      const reason = problem(e);
      if (!isTransientSourceError(e) && e instanceof ChainSourceError) this.#info = null;
      const tip = this.#tracker.tip;
      this.#setState({ state: 'out_of_sync', since: this.#failingSince, reason, attempts: this.#failures, retryAt: now + delay, height: tip?.height ?? null, hash: tip?.hash ?? null });
      this.#again = false;
      this.#schedule(delay);
    }
  }

  async #round(): Promise<void> {
    this.#tracker.startRound();
    for (;;) {
      if (this.#stopped) {
        this.#tracker.abortRound();
        return;
      }
      const req = this.#tracker.nextRequest();
      if (!req) return;
      const answer = await this.#ask(req);
      if (this.#stopped) {
        this.#tracker.abortRound();
        return;
      }
      const events = this.#tracker.receive(answer);
      this.#publish(events);
      if (this.#own && events.length) this.#publish(this.#own.settle());
    }
  }

  async #ask(req: ChainRequest): Promise<ChainAnswer> {
    const s = this.#source;
    switch (req.kind) {
      case 'tip':
        return { kind: 'tip', tip: await s.tip() };
      case 'block_hash':
        return { kind: 'block_hash', height: req.height, hash: await s.blockHash(req.height) };
      case 'header':
        return { kind: 'header', hash: req.hash, header: await s.header(req.hash) };
      case 'block':
        return { kind: 'block', hash: req.hash, block: await s.block(req.hash) };
      case 'mempool': {
        const txids = await s.mempoolTxids();
        const tip = await s.tip();
        return { kind: 'mempool', txids, tipHash: tip.hash };
      }
      case 'transactions':
        return { kind: 'transactions', txs: await s.transactions(req.txids) };
      case 'lookups':
        return { kind: 'lookups', results: await s.lookups(req.items) };
    }
  }

  async #afterRound(): Promise<void> {
    const now = this.#clock.now();
    if (this.#own) {
      this.#publish(this.#own.settle());
      for (const { txid, raw } of this.#own.due(now)) {
        const outcome = await this.#source.broadcast(raw);
        if (this.#stopped) return;
        this.#publish(this.#own.recordAttempt(txid, outcome, this.#clock.now(), true));
      }
    }
    if (this.#feesAt === null || now - this.#feesAt >= this.#feeIntervalMs) {
      const generation = this.#feeGeneration;
      const feeSource = this.#feeSource;
      if (feeSource) {
        this.#feesAt = now;
        let rates;
        try {
          rates = await feeSource.feeRates(this.#feeTargets);
        } catch (e) {
          // The previous estimate stays; the FeeEstimator drops it once older than its maximum age.
          if (generation === this.#feeGeneration) this.#onFeeProblem(problem(e));
          return;
        }
        // Stopped, or switched to another source meanwhile: this answer is not the one in use.
        if (this.#stopped || generation !== this.#feeGeneration) return;
        this.#fees.update(rates, this.#clock.now());
      } else {
        const rates = await this.#source.feeRates(this.#feeTargets);
        if (generation !== this.#feeGeneration) return;
        this.#fees.update(rates, this.#clock.now());
        this.#feesAt = now;
      }
    }
  }
}

/** How often fee estimates are fetched again when nothing else is said: 5 minutes. */
export const DEFAULT_FEE_INTERVAL_MS = 300_000;

function problem(e: unknown): SyncProblem {
  if (e instanceof GlasswingError) return { code: e.code, message: e.message };
  return { code: 'chain.internal', message: e instanceof Error ? e.message : String(e) };
}
