/**
 * The gossip layer in the node: the GossipManager (core/gossip) with its SQLite store, run by the
 * gossip adapter (core/runtime/gossip) on the node's peers, chain and clock. Kept apart from
 * node.ts so the composition root only calls `createGossip`.
 */
import type { Database } from '../store';
import { GossipRepository } from '../store/gossip-repository';
import { GossipManager, type GossipEvent, type GossipLimits } from '../gossip';
import type { ChainSource } from '../chain';
import type { Chain } from '../runtime/chain';
import type { Clock } from '../runtime/clock';
import { GossipService, type GossipPeersPort } from '../runtime/gossip/service';
import { chainFundingLookup } from '../runtime/gossip/funding';
import { FEATURES } from '../wire';

export interface GossipNodeOptions {
  readonly db: Database;
  readonly chainHash: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly peers: GossipPeersPort;
  /** The node's chain and its source; null: the node runs without a chain. */
  readonly chain: { readonly chain: Chain; readonly source: ChainSource } | null;
  readonly clock: Clock;
  readonly publish: (e: GossipEvent) => void;
  readonly log?: (line: Record<string, unknown>) => void;
  /** Overrides of the manager's bounds and intervals (tests shorten the 60 s relay flush). */
  readonly limits?: Partial<GossipLimits>;
}

export function createGossip(o: GossipNodeOptions): GossipService {
  const manager = new GossipManager({
    chainHash: o.chainHash,
    localNodeId: o.nodeId,
    // BOLT 7 (channel_announcement, receiving node): "if the short_channel_id's output does NOT
    // correspond to a P2WSH ... OR the output is spent: MUST ignore the message" — with a chain
    // we look every funding output up. Without one the check cannot be made: the graph takes
    // announcements on their four signatures alone, with no capacity (BOLT 7 leaves how a node
    // learns the output to it; such a node cannot open channels or pay on chain either).
    fundingCheck: o.chain ? 'lookup' : 'skip',
    knownFeatures: FEATURES,
    nowMs: o.clock.now(),
    ...(o.limits ? { limits: o.limits } : {}),
  });
  const chain = o.chain;
  return new GossipService({
    manager,
    store: new GossipRepository(o.db),
    peers: o.peers,
    funding: chain ? chainFundingLookup({ source: chain.source, tipHeight: () => chain.chain.tracker.tip?.height ?? null }) : null,
    clock: o.clock,
    publish: o.publish,
    ...(o.log ? { log: o.log } : {}),
  });
}
