/**
 * Signature hashes: BIP 143 (segwit v0) for every sighash type, and the legacy algorithm for
 * SIGHASH_ALL (only needed to reproduce a P2PKH funding input, BOLT 3 Appendix B).
 */
import { sha256d } from '../crypto';
import { ByteWriter } from '../wire';
import { BitcoinError } from './errors';
import { writeU32LE, writeU64LE, writeVarBytes } from './encoding';
import type { Transaction } from './tx';
import { encodeTx, writeOutPoint, writeTxOutput } from './tx';

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

function hashOf(fill: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(128);
  fill(w);
  return sha256d(w.finish());
}

/**
 * BIP 143 digest for input `inputIndex` spending a segwit v0 output worth `value` satoshis,
 * with `scriptCode` (for P2WSH: the witness script).
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
  const hashPrevouts = anyoneCanPay ? ZERO32 : hashOf((w) => tx.inputs.forEach((i) => writeOutPoint(w, i.prevout)));
  // BIP 143 item 3: hashSequence, zero with ANYONECANPAY, SINGLE or NONE.
  const hashSequence =
    anyoneCanPay || base !== SIGHASH_ALL ? ZERO32 : hashOf((w) => tx.inputs.forEach((i) => writeU32LE(w, i.sequence)));
  // BIP 143 item 8: hashOutputs — all outputs, only the output at the same index for SINGLE, or zero.
  let hashOutputs: Uint8Array = ZERO32;
  if (base === SIGHASH_ALL) hashOutputs = hashOf((w) => tx.outputs.forEach((o) => writeTxOutput(w, o)));
  else if (base === SIGHASH_SINGLE && inputIndex < tx.outputs.length) {
    hashOutputs = hashOf((w) => writeTxOutput(w, tx.outputs[inputIndex]!));
  }

  const w = new ByteWriter(256);
  writeU32LE(w, tx.version, 'version'); // 1. nVersion
  w.writeBytes(hashPrevouts); // 2.
  w.writeBytes(hashSequence); // 3.
  writeOutPoint(w, input.prevout); // 4. outpoint
  writeVarBytes(w, scriptCode); // 5. scriptCode
  writeU64LE(w, value, 'value'); // 6. value of the spent output
  writeU32LE(w, input.sequence, 'sequence'); // 7. nSequence
  w.writeBytes(hashOutputs); // 8.
  writeU32LE(w, tx.locktime, 'locktime'); // 9. nLocktime
  writeU32LE(w, sighashType, 'sighash type'); // 10. sighash type
  return sha256d(w.finish());
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
