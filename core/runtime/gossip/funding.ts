/**
 * The gossip layer's funding check (core/gossip/funding.ts) over the node's chain source: a
 * short_channel_id names a block height, a transaction index in that block and an output (BOLT 7).
 * Over JSON-RPC the block is fetched and checked (its header hashes to the block asked for, its
 * Merkle root covers its transactions: decodeBlock); over Esplora only the transaction at that
 * position is (its txid, its bytes hashing to it, and its Merkle branch proving the position
 * against the block's header) — a mainnet block is megabytes, a branch a few hundred bytes. The
 * output's spend is asked of the source (`gettxout` on JSON-RPC, `/outspend` on Esplora). Any
 * failure of the source is `unavailable` (the manager asks again a little later, a few times); a
 * block above our tip is `above_tip` (the manager waits for the block).
 */
import { decodeBlock, decodeHeader, decodeTx, headerHash, merkleRootFromBranch, txid as computeTxid, txidFromHex, txidToHex, type Transaction } from '../../bitcoin';
import { equalBytes } from '../../crypto';
import type { ChainSource } from '../../chain';
import type { FundingLookupResult, SpendAnswer } from '../../gossip';
import { shortChannelIdParts } from '../../wire';
import { BitcoindRpcSource } from '../chain/rpc-source';
import { EsploraSource } from '../chain/esplora-source';

/** Asks the source whether an output is spent (true), unspent (false), or cannot say (null). */
export type OutputSpentQuery = (txid: string, vout: number) => Promise<boolean | null>;

/** How the source says whether an output is spent: `gettxout` (JSON-RPC) or `/outspend` (Esplora). */
export function outputSpentQuery(source: ChainSource): OutputSpentQuery {
  if (source instanceof BitcoindRpcSource) {
    // gettxout answers null for an output that is spent (or never existed: the caller found it in its block).
    return async (txid, vout) => (await source.call('gettxout', [txid, vout, false])) === null;
  }
  return async (txid, vout) => {
    const [r] = await source.lookups([{ kind: 'outspend', txid, vout }]);
    if (!r || r.kind !== 'outspend') return null;
    return r.spender !== null && r.spender.status.kind === 'confirmed';
  };
}

export interface FundingLookupOptions {
  readonly source: ChainSource;
  /** The height of our best tip (null before the first sync: every lookup is `unavailable`). */
  readonly tipHeight: () => number | null;
  /** Default: outputSpentQuery(source). */
  readonly spent?: OutputSpentQuery;
  /** Decoded blocks kept (a sync asks for many channels of one block in a row). Default 8. */
  readonly cacheBlocks?: number;
}

type CachedBlock = ReturnType<typeof decodeBlock>;

/** The transaction at a position of a block (checked), or null when the block has no such position. */
type TxAt = (blockHash: string, txIndex: number) => Promise<{ readonly txid: string; readonly tx: Transaction } | null | 'unavailable'>;

/** Esplora: the txid at the position, its bytes, and its Merkle branch checked against the block's header. */
function esploraTxAt(source: EsploraSource): TxAt {
  return async (blockHash, txIndex) => {
    const txid = await source.txidAt(blockHash, txIndex);
    if (txid === null) return null;
    const [raw] = await source.transactions([txid]);
    if (!raw) return 'unavailable';
    const tx = decodeTx(raw);
    if (txidToHex(computeTxid(tx)) !== txid) return 'unavailable';
    const proof = await source.merkleProof(txid);
    if (!proof || proof.pos !== txIndex) return 'unavailable';
    const header = decodeHeader(await source.header(blockHash));
    if (txidToHex(headerHash(header)) !== blockHash) return 'unavailable';
    const root = merkleRootFromBranch(txidFromHex(txid), proof.branch.map(txidFromHex), txIndex);
    return equalBytes(root, header.merkleRoot) ? { txid, tx } : 'unavailable';
  };
}

