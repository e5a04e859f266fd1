/**
 * Bitcoin transactions: the plain-data shape, serialization with and without witnesses
 * (BIP 144), a strict decoder, and txids.
 *
 * Txids are kept in internal byte order (the order hashed and serialized); `txidToHex` /
 * `txidFromHex` convert to and from the byte-reversed display order RPCs and the BOLTs print.
 */
import { fromHex, sha256d, toHex } from '../crypto';
import type { ByteWriter } from '../wire';
import { ByteReader } from '../wire';
import { BitcoinError } from './errors';
import {
  compactSizeLength, putCompactSize, putU32LE, putU64LE, putVarBytes, readCompactSize, readU32LE, readU64LE, readVarBytes,
  withBitcoinEof, writeU32LE, writeU64LE, writeVarBytes,
} from './encoding';

/** 21 million BTC in satoshis: no output may carry more. */
export const MAX_MONEY = 2_100_000_000_000_000n;

export interface OutPoint {
  /** The previous transaction's id, internal byte order (32 bytes). */
  readonly txid: Uint8Array;
  readonly vout: number;
}

export interface TxInput {
  readonly prevout: OutPoint;
  readonly scriptSig: Uint8Array;
  readonly sequence: number;
  /** Witness stack items; empty for a non-witness input. */
  readonly witness: readonly Uint8Array[];
}

export interface TxOutput {
  /** Amount in satoshis. */
  readonly value: bigint;
  readonly scriptPubKey: Uint8Array;
}

export interface Transaction {
  readonly version: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
  readonly locktime: number;
}

function hasWitness(tx: Transaction): boolean {
  return tx.inputs.some((i) => i.witness.length > 0);
}

function checkValue(value: bigint, field: string): void {
  if (value < 0n || value > MAX_MONEY) throw new BitcoinError('bitcoin.bad_value', `${field}: ${value} sat is out of range`);
}

/** Writes an outpoint: txid (internal order) then vout, little-endian. */
export function writeOutPoint(w: ByteWriter, o: OutPoint): void {
  if (o.txid.length !== 32) throw new BitcoinError('bitcoin.bad_value', 'outpoint txid must be 32 bytes');
  w.writeBytes(o.txid);
  writeU32LE(w, o.vout, 'vout');
}

/** Writes one output: value then scriptPubKey. */
export function writeTxOutput(w: ByteWriter, o: TxOutput): void {
  checkValue(o.value, 'output value');
  writeU64LE(w, o.value, 'value');
  writeVarBytes(w, o.scriptPubKey);
}

/**
 * Serializes `tx`. With `witness` (the default) and at least one witness item, uses the BIP 144
 * extended format (marker 0x00, flag 0x01); otherwise the legacy format txids hash.
 * The size is computed first and the transaction written into one array (a commitment with 483
 * HTLC outputs is serialized for its txid on every commitment_signed).
 */
export function encodeTx(tx: Transaction, opts: { witness?: boolean } = {}): Uint8Array {
  if (tx.inputs.length === 0) throw new BitcoinError('bitcoin.bad_tx', 'a transaction needs at least one input');
  const segwit = (opts.witness ?? true) && hasWitness(tx);
  let size = 4 + (segwit ? 2 : 0) + compactSizeLength(tx.inputs.length) + compactSizeLength(tx.outputs.length) + 4;
  for (const input of tx.inputs) size += 36 + compactSizeLength(input.scriptSig.length) + input.scriptSig.length + 4;
  for (const output of tx.outputs) size += 8 + compactSizeLength(output.scriptPubKey.length) + output.scriptPubKey.length;
  if (segwit) {
    for (const input of tx.inputs) {
      size += compactSizeLength(input.witness.length);
      for (const item of input.witness) size += compactSizeLength(item.length) + item.length;
    }
  }
  const out = new Uint8Array(size);
  let pos = putU32LE(out, 0, tx.version, 'version');
  if (segwit) {
    out[pos] = 0x00; // BIP 144 marker
    out[pos + 1] = 0x01; // BIP 144 flag
    pos += 2;
  }
  pos = putCompactSize(out, pos, tx.inputs.length);
  for (const input of tx.inputs) {
    pos = putOutPoint(out, pos, input.prevout);
    pos = putVarBytes(out, pos, input.scriptSig);
    pos = putU32LE(out, pos, input.sequence, 'sequence');
  }
  pos = putCompactSize(out, pos, tx.outputs.length);
  for (const output of tx.outputs) pos = putTxOutput(out, pos, output);
  if (segwit) {
    for (const input of tx.inputs) {
      pos = putCompactSize(out, pos, input.witness.length);
      for (const item of input.witness) pos = putVarBytes(out, pos, item);
    }
  }
  putU32LE(out, pos, tx.locktime, 'locktime');
  return out;
}

/** An outpoint at `pos` (36 bytes): txid (internal order) then vout, little-endian. */
export function putOutPoint(out: Uint8Array, pos: number, o: OutPoint): number {
  if (o.txid.length !== 32) throw new BitcoinError('bitcoin.bad_value', 'outpoint txid must be 32 bytes');
  out.set(o.txid, pos);
  return putU32LE(out, pos + 32, o.vout, 'vout');
}

/** Bytes one serialized output takes. */
export function txOutputLength(o: TxOutput): number {
  return 8 + compactSizeLength(o.scriptPubKey.length) + o.scriptPubKey.length;
}

