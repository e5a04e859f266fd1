/**
 * Claim transactions: the inputs that spend the outputs we are owed (BOLT 3 witnesses for each
 * script path), and a transaction that sweeps a set of them to the wallet at a fee rate. Every
 * input is signed SIGHASH_ALL by the monitor's signer.
 */
import type { OutPoint, Transaction } from '../bitcoin';
import { SIGHASH_ALL, encodeWitnessSignature, p2pkh, segwitV0Sighash, txWeight, txid as txidOf } from '../bitcoin';
import type { Classified, OutputDescriptor } from './classify';
import type { ChannelData } from './data';
import type { MonitorSigner } from './signer';

/** nSequence of inputs with no relative lock: signals replaceability (BIP 125) and enables nLockTime. */
export const SEQUENCE_RBF = 0xfffffffd;

/** One input of a claim: how to sign it and its final witness. */
export interface ClaimInput {
  readonly outpoint: OutPoint;
  /** `txid:vout` (display hex). */
  readonly key: string;
  readonly valueSat: bigint;
  readonly sequence: number;
  /** The nLockTime the transaction needs (an HTLC's cltv_expiry), 0 for none. */
  readonly locktime: number;
  /** The BIP 143 scriptCode (the witness script; P2PKH of the key for P2WPKH). */
  readonly scriptCode: Uint8Array;
  readonly sign: (digest: Uint8Array) => Uint8Array;
  /** The witness stack around our signature (DER + sighash byte). */
  readonly witness: (signature: Uint8Array) => Uint8Array[];
}

/** How we spend an output: the script path. */
export type ClaimPath = 'delayed' | 'revocation' | 'revocation_htlc' | 'to_remote' | 'preimage' | 'timeout' | 'anchor';

const EMPTY = new Uint8Array(0);
/** A placeholder for weight estimates: the longest DER signature (72) plus its sighash byte. */
export const MAX_WITNESS_SIGNATURE = new Uint8Array(73);

export interface ClaimContext {
  readonly data: ChannelData;
  readonly closing: Classified;
  readonly signer: MonitorSigner;
}

/** The input that spends `d` along `path` (BOLT 3 witnesses, cited per path). */
export function claimInput(ctx: ClaimContext, d: OutputDescriptor, path: ClaimPath, preimage?: Uint8Array): ClaimInput {
  const { data, closing, signer } = ctx;
  const anchors = data.params.channelType === 'anchors';
  const ws = d.witnessScript;
  const base = { outpoint: d.outpoint, key: d.key, valueSat: d.valueSat, locktime: 0 };
  const need = (x: Uint8Array | null, what: string): Uint8Array => {
    if (!x) throw new TypeError(`claim of ${d.key} (${d.role}) needs ${what}`);
    return x;
  };
  switch (path) {
    case 'delayed': {
      // BOLT 3 to_local Output: "spent by an input with nSequence field set to to_self_delay ... <local_delayedsig> <>".
      const script = need(ws, 'its witness script');
      const point = need(closing.point, 'the commitment point');
      return { ...base, sequence: d.csvDelay, scriptCode: script, sign: (h) => signer.signWithDelayedPaymentKey(h, point), witness: (s) => [s, EMPTY, script] };
    }
    case 'revocation': {
      // BOLT 3 to_local Output: "the other party can spend this output immediately with ... <revocation_sig> 1".
      const script = need(ws, 'its witness script');
      const secret = need(closing.secret, 'the revocation secret');
      return { ...base, sequence: SEQUENCE_RBF, scriptCode: script, sign: (h) => signer.signWithRevocationKey(h, secret), witness: (s) => [s, Uint8Array.of(1), script] };
    }
    case 'revocation_htlc': {
      // BOLT 3 Offered/Received HTLC Outputs: "<revocation_sig> <revocationpubkey>".
      const script = need(ws, 'its witness script');
      const secret = need(closing.secret, 'the revocation secret');
      const revocationPubkey = need(closing.keys?.revocationPubkey ?? null, 'the revocation pubkey');
      return { ...base, sequence: SEQUENCE_RBF, scriptCode: script, sign: (h) => signer.signWithRevocationKey(h, secret), witness: (s) => [s, revocationPubkey, script] };
    }
    case 'to_remote': {
      const key = data.params.local.basepoints.paymentBasepoint;
      if (anchors) {
        // BOLT 3 to_remote Output (anchors): "spent by an input with nSequence field set to 1 and witness: <remote_sig>".
        const script = need(ws, 'its witness script');
        return { ...base, sequence: 1, scriptCode: script, sign: (h) => signer.signWithPaymentKey(h), witness: (s) => [s, script] };
      }
      // A P2WPKH to remotepubkey = our payment_basepoint (option_static_remotekey): BIP 143 scriptCode is its P2PKH.
      return { ...base, sequence: SEQUENCE_RBF, scriptCode: p2pkh(key), sign: (h) => signer.signWithPaymentKey(h), witness: (s) => [s, key] };
    }
    case 'preimage': {
      // BOLT 3 Offered HTLC Outputs: "The remote node can redeem the HTLC with the witness: <remotehtlcsig> <payment_preimage>"
      // ("if option_anchors applies, the nSequence field of the spending input must be 1").
      const script = need(ws, 'its witness script');
      const point = need(closing.point, 'the commitment point');
      const pre = need(preimage ?? null, 'the preimage');
      return { ...base, sequence: anchors ? 1 : SEQUENCE_RBF, scriptCode: script, sign: (h) => signer.signWithHtlcKey(h, point), witness: (s) => [s, pre, script] };
    }
    case 'timeout': {
      // BOLT 3 Received HTLC Outputs: "To timeout the HTLC, the remote node spends it with the witness: <remotehtlcsig> <>";
      // OP_CHECKLOCKTIMEVERIFY needs nLockTime >= cltv_expiry and a non-final nSequence.
      const script = need(ws, 'its witness script');
      const point = need(closing.point, 'the commitment point');
      if (!d.htlc) throw new TypeError(`claim of ${d.key} (${d.role}) needs its HTLC`);
      const cltv = d.htlc.cltvExpiry;
      return { ...base, locktime: cltv, sequence: anchors ? 1 : SEQUENCE_RBF, scriptCode: script, sign: (h) => signer.signWithHtlcKey(h, point), witness: (s) => [s, EMPTY, script] };
    }
    case 'anchor': {
      // BOLT 3 to_local_anchor: "Spending of the output requires the following witness: <local_sig/remote_sig>".
      const script = need(ws, 'its witness script');
      return { ...base, sequence: SEQUENCE_RBF, scriptCode: script, sign: (h) => signer.signWithFundingKey(h), witness: (s) => [s, script] };
    }
  }
}

