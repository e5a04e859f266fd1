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
import { chainFundingLookup, fundingSpendQuery } from '../runtime/gossip/funding';
import { EsploraSource } from '../runtime/chain/esplora-source';
import { FEATURES, announcementOrder, parseAddressDescriptor, type AddressDescriptor } from '../wire';
import { OwnGossip, type OwnPolicy } from '../runtime/gossip/own';
import { outpointScid } from '../runtime/payments/service';
import type { ChannelService } from '../runtime/channel/service';
import type { Peer } from '../runtime/peer/peer-manager';
import { channelSignerFromNodeKey } from '../channel';

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
    // Esplora fetches no blocks, so the tracker's spend filter sees no spends: graph channels'
    // funding outputs are asked about in a bounded rotation instead (core/gossip/spend-check.ts).
    spendChecks: chain && chain.source instanceof EsploraSource ? {
      query: fundingSpendQuery(chain.source),
      chain: () => ({ tipHeight: chain.chain.tracker.tip?.height ?? null, hashAt: (h) => chain.chain.tracker.headerAt(h)?.hash }),
    } : null,
    clock: o.clock,
    publish: o.publish,
    ...(o.log ? { log: o.log } : {}),
  });
}

export interface OwnGossipNodeOptions {
  readonly gossip: GossipService;
  readonly peers: GossipPeersPort;
  readonly chainHash: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly nodeKey: Uint8Array;
  readonly channels: ChannelService<Peer>;
  readonly policy: () => OwnPolicy;
  /**
   * Our alias, listen addresses ("host:port"), the addresses the user asked us to announce (when
   * any: they replace the listen addresses) and node features, as they are now.
   */
  readonly node: () => { alias: string; listen: readonly string[]; announce: readonly AddressDescriptor[]; features: Uint8Array };
  readonly tipHeight: () => number | null;
  readonly clock: Clock;
  readonly log?: (line: Record<string, unknown>) => void;
}

/** Our channels in gossip: announcement_signatures, our channel_updates and node_announcement (core/runtime/gossip/own.ts). */
export function createOwnGossip(o: OwnGossipNodeOptions): OwnGossip {
  return new OwnGossip({
    gossip: o.gossip, peers: o.peers, chainHash: o.chainHash, nodeId: o.nodeId, nodeKey: o.nodeKey,
    signWithFundingKey: (keyIndex, digest) => channelSignerFromNodeKey(o.nodeKey, keyIndex).signWithFundingKey(digest),
    channels: () => o.channels.gossipViews(),
    // The ids our payments layer and the peer know an unannounced channel by.
    otherIds: (state) => [outpointScid(state), ...(state.aliases?.local != null ? [state.aliases.local] : []), ...(state.aliases?.remote != null ? [state.aliases.remote] : [])],
    policy: o.policy,
    node: () => {
      const n = o.node();
      return { alias: n.alias, features: n.features, addresses: announcedAddresses(n.listen, n.announce) };
    },
    tipHeight: o.tipHeight,
    clock: o.clock,
    ...(o.log ? { log: o.log } : {}),
  });
}

/** What our node_announcement gives: the addresses set to announce, else the listen addresses that can be announced. */
export function announcedAddresses(listen: readonly string[], announce: readonly AddressDescriptor[]): AddressDescriptor[] {
  return announcementOrder(announce.length > 0 ? announce : listen.flatMap(announceableAddress));
}

/**
 * A listen address as a BOLT 7 address descriptor: IPv4 or IPv6, not the unspecified 0.0.0.0 or
 * :: (nobody can dial them) and not a host name (a listener binds an address). Loopback is kept:
 * regtest nodes on one machine dial each other there; a public node sets the addresses to announce.
 */
export function announceableAddress(hostPort: string): AddressDescriptor[] {
  let a: AddressDescriptor;
  try {
    a = parseAddressDescriptor(hostPort);
  } catch {
    return [];
  }
  if ((a.kind !== 'ipv4' && a.kind !== 'ipv6') || a.address.every((b) => b === 0)) return [];
  return [a];
}
