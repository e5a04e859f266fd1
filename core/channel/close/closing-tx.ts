/**
 * BOLT 3 closing transactions: the "Legacy Closing Transaction" (closing_signed) and the "Closing
 * Transaction" of option_simple_close (closing_complete / closing_sig), their funding-input
 * signatures and the broadcastable form. Pure functions of the channel's parameters and balances.
 */
import { compareBytes, ecdsaVerify } from '../../crypto';
import type { Transaction, TxOutput } from '../../bitcoin';
import { SIGHASH_ALL, encodeTx, encodeWitnessSignature, segwitV0Sighash, txid as computeTxid, txWeight } from '../../bitcoin';
import { fundingScript } from '../scripts';
import { isOpReturn } from '../shutdown-script';
import type { ChannelSigner } from '../signer';
import type { ChannelParams, Side } from '../state';

/** One output of a closing transaction and whose it is. */
export interface ClosingOutput {
  readonly side: Side;
  readonly scriptPubKey: Uint8Array;
  readonly valueSat: bigint;
}

export interface ClosingTx {
  /** Unsigned (empty witness). */
  readonly tx: Transaction;
  /** Its outputs in transaction order. */
  readonly outputs: readonly ClosingOutput[];
  /** What the transaction pays in fees: the funding amount minus the outputs (sub-satoshi remainders and dropped outputs included). */
  readonly feeSat: bigint;
  /** Internal byte order. */
  readonly txid: Uint8Array;
}

/** Balances at the close (no HTLC left), whole msat. */
export interface ClosingBalances {
  readonly localMsat: bigint;
  readonly remoteMsat: bigint;
}

export interface ClosingScripts {
  readonly local: Uint8Array;
  readonly remote: Uint8Array;
}

/** BOLT 3 "Legacy Closing Transaction": txin[0] sequence. */
export const LEGACY_CLOSING_SEQUENCE = 0xffffffff;
/** BOLT 3 "Closing Transaction" (option_simple_close): txin[0] sequence (RBF-able). */
export const SIMPLE_CLOSING_SEQUENCE = 0xfffffffd;

/** BOLT 3 Transaction Output Ordering: value, then scriptpubkey (memcmp, the shorter first). */
function compareOutputs(a: ClosingOutput, b: ClosingOutput): number {
  if (a.valueSat !== b.valueSat) return a.valueSat < b.valueSat ? -1 : 1;
  return compareBytes(a.scriptPubKey, b.scriptPubKey);
}

function assemble(params: ChannelParams, outs: ClosingOutput[], sequence: number, locktime: number): ClosingTx {
  outs.sort(compareOutputs);
  const tx: Transaction = {
    version: 2,
    inputs: [{ prevout: params.fundingOutpoint, scriptSig: new Uint8Array(0), sequence, witness: [] }],
    outputs: outs.map((o): TxOutput => ({ value: o.valueSat, scriptPubKey: o.scriptPubKey })),
    locktime,
  };
  const paid = outs.reduce((s, o) => s + o.valueSat, 0n);
  return { tx, outputs: outs, feeSat: params.fundingSatoshis - paid, txid: computeTxid(tx) };
}

/** Msat rounded down to whole satoshis, never negative. */
function wholeSat(msat: bigint): bigint {
  return msat > 0n ? msat / 1000n : 0n;
}

export interface LegacyClosingOptions {
  /** The signer's `dust_limit_satoshis`: "MUST remove any output below its own dust_limit_satoshis". */
  readonly dustLimitSat: bigint;
  /** Remove outputs at exactly the dust limit too (some implementations do; see verify). */
  readonly dropAtDustLimit?: boolean;
  /** "MAY eliminate its own output": the side whose output is left out. */
  readonly omit?: Side;
}

/**
 * BOLT 3 "Legacy Closing Transaction" as the node holding `opts.dustLimitSat` builds it: version 2,
 * locktime 0, sequence 0xFFFFFFFF; each output "rounded down to whole satoshis", the fee subtracted from
 * the funder's output, outputs below the dust limit removed. Throws RangeError if the funder cannot pay
 * `feeSat` (callers check it first).
 */
export function buildLegacyClosingTx(
  params: ChannelParams,
  balances: ClosingBalances,
  scripts: ClosingScripts,
  feeSat: bigint,
  opts: LegacyClosingOptions,
): ClosingTx {
  const sat = { local: wholeSat(balances.localMsat), remote: wholeSat(balances.remoteMsat) };
  // "MUST subtract the fee given by fee_satoshis from the output to the funder."
  sat[params.funder] -= feeSat;
  if (sat[params.funder] < 0n || feeSat < 0n) throw new RangeError(`the funder cannot pay a ${feeSat}-sat closing fee`);
  const outs: ClosingOutput[] = [];
  for (const side of ['local', 'remote'] as const) {
    if (opts.omit === side) continue;
    const v = sat[side];
    // "MUST remove any output below its own dust_limit_satoshis."
    if (v < opts.dustLimitSat || (opts.dropAtDustLimit && v === opts.dustLimitSat)) continue;
    outs.push({ side, scriptPubKey: scripts[side], valueSat: v });
  }
  return assemble(params, outs, LEGACY_CLOSING_SEQUENCE, 0);
}

/** Which outputs a simple-close transaction keeps (the `closing_tlvs` record that signs it). */
export type SimpleClosingVariant = 'closer_output_only' | 'closee_output_only' | 'closer_and_closee_outputs';

