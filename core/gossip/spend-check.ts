/**
 * Which graph channels' funding outputs to ask a filtered chain source (Esplora) about, and when.
 *
 * BOLT 7: a node "SHOULD monitor the funding transactions in the blockchain, to identify channels
 * that are being closed", and forgets a channel "once its funding output has been spent" after "a
 * 72-block delay". A node that fetches every block finds the spends by scanning them (the chain
 * tracker's spend filter). A node on Esplora fetches headers only, and Esplora's REST API has no
 * way to ask about many outputs at once: `/tx/:txid/outspend/:vout` (or `/outspends`) is one
 * request per funding transaction, a scripthash history one per funding script, and
 * `/block/:hash/txids` names transactions, not what they spend (their inputs need a request per
 * transaction, thousands a block). Asking about every graph channel every block would be tens of
 * thousands of requests every ten minutes against a public server that throttles far below that.
 *
 * So the scheme is bounded by a request budget, not by the graph:
 * - a rotation walks the graph in short_channel_id order, one output per token of a token bucket
 *   (default 1 a second: 86,400 a day, a 50,000-channel mainnet graph in about 14 hours — inside
 *   the 72-block delay's 12 hours for most, and far inside the two-week staleness prune that
 *   remains the backstop); at most one pass per block (a spend needs a block), so a small graph
 *   costs one request per channel per block and a large one the budget;
 * - first, before the rotation, channels that matter now: ones a payment part goes over
 *   (`routeUsed`) and the ones next to the node a failure came from (`routeFailed`), ones whose
 *   spend left the chain in a reorganisation (`urgent`); then ones both of whose directions were
 *   just disabled — what both ends of a closing channel announce (`hint`);
 * - an answer naming a block we do not have yet (the server is ahead of us) or not ours (the server
 *   is on another branch), or a failed request, is asked again after our next block; after a
 *   failure nothing is asked for 5 s, doubling with each failure in a row up to 10 minutes;
 * - a channel whose funding txid is not known yet (stored before it was kept, or taken without a
 *   chain) is handed out by the rotation too, at the cost of the requests its lookup takes: the
 *   host resolves it from its short_channel_id and it is checked like the others from then on;
 * - the rotation's place (`cursor`) is kept by the host across restarts (`resumeAfter`): a node
 *   restarted more often than a pass takes still reaches the end of the graph.
 *
 * Sans-I/O: fed the graph's ids, time and tips; returns what to ask. The host (core/runtime/gossip)
 * asks the source and hands each answer, judged by `judgeSpend`, to `GossipManager.fundingSpent`.
 */
import { TokenBucket } from '../token-bucket';

export interface SpendCheckLimits {
  /** Outputs asked about per second on average (default 1). */
  readonly ratePerSecond: number;
  /** Most asked at once after a quiet spell (default 10). */
  readonly burst: number;
  /** Most channels waiting to be asked before the rotation (default 1,000; more are left to the rotation). */
  readonly maxUrgent: number;
  /** Routes of payment parts in flight remembered, to know which channels a failure names (default 1,000). */
  readonly maxRoutes: number;
  /** After a failed request nothing is asked for this long, doubling with each failure in a row (default 5 s)... */
  readonly failurePauseMs: number;
  /** ...up to this (default 10 minutes): a public server that throttles us (HTTP 429) is left alone. */
  readonly maxFailurePauseMs: number;
}

export const DEFAULT_SPEND_CHECK_LIMITS: SpendCheckLimits = {
  ratePerSecond: 1, burst: 10, maxUrgent: 1_000, maxRoutes: 1_000, failurePauseMs: 5_000, maxFailurePauseMs: 600_000,
};

/** What a source says of a funding output. */
export type SpendAnswer =
  | { readonly kind: 'unspent' }
  /** Spent by a transaction not in a block yet (a close or a splice on its way): still open for BOLT 7. */
  | { readonly kind: 'spent_unconfirmed' }
  | { readonly kind: 'spent'; readonly height: number; readonly blockHash: string };

/** What an answer means against our own chain. */
export type SpendVerdict = { readonly kind: 'spent'; readonly height: number } | { readonly kind: 'unspent' } | { readonly kind: 'retry' };

/** Our best chain, as `judgeSpend` reads it. */
export interface SpendChainView {
  /** Our tip's height, null before the first sync. */
  readonly tipHeight: number | null;
  /** Our block hash at `height`, undefined below the headers we keep (deeper than a reorganisation we follow). */
  hashAt(height: number): string | undefined;
}

