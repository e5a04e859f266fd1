/** BOLT 3 Fees: expected weights, HTLC transaction fees, trimming and the commitment base fee. */
import type { ChannelType } from './scripts';

/** BOLT 3 Fee Calculation: expected weights. */
export const COMMITMENT_BASE_WEIGHT = { static_remotekey: 724, anchors: 1124 } as const;
export const COMMITMENT_WEIGHT_PER_HTLC = 172;
export const HTLC_TIMEOUT_WEIGHT = { static_remotekey: 663, anchors: 666 } as const;
export const HTLC_SUCCESS_WEIGHT = { static_remotekey: 703, anchors: 706 } as const;

/** BOLT 3 `to_local_anchor` / `to_remote_anchor`: "fixed at 330 sats". */
export const ANCHOR_OUTPUT_SAT = 330n;

/** Which way an HTLC goes, seen from the holder of the commitment. */
export type HtlcDirection = 'offered' | 'received';

/**
 * BOLT 3: HTLC-timeout fee = feerate_per_kw * 663 / 1000 (rounded down); 0 with option_anchors.
 */
export function htlcTimeoutFeeSat(feeratePerKw: number, channelType: ChannelType): bigint {
  if (channelType === 'anchors') return 0n;
  return (BigInt(feeratePerKw) * BigInt(HTLC_TIMEOUT_WEIGHT.static_remotekey)) / 1000n;
}

/**
 * BOLT 3: HTLC-success fee = feerate_per_kw * 703 / 1000 (rounded down); 0 with option_anchors.
 */
export function htlcSuccessFeeSat(feeratePerKw: number, channelType: ChannelType): bigint {
  if (channelType === 'anchors') return 0n;
  return (BigInt(feeratePerKw) * BigInt(HTLC_SUCCESS_WEIGHT.static_remotekey)) / 1000n;
}

/** The fee of the second-stage transaction that spends an HTLC output of this direction. */
export function htlcTxFeeSat(direction: HtlcDirection, feeratePerKw: number, channelType: ChannelType): bigint {
  return direction === 'offered' ? htlcTimeoutFeeSat(feeratePerKw, channelType) : htlcSuccessFeeSat(feeratePerKw, channelType);
}

/**
 * BOLT 3 Trimmed Outputs: an offered (received) HTLC is trimmed when its amount in whole
 * satoshis minus the HTLC-timeout (HTLC-success) fee is below the holder's dust limit.
 */
export function isHtlcTrimmed(
  direction: HtlcDirection,
  amountMsat: bigint,
  feeratePerKw: number,
  dustLimitSat: bigint,
  channelType: ChannelType,
): boolean {
  return amountMsat / 1000n - htlcTxFeeSat(direction, feeratePerKw, channelType) < dustLimitSat;
}

/** The expected weight of a commitment transaction with `untrimmedHtlcs` HTLC outputs. */
export function commitmentWeight(untrimmedHtlcs: number, channelType: ChannelType): number {
  return COMMITMENT_BASE_WEIGHT[channelType] + COMMITMENT_WEIGHT_PER_HTLC * untrimmedHtlcs;
}

/** BOLT 3: base fee = feerate_per_kw * weight / 1000, rounded down. */
export function commitmentBaseFeeSat(feeratePerKw: number, untrimmedHtlcs: number, channelType: ChannelType): bigint {
  return (BigInt(feeratePerKw) * BigInt(commitmentWeight(untrimmedHtlcs, channelType))) / 1000n;
}

/**
 * What the funder pays out of its balance for a commitment: the base fee plus, with
 * option_anchors, the two 330-sat anchors (BOLT 3 Fee Payment), in millisatoshis.
 */
export function funderCommitmentCostMsat(feeratePerKw: number, untrimmedHtlcs: number, channelType: ChannelType): bigint {
  const anchors = channelType === 'anchors' ? 2n * ANCHOR_OUTPUT_SAT : 0n;
  return (commitmentBaseFeeSat(feeratePerKw, untrimmedHtlcs, channelType) + anchors) * 1000n;
}
