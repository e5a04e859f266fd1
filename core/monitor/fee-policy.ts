/**
 * Fee rates for claims. Each claim has a deadline (the height by which it must confirm: an HTLC's
 * expiry, the end of the cheater's CSV delay) or none (our own delayed outputs). The rate aims at
 * confirming within half the blocks left, and an unconfirmed claim is re-bid (RBF) every block
 * while a deadline runs (BOLT 5 "SHOULD use replace-by-fee ... if it proves insufficient").
 * Sweeps without a deadline use the slow estimate and are re-bid only when estimates rise.
 */

/** A fee estimate: confirm within `targetBlocks` at `feeratePerKw` (what the chain layer estimates). */
export interface FeeEstimate {
  readonly targetBlocks: number;
  readonly feeratePerKw: number;
}

/** Bitcoin Core's minimum relay fee (1 sat/vB) is 250 sat/kw; BOLT 2 uses 253 to survive rounding. */
export const FEERATE_FLOOR_PER_KW = 253;
/** BIP 125 rule 4: a replacement pays at least the incremental relay fee (1 sat/vB) on its own size. */
export const INCREMENTAL_RELAY_PER_KW = 250;

export interface FeePolicy {
  /** The confirmation target for claims without a deadline. */
  readonly slowTargetBlocks: number;
  /** The target of a force-closed commitment with no HTLC deadline (CPFP through our anchor). */
  readonly commitmentTargetBlocks: number;
}

export const DEFAULT_FEE_ESTIMATES: readonly FeeEstimate[] = [
  { targetBlocks: 1, feeratePerKw: 5_000 },
  { targetBlocks: 6, feeratePerKw: 2_500 },
  { targetBlocks: 144, feeratePerKw: FEERATE_FLOOR_PER_KW },
];

/**
 * The estimate for confirming within `target` blocks: the one with the largest target not above
 * it (or the most urgent one we have), never below the floor.
 */
export function feerateForTarget(estimates: readonly FeeEstimate[], target: number): number {
  const sorted = (estimates.length > 0 ? estimates : DEFAULT_FEE_ESTIMATES).slice().sort((a, b) => a.targetBlocks - b.targetBlocks);
  let pick = sorted[0]!;
  for (const e of sorted) if (e.targetBlocks <= target) pick = e;
  return Math.max(FEERATE_FLOOR_PER_KW, Math.ceil(pick.feeratePerKw));
}

/** The smallest rate a replacement may offer over `previous`: +25%, and at least the incremental relay fee. */
export function bumpedFeerate(previous: number): number {
  return Math.max(Math.ceil(previous * 1.25), previous + INCREMENTAL_RELAY_PER_KW);
}

/** The target (blocks) a claim aims at: half the blocks left before its deadline, at least 1. */
export function targetBlocks(policy: FeePolicy, deadline: number | null, bestHeight: number): number {
  if (deadline === null) return policy.slowTargetBlocks;
  return Math.max(1, Math.floor((deadline - bestHeight) / 2));
}

/** What an earlier broadcast of the same claim offered, and at which height it went out. */
export interface PreviousBid {
  readonly feeratePerKw: number;
  readonly height: number;
}

/**
 * The rate to offer now. Without a previous bid: the estimate for the target. With one still
 * unconfirmed: keep it, unless a deadline runs and a block went by (re-bid at least
 * `bumpedFeerate`), or the estimate rose past what a replacement needs.
 */
export function claimFeerate(
  policy: FeePolicy,
  estimates: readonly FeeEstimate[],
  deadline: number | null,
  bestHeight: number,
  previous: PreviousBid | null,
): number {
  const estimate = feerateForTarget(estimates, targetBlocks(policy, deadline, bestHeight));
  if (!previous) return estimate;
  const minReplacement = bumpedFeerate(previous.feeratePerKw);
  if (deadline !== null && bestHeight > previous.height) return Math.max(estimate, minReplacement);
  return estimate >= minReplacement ? estimate : previous.feeratePerKw;
}
