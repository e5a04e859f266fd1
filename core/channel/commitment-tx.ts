/**
 * BOLT 3 Commitment Transaction Construction, from the point of view of the commitment's
 * holder ("local" in BOLT 3), plus signing and verifying its funding input.
 */
import { compareBytes, concatBytes, ecdsaSign, ecdsaVerify, sha256 } from '../crypto';
import type { OutPoint, Transaction, TxOutput } from '../bitcoin';
import { SIGHASH_ALL, encodeWitnessSignature, p2wpkh, p2wsh, segwitV0Sighash } from '../bitcoin';
import { ANCHOR_OUTPUT_SAT, commitmentBaseFeeSat, isHtlcTrimmed } from './fees';
import type { HtlcDirection } from './fees';
import type { CommitmentKeys } from './keys';
import type { ChannelType } from './scripts';
import { anchorScript, fundingScript, htlcScriptBuilder, toLocalScript, toRemoteAnchorsScript } from './scripts';

/** An HTLC as one commitment sees it; `ref` is the caller's handle, carried to the outputs. */
export interface CommitmentHtlc<T = unknown> {
  readonly direction: HtlcDirection;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly ref: T;
}

export interface CommitmentTxParams<T = unknown> {
  readonly channelType: ChannelType;
  readonly fundingOutpoint: OutPoint;
  readonly fundingSatoshis: bigint;
  readonly holderFundingPubkey: Uint8Array;
  readonly counterpartyFundingPubkey: Uint8Array;
  /** Lower 48 bits of SHA256(opener payment_basepoint || accepter payment_basepoint). */
  readonly obscuringFactor: bigint;
  readonly commitmentNumber: number;
  readonly holderIsFunder: boolean;
  /** The holder's balance before fees (HTLCs already taken out). */
  readonly toHolderMsat: bigint;
  readonly toCounterpartyMsat: bigint;
  readonly feeratePerKw: number;
  /** The holder's `dust_limit_satoshis`. */
  readonly dustLimitSat: bigint;
  /** The delay on the holder's own outputs: the counterparty's `to_self_delay`. */
  readonly toSelfDelay: number;
  readonly keys: CommitmentKeys;
  readonly htlcs: readonly CommitmentHtlc<T>[];
}

export type CommitmentOutput<T = unknown> =
  | { readonly kind: 'to_local'; readonly valueSat: bigint; readonly witnessScript: Uint8Array }
  | { readonly kind: 'to_remote'; readonly valueSat: bigint; readonly witnessScript: Uint8Array | null }
  | { readonly kind: 'to_local_anchor' | 'to_remote_anchor'; readonly valueSat: bigint; readonly witnessScript: Uint8Array }
  | {
      readonly kind: 'htlc_offered' | 'htlc_received';
      readonly valueSat: bigint;
      readonly witnessScript: Uint8Array;
      readonly htlc: CommitmentHtlc<T>;
    };

export interface CommitmentTx<T = unknown> {
  /** Unsigned: the funding input's witness is empty until `finalizeCommitmentTx`. */
  readonly tx: Transaction;
  /** Output metadata, index for index with `tx.outputs`. */
  readonly outputs: readonly CommitmentOutput<T>[];
  /** The funding output's witness script (the scriptCode signatures commit to). */
  readonly fundingWitnessScript: Uint8Array;
  /** BOLT 3 "base fee" the funder pays (before trimmed outputs add to it). */
  readonly baseFeeSat: bigint;
  /** Untrimmed HTLC outputs in output order: the order of `htlc_signature`s. */
  readonly htlcOutputs: readonly { readonly outputIndex: number; readonly htlc: CommitmentHtlc<T>; readonly witnessScript: Uint8Array }[];
  /** HTLCs too small for an output (their value goes to fees). */
  readonly trimmedHtlcs: readonly CommitmentHtlc<T>[];
}

/** BOLT 3: the lower 48 bits of SHA256(payment_basepoint from open_channel || from accept_channel). */
export function commitmentObscuringFactor(openerPaymentBasepoint: Uint8Array, accepterPaymentBasepoint: Uint8Array): bigint {
  const h = sha256(concatBytes(openerPaymentBasepoint, accepterPaymentBasepoint));
  let v = 0n;
  for (let i = 26; i < 32; i++) v = (v << 8n) | BigInt(h[i]!);
  return v;
}

interface SortableOutput<T> {
  readonly out: TxOutput;
  readonly meta: CommitmentOutput<T>;
  readonly cltv: number;
}

