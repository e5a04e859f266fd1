/**
 * The chain layer (core/runtime/chain's ChainSync, tracker and own transactions over a source) as the
 * channel service's ChannelChainPort. The one thing the tracker does not keep is where a transaction
 * sits in its block (BOLT 7 short_channel_id: "the transaction index within the block"). Over
 * JSON-RPC it comes from the block itself, fetched and checked (its header hashes to the block asked
 * for, its Merkle root covers its transactions). Over Esplora from the transaction's Merkle proof
 * (`/tx/:txid/merkle-proof`: its position and branch), checked against the block's header — a
 * mainnet block is megabytes, a branch a few hundred bytes — as the gossip layer checks a funding
 * output (core/runtime/gossip/funding.ts).
 */
import { decodeBlock, decodeHeader, headerHash, merkleRootFromBranch, txidFromHex, txidToHex } from '../../bitcoin';
import type { ChainSource } from '../../chain';
import { equalBytes } from '../../crypto';
import type { Chain } from '../chain/config';
import { EsploraSource } from '../chain/esplora-source';
import type { ChannelChainPort } from './ports';

/** Where `txid` sits in block `blockHash` (null: not there), from its Merkle proof checked against the block's header. */
async function esploraTxIndex(source: EsploraSource, blockHash: string, txid: string): Promise<number | null> {
  const proof = await source.merkleProof(txid);
  if (!proof) return null;
  const header = decodeHeader(await source.header(blockHash));
  if (txidToHex(headerHash(header)) !== blockHash) throw new Error(`the source's header for ${blockHash} hashes to another block`);
  // A proof for another block (the transaction moved by a reorg) does not reach this header's root.
  const root = merkleRootFromBranch(txidFromHex(txid), proof.branch.map(txidFromHex), proof.pos);
  return equalBytes(root, header.merkleRoot) ? proof.pos : null;
}

export function channelChainPort(chain: Chain, source: ChainSource): ChannelChainPort {
  return {
    tip: () => {
      const t = chain.tracker.tip;
      return t ? { height: t.height, hash: t.hash } : null;
    },
    watch: (spec, owner) => chain.sync.watch(spec, owner),
    unwatch: (id, owner) => chain.sync.unwatch(id, owner),
    watchIds: (owner) => new Set(chain.tracker.watches.filter((w) => w.owners.includes(owner)).map((w) => w.id)),
    view: (id) => chain.tracker.view(id),
    txStatus: (txid) => chain.tracker.txStatus(txid),
    broadcast: (raw) => chain.sync.broadcast(raw),
    forget: (txid) => {
      const own = chain.own as { forget?: (txid: string) => unknown };
      own.forget?.(txid);
    },
    blockTxIndex: async (blockHash, txid) => {
      if (source instanceof EsploraSource) return await esploraTxIndex(source, blockHash, txid);
      const block = decodeBlock(await source.block(blockHash));
      if (txidToHex(block.hash) !== blockHash) return null;
      const i = block.transactions.findIndex((t) => txidToHex(t.txid) === txid);
      return i < 0 ? null : i;
    },
    feeEstimate: (target) => chain.sync.feeEstimate(target),
  };
}
