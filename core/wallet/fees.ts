/**
 * Fee rates and transaction weights. Rates are kept as sat per 1000 vbytes (Bitcoin Core's
 * CFeeRate unit), so sub-sat/vB rates are exact; users and the API speak sat/vB.
 * Weights follow BIP 141: weight = 4 × non-witness bytes + witness bytes, vsize = ⌈weight / 4⌉.
 */
import { compactSizeLength } from './address';
import { WalletError } from './errors';

/** sat per 1000 vbytes. */
export type FeeRate = bigint;

/** A fee rate given in sat/vB (at most 3 decimals), checked and converted to sat/kvB. */
export function feeRateFromSatPerVb(satPerVb: number, field = 'fee rate'): FeeRate {
  if (typeof satPerVb !== 'number' || !Number.isFinite(satPerVb) || satPerVb <= 0 || satPerVb > 1e9) {
    throw new WalletError('wallet.bad_fee_rate', `${field} must be a positive number of sat/vB`);
  }
  const perKvb = Math.round(satPerVb * 1000);
  if (Math.abs(perKvb - satPerVb * 1000) > 1e-6 * Math.max(1, perKvb)) {
    throw new WalletError('wallet.bad_fee_rate', `${field} has more than 3 decimals`);
  }
  return BigInt(perKvb);
}

export function feeRateToSatPerVb(rate: FeeRate): number {
  return Number(rate) / 1000;
}

/** ⌈vsize × rate⌉: the fee that pays `rate` for `vsize` vbytes. */
export function feeFor(vsize: number, rate: FeeRate): bigint {
  return (BigInt(vsize) * rate + 999n) / 1000n;
}

/** The rate a fee pays for a size, rounded down (sat/kvB), as nodes compute it. */
export function feeRateOf(feeSat: bigint, vsize: number): FeeRate {
  return (feeSat * 1000n) / BigInt(vsize);
}

/** BIP 141 virtual size. */
export function vsizeOf(weight: number): number {
  return Math.ceil(weight / 4);
}

/** Non-witness bytes of any input: outpoint 36 + scriptSig length 1 (empty) + sequence 4. */
export const INPUT_BASE_WEIGHT = 4 * 41;

/**
 * A P2WPKH input's weight: base + witness (item count 1, signature with its sighash byte ≤ 72
 * bytes as DER with low S (BIP 62/146) plus length 1, compressed key 33 plus length 1) = 272 WU (68 vB).
 */
export const P2WPKH_INPUT_WEIGHT = INPUT_BASE_WEIGHT + 1 + 1 + 72 + 1 + 33;

/** Serialized size of an output: value 8 + CompactSize script length + script. */
export function outputSize(script: Uint8Array | number): number {
  const len = typeof script === 'number' ? script : script.length;
  return 8 + compactSizeLength(len) + len;
}

/** A P2WPKH output: 8 + 1 + 22 = 31 bytes. */
export const P2WPKH_OUTPUT_SIZE = outputSize(22);

/**
 * Upper bound of the weight of a segwit transaction with these inputs (weights including their
 * witnesses) and outputs (serialized sizes): version 4 + locktime 4 + input and output counts,
 * all ×4, plus the segwit marker and flag (2 WU).
 */
export function estimateWeight(inputWeights: readonly number[], outputSizes: readonly number[]): number {
  let nonWitness = 4 + 4 + compactSizeLength(inputWeights.length) + compactSizeLength(outputSizes.length);
  for (const size of outputSizes) nonWitness += size;
  let weight = 4 * nonWitness + 2;
  for (const w of inputWeights) weight += w;
  return weight;
}
