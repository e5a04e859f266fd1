/**
 * Signature hashes: BIP 143 (segwit v0) for every sighash type, and the legacy algorithm for
 * SIGHASH_ALL (only needed to reproduce a P2PKH funding input, BOLT 3 Appendix B).
 */
import { sha256d } from '../crypto';
import { ByteWriter } from '../wire';
import { BitcoinError } from './errors';
import { compactSizeLength, putU32LE, putU64LE, putVarBytes, writeU32LE } from './encoding';
import type { Transaction, TxOutput } from './tx';
import { encodeTx, putOutPoint, putTxOutput, txOutputLength } from './tx';

export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

const ZERO32: Uint8Array = new Uint8Array(32);

function baseType(sighashType: number): number {
  const base = sighashType & 0x1f;
  if (base !== SIGHASH_ALL && base !== SIGHASH_NONE && base !== SIGHASH_SINGLE) {
    throw new BitcoinError('bitcoin.bad_sighash', `unknown sighash type 0x${sighashType.toString(16)}`);
  }
  if (sighashType & ~0x9f) throw new BitcoinError('bitcoin.bad_sighash', `unknown sighash bits 0x${sighashType.toString(16)}`);
  return base;
}

/** BIP 143 item 2: SHA256d of every input's outpoint. */
function hashPrevouts(tx: Transaction): Uint8Array {
  const buf = new Uint8Array(36 * tx.inputs.length);
  let pos = 0;
  for (const i of tx.inputs) pos = putOutPoint(buf, pos, i.prevout);
  return sha256d(buf);
}

/** BIP 143 item 3: SHA256d of every input's nSequence. */
function hashSequence(tx: Transaction): Uint8Array {
  const buf = new Uint8Array(4 * tx.inputs.length);
  let pos = 0;
  for (const i of tx.inputs) pos = putU32LE(buf, pos, i.sequence, 'sequence');
  return sha256d(buf);
}

/** BIP 143 item 8: SHA256d of the serialized outputs given. */
function hashOutputs(outputs: readonly TxOutput[]): Uint8Array {
  let size = 0;
  for (const o of outputs) size += txOutputLength(o);
  const buf = new Uint8Array(size);
  let pos = 0;
  for (const o of outputs) pos = putTxOutput(buf, pos, o);
  return sha256d(buf);
}

/**
 * BIP 143 digest for input `inputIndex` spending a segwit v0 output worth `value` satoshis,
 * with `scriptCode` (for P2WSH: the witness script). The preimage is written into one array of
 * its exact size (a commitment_signed hashes one per HTLC).
 */
export function segwitV0Sighash(
  tx: Transaction,
  inputIndex: number,
  scriptCode: Uint8Array,
  value: bigint,
  sighashType: number,
): Uint8Array {
  const base = baseType(sighashType);
  const anyoneCanPay = (sighashType & SIGHASH_ANYONECANPAY) !== 0;
  const input = tx.inputs[inputIndex];
  if (!input) throw new BitcoinError('bitcoin.bad_value', `no input ${inputIndex}`);

  // BIP 143 item 2: hashPrevouts, zero with ANYONECANPAY.
  const prevouts = anyoneCanPay ? ZERO32 : hashPrevouts(tx);
  // BIP 143 item 3: hashSequence, zero with ANYONECANPAY, SINGLE or NONE.
  const sequences = anyoneCanPay || base !== SIGHASH_ALL ? ZERO32 : hashSequence(tx);
  // BIP 143 item 8: hashOutputs — all outputs, only the output at the same index for SINGLE, or zero.
  let outputs: Uint8Array = ZERO32;
  if (base === SIGHASH_ALL) outputs = hashOutputs(tx.outputs);
  else if (base === SIGHASH_SINGLE && inputIndex < tx.outputs.length) outputs = hashOutputs([tx.outputs[inputIndex]!]);

  const preimage = new Uint8Array(4 + 32 + 32 + 36 + compactSizeLength(scriptCode.length) + scriptCode.length + 8 + 4 + 32 + 4 + 4);
  let pos = putU32LE(preimage, 0, tx.version, 'version'); // 1. nVersion
  preimage.set(prevouts, pos); // 2. hashPrevouts
  preimage.set(sequences, pos + 32); // 3. hashSequence
  pos = putOutPoint(preimage, pos + 64, input.prevout); // 4. outpoint
  pos = putVarBytes(preimage, pos, scriptCode); // 5. scriptCode
  pos = putU64LE(preimage, pos, value, 'value'); // 6. value of the spent output
  pos = putU32LE(preimage, pos, input.sequence, 'sequence'); // 7. nSequence
  preimage.set(outputs, pos); // 8. hashOutputs
  pos = putU32LE(preimage, pos + 32, tx.locktime, 'locktime'); // 9. nLocktime
  putU32LE(preimage, pos, sighashType, 'sighash type'); // 10. sighash type
  return sha256d(preimage);
}

/**
 * Legacy (pre-segwit) SIGHASH_ALL digest for input `inputIndex` whose previous output script is
 * `scriptCode` (no OP_CODESEPARATOR handling: the scripts signed here never contain one).
 */
export function legacySighashAll(tx: Transaction, inputIndex: number, scriptCode: Uint8Array): Uint8Array {
  if (!tx.inputs[inputIndex]) throw new BitcoinError('bitcoin.bad_value', `no input ${inputIndex}`);
  const stripped: Transaction = {
    ...tx,
    inputs: tx.inputs.map((i, n) => ({ ...i, scriptSig: n === inputIndex ? scriptCode : new Uint8Array(0), witness: [] })),
  };
  const w = new ByteWriter(256);
  w.writeBytes(encodeTx(stripped, { witness: false }));
  writeU32LE(w, SIGHASH_ALL, 'sighash type');
  return sha256d(w.finish());
}