/**
 * A spend counts only in a block of our best chain: one in a block above our tip, or whose hash at
 * its height is not ours, is asked again later (a load-balanced server a block ahead or on a stale
 * branch). Below the headers we keep it is older than any reorganisation we follow: taken.
 */
export function judgeSpend(answer: SpendAnswer, chain: SpendChainView): SpendVerdict {
  if (answer.kind !== 'spent') return { kind: 'unspent' };
  if (chain.tipHeight === null || answer.height > chain.tipHeight || answer.height < 0) return { kind: 'retry' };
  const ours = chain.hashAt(answer.height);
  if (ours !== undefined && ours !== answer.blockHash) return { kind: 'retry' };
  return { kind: 'spent', height: answer.height };
}

export interface SpendCheckStats {
  /** Outputs handed out to ask about. */
  readonly asked: number;
  /** Rotation passes completed over the whole graph. */
  readonly passes: number;
  readonly urgent: number;
  readonly hinted: number;
  readonly afterNextBlock: number;
}

export class SpendChecks {
  readonly limits: SpendCheckLimits;
  readonly #bucket: TokenBucket;
  /** Asked before everything else, in arrival order. */
  readonly #urgent = new Set<bigint>();
  /** Asked after the urgent ones and before the rotation (hints of a close), in arrival order. */
  readonly #hinted = new Set<bigint>();
  /** Asked again once our tip moves. */
  readonly #afterBlock = new Set<bigint>();
  /** Routes of payment parts by key, oldest first. */
  readonly #routes = new Map<string, readonly bigint[]>();
  /** The last short_channel_id the rotation handed out (null: the pass starts at the lowest). */
  #cursor: bigint | null = null;
  /** The tip height the current pass started at; a finished pass waits for a higher tip. */
  #passHeight: number | null = null;
  #passDone = false;
  #tip: number | null = null;
  #asked = 0;
  #passes = 0;
  #failuresInRow = 0;
  #pausedUntil = 0;

  /**
   * `resumeAfter`: where a previous run's rotation stopped (its `cursor`, kept by the host in its
   * store): the pass goes on from the next id instead of the lowest, so a node restarted more often
   * than a pass takes still reaches the end of a big graph.
   */
  constructor(limits: Partial<SpendCheckLimits>, nowMs: number, resumeAfter: bigint | null = null) {
    this.limits = { ...DEFAULT_SPEND_CHECK_LIMITS, ...limits };
    this.#bucket = new TokenBucket(this.limits.ratePerSecond, this.limits.burst, nowMs);
    this.#cursor = resumeAfter;
  }

  /** The last short_channel_id the rotation handed out or passed over (null: the next pass starts from the lowest). */
  get cursor(): bigint | null {
    return this.#cursor;
  }