/** Bitcoin Core's dust threshold for an output paying `script` (BOLT 3 Dust Limits). */
export function dustLimitSat(script: Uint8Array): bigint {
  if (script.length === 22 && script[0] === 0x00 && script[1] === 0x14) return 294n; // p2wpkh
  if (script.length === 34 && (script[0] === 0x00 || script[0] === 0x51) && script[1] === 0x20) return 330n; // p2wsh, p2tr
  if (script.length === 23 && script[0] === 0xa9) return 540n; // p2sh
  if (script.length > 0 && script[0] === 0x6a) return 0n; // OP_RETURN
  return 546n;
}

/** The serialized size of a witness stack (count and items), for weight estimates. */
export function witnessSize(stack: readonly Uint8Array[]): number {
  const varint = (n: number) => (n < 0xfd ? 1 : n <= 0xffff ? 3 : 5);
  return stack.reduce((sum, item) => sum + varint(item.length) + item.length, varint(stack.length));
}

export interface ClaimTx {
  readonly tx: Transaction;
  readonly txid: Uint8Array;
  /** The weight the fee was computed on (signatures at their longest); the signed one is at most this. */
  readonly weight: number;
  readonly feeSat: bigint;
  readonly feeratePerKw: number;
  /** What reaches the wallet. */
  readonly valueSat: bigint;
}

/** fee = ceil(feerate_per_kw × weight / 1000). */
export function feeFor(feeratePerKw: number, weight: number): bigint {
  return (BigInt(feeratePerKw) * BigInt(weight) + 999n) / 1000n;
}

/**
 * A transaction sweeping `inputs` to `destination` at `feeratePerKw` (and at least `minFeeSat`,
 * what a replacement must pay), signed. The fee is capped so the output stays above dust; null
 * when even the lowest relayable fee (`floorFeeratePerKw`) would leave dust: not worth claiming.
 */
export function buildClaimTx(
  inputs: readonly ClaimInput[],
  destination: Uint8Array,
  feeratePerKw: number,
  opts: { minFeeSat?: bigint; floorFeeratePerKw?: number } = {},
): ClaimTx | null {
  if (inputs.length === 0) return null;
  const total = inputs.reduce((s, i) => s + i.valueSat, 0n);
  const locktime = inputs.reduce((m, i) => Math.max(m, i.locktime), 0);
  const unsigned = (value: bigint, sign: boolean): Transaction => {
    const tx: Transaction = {
      version: 2,
      locktime,
      inputs: inputs.map((i) => ({ prevout: i.outpoint, scriptSig: EMPTY, sequence: i.sequence, witness: i.witness(MAX_WITNESS_SIGNATURE) })),
      outputs: [{ value, scriptPubKey: destination }],
    };
    if (!sign) return tx;
    return {
      ...tx,
      inputs: tx.inputs.map((input, n) => {
        const ci = inputs[n]!;
        const digest = segwitV0Sighash(tx, n, ci.scriptCode, ci.valueSat, SIGHASH_ALL);
        return { ...input, witness: ci.witness(encodeWitnessSignature(ci.sign(digest), SIGHASH_ALL)) };
      }),
    };
  };
  const weight = txWeight(unsigned(total, false));
  const dust = dustLimitSat(destination);
  const maxFee = total - dust;
  let fee = feeFor(feeratePerKw, weight);
  if (opts.minFeeSat !== undefined && opts.minFeeSat > fee) fee = opts.minFeeSat;
  if (fee > maxFee) {
    if (maxFee < feeFor(opts.floorFeeratePerKw ?? 253, weight)) return null;
    fee = maxFee;
  }
  const tx = unsigned(total - fee, true);
  return { tx, txid: txidOf(tx), weight, feeSat: fee, feeratePerKw: Number((fee * 1000n) / BigInt(weight)), valueSat: total - fee };
}