/**
 * What a lookup tells its caller before its answer: `found(txid)` as soon as the transaction at
 * the short_channel_id's position is known, before the output's spend is asked of the source. In
 * blocks mode the caller watches that outpoint from then on (the chain tracker's spend filter), so
 * a spend in a block connected while the answer is on its way is seen: the source's answer covers
 * the blocks before, the filter the blocks after (core/runtime/gossip/service.ts).
 */
export interface FundingLookupHooks {
  found?(txid: string): void;
}

/** A funding lookup as the gossip adapter calls it. */
export type FundingLookupFn = (scid: bigint, hooks?: FundingLookupHooks) => Promise<FundingLookupResult>;

/** `lookup(scid)`: what the chain says about the output a short_channel_id names. */
export function chainFundingLookup(opts: FundingLookupOptions): FundingLookupFn {
  const spent = opts.spent ?? outputSpentQuery(opts.source);
  const cacheSize = opts.cacheBlocks ?? 8;
  const cache = new Map<string, CachedBlock>();
  const blockOf = async (hash: string): Promise<CachedBlock | null> => {
    const hit = cache.get(hash);
    if (hit) return hit;
    const block = decodeBlock(await opts.source.block(hash));
    if (txidToHex(block.hash) !== hash) return null;
    cache.set(hash, block);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return block;
  };
  const txAt: TxAt = opts.source instanceof EsploraSource ? esploraTxAt(opts.source) : async (hash, txIndex) => {
    const block = await blockOf(hash);
    if (!block) return 'unavailable';
    const t = block.transactions[txIndex];
    return t ? { txid: txidToHex(t.txid), tx: t.tx } : null;
  };
  return async (scid, hooks) => {
    const tip = opts.tipHeight();
    if (tip === null) return { kind: 'unavailable' };
    const { block: height, txIndex, outputIndex } = shortChannelIdParts(scid);
    // BOLT 7: the short_channel_id's block must be on our best chain; above our tip it is not yet (the manager waits for it).
    if (height > tip) return { kind: 'above_tip', tipHeight: tip };
    try {
      const hash = await opts.source.blockHash(height);
      // Our own chain has a block at this height (it is at or below our tip): a source that says
      // there is none is behind us (a load-balanced Esplora server a block late) or lost it — not
      // an answer that makes the channel's output not exist. Asked again (BOLT 7's MUST ignore is
      // for an output that is not there, which this source cannot tell yet).
      if (hash === null) return { kind: 'unavailable' };
      const found = await txAt(hash, txIndex);
      if (found === 'unavailable') return { kind: 'unavailable' };
      const output = found?.tx.outputs[outputIndex];
      if (!found || !output) return { kind: 'not_found' };
      hooks?.found?.(found.txid);
      const isSpent = await spent(found.txid, outputIndex);
      if (isSpent === null) return { kind: 'unavailable' };
      if (isSpent) return { kind: 'spent', txid: found.txid };
      return { kind: 'unspent', scriptPubkey: output.scriptPubKey, amountSat: output.value, confirmations: tip - height + 1, txid: found.txid };
    } catch {
      return { kind: 'unavailable' };
    }
  };
}

/**
 * A graph channel's funding output asked of an Esplora source in one request
 * (`/tx/:txid/outspend/:vout`, core/gossip/spend-check.ts says why one at a time): unspent,
 * spent by a transaction not yet in a block, or spent in a block (height and hash, which the
 * gossip layer checks against our chain). Failures throw (the caller asks again later).
 */
export function fundingSpendQuery(source: EsploraSource): (txid: string, vout: number) => Promise<SpendAnswer> {
  return async (txid, vout) => {
    const r = await source.outspendStatus(txid, vout);
    if (!r.spent) return { kind: 'unspent' };
    if (r.status.kind !== 'confirmed') return { kind: 'spent_unconfirmed' };
    return { kind: 'spent', height: r.status.height, blockHash: r.status.blockHash };
  };
}
