/**
 * What pathfinding reads: a graph of channels with one policy per direction. core/gossip's
 * `ChannelGraph.routingView()` has this shape (the two layers sit side by side and do not
 * import each other); tests build small graphs by hand. Node ids are lowercase hex.
 */

/** One direction of a channel (BOLT 7 channel_update fields that matter for a route). */
export interface RoutingPolicy {
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  /** The `disable` bit. */
  readonly disabled: boolean;
}

export interface RoutingChannel {
  readonly shortChannelId: bigint;
  /** `node_id_1` (the lesser), hex. */
  readonly nodeId1: string;
  /** `node_id_2`, hex. */
  readonly nodeId2: string;
  /** The funding output's value, or null when unknown. */
  readonly capacitySat: bigint | null;
  /** Policy by direction: [0] is node_id_1's (forwarding towards node_id_2), [1] node_id_2's. */
  readonly policies: readonly [RoutingPolicy | null, RoutingPolicy | null];
}

export interface RoutingGraph {
  /** The channels with `nodeId` at one end. */
  channelsOf(nodeId: string): Iterable<RoutingChannel>;
  /** False for a node that must not forward (BOLT 7: unknown even node features). Default: true. */
  canForward?(nodeId: string): boolean;
}

/** BOLT 7 `direction` of the channel from `from` to `to`: 0 when `from` is node_id_1 (the lesser key). */
export function directionOf(from: string, to: string): 0 | 1 {
  return from < to ? 0 : 1;
}
