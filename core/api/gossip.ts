/**
 * The gossip part of the NodeApi: the BOLT 7 graph the node learned from its peers (the gossip
 * adapter's views, core/runtime/gossip/types.ts) and its counts; the events are the gossip
 * layer's own (core/gossip/events.ts).
 */
import { s } from './schema';
import type { GossipInfo, GraphChannelInfo, GraphNodeInfo } from '../runtime/gossip/types';
import type { ForwardingPolicyInfo } from '../node/forwarding';

export type { ForwardingPolicyInfo } from '../node/forwarding';

export type { GossipInfo, GraphChannelInfo, GraphNodeInfo, GraphPolicyInfo } from '../runtime/gossip/types';
export type { GossipEvent } from '../gossip/events';

export interface GossipMethods {
  /** Nodes of the public graph (most channels first): alias, color, addresses, channel count. */
  listNodes: { params: { limit?: number }; result: { nodes: GraphNodeInfo[] } };
  /** Public channels of the graph (of `nodeId` if given): ends, capacity, both directions' policies. */
  listGraphChannels: { params: { nodeId?: string; limit?: number }; result: { channels: GraphChannelInfo[] } };
  /** Counts: channels, nodes, pending announcements and updates, peers, received gossip by outcome. */
  gossipInfo: { params: Record<string, never>; result: GossipInfo };
  /** Our forwarding policy: the fee (base + proportional) and CLTV delta our channel_updates announce. */
  getForwardingPolicy: { params: Record<string, never>; result: ForwardingPolicyInfo };
  /** Changes it at once (saved in config.json); our channel_updates are re-signed and sent. */
  setForwardingPolicy: { params: Partial<ForwardingPolicyInfo>; result: ForwardingPolicyInfo };
}

const LIMIT = s.integer({ min: 1, max: 100_000 });

export const GOSSIP_METHOD_SCHEMAS = {
  listNodes: s.object({ limit: LIMIT }, ['limit']),
  listGraphChannels: s.object({ nodeId: s.nodeId(), limit: LIMIT }, ['nodeId', 'limit']),
  gossipInfo: s.object({}),
  getForwardingPolicy: s.object({}),
  setForwardingPolicy: s.object(
    {
      feeBaseMsat: s.string({ pattern: /^(0|[1-9][0-9]{0,9})$/, describe: 'msat as a decimal string (0..4294967295)' }),
      feeProportionalMillionths: s.string({ pattern: /^(0|[1-9][0-9]{0,9})$/, describe: 'millionths as a decimal string (0..4294967295)' }),
      cltvExpiryDelta: s.integer({ min: 18, max: 2016 }),
    },
    ['feeBaseMsat', 'feeProportionalMillionths', 'cltvExpiryDelta'],
  ),
} as const;