/** BOLT 3 Transaction Output Ordering: value, then scriptpubkey (memcmp, shorter first), then cltv_expiry. */
function compareOutputs<T>(a: SortableOutput<T>, b: SortableOutput<T>): number {
  if (a.out.value !== b.out.value) return a.out.value < b.out.value ? -1 : 1;
  const c = compareBytes(a.out.scriptPubKey, b.out.scriptPubKey);
  if (c !== 0) return c;
  return a.cltv - b.cltv;
}

/** BOLT 3 Commitment Transaction Construction, steps 1-9. */
export function buildCommitmentTx<T>(p: CommitmentTxParams<T>): CommitmentTx<T> {
  const anchors = p.channelType === 'anchors';
  const fundingWitnessScript = fundingScript(p.holderFundingPubkey, p.counterpartyFundingPubkey);

  // Step 1: the obscured commitment number goes into locktime and sequence.
  const obscured = (p.obscuringFactor ^ BigInt(p.commitmentNumber)) & 0xffffffffffffn;
  const locktime = 0x20000000 | Number(obscured & 0xffffffn); // upper 8 bits 0x20, lower 24 bits of obscured
  const sequence = (0x80000000 | Number(obscured >> 24n)) >>> 0; // upper 8 bits 0x80, upper 24 bits of obscured

  // Step 1 (again): which HTLCs are trimmed (BOLT 3 Trimmed Outputs).
  const untrimmed: CommitmentHtlc<T>[] = [];
  const trimmedHtlcs: CommitmentHtlc<T>[] = [];
  for (const h of p.htlcs) {
    if (isHtlcTrimmed(h.direction, h.amountMsat, p.feeratePerKw, p.dustLimitSat, p.channelType)) trimmedHtlcs.push(h);
    else untrimmed.push(h);
  }

  // Steps 2-3: base fee (and anchors) from the funder's amount.
  const baseFeeSat = commitmentBaseFeeSat(p.feeratePerKw, untrimmed.length, p.channelType);
  const funderCostMsat = (baseFeeSat + (anchors ? 2n * ANCHOR_OUTPUT_SAT : 0n)) * 1000n;
  let toHolderMsat = p.toHolderMsat;
  let toCounterpartyMsat = p.toCounterpartyMsat;
  if (p.holderIsFunder) toHolderMsat -= funderCostMsat;
  else toCounterpartyMsat -= funderCostMsat;
  // A funder that cannot pay the whole fee has no output left (the fee takes what there is).
  const toHolderSat = toHolderMsat > 0n ? toHolderMsat / 1000n : 0n;
  const toCounterpartySat = toCounterpartyMsat > 0n ? toCounterpartyMsat / 1000n : 0n;

  const outs: SortableOutput<T>[] = [];
  // The keys are the same for every HTLC of this commitment: their script parts are built once.
  const htlcScripts = htlcScriptBuilder(
    { revocationPubkey: p.keys.revocationPubkey, localHtlcPubkey: p.keys.holderHtlcPubkey, remoteHtlcPubkey: p.keys.counterpartyHtlcPubkey },
    p.channelType,
  );
  // Steps 4-5: offered and received HTLC outputs, amounts rounded down to whole satoshis.
  for (const h of untrimmed) {
    const witnessScript = h.direction === 'offered' ? htlcScripts.offered(h.paymentHash) : htlcScripts.received(h.paymentHash, h.cltvExpiry);
    const valueSat = h.amountMsat / 1000n;
    outs.push({
      out: { value: valueSat, scriptPubKey: p2wsh(witnessScript) },
      meta: { kind: h.direction === 'offered' ? 'htlc_offered' : 'htlc_received', valueSat, witnessScript, htlc: h },
      cltv: h.cltvExpiry,
    });
  }
  // Step 6: to_local if at least the dust limit.
  const hasToLocal = toHolderSat >= p.dustLimitSat;
  if (hasToLocal) {
    const witnessScript = toLocalScript(p.keys.revocationPubkey, p.toSelfDelay, p.keys.holderDelayedPubkey);
    outs.push({ out: { value: toHolderSat, scriptPubKey: p2wsh(witnessScript) }, meta: { kind: 'to_local', valueSat: toHolderSat, witnessScript }, cltv: 0 });
  }
  // Step 7: to_remote if at least the dust limit (P2WPKH, or the 1-block CSV script with anchors).
  const hasToRemote = toCounterpartySat >= p.dustLimitSat;
  if (hasToRemote) {
    const witnessScript = anchors ? toRemoteAnchorsScript(p.keys.counterpartyPaymentPubkey) : null;
    const scriptPubKey = witnessScript ? p2wsh(witnessScript) : p2wpkh(p.keys.counterpartyPaymentPubkey);
    outs.push({ out: { value: toCounterpartySat, scriptPubKey }, meta: { kind: 'to_remote', valueSat: toCounterpartySat, witnessScript }, cltv: 0 });
  }
  // Step 8: anchors for each side that has an output, or both when any HTLC is untrimmed.
  if (anchors) {
    if (hasToLocal || untrimmed.length > 0) {
      const witnessScript = anchorScript(p.holderFundingPubkey);
      outs.push({ out: { value: ANCHOR_OUTPUT_SAT, scriptPubKey: p2wsh(witnessScript) }, meta: { kind: 'to_local_anchor', valueSat: ANCHOR_OUTPUT_SAT, witnessScript }, cltv: 0 });
    }
    if (hasToRemote || untrimmed.length > 0) {
      const witnessScript = anchorScript(p.counterpartyFundingPubkey);
      outs.push({ out: { value: ANCHOR_OUTPUT_SAT, scriptPubKey: p2wsh(witnessScript) }, meta: { kind: 'to_remote_anchor', valueSat: ANCHOR_OUTPUT_SAT, witnessScript }, cltv: 0 });
    }
  }
  // Step 9: BIP 69 + CLTV order (Array.prototype.sort is stable, so equal outputs keep HTLC order).
  outs.sort(compareOutputs);

  const tx: Transaction = {
    version: 2,
    inputs: [{ prevout: p.fundingOutpoint, scriptSig: new Uint8Array(0), sequence, witness: [] }],
    outputs: outs.map((o) => o.out),
    locktime,
  };
  const htlcOutputs: { outputIndex: number; htlc: CommitmentHtlc<T>; witnessScript: Uint8Array }[] = [];
  outs.forEach((o, outputIndex) => {
    if (o.meta.kind === 'htlc_offered' || o.meta.kind === 'htlc_received') {
      htlcOutputs.push({ outputIndex, htlc: o.meta.htlc, witnessScript: o.meta.witnessScript });
    }
  });
  return { tx, outputs: outs.map((o) => o.meta), fundingWitnessScript, baseFeeSat, htlcOutputs, trimmedHtlcs };
}

