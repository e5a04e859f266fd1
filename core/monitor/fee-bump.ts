/**
 * What the monitor asks of the wallet when fees must come from elsewhere (BOLT 5 "Generation of
 * HTLC Transactions" and "Failing a Channel"):
 * - CPFP: our commitment (option_anchors) gets a child spending our anchor plus wallet inputs, so
 *   the package pays the target fee rate ("MUST spend any to_local_anchor output, providing
 *   sufficient fees");
 * - HTLC transactions with option_anchors carry no fee ("MUST combine it with inputs contributing
 *   sufficient fee"): the peer signed input 0 / output 0 with SIGHASH_SINGLE|ANYONECANPAY, so the
 *   wallet appends its inputs and a change output and we sign input 0 last with SIGHASH_ALL.
 * The monitor's input in either request is a `ForeignInput` signed by a callback; the wallet may
 * complete the request itself, or with `completeCpfp` / `completeHtlcFeeRequest` given its inputs.
 */
import type { OutPoint, Transaction, TxInput } from '../bitcoin';
import { SIGHASH_ALL, encodeWitnessSignature, p2wsh, segwitV0Sighash, txWeight, txid as txidOf } from '../bitcoin';
import { counterpartyHtlcSighashType } from '../channel/htlc-tx';
import type { HtlcTx } from '../channel/htlc-tx';
import type { ChannelType } from '../channel/scripts';
import { MAX_WITNESS_SIGNATURE, dustLimitSat, feeFor, witnessSize } from './claims';
import { MonitorError } from './errors';
import type { MonitorSigner } from './signer';

/** An input someone else signs: its outpoint, value, sequence, the largest witness it may need, and the signing callback. */
export interface ForeignInput {
  readonly outpoint: OutPoint;
  readonly valueSat: bigint;
  readonly sequence: number;
  /** Serialized witness size at most (item count and items), for fee estimates. */
  readonly maxWitnessSize: number;
  /** The output script it spends (a P2WSH): what a wallet building a PSBT records for it. */
  readonly scriptPubKey?: Uint8Array;
  /** The witness of input `index` of the final `tx` (the callback signs it). */
  sign(tx: Transaction, index: number): Uint8Array[];
}

export interface CpfpRequest {
  /** Stable for one commitment: a new request with the same key replaces the previous child (RBF). */
  readonly key: string;
  /** Our signed commitment transaction, and what it pays. */
  readonly parent: { readonly tx: Transaction; readonly txid: Uint8Array; readonly weight: number; readonly feeSat: bigint };
  /** Our anchor output (330 sat), signed with our funding key. */
  readonly anchor: ForeignInput;
  /** The package (parent + child) fee rate to reach. */
  readonly targetFeeratePerKw: number;
  /** The height by which the commitment should confirm (null: no HTLC makes it urgent). */
  readonly deadline: number | null;
}

export interface HtlcFeeRequest {
  readonly key: string;
  readonly kind: 'htlc_success' | 'htlc_timeout';
  /** The HTLC transaction: input 0 and output 0 must stay where they are; keep version and locktime. */
  readonly tx: Transaction;
  readonly htlcInput: ForeignInput;
  readonly targetFeeratePerKw: number;
  readonly deadline: number | null;
}

/** What the wallet brings to a request: its inputs (each signing itself) and where change goes. */
export interface WalletFunds {
  readonly inputs: readonly ForeignInput[];
  readonly changeScript: Uint8Array;
}

const EMPTY = new Uint8Array(0);

function weightOf(tx: Transaction, inputs: readonly ForeignInput[]): number {
  // Non-witness bytes count 4×; the witness section adds the marker and flag (2) and each stack.
  const base = txWeight({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [] })) });
  return base + 2 + inputs.reduce((s, i) => s + i.maxWitnessSize, 0);
}

function assemble(tx: Transaction, inputs: readonly ForeignInput[]): Transaction {
  const witnesses = inputs.map((i, n) => i.sign(tx, n));
  return { ...tx, inputs: tx.inputs.map((input, n) => ({ ...input, witness: witnesses[n]! })) };
}

function txInput(i: ForeignInput): TxInput {
  return { prevout: i.outpoint, scriptSig: EMPTY, sequence: i.sequence, witness: [] };
}

/**
 * The CPFP child: our anchor plus the wallet's inputs, one change output, paying what brings the
 * package to the target fee rate (and at least its own weight at that rate).
 */
