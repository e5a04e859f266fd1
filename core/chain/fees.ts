/**
 * Fee estimates by confirmation target, sans-I/O: the adapter feeds the source's estimates, the
 * estimator answers with a rate that is never below the floor and falls back to a configured rate
 * when the source has none (btcd on a quiet regtest answers 0 or -1; Esplora on regtest answers
 * `{}`) or its last estimates are too old.
 *
 * Units: BOLT 2/3 count fees in satoshis per 1000 weight units (`feerate_per_kw`); wallets in
 * satoshis per virtual byte. 1 sat/vB = 250 sat/kw; bitcoind's BTC/kvB × 10^8 / 4 = sat/kw.
 */
import { ChainError } from './errors';
import type { FeeRates } from './source';

/**
 * The floor: 1 sat/vB is 250 sat/kw, but a transaction's weight is rounded up to vbytes when a
 * node checks its relay fee, so LND and others use 253 sat/kw ("FeePerKwFloor") to clear the
 * minimum relay fee for every weight.
 */
export const FEERATE_FLOOR_SAT_PER_KW = 253;

/** The targets asked for by default: next block, an hour, half a day, a day. */
export const DEFAULT_FEE_TARGETS: readonly number[] = [1, 2, 6, 12, 72, 144];

export interface FeeEstimate {
  readonly target: number;
  readonly satPerKw: number;
  /** `satPerKw / 250`, for wallets. */
  readonly satPerVbyte: number;
  /** `source`: from the chain source (for `fromTarget`); `fallback`: the configured rate. */
  readonly origin: 'source' | 'fallback';
  readonly fromTarget: number | null;
  /** True when the floor raised the rate. */
  readonly floored: boolean;
}

export interface FeeEstimatorOptions {
  /** Used when the source has no estimate (default 2,500 sat/kw = 10 sat/vB). */
  readonly fallbackSatPerKw?: number;
  /** Per-target fallbacks, overriding `fallbackSatPerKw` for those targets. */
  readonly fallbackByTarget?: Readonly<Record<number, number>>;
  readonly floorSatPerKw?: number;
  /** Source estimates older than this are not used (default one hour). */
  readonly maxAgeMs?: number;
}

/** sat/kvB (bitcoind's unit × 10^8) to sat/kw. */
export function satPerKvbToSatPerKw(satPerKvb: number): number {
  return Math.floor(satPerKvb / 4);
}

export function satPerVbyteToSatPerKw(satPerVbyte: number): number {
  return Math.floor(satPerVbyte * 250);
}

function checkRate(v: number, field: string): number {
  if (!Number.isFinite(v) || v <= 0 || v > 100_000_000) throw new ChainError('chain.bad_argument', `${field} must be a positive sat/kw rate`);
  return Math.floor(v);
}

export class FeeEstimator {
  readonly #fallback: number;
  readonly #fallbackByTarget: ReadonlyMap<number, number>;
  readonly #floor: number;
  readonly #maxAgeMs: number;
  /** target → sat/kw from the source. */
  #rates = new Map<number, number>();
  #updatedAt: number | null = null;

  constructor(opts: FeeEstimatorOptions = {}) {
    this.#floor = checkRate(opts.floorSatPerKw ?? FEERATE_FLOOR_SAT_PER_KW, 'floorSatPerKw');
    this.#fallback = checkRate(opts.fallbackSatPerKw ?? 2_500, 'fallbackSatPerKw');
    this.#fallbackByTarget = new Map(Object.entries(opts.fallbackByTarget ?? {}).map(([t, v]) => [Number(t), checkRate(v, `fallback for target ${t}`)]));
    this.#maxAgeMs = opts.maxAgeMs ?? 3_600_000;
  }

  /** Takes the source's estimates (sat/kvB; null, zero or negative: none for that target). */
  update(rates: FeeRates, nowMs: number): void {
    const next = new Map<number, number>();
    for (const [target, rate] of rates) {
      if (!Number.isInteger(target) || target < 1) continue;
      if (rate === null || !Number.isFinite(rate) || rate <= 0) continue;
      next.set(target, satPerKvbToSatPerKw(rate));
    }
    this.#rates = next;
    this.#updatedAt = nowMs;
  }

  get updatedAt(): number | null {
    return this.#updatedAt;
  }

  /**
   * The rate for confirming within `target` blocks: the source's estimate for that target, else
   * for the nearest lower target (which pays more), else the nearest higher one; the fallback
   * when there is none or they are stale. Never below the floor.
   */
  estimate(target: number, nowMs: number): FeeEstimate {
    if (!Number.isInteger(target) || target < 1 || target > 1008) throw new ChainError('chain.bad_argument', 'a confirmation target is 1 to 1008 blocks');
    const fresh = this.#updatedAt !== null && nowMs - this.#updatedAt <= this.#maxAgeMs;
    let from: number | null = null;
    if (fresh) {
      const targets = [...this.#rates.keys()].sort((a, b) => a - b);
      const lower = targets.filter((t) => t <= target);
      from = lower.length ? lower[lower.length - 1]! : (targets.find((t) => t > target) ?? null);
    }
    const raw = from !== null ? this.#rates.get(from)! : (this.#fallbackByTarget.get(target) ?? this.#fallback);
    const satPerKw = Math.max(raw, this.#floor);
    return {
      target,
      satPerKw,
      satPerVbyte: Math.round((satPerKw / 250) * 1000) / 1000,
      origin: from !== null ? 'source' : 'fallback',
      fromTarget: from,
      floored: raw < this.#floor,
    };
  }
}
