/**
 * The gossip part of the NodeApi: the BOLT 7 graph the node learned from its peers (the gossip
 * adapter's views, core/runtime/gossip/types.ts) and its counts; the events are the gossip
 * layer's own (core/gossip/events.ts).
 */
import { s } from './schema';
import type { GossipInfo, GraphChannelInfo, GraphNodeInfo } from '../runtime/gossip/types';

export type { GossipInfo, GraphChannelInfo, GraphNodeInfo, GraphPolicyInfo } from '../runtime/gossip/types';
export type { GossipEvent } from '../gossip/events';

export interface GossipMethods {
  /** Nodes of the public graph (most channels first): alias, color, addresses, channel count. */
  listNodes: { params: { limit?: number }; result: { nodes: GraphNodeInfo[] } };
  /** Public channels of the graph (of `nodeId` if given): ends, capacity, both directions' policies. */
  listGraphChannels: { params: { nodeId?: string; limit?: number }; result: { channels: GraphChannelInfo[] } };
  /** Counts: channels, nodes, pending announcements and updates, peers, received gossip by outcome. */
  gossipInfo: { params: Record<string, never>; result: GossipInfo };
}

const LIMIT = s.integer({ min: 1, max: 100_000 });

export const GOSSIP_METHOD_SCHEMAS = {
  listNodes: s.object({ limit: LIMIT }, ['limit']),
  listGraphChannels: s.object({ nodeId: s.nodeId(), limit: LIMIT }, ['nodeId', 'limit']),
  gossipInfo: s.object({}),
} as const;
