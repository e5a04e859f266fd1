/**
 * Bitcoin blocks: the 80-byte header, a strict block decoder, the block hash, the transaction
 * Merkle root (with Bitcoin Core's duplicate-pair "mutation" check, CVE-2012-2459), the BIP 141
 * witness commitment and the proof-of-work check of a header against its own `bits`.
 *
 * The chain layer uses these to check what a chain source hands it: a block whose hash, Merkle
 * root, witness commitment or work does not add up is garbage, whatever the source says. Retarget
 * rules (is `bits` the right difficulty?) are not checked: the source is trusted for those.
 *
 * Hashes are in internal byte order; `txidToHex` (tx.ts) prints them the way RPCs do.
 */
import { equalBytes, sha256d } from '../crypto';
import { ByteReader, ByteWriter } from '../wire';
import { BitcoinError } from './errors';
import { readCompactSize, readI32LE, readU32LE, withBitcoinEof, writeI32LE, writeU32LE } from './encoding';
import { readTxWithLayout, strippedTxBytes, type Transaction } from './tx';

export const HEADER_LENGTH = 80;

export interface BlockHeader {
  readonly version: number;
  /** The previous block's hash, internal byte order. */
  readonly prevHash: Uint8Array;
  readonly merkleRoot: Uint8Array;
  /** Unix seconds, as the miner wrote it. */
  readonly time: number;
  /** The compact difficulty target ("nBits"). */
  readonly bits: number;
  readonly nonce: number;
}

export interface BlockTransaction {
  readonly tx: Transaction;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** The transaction exactly as serialized in the block (with its witnesses). */
  readonly raw: Uint8Array;
}

export interface Block {
  readonly header: BlockHeader;
  /** sha256d of the header, internal byte order. */
  readonly hash: Uint8Array;
  readonly transactions: readonly BlockTransaction[];
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  if (h.prevHash.length !== 32 || h.merkleRoot.length !== 32) throw new BitcoinError('bitcoin.bad_value', 'header hashes must be 32 bytes');
  const w = new ByteWriter(HEADER_LENGTH);
  writeI32LE(w, h.version, 'version');
  w.writeBytes(h.prevHash);
  w.writeBytes(h.merkleRoot);
  writeU32LE(w, h.time, 'time');
  writeU32LE(w, h.bits, 'bits');
  writeU32LE(w, h.nonce, 'nonce');
  return w.finish();
}

function readHeader(r: ByteReader): BlockHeader {
  const version = readI32LE(r, 'version');
  const prevHash = r.readBytes(32, 'prev_block').slice();
  const merkleRoot = r.readBytes(32, 'merkle_root').slice();
  const time = readU32LE(r, 'time');
  const bits = readU32LE(r, 'bits');
  const nonce = readU32LE(r, 'nonce');
  return { version, prevHash, merkleRoot, time, bits, nonce };
}

/** Parses exactly 80 header bytes. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (!(bytes instanceof Uint8Array)) throw new BitcoinError('bitcoin.bad_block', 'expected bytes');
  if (bytes.length !== HEADER_LENGTH) throw new BitcoinError('bitcoin.bad_block', `a header is ${HEADER_LENGTH} bytes, not ${bytes.length}`);
  return withBitcoinEof(() => readHeader(new ByteReader(bytes)));
}

/** The block hash (internal byte order): sha256d of the 80-byte header. */
export function headerHash(h: BlockHeader | Uint8Array): Uint8Array {
  return sha256d(h instanceof Uint8Array ? h : encodeHeader(h));
}

/**
 * The target a header's `bits` encodes, or null when the encoding is negative or overflows 256
 * bits (Bitcoin Core's `DeriveTarget` refuses both).
 */
export function targetFromBits(bits: number): bigint | null {
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  if (mantissa !== 0 && (bits & 0x00800000) !== 0) return null; // negative
  const target = exponent <= 3 ? BigInt(mantissa) >> BigInt(8 * (3 - exponent)) : BigInt(mantissa) << BigInt(8 * (exponent - 3));
  if (target === 0n || target >= 1n << 256n) return null;
  return target;
}

/** True when the header's hash, read as a little-endian number, is at most its own target. */
export function checkProofOfWork(h: BlockHeader): boolean {
  const target = targetFromBits(h.bits);
  if (target === null) return false;
  const hash = headerHash(h);
  let n = 0n;
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
  return n <= target;
}

/**
 * The Merkle root of `hashes` (internal order) and whether the tree is "mutated": two identical
 * hashes paired at some level, which lets a different transaction list give the same root
 * (CVE-2012-2459; Bitcoin Core's ComputeMerkleRoot reports the same flag).
 */
export function merkleRoot(hashes: readonly Uint8Array[]): { root: Uint8Array; mutated: boolean } {
  if (hashes.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = hashes.slice();
  let mutated = false;
  while (level.length > 1) {
    for (let i = 0; i + 1 < level.length; i += 2) if (equalBytes(level[i]!, level[i + 1]!)) mutated = true;
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const pair = new Uint8Array(64);
      pair.set(level[i]!, 0);
      pair.set(level[i + 1]!, 32);
      next.push(sha256d(pair));
    }
    level = next;
  }
  return { root: level[0]!, mutated };
}