/** One output at `pos`: value then scriptPubKey. */
export function putTxOutput(out: Uint8Array, pos: number, o: TxOutput): number {
  checkValue(o.value, 'output value');
  return putVarBytes(out, putU64LE(out, pos, o.value, 'value'), o.scriptPubKey);
}

/**
 * Parses a serialized transaction (legacy or BIP 144). Throws BitcoinError for truncated data
 * (`bitcoin.eof`), trailing bytes, a bad segwit flag, an empty witness section, no inputs, or
 * values above MAX_MONEY; never an untyped error.
 */
export function decodeTx(bytes: Uint8Array): Transaction {
  if (!(bytes instanceof Uint8Array)) throw new BitcoinError('bitcoin.bad_tx', 'expected bytes');
  return withBitcoinEof(() => {
    const r = new ByteReader(bytes);
    const tx = readTx(r);
    if (!r.atEnd) throw new BitcoinError('bitcoin.trailing_bytes', `${r.remaining} bytes after the transaction`);
    return tx;
  });
}

/**
 * Reads one transaction at the reader's position (as inside a block), leaving the reader after
 * it. Same checks as `decodeTx` except trailing bytes; `wire.eof` is the caller's to translate
 * (`withBitcoinEof`).
 */
export function readTx(r: ByteReader): Transaction {
  return readTxWithLayout(r).tx;
}

/**
 * `readTx`, also telling where the parts the txid hashes are: bytes `start..start+4` (version),
 * `bodyStart..bodyEnd` (inputs and outputs) and `end-4..end` (locktime) — so a txid can be hashed
 * from the bytes as read (`strippedTxBytes`) instead of serializing again.
 */
export function readTxWithLayout(r: ByteReader): { tx: Transaction; start: number; bodyStart: number; bodyEnd: number; end: number } {
  const start = r.position;
  const version = readU32LE(r, 'version');
  let segwit = false;
  if (r.remaining >= 1 && r.bytes[r.position] === 0x00) {
    r.readU8('marker');
    const flag = r.readU8('flag');
    if (flag !== 0x01) throw new BitcoinError('bitcoin.bad_tx', `unknown segwit flag ${flag}`);
    segwit = true;
  }
  const bodyStart = r.position;
  const inputCount = readCompactSize(r, 'input count');
  if (inputCount === 0) throw new BitcoinError('bitcoin.bad_tx', 'a transaction needs at least one input');
  const inputs: { prevout: OutPoint; scriptSig: Uint8Array; sequence: number; witness: Uint8Array[] }[] = [];
  for (let i = 0; i < inputCount; i++) {
    const txid = r.readBytes(32, 'prevout txid').slice();
    const vout = readU32LE(r, 'prevout vout');
    const scriptSig = readVarBytes(r, 'scriptSig');
    const sequence = readU32LE(r, 'sequence');
    inputs.push({ prevout: { txid, vout }, scriptSig, sequence, witness: [] });
  }
  const outputCount = readCompactSize(r, 'output count');
  const outputs: TxOutput[] = [];
  for (let i = 0; i < outputCount; i++) {
    const value = readU64LE(r, 'value');
    checkValue(value, `output ${i} value`);
    outputs.push({ value, scriptPubKey: readVarBytes(r, 'scriptPubKey') });
  }
  const bodyEnd = r.position;
  if (segwit) {
    for (const input of inputs) {
      const items = readCompactSize(r, 'witness item count');
      for (let j = 0; j < items; j++) input.witness.push(readVarBytes(r, 'witness item'));
    }
    if (!inputs.some((i) => i.witness.length > 0)) {
      throw new BitcoinError('bitcoin.bad_tx', 'segwit serialization with an empty witness section');
    }
  }
  const locktime = readU32LE(r, 'locktime');
  return { tx: { version, inputs, outputs, locktime }, start, bodyStart, bodyEnd, end: r.position };
}

/** The legacy (witness-stripped) serialization of a transaction read with `readTxWithLayout`. */
export function strippedTxBytes(bytes: Uint8Array, layout: { start: number; bodyStart: number; bodyEnd: number; end: number }): Uint8Array {
  const { start, bodyStart, bodyEnd, end } = layout;
  if (bodyStart === start + 4) return bytes.subarray(start, end);
  const out = new Uint8Array(4 + (bodyEnd - bodyStart) + 4);
  out.set(bytes.subarray(start, start + 4), 0);
  out.set(bytes.subarray(bodyStart, bodyEnd), 4);
  out.set(bytes.subarray(end - 4, end), 4 + bodyEnd - bodyStart);
  return out;
}

/** The txid (internal byte order): SHA256d of the serialization without witnesses. */
export function txid(tx: Transaction): Uint8Array {
  return sha256d(encodeTx(tx, { witness: false }));
}

/** Internal-order txid → display hex (byte-reversed, as RPCs and the BOLTs print it). */
export function txidToHex(id: Uint8Array): string {
  return toHex(id.slice().reverse());
}

/** Display hex → internal-order txid. */
export function txidFromHex(hex: string): Uint8Array {
  const b = fromHex(hex, 'txid');
  if (b.length !== 32) throw new BitcoinError('bitcoin.bad_value', 'txid must be 32 bytes');
  return b.reverse();
}

/** Transaction weight (BIP 141): 3 × stripped size + total size. */
export function txWeight(tx: Transaction): number {
  return 3 * encodeTx(tx, { witness: false }).length + encodeTx(tx).length;
}
