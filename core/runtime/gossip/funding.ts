/**
 * The gossip layer's funding check (core/gossip/funding.ts) over the node's chain source: a
 * short_channel_id names a block height, a transaction index in that block and an output (BOLT 7);
 * the block is fetched from the source and checked (its header hashes to the block asked for, its
 * Merkle root covers its transactions: decodeBlock), and the output's spend is asked of the source
 * (`gettxout` on JSON-RPC, `/outspend` on Esplora). Any failure of the source is `unavailable`:
 * the announcement is dropped and comes again from the next peer.
 */
import { decodeBlock, txidToHex } from '../../bitcoin';
import type { ChainSource } from '../../chain';
import type { FundingLookupResult } from '../../gossip';
import { shortChannelIdParts } from '../../wire';
import { BitcoindRpcSource } from '../chain/rpc-source';

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

/** `lookup(scid)`: what the chain says about the output a short_channel_id names. */
export function chainFundingLookup(opts: FundingLookupOptions): (scid: bigint) => Promise<FundingLookupResult> {
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
  return async (scid) => {
    const tip = opts.tipHeight();
    if (tip === null) return { kind: 'unavailable' };
    const { block: height, txIndex, outputIndex } = shortChannelIdParts(scid);
    // BOLT 7: the short_channel_id's block must be on our best chain; above our tip it is not (yet).
    if (height > tip) return { kind: 'not_found' };
    try {
      const hash = await opts.source.blockHash(height);
      if (hash === null) return { kind: 'not_found' };
      const block = await blockOf(hash);
      if (!block) return { kind: 'unavailable' };
      const tx = block.transactions[txIndex];
      const output = tx?.tx.outputs[outputIndex];
      if (!tx || !output) return { kind: 'not_found' };
      const isSpent = await spent(txidToHex(tx.txid), outputIndex);
      if (isSpent === null) return { kind: 'unavailable' };
      if (isSpent) return { kind: 'spent' };
      return { kind: 'unspent', scriptPubkey: output.scriptPubKey, amountSat: output.value, confirmations: tip - height + 1, txid: txidToHex(tx.txid) };
    } catch {
      return { kind: 'unavailable' };
    }
  };
}
