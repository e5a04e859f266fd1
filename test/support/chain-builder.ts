/**
 * Builds real regtest blocks in memory for unit tests of core/bitcoin's block decoder and the
 * chain tracker: coinbase with a BIP 34 height, BIP 141 witness commitment when any transaction
 * has witness data, the Merkle root, and a nonce ground until the header meets regtest's target.
 * Transactions are plain core/bitcoin values; nobody checks their signatures (the tracker does not
 * validate scripts, a full node does).
 */
import { concatBytes, sha256, sha256d } from '../../core/crypto';
import {
  checkProofOfWork, encodeHeader, encodeTx, headerHash, merkleRoot, txid, txidFromHex, txidToHex, writeCompactSize, type BlockHeader,
  type Transaction,
} from '../../core/bitcoin';
import { ByteWriter } from '../../core/wire';

/** Regtest's proof-of-work limit in compact form: about every other nonce works. */
export const REGTEST_BITS = 0x207fffff;

export interface BuiltBlock {
  readonly hash: string;
  readonly height: number;
  readonly prevHash: string;
  readonly header: Uint8Array;
  readonly raw: Uint8Array;
  readonly txs: readonly Transaction[];
  readonly txids: readonly string[];
}

function pushNumber(n: number): Uint8Array {
  // BIP 34: the coinbase scriptSig starts with the height as a minimal script number push.
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.push(v & 0xff);
    v >>= 8;
  }
  if (bytes.length && bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Uint8Array.of(bytes.length, ...bytes);
}

/** A P2WPKH-shaped output script for a label (not a real key; the tracker only compares bytes). */
export function scriptFor(label: string): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x14), sha256(new TextEncoder().encode(label)).subarray(0, 20));
}

export function coinbaseTx(height: number, payTo: Uint8Array, extra: number, witness: boolean, commitment?: Uint8Array): Transaction {
  const outputs = [{ value: 50_0000_0000n, scriptPubKey: payTo }];
  if (commitment) outputs.push({ value: 0n, scriptPubKey: concatBytes(Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed), commitment) });
  return {
    version: 2,
    inputs: [{
      prevout: { txid: new Uint8Array(32), vout: 0xffffffff },
      scriptSig: concatBytes(pushNumber(height), Uint8Array.of(0x04, extra & 0xff, (extra >> 8) & 0xff, (extra >> 16) & 0xff, 0x01)),
      sequence: 0xffffffff,
      witness: witness ? [new Uint8Array(32)] : [],
    }],
    outputs,
    locktime: 0,
  };
}

/**
 * A block on top of `prevHash` at `height` with `txs` after the coinbase. `extra` changes the
 * coinbase so two blocks at the same height on competing branches differ.
 */
export function buildBlock(opts: { prevHash: string; height: number; txs?: readonly Transaction[]; time?: number; extra?: number; payTo?: Uint8Array }): BuiltBlock {
  const txs = opts.txs ?? [];
  const witness = txs.some((t) => t.inputs.some((i) => i.witness.length > 0));
  const payTo = opts.payTo ?? scriptFor('miner');
  let coinbase = coinbaseTx(opts.height, payTo, opts.extra ?? 0, witness);
  if (witness) {
    const wtxids = [new Uint8Array(32), ...txs.map((t) => sha256d(encodeTx(t)))];
    const root = merkleRoot(wtxids).root;
    coinbase = coinbaseTx(opts.height, payTo, opts.extra ?? 0, true, sha256d(concatBytes(root, new Uint8Array(32))));
  }
  const all = [coinbase, ...txs];
  const prev = Uint8Array.from(Buffer.from(opts.prevHash, 'hex')).reverse();
  let header: BlockHeader = {
    version: 0x20000000,
    prevHash: prev,
    merkleRoot: merkleRoot(all.map((t) => txid(t))).root,
    time: opts.time ?? 1_700_000_000 + opts.height * 600,
    bits: REGTEST_BITS,
    nonce: 0,
  };
  while (!checkProofOfWork(header)) header = { ...header, nonce: header.nonce + 1 };
  const w = new ByteWriter(1024);
  const headerBytes = encodeHeader(header);
  w.writeBytes(headerBytes);
  writeCompactSize(w, all.length);
  for (const t of all) w.writeBytes(encodeTx(t));
  return {
    hash: txidToHex(headerHash(header)),
    height: opts.height,
    prevHash: opts.prevHash,
    header: headerBytes,
    raw: w.finish(),
    txs: all,
    txids: all.map((t) => txidToHex(txid(t))),
  };
}

/**
 * A transaction spending `inputs` (display-hex txid and vout) to `outputs`. With `witness`, each
 * input carries one dummy witness item, so the transaction is segwit-serialized.
 */
export function spendTx(inputs: readonly { txid: string; vout: number }[], outputs: readonly { script: Uint8Array; value: bigint }[], opts: { witness?: boolean; tag?: number } = {}): Transaction {
  return {
    version: 2,
    inputs: inputs.map((i) => ({
      prevout: { txid: Uint8Array.from(Buffer.from(i.txid, 'hex')).reverse(), vout: i.vout },
      scriptSig: new Uint8Array(0),
      sequence: 0xfffffffd,
      witness: opts.witness === false ? [] : [Uint8Array.of(opts.tag ?? 0)],
    })),
    outputs: outputs.map((o) => ({ value: o.value, scriptPubKey: o.script })),
    locktime: opts.tag ?? 0,
  };
}

export function txidHex(tx: Transaction): string {
  return txidToHex(txid(tx));
}

/** electrs' Merkle proof of `txids[pos]`: the sibling at each level (hex as shown), and the position. */
export function merkleBranch(txids: readonly string[], pos: number): { merkle: string[]; pos: number } {
  let level = txids.map((t) => txidFromHex(t));
  const merkle: string[] = [];
  let i = pos;
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    merkle.push(txidToHex(level[i ^ 1]!));
    const next: Uint8Array[] = [];
    for (let k = 0; k < level.length; k += 2) {
      const pair = new Uint8Array(64);
      pair.set(level[k]!, 0);
      pair.set(level[k + 1]!, 32);
      next.push(sha256d(pair));
    }
    level = next;
    i >>= 1;
  }
  return { merkle, pos };
}