/**
 * The Merkle root a branch proves for `leaf` (a txid, internal order) at position `index`: at each
 * level the sibling goes on the left when that bit of the index is 1 (an SPV proof, as Electrum's
 * `blockchain.transaction.get_merkle` and Esplora's `/tx/:txid/merkle-proof` give it, reversed).
 */
export function merkleRootFromBranch(leaf: Uint8Array, branch: readonly Uint8Array[], index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** branch.length) throw new BitcoinError('bitcoin.bad_value', `position ${index} does not fit a branch of ${branch.length}`);
  let h = leaf;
  branch.forEach((sibling, level) => {
    const pair = new Uint8Array(64);
    const right = Math.floor(index / 2 ** level) % 2 === 1;
    pair.set(right ? sibling : h, 0);
    pair.set(right ? h : sibling, 32);
    h = sha256d(pair);
  });
  return h;
}

/** BIP 141: the commitment output starts OP_RETURN, push 36, 0xaa21a9ed. */
const WITNESS_COMMITMENT_PREFIX = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);

function witnessCommitment(coinbase: Transaction): Uint8Array | null {
  // BIP 141: "If there are more than one scriptPubKey matching the pattern, the one with highest
  // output index is assumed to be the commitment."
  for (let i = coinbase.outputs.length - 1; i >= 0; i--) {
    const s = coinbase.outputs[i]!.scriptPubKey;
    if (s.length >= 38 && equalBytes(s.subarray(0, 6), WITNESS_COMMITMENT_PREFIX)) return s.subarray(6, 38);
  }
  return null;
}

/**
 * Parses a serialized block and checks it is internally consistent: every transaction decodes,
 * nothing trails, the first and only the first is a coinbase, the Merkle root matches (and is not
 * mutated), and witness data is committed to by the coinbase (BIP 141). Throws BitcoinError
 * (`bitcoin.eof`, `bitcoin.trailing_bytes`, `bitcoin.bad_tx`, `bitcoin.bad_block`, ...), never an
 * untyped error. Proof of work is the caller's to check (`checkProofOfWork`).
 */
export function decodeBlock(bytes: Uint8Array): Block {
  if (!(bytes instanceof Uint8Array)) throw new BitcoinError('bitcoin.bad_block', 'expected bytes');
  return withBitcoinEof(() => {
    const r = new ByteReader(bytes);
    const header = readHeader(r);
    const count = readCompactSize(r, 'transaction count');
    if (count === 0) throw new BitcoinError('bitcoin.bad_block', 'a block has at least its coinbase transaction');
    const transactions: BlockTransaction[] = [];
    for (let i = 0; i < count; i++) {
      const layout = readTxWithLayout(r);
      const raw = bytes.slice(layout.start, layout.end);
      transactions.push({ tx: layout.tx, raw, txid: sha256d(strippedTxBytes(bytes, layout)) });
    }
    if (!r.atEnd) throw new BitcoinError('bitcoin.trailing_bytes', `${r.remaining} bytes after the block's transactions`);
    checkBlockBody(header, transactions);
    return { header, hash: headerHash(header), transactions };
  });
}

function isCoinbase(tx: Transaction): boolean {
  const p = tx.inputs[0]!.prevout;
  return tx.inputs.length === 1 && p.vout === 0xffffffff && p.txid.every((b) => b === 0);
}

function checkBlockBody(header: BlockHeader, txs: readonly BlockTransaction[]): void {
  if (!isCoinbase(txs[0]!.tx)) throw new BitcoinError('bitcoin.bad_block', 'the first transaction is not a coinbase');
  for (let i = 1; i < txs.length; i++) {
    if (isCoinbase(txs[i]!.tx)) throw new BitcoinError('bitcoin.bad_block', `transaction ${i} is a second coinbase`);
  }
  const { root, mutated } = merkleRoot(txs.map((t) => t.txid));
  if (mutated) throw new BitcoinError('bitcoin.bad_block', 'the transaction Merkle tree is mutated (duplicate pair)');
  if (!equalBytes(root, header.merkleRoot)) throw new BitcoinError('bitcoin.bad_block', 'the Merkle root does not match the transactions');
  const anyWitness = txs.some((t) => t.tx.inputs.some((i) => i.witness.length > 0));
  if (!anyWitness) return;
  const coinbase = txs[0]!.tx;
  const commitment = witnessCommitment(coinbase);
  // BIP 141: without a commitment, no transaction may carry witness data.
  if (!commitment) throw new BitcoinError('bitcoin.bad_block', 'witness data without a witness commitment');
  const reserved = coinbase.inputs[0]!.witness;
  // BIP 141: the coinbase's witness is one 32-byte "witness reserved value".
  if (reserved.length !== 1 || reserved[0]!.length !== 32) {
    throw new BitcoinError('bitcoin.bad_block', 'the coinbase witness is not one 32-byte reserved value');
  }
  // BIP 141: the coinbase's wtxid is taken as 0x0000....0000.
  const wtxids = txs.map((t, i) => (i === 0 ? new Uint8Array(32) : sha256d(t.raw)));
  const witnessRoot = merkleRoot(wtxids).root;
  const joined = new Uint8Array(64);
  joined.set(witnessRoot, 0);
  joined.set(reserved[0]!, 32);
  if (!equalBytes(sha256d(joined), commitment)) throw new BitcoinError('bitcoin.bad_block', 'the witness commitment does not match');
}
