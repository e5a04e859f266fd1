/**
 * Building and signing a transaction with @scure/btc-signer (BIP 143 signatures, low R and low
 * S, finalized P2WPKH witnesses). Inputs someone else signs (a channel's anchor output) get their
 * witness from a callback that sees the unsigned transaction as core/bitcoin data, so the channel
 * layer signs with its own keys and its own BIP 143 code.
 */
import { Transaction as PsbtTransaction } from '@scure/btc-signer';
import { decodeTx, txid as computeTxid, txidToHex, txWeight, type Transaction } from '../bitcoin';
import { zeroize } from '../crypto';
import { WalletError } from './errors';
import type { WalletKeys, Keychain } from './keys';

/** BIP 125: any nSequence below 0xfffffffe opts in to replacement. */
export const SEQUENCE_RBF = 0xfffffffd;
/** No RBF signal, nLockTime still enforced (BIP 65 / 68 leave it final-but-locktime-enabled). */
export const SEQUENCE_NO_RBF = 0xfffffffe;

/** What a foreign input's owner gets to sign: the whole unsigned transaction, which input, what it spends. */
export interface ForeignSignRequest {
  /** The transaction without witnesses (core/bitcoin data; txids in internal byte order). */
  readonly tx: Transaction;
  readonly inputIndex: number;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
}

/** Returns the witness stack for the input (e.g. `[signature, witnessScript]` for an anchor). */
export type ForeignSigner = (request: ForeignSignRequest) => readonly Uint8Array[];

export type InputSigner = { readonly kind: 'wallet'; readonly chain: Keychain; readonly index: number } | {
  readonly kind: 'foreign';
  readonly sign: ForeignSigner;
  /** The largest witness (bytes, item count included) the fee was computed for. */
  readonly maxWitnessSize: number;
};

export interface BuildInput {
  /** Display-order hex. */
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  readonly sequence: number;
  readonly signer: InputSigner;
}

export interface BuildOutput {
  readonly scriptPubKey: Uint8Array;
  readonly valueSat: bigint;
}

export interface BuiltTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly tx: Transaction;
  readonly weight: number;
}

export function buildAndSign(keys: WalletKeys, inputs: readonly BuildInput[], outputs: readonly BuildOutput[], lockTime: number): BuiltTx {
  const psbt = new PsbtTransaction({ version: 2, lockTime, allowUnknownInputs: true, allowUnknownOutputs: true, lowR: true });
  for (const input of inputs) {
    psbt.addInput({
      txid: input.txid, index: input.vout, sequence: input.sequence,
      witnessUtxo: { script: input.scriptPubKey, amount: input.valueSat },
    });
  }
  for (const output of outputs) psbt.addOutput({ script: output.scriptPubKey, amount: output.valueSat });

  // Foreign witnesses first: they sign the unsigned transaction, and btc-signer freezes an input
  // set once any SIGHASH_ALL signature is in.
  const unsigned = decodeTx(psbt.unsignedTx);
  inputs.forEach((input, i) => {
    const signer = input.signer;
    if (signer.kind !== 'foreign') return;
    const witness = signer.sign({ tx: unsigned, inputIndex: i, valueSat: input.valueSat, scriptPubKey: input.scriptPubKey });
    if (!Array.isArray(witness) || witness.length === 0 || !witness.every((w) => w instanceof Uint8Array)) {
      throw new WalletError('wallet.bad_cpfp_input', `the signer of input ${i} returned no witness`);
    }
    const size = witnessSize(witness);
    if (size > signer.maxWitnessSize) {
      throw new WalletError(
        'wallet.witness_too_large',
        `the witness of input ${i} is ${size} bytes, more than the ${signer.maxWitnessSize} the fee was computed for`,
      );
    }
    psbt.updateInput(i, { finalScriptWitness: [...witness] });
  });
  inputs.forEach((input, i) => {
    const signer = input.signer;
    if (signer.kind !== 'wallet') return;
    const key = keys.privateKey(signer.chain, signer.index);
    try {
      // BIP 143 SIGHASH_ALL over a P2WPKH input (scriptCode = P2PKH of the key hash).
      if (!psbt.signIdx(key, i)) throw new Error(`input ${i} was not signed`);
    } finally {
      zeroize(key);
    }
    psbt.finalizeIdx(i);
  });
  const raw = psbt.extract();
  const tx = decodeTx(raw);
  return { txid: txidToHex(computeTxid(tx)), raw, tx, weight: txWeight(tx) };
}

/** Serialized size of a witness stack: item count then each item with its length. */
export function witnessSize(stack: readonly Uint8Array[]): number {
  const cs = (n: number): number => (n < 0xfd ? 1 : n <= 0xffff ? 3 : 5);
  return cs(stack.length) + stack.reduce((s, w) => s + cs(w.length) + w.length, 0);
}
