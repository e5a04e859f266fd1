/**
 * Coin selection, our own rather than @scure/btc-signer's `selectUTXO`, because the wallet needs
 * targets that selector cannot express: its fee is an integer sat/vB times the size, while a
 * CPFP child must pay for its parent's deficit (a package rate), a BIP 125 replacement must pay
 * the old absolute fee plus the incremental relay fee, the anchor reserve must stay behind, and a
 * foreign input (an anchor) brings a witness whose size only its owner knows. So the selector
 * takes a fee *function* of the final weight and input weights as given.
 *
 * Strategy: the inputs the caller requires, then (1) the smallest single coin that pays the
 * outputs and fee with nothing left worth a change output, else (2) the largest coins first until
 * the outputs and fee are paid. Change is added when it would be at least its dust threshold;
 * otherwise the remainder goes to the fee. Coins worth less than the fee they add are skipped.
 */
import { estimateWeight } from './fees';

export interface Coin {
  /** `txid:vout`. */
  readonly key: string;
  readonly valueSat: bigint;
  /** The input's weight, witness included (P2WPKH: 272). */
  readonly weight: number;
}

export interface SelectionParams {
  /** Inputs that must be spent (a replacement's originals, the CPFP output). */
  readonly required: readonly Coin[];
  /** Coins the selector may add. */
  readonly candidates: readonly Coin[];
  /** Serialized sizes of the fixed outputs. */
  readonly outputSizes: readonly number[];
  /** Sum of the fixed outputs. */
  readonly targetSat: bigint;
  /** The fee a whole transaction of this weight must pay; non-decreasing in the weight. */
  readonly fee: (weight: number) => bigint;
  readonly changeOutputSize: number;
  /** A change output below this is not created (its value goes to the fee). */
  readonly changeDustSat: bigint;
  /** The transaction must have a change output (a CPFP child has no other). */
  readonly changeRequired?: boolean;
}

export interface Selection {
  readonly inputs: readonly Coin[];
  /** The change output's value, or null for none. */
  readonly changeSat: bigint | null;
  /** Inputs − outputs. */
  readonly feeSat: bigint;
  /** Estimated weight (an upper bound of the signed transaction's). */
  readonly weight: number;
}

/** Inputs for `params`, or null when all the coins together cannot pay. */
export function selectCoins(params: SelectionParams): Selection | null {
  const required = [...params.required];
  const requiredOnly = evaluate(params, required);
  if (requiredOnly && required.length > 0) return requiredOnly;

  const requiredKeys = new Set(required.map((c) => c.key));
  const candidates = params.candidates.filter((c) => !requiredKeys.has(c.key));

  // (1) One coin that leaves no change worth making (no change output: cheaper, more private).
  if (!params.changeRequired) {
    const ascending = [...candidates].sort((a, b) => cmp(a.valueSat, b.valueSat) || a.key.localeCompare(b.key));
    for (const coin of ascending) {
      const s = evaluate(params, [...required, coin]);
      if (s && s.changeSat === null) return s;
    }
  }

  // (2) Largest first.
  const descending = [...candidates].sort((a, b) => cmp(b.valueSat, a.valueSat) || a.key.localeCompare(b.key));
  const chosen = [...required];
  for (const coin of descending) {
    if (!addsValue(params, chosen, coin)) continue;
    chosen.push(coin);
    const s = evaluate(params, chosen);
    if (s) return s;
  }
  return null;
}

export interface SweepParams {
  readonly required: readonly Coin[];
  readonly candidates: readonly Coin[];
  /** Sizes of other fixed outputs (none for a plain sweep). */
  readonly outputSizes: readonly number[];
  readonly otherOutputsSat: bigint;
  readonly payeeOutputSize: number;
  /** A change output of exactly this much is kept (the anchor reserve), or 0n for none. */
  readonly keepSat: bigint;
  readonly changeOutputSize: number;
  readonly fee: (weight: number) => bigint;
}

export interface Sweep {
  readonly inputs: readonly Coin[];
  readonly payeeSat: bigint;
  readonly feeSat: bigint;
  readonly weight: number;
}

/**
 * Everything to one payee: every coin that adds more than its fee, the payee gets the rest
 * after the fee and `keepSat` (kept as change). Null when that leaves the payee nothing.
 */
export function sweepCoins(params: SweepParams): Sweep {
  const sizes = [...params.outputSizes, params.payeeOutputSize, ...(params.keepSat > 0n ? [params.changeOutputSize] : [])];
  const selParams: SelectionParams = {
    required: params.required, candidates: [], outputSizes: sizes, targetSat: 0n, fee: params.fee,
    changeOutputSize: 0, changeDustSat: 0n,
  };
  const inputs = [...params.required];
  const descending = [...params.candidates].sort((a, b) => cmp(b.valueSat, a.valueSat) || a.key.localeCompare(b.key));
  for (const coin of descending) if (addsValue(selParams, inputs, coin)) inputs.push(coin);
  const weight = estimateWeight(inputs.map((c) => c.weight), sizes);
  const feeSat = params.fee(weight);
  const total = inputs.reduce((s, c) => s + c.valueSat, 0n);
  return { inputs, payeeSat: total - params.otherOutputsSat - params.keepSat - feeSat, feeSat, weight };
}

function evaluate(params: SelectionParams, inputs: readonly Coin[]): Selection | null {
  const total = inputs.reduce((s, c) => s + c.valueSat, 0n);
  const weights = inputs.map((c) => c.weight);
  const withChange = estimateWeight(weights, [...params.outputSizes, params.changeOutputSize]);
  const change = total - params.targetSat - params.fee(withChange);
  if (change >= params.changeDustSat && change > 0n) {
    return { inputs, changeSat: change, feeSat: total - params.targetSat - change, weight: withChange };
  }
  if (params.changeRequired) return null;
  const without = estimateWeight(weights, params.outputSizes);
  if (inputs.length === 0 || total - params.targetSat < params.fee(without)) return null;
  return { inputs, changeSat: null, feeSat: total - params.targetSat, weight: without };
}

/** Whether adding `coin` raises what the inputs leave after the fee (it is worth more than its weight costs). */
function addsValue(params: SelectionParams, chosen: readonly Coin[], coin: Coin): boolean {
  const weights = chosen.map((c) => c.weight);
  const before = params.fee(estimateWeight(weights, params.outputSizes));
  const after = params.fee(estimateWeight([...weights, coin.weight], params.outputSizes));
  return coin.valueSat > after - before;
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