export interface SimpleClosingTerms {
  /** Who sent closing_complete (and pays `feeSat`). */
  readonly closer: Side;
  readonly closerScript: Uint8Array;
  readonly closeeScript: Uint8Array;
  readonly feeSat: bigint;
  readonly locktime: number;
}

/** The amounts of a simple-close transaction's two possible outputs (before choosing a variant). */
export function simpleClosingAmounts(balances: ClosingBalances, terms: SimpleClosingTerms): { closer: bigint; closee: bigint } {
  const closee = terms.closer === 'local' ? 'remote' : 'local';
  const bal = (s: Side): bigint => wholeSat(s === 'local' ? balances.localMsat : balances.remoteMsat);
  return {
    // "0 if the scriptpubkey starts with OP_RETURN, otherwise the final balance for the closer, minus
    //  closing_complete.fee_satoshis, rounded down to whole satoshis"
    closer: isOpReturn(terms.closerScript) ? 0n : bal(terms.closer) - terms.feeSat,
    // "0 if the scriptpubkey starts with OP_RETURN, otherwise the final balance for the closee, rounded down"
    closee: isOpReturn(terms.closeeScript) ? 0n : bal(closee),
  };
}

/** BOLT 3 "Closing Transaction" (option_simple_close): locktime from closing_complete, sequence 0xFFFFFFFD. */
export function buildSimpleClosingTx(params: ChannelParams, balances: ClosingBalances, terms: SimpleClosingTerms, variant: SimpleClosingVariant): ClosingTx {
  const closee: Side = terms.closer === 'local' ? 'remote' : 'local';
  const amounts = simpleClosingAmounts(balances, terms);
  if (amounts.closer < 0n && !isOpReturn(terms.closerScript)) throw new RangeError(`the closer cannot pay a ${terms.feeSat}-sat closing fee`);
  const outs: ClosingOutput[] = [];
  if (variant !== 'closee_output_only') outs.push({ side: terms.closer, scriptPubKey: terms.closerScript, valueSat: amounts.closer });
  if (variant !== 'closer_output_only') outs.push({ side: closee, scriptPubKey: terms.closeeScript, valueSat: amounts.closee });
  return assemble(params, outs, SIMPLE_CLOSING_SEQUENCE, terms.locktime);
}

function fundingWitnessScript(params: ChannelParams): Uint8Array {
  return fundingScript(params.local.basepoints.fundingPubkey, params.remote.basepoints.fundingPubkey);
}

/** The digest both funding keys sign: BIP 143, SIGHASH_ALL, over the funding witness script. */
export function closingSighash(params: ChannelParams, c: ClosingTx): Uint8Array {
  return segwitV0Sighash(c.tx, 0, fundingWitnessScript(params), params.fundingSatoshis, SIGHASH_ALL);
}

/** Our signature of a closing transaction (compact 64 bytes, low-S). */
export function signClosingTx(params: ChannelParams, c: ClosingTx, signer: ChannelSigner): Uint8Array {
  return signer.signWithFundingKey(closingSighash(params, c));
}

/** Whether `signature` is the peer's valid (low-S) signature of `c`. */
export function verifyClosingSignature(params: ChannelParams, c: ClosingTx, signature: Uint8Array): boolean {
  return signature.length === 64 && ecdsaVerify(signature, closingSighash(params, c), params.remote.basepoints.fundingPubkey);
}

/** The broadcastable transaction: witness `0 <signature_for_pubkey1> <signature_for_pubkey2> <funding script>`. */
export function finalizeClosingTx(params: ChannelParams, c: ClosingTx, localSignature: Uint8Array, remoteSignature: Uint8Array): Uint8Array {
  const ours = encodeWitnessSignature(localSignature, SIGHASH_ALL);
  const theirs = encodeWitnessSignature(remoteSignature, SIGHASH_ALL);
  const localFirst = compareBytes(params.local.basepoints.fundingPubkey, params.remote.basepoints.fundingPubkey) <= 0;
  const [s1, s2] = localFirst ? [ours, theirs] : [theirs, ours];
  const input = c.tx.inputs[0]!;
  return encodeTx({ ...c.tx, inputs: [{ ...input, witness: [new Uint8Array(0), s1, s2, fundingWitnessScript(params)] }] });
}

/**
 * The weight of a closing transaction paying these scripts once signed, with signatures at their
 * largest (73 bytes with the sighash byte, as BOLT 3's expected weights assume): what a fee rate is
 * multiplied by to give a closing fee.
 */
export function closingTxWeight(params: ChannelParams, scripts: readonly Uint8Array[]): number {
  const maxSig = new Uint8Array(73);
  const tx: Transaction = {
    version: 2,
    inputs: [{ prevout: params.fundingOutpoint, scriptSig: new Uint8Array(0), sequence: 0, witness: [new Uint8Array(0), maxSig, maxSig, fundingWitnessScript(params)] }],
    outputs: scripts.map((s) => ({ value: 0n, scriptPubKey: s })),
    locktime: 0,
  };
  return txWeight(tx);
}

/** fee = feerate × weight / 1000, rounded down (BOLT 3 Fee Calculation). */
export function feeForWeight(feeratePerKw: number, weight: number): bigint {
  return (BigInt(feeratePerKw) * BigInt(weight)) / 1000n;
}