  /** Ask about these before the rotation (a route over them, a payment failure naming them). */
  urgent(scids: Iterable<bigint>): void {
    for (const scid of scids) {
      if (this.#urgent.size >= this.limits.maxUrgent) return; // the rotation reaches the rest
      this.#urgent.add(scid);
    }
  }

  /**
   * A hint that these channels may be closing (both directions just disabled): asked after the
   * urgent ones and before the rotation. Kept apart from `urgent` because a sync brings many
   * long-disabled channels at once, and they must not hold back the checks a payment asked for.
   */
  hint(scids: Iterable<bigint>): void {
    for (const scid of scids) {
      if (this.#hinted.size >= this.limits.maxUrgent) return;
      if (!this.#urgent.has(scid)) this.#hinted.add(scid);
    }
  }

  /**
   * A payment part went out over `scids` (its route, first hop first): they are asked about first
   * (a closed one fails the part; knowing it before the retry keeps the next route off it), and
   * the route is remembered under `key` (oldest forgotten beyond `maxRoutes`) for `routeFailed`.
   */
  routeUsed(key: string, scids: readonly bigint[]): void {
    this.urgent(scids);
    this.#routes.delete(key);
    this.#routes.set(key, scids);
    if (this.#routes.size > this.limits.maxRoutes) this.#routes.delete(this.#routes.keys().next().value!);
  }

  /**
   * The part sent under `key` failed at the node `hopIndex` hops along (0: our peer; null: we
   * could not tell). The channels into and out of that node are asked about first: a node failing
   * to forward (unknown_next_peer, permanent_channel_failure, ...) may have closed its next channel.
   */
  routeFailed(key: string, hopIndex: number | null): void {
    const route = this.#routes.get(key);
    this.#routes.delete(key);
    if (!route) return;
    this.urgent(hopIndex === null ? route : route.slice(Math.max(0, hopIndex), hopIndex + 2));
  }

  /** The part sent under `key` is settled or failed at its recipient: its route is forgotten. */
  routeDone(key: string): void {
    this.#routes.delete(key);
  }

  /** A request failed (the source is down or throttles us): nothing is asked for a while, longer after each failure in a row. */
  failed(nowMs: number): void {
    const pause = Math.min(this.limits.maxFailurePauseMs, this.limits.failurePauseMs * 2 ** Math.min(this.#failuresInRow, 30));
    this.#failuresInRow++;
    this.#pausedUntil = Math.max(this.#pausedUntil, nowMs + pause);
  }

  /** A request was answered: failures in a row start again from zero. */
  answered(): void {
    this.#failuresInRow = 0;
  }

  /** The answer named a block we do not have (yet): ask again after our next block. */
  afterNextBlock(scid: bigint): void {
    if (this.#afterBlock.size < this.limits.maxUrgent) this.#afterBlock.add(scid);
  }

  /** Our best tip's height: a finished pass starts again, answers waiting for a block are asked again. */
  tip(height: number): void {
    if (this.#tip !== null && height === this.#tip) return;
    this.#tip = height;
    if (this.#passDone && (this.#passHeight === null || height !== this.#passHeight)) {
      this.#passDone = false;
      this.#passHeight = height;
    }
    if (this.#afterBlock.size) {
      this.urgent([...this.#afterBlock]);
      this.#afterBlock.clear();
    }
  }

  /**
   * Up to `max` short_channel_ids to ask about now, as the token bucket allows: the urgent ones
   * first, then the next ones of the rotation over `ids` (ascending, the graph's sorted index).
   * `eligible` says which can be asked (in the graph, not seen spent); the others are passed over
   * without spending a token. `cost` is the tokens one costs (default 1 request; a channel whose
   * funding txid must first be resolved from its short_channel_id costs the requests of a lookup).
   */
  next(nowMs: number, max: number, ids: readonly bigint[], eligible: (scid: bigint) => boolean, cost: (scid: bigint) => number = () => 1): bigint[] {
    const out: bigint[] = [];
    if (nowMs < this.#pausedUntil) return out;
    for (const queue of [this.#urgent, this.#hinted]) {
      for (const scid of queue) {
        if (out.length >= max) return out;
        if (!eligible(scid) || out.includes(scid)) {
          queue.delete(scid);
          continue;
        }
        if (!this.#bucket.take(nowMs, Math.min(cost(scid), this.limits.burst))) return out;
        queue.delete(scid);
        out.push(scid);
        this.#asked++;
      }
    }
    if (this.#passDone || ids.length === 0) return out;
    if (this.#passHeight === null) this.#passHeight = this.#tip;
    let i = this.#cursor === null ? 0 : upperBound(ids, this.#cursor);
    // Passing over ineligible channels costs no token but is bounded per call (a graph of rows
    // without a funding txid would otherwise be walked whole at each block: ~40 ms for 50,000).
    let scanned = 0;
    while (out.length < max && scanned < Math.min(ids.length, MAX_SCAN)) {
      if (i >= ids.length) {
        this.#cursor = null;
        this.#passes++;
        this.#passDone = true;
        return out;
      }
      const scid = ids[i]!;
      scanned++;
      if (eligible(scid) && !out.includes(scid)) {
        if (!this.#bucket.take(nowMs, Math.min(cost(scid), this.limits.burst))) return out;
        out.push(scid);
        this.#asked++;
      }
      this.#cursor = scid;
      i++;
    }
    return out;
  }

  stats(): SpendCheckStats {
    return { asked: this.#asked, passes: this.#passes, urgent: this.#urgent.size, hinted: this.#hinted.size, afterNextBlock: this.#afterBlock.size };
  }
}

/** Ids looked at per `next` call at most (eligible or not). */
const MAX_SCAN = 2_048;

/** The first index whose id is above `v` (ids ascending). */
function upperBound(ids: readonly bigint[], v: bigint): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
