/**
 * BOLT 3 HTLC-Timeout and HTLC-Success Transactions: building them from a commitment's HTLC
 * output, the signatures `commitment_signed` carries for them, and their final witness.
 */
import { ecdsaSign, ecdsaVerify } from '../crypto';
import type { Transaction } from '../bitcoin';
import { SIGHASH_ALL, SIGHASH_ANYONECANPAY, SIGHASH_SINGLE, encodeWitnessSignature, p2wsh, segwitV0Sighash, txid } from '../bitcoin';
import { htlcTxFeeSat } from './fees';
import type { CommitmentTx } from './commitment-tx';
import type { CommitmentKeys } from './keys';
import type { ChannelType } from './scripts';
import { toLocalScript } from './scripts';

export type HtlcTxKind = 'htlc_success' | 'htlc_timeout';

export interface HtlcTx {
  readonly kind: HtlcTxKind;
  /** Unsigned (empty witness). */
  readonly tx: Transaction;
  /** The commitment HTLC output it spends: its witness script and value (the sighash inputs). */
  readonly spentWitnessScript: Uint8Array;
  readonly spentValueSat: bigint;
}

/**
 * The sighash type of the counterparty's HTLC signature: SIGHASH_ALL, or with option_anchors
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY (BOLT 3 HTLC-Timeout and HTLC-Success Transactions).
 */
export function counterpartyHtlcSighashType(channelType: ChannelType): number {
  return channelType === 'anchors' ? SIGHASH_SINGLE | SIGHASH_ANYONECANPAY : SIGHASH_ALL;
}

/**
 * Builds the second-stage transaction for each untrimmed HTLC output of `commitment`, in output
 * order: HTLC-timeout for HTLCs the holder offered, HTLC-success for those it received.
 */
export function buildHtlcTxs(
  commitment: CommitmentTx,
  keys: CommitmentKeys,
  feeratePerKw: number,
  toSelfDelay: number,
  channelType: ChannelType,
): HtlcTx[] {
  const commitmentTxid = txid(commitment.tx);
  // The same for every HTLC transaction of this commitment: output script and fee per kind.
  const outputScript = p2wsh(toLocalScript(keys.revocationPubkey, toSelfDelay, keys.holderDelayedPubkey));
  const timeoutFeeSat = htlcTxFeeSat('offered', feeratePerKw, channelType);
  const successFeeSat = htlcTxFeeSat('received', feeratePerKw, channelType);
  return commitment.htlcOutputs.map(({ outputIndex, htlc, witnessScript }) => {
    const kind: HtlcTxKind = htlc.direction === 'offered' ? 'htlc_timeout' : 'htlc_success';
    const valueSat = htlc.amountMsat / 1000n;
    // txout[0] amount: amount_msat / 1000 (rounded down) minus the HTLC transaction fee.
    const outValue = valueSat - (kind === 'htlc_timeout' ? timeoutFeeSat : successFeeSat);
    const tx: Transaction = {
      version: 2,
      // locktime: 0 for HTLC-success, cltv_expiry for HTLC-timeout.
      locktime: kind === 'htlc_timeout' ? htlc.cltvExpiry : 0,
      // txin[0] sequence: 0 (1 for option_anchors).
      inputs: [{ prevout: { txid: commitmentTxid, vout: outputIndex }, scriptSig: new Uint8Array(0), sequence: channelType === 'anchors' ? 1 : 0, witness: [] }],
      outputs: [{ value: outValue, scriptPubKey: outputScript }],
    };
    return { kind, tx, spentWitnessScript: witnessScript, spentValueSat: valueSat };
  });
}

/** The digest a signature with `sighashType` over this HTLC transaction commits to. */
export function htlcTxSighash(h: HtlcTx, sighashType: number): Uint8Array {
  return segwitV0Sighash(h.tx, 0, h.spentWitnessScript, h.spentValueSat, sighashType);
}

/** The counterparty's signature for the holder's HTLC transaction (what htlc_signature carries). */
export function signCounterpartyHtlcTx(h: HtlcTx, channelType: ChannelType, htlcPrivkey: Uint8Array): Uint8Array {
  return ecdsaSign(htlcTxSighash(h, counterpartyHtlcSighashType(channelType)), htlcPrivkey);
}

export function verifyCounterpartyHtlcSignature(
  h: HtlcTx,
  channelType: ChannelType,
  signature: Uint8Array,
  counterpartyHtlcPubkey: Uint8Array,
): boolean {
  return ecdsaVerify(signature, htlcTxSighash(h, counterpartyHtlcSighashType(channelType)), counterpartyHtlcPubkey);
}

/** The holder's own signature (always SIGHASH_ALL). */
export function signHolderHtlcTx(h: HtlcTx, htlcPrivkey: Uint8Array): Uint8Array {
  return ecdsaSign(htlcTxSighash(h, SIGHASH_ALL), htlcPrivkey);
}

/**
 * The witness `0 <remotehtlcsig> <localhtlcsig> <payment_preimage>` (HTLC-success) or
 * `0 <remotehtlcsig> <localhtlcsig> <>` (HTLC-timeout), followed by the witness script.
 */
export function finalizeHtlcTx(
  h: HtlcTx,
  channelType: ChannelType,
  counterpartySignature: Uint8Array,
  holderSignature: Uint8Array,
  paymentPreimage?: Uint8Array,
): Transaction {
  const remote = encodeWitnessSignature(counterpartySignature, counterpartyHtlcSighashType(channelType));
  const local = encodeWitnessSignature(holderSignature, SIGHASH_ALL);
  const last = h.kind === 'htlc_success' ? (paymentPreimage ?? new Uint8Array(0)) : new Uint8Array(0);
  const input = h.tx.inputs[0]!;
  return { ...h.tx, inputs: [{ ...input, witness: [new Uint8Array(0), remote, local, last, h.spentWitnessScript] }] };
}