export function completeCpfp(req: CpfpRequest, funds: WalletFunds): Transaction {
  const inputs = [req.anchor, ...funds.inputs];
  const total = inputs.reduce((s, i) => s + i.valueSat, 0n);
  const draft: Transaction = { version: 2, locktime: 0, inputs: inputs.map(txInput), outputs: [{ value: 0n, scriptPubKey: funds.changeScript }] };
  const childWeight = weightOf(draft, inputs);
  const packageFee = feeFor(req.targetFeeratePerKw, req.parent.weight + childWeight) - req.parent.feeSat;
  const fee = packageFee > feeFor(req.targetFeeratePerKw, childWeight) ? packageFee : feeFor(req.targetFeeratePerKw, childWeight);
  const change = total - fee;
  if (change < dustLimitSat(funds.changeScript)) {
    throw new MonitorError('monitor.bad_request', `the wallet inputs (${total} sat with the anchor) cannot pay a ${fee} sat CPFP fee`);
  }
  return assemble({ ...draft, outputs: [{ value: change, scriptPubKey: funds.changeScript }] }, inputs);
}

/** The HTLC transaction with the wallet's inputs after ours and a change output after ours. */
export function completeHtlcFeeRequest(req: HtlcFeeRequest, funds: WalletFunds): Transaction {
  const inputs = [req.htlcInput, ...funds.inputs];
  const walletTotal = funds.inputs.reduce((s, i) => s + i.valueSat, 0n);
  const draft: Transaction = {
    ...req.tx,
    inputs: inputs.map(txInput),
    outputs: [req.tx.outputs[0]!, { value: 0n, scriptPubKey: funds.changeScript }],
  };
  // Input 0 and output 0 have equal values (BOLT 3: zero fee with anchors): the wallet pays it all.
  const fee = feeFor(req.targetFeeratePerKw, weightOf(draft, inputs));
  const change = walletTotal - fee;
  if (change < dustLimitSat(funds.changeScript)) {
    throw new MonitorError('monitor.bad_request', `the wallet inputs (${walletTotal} sat) cannot pay a ${fee} sat HTLC transaction fee`);
  }
  return assemble({ ...draft, outputs: [req.tx.outputs[0]!, { value: change, scriptPubKey: funds.changeScript }] }, inputs);
}

/**
 * Our HTLC-success / HTLC-timeout transaction's input as a ForeignInput: BOLT 3 witness
 * `0 <remotehtlcsig> <localhtlcsig> <payment_preimage or <>>`, the peer's signature as it sent it
 * (SIGHASH_SINGLE|ANYONECANPAY with anchors, SIGHASH_ALL without), ours SIGHASH_ALL over the final tx.
 */
export function htlcTxInput(
  h: HtlcTx,
  channelType: ChannelType,
  counterpartySignature: Uint8Array,
  signer: MonitorSigner,
  perCommitmentPoint: Uint8Array,
  preimage: Uint8Array | null,
): ForeignInput {
  const remote = encodeWitnessSignature(counterpartySignature, counterpartyHtlcSighashType(channelType));
  const last = h.kind === 'htlc_success' ? (preimage ?? EMPTY) : EMPTY;
  const input = h.tx.inputs[0]!;
  return {
    outpoint: input.prevout,
    valueSat: h.spentValueSat,
    sequence: input.sequence,
    scriptPubKey: p2wsh(h.spentWitnessScript),
    maxWitnessSize: witnessSize([EMPTY, MAX_WITNESS_SIGNATURE, MAX_WITNESS_SIGNATURE, h.kind === 'htlc_success' ? new Uint8Array(32) : EMPTY, h.spentWitnessScript]),
    sign(tx, index) {
      const digest = segwitV0Sighash(tx, index, h.spentWitnessScript, h.spentValueSat, SIGHASH_ALL);
      const local = encodeWitnessSignature(signer.signWithHtlcKey(digest, perCommitmentPoint), SIGHASH_ALL);
      return [EMPTY, remote, local, last, h.spentWitnessScript];
    },
  };
}

/** Our anchor as a ForeignInput (BOLT 3 anchor witness `<local_sig>`, our funding key). */
export function anchorInput(outpoint: OutPoint, witnessScript: Uint8Array, signer: MonitorSigner, valueSat = 330n): ForeignInput {
  return {
    outpoint,
    valueSat,
    sequence: 0xfffffffd,
    scriptPubKey: p2wsh(witnessScript),
    maxWitnessSize: witnessSize([MAX_WITNESS_SIGNATURE, witnessScript]),
    sign(tx, index) {
      const digest = segwitV0Sighash(tx, index, witnessScript, valueSat, SIGHASH_ALL);
      return [encodeWitnessSignature(signer.signWithFundingKey(digest), SIGHASH_ALL), witnessScript];
    },
  };
}

/** A fully signed HTLC transaction without fee inputs (option_static_remotekey: the fee is inside). */
export function signedHtlcTx(input: ForeignInput, h: HtlcTx): { tx: Transaction; txid: Uint8Array } {
  const tx = assemble(h.tx, [input]);
  return { tx, txid: txidOf(tx) };
}
