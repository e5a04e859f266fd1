/**
 * The chain layer (core/runtime/chain's ChainSync, tracker and own transactions over a source) as the
 * channel service's ChannelChainPort. The one thing the tracker does not keep is where a transaction
 * sits in its block (BOLT 7 short_channel_id: "the transaction index within the block"): that comes
 * from the block itself, fetched from the source and checked (its header hashes to the block asked
 * for, its Merkle root covers its transactions).
 */
import { decodeBlock, txidToHex } from '../../bitcoin';
import type { ChainSource } from '../../chain';
import type { Chain } from '../chain/config';
import type { ChannelChainPort } from './ports';

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
      const block = decodeBlock(await source.block(blockHash));
      if (txidToHex(block.hash) !== blockHash) return null;
      const i = block.transactions.findIndex((t) => txidToHex(t.txid) === txid);
      return i < 0 ? null : i;
    },
    feeEstimate: (target) => chain.sync.feeEstimate(target),
  };
}
