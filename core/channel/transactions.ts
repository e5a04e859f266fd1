/**
 * From channel state to BOLT 3 transactions: our commitment and the peer's, each seen from its
 * holder, with the signatures commitment_signed carries and their verification.
 */
import type { CommitmentHtlc, CommitmentTx } from './commitment-tx';
import { buildCommitmentTx, commitmentSighash } from './commitment-tx';
import { buildHtlcTxs, counterpartyHtlcSighashType, htlcTxSighash } from './htlc-tx';
import type { HtlcTx } from './htlc-tx';
import { deriveCommitmentKeys } from './keys';
import type { CommitmentKeys } from './keys';
import type { ChannelSigner } from './signer';
import type { ChannelParams, CommitmentSpec, Htlc, Side } from './state';
import { otherSide } from './state';
import { ecdsaVerify } from '../crypto';

export interface BuiltCommitment {
  readonly holder: Side;
  readonly keys: CommitmentKeys;
  readonly commitment: CommitmentTx<Htlc>;
  readonly htlcTxs: readonly HtlcTx[];
}

/**
 * Builds `holder`'s commitment number `ctn` with contents `spec`, on `holder`'s
 * `perCommitmentPoint`, and the HTLC transactions of its untrimmed HTLC outputs.
 */
export function buildCommitment(
  params: ChannelParams,
  holder: Side,
  ctn: number,
  spec: CommitmentSpec,
  perCommitmentPoint: Uint8Array,
): BuiltCommitment {
  const counterparty = otherSide(holder);
  const keys = deriveCommitmentKeys(params[holder].basepoints, params[counterparty].basepoints, perCommitmentPoint);
  // The delay on the holder's outputs is the one the counterparty asked for.
  const toSelfDelay = params[counterparty].config.toSelfDelay;
  const htlcs: CommitmentHtlc<Htlc>[] = spec.htlcs.map((h) => ({
    direction: h.offerer === holder ? 'offered' : 'received',
    amountMsat: h.amountMsat,
    paymentHash: h.paymentHash,
    cltvExpiry: h.cltvExpiry,
    ref: h,
  }));
  const commitment = buildCommitmentTx<Htlc>({
    channelType: params.channelType,
    fundingOutpoint: params.fundingOutpoint,
    fundingSatoshis: params.fundingSatoshis,
    holderFundingPubkey: params[holder].basepoints.fundingPubkey,
    counterpartyFundingPubkey: params[counterparty].basepoints.fundingPubkey,
    obscuringFactor: params.obscuringFactor,
    commitmentNumber: ctn,
    holderIsFunder: params.funder === holder,
    toHolderMsat: holder === 'local' ? spec.localMsat : spec.remoteMsat,
    toCounterpartyMsat: holder === 'local' ? spec.remoteMsat : spec.localMsat,
    feeratePerKw: spec.feeratePerKw,
    dustLimitSat: params[holder].config.dustLimitSat,
    toSelfDelay,
    keys,
    htlcs,
  });
  const htlcTxs = buildHtlcTxs(commitment, keys, spec.feeratePerKw, toSelfDelay, params.channelType);
  return { holder, keys, commitment, htlcTxs };
}

/** Our signatures for the peer's commitment: what commitment_signed carries. */
export function signRemoteCommitment(
  params: ChannelParams,
  built: BuiltCommitment,
  signer: ChannelSigner,
): { signature: Uint8Array; htlcSignatures: Uint8Array[] } {
  const signature = signer.signWithFundingKey(commitmentSighash(built.commitment, params.fundingSatoshis));
  const sighashType = counterpartyHtlcSighashType(params.channelType);
  const digests = built.htlcTxs.map((h) => htlcTxSighash(h, sighashType));
  // One htlc key derivation for every HTLC transaction of this commitment.
  const htlcSignatures = signer.signAllWithHtlcKey(digests, built.keys.perCommitmentPoint);
  return { signature, htlcSignatures };
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'commitment' }
  | { readonly ok: false; readonly reason: 'htlc_count'; readonly expected: number; readonly got: number }
  | { readonly ok: false; readonly reason: 'htlc'; readonly index: number };

/** Checks the peer's signatures for our commitment (low-S required by ecdsaVerify). */
export function checkLocalCommitmentSignatures(
  params: ChannelParams,
  built: BuiltCommitment,
  signature: Uint8Array,
  htlcSignatures: readonly Uint8Array[],
): SignatureCheck {
  const digest = commitmentSighash(built.commitment, params.fundingSatoshis);
  if (!ecdsaVerify(signature, digest, params.remote.basepoints.fundingPubkey)) return { ok: false, reason: 'commitment' };
  if (htlcSignatures.length !== built.htlcTxs.length) {
    return { ok: false, reason: 'htlc_count', expected: built.htlcTxs.length, got: htlcSignatures.length };
  }
  const sighashType = counterpartyHtlcSighashType(params.channelType);
  for (let i = 0; i < built.htlcTxs.length; i++) {
    const digestI = htlcTxSighash(built.htlcTxs[i]!, sighashType);
    if (!ecdsaVerify(htlcSignatures[i]!, digestI, built.keys.counterpartyHtlcPubkey)) return { ok: false, reason: 'htlc', index: i };
  }
  return { ok: true };
}