/** The digest both funding keys sign: BIP 143, SIGHASH_ALL, over the funding witness script. */
export function commitmentSighash(c: CommitmentTx, fundingSatoshis: bigint): Uint8Array {
  return segwitV0Sighash(c.tx, 0, c.fundingWitnessScript, fundingSatoshis, SIGHASH_ALL);
}

/** Signs the commitment's funding input (compact 64-byte signature, as commitment_signed carries). */
export function signCommitmentTx(c: CommitmentTx, fundingSatoshis: bigint, fundingPrivkey: Uint8Array): Uint8Array {
  return ecdsaSign(commitmentSighash(c, fundingSatoshis), fundingPrivkey);
}

/** Checks a compact signature of the funding input against `fundingPubkey` (low-S required). */
export function verifyCommitmentSignature(c: CommitmentTx, fundingSatoshis: bigint, signature: Uint8Array, fundingPubkey: Uint8Array): boolean {
  return ecdsaVerify(signature, commitmentSighash(c, fundingSatoshis), fundingPubkey);
}

/**
 * The broadcastable commitment: witness `0 <signature_for_pubkey1> <signature_for_pubkey2> <script>`,
 * signatures ordered like the (sorted) keys of the funding script.
 */
export function finalizeCommitmentTx(
  c: CommitmentTx,
  holderFundingPubkey: Uint8Array,
  holderSignature: Uint8Array,
  counterpartyFundingPubkey: Uint8Array,
  counterpartySignature: Uint8Array,
): Transaction {
  const holderSig = encodeWitnessSignature(holderSignature, SIGHASH_ALL);
  const counterpartySig = encodeWitnessSignature(counterpartySignature, SIGHASH_ALL);
  const [s1, s2] = compareBytes(holderFundingPubkey, counterpartyFundingPubkey) <= 0 ? [holderSig, counterpartySig] : [counterpartySig, holderSig];
  const input = c.tx.inputs[0]!;
  return { ...c.tx, inputs: [{ ...input, witness: [new Uint8Array(0), s1, s2, c.fundingWitnessScript] }] };
}
