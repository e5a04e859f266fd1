/**
 * The channel graph: validated public channels with both directions' policies, and the nodes at
 * their ends with their latest node_announcement. In memory; the manager keeps it in step with
 * the store through `GossipChange`s. Node ids are lowercase hex (map keys); every message is kept
 * as the bytes received, so it can be relayed and re-verified unchanged.
 *
 * The graph satisfies core/routing's `RoutingGraph` structurally (`routingView()`), without
 * importing it: routing and gossip sit side by side in the layer order.
 */
import type { AddressDescriptor } from '../wire';

/** BOLT 7 `direction` bit: 0 for the update from node_id_1, 1 for node_id_2. */
export type Direction = 0 | 1;

/** One direction of a channel, from its latest accepted channel_update. */
export interface ChannelPolicy {
  /** `timestamp` (seconds) */
  readonly timestamp: number;
  /** `message_flags` */
  readonly messageFlags: number;
  /** `channel_flags` */
  readonly channelFlags: number;
  /** The `disable` bit of channel_flags. */
  readonly disabled: boolean;
  /** The `dont_forward` bit of message_flags: never relayed. */
  readonly dontForward: boolean;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  /** The channel_update as received (type included). */
  readonly message: Uint8Array;
  /** BOLT 7 checksum (CRC32C without signature and timestamp), for `checksums_tlv`. */
  readonly checksum: number;
}

export interface GraphChannel {
  readonly shortChannelId: bigint;
  /** `node_id_1` (hex) */
  readonly nodeId1: string;
  /** `node_id_2` (hex) */
  readonly nodeId2: string;
  /** The funding output's value; null when the funding check was skipped (`fundingCheck: 'skip'`). */
  readonly capacitySat: bigint | null;
  /** The funding transaction's id (hex) when the funding check gave it: its spend closes the channel. */
  readonly fundingTxid: string | null;
  /** `features` as sent. */
  readonly features: Uint8Array;
  /** BOLT 7: "if there is an unknown even bit in the features field: MUST NOT attempt to route messages through the channel." */
  readonly unknownRequiredFeatures: boolean;
  /** The channel_announcement as received (type included). */
  readonly announcement: Uint8Array;
  /** When we accepted the announcement (ms). */
  readonly receivedAtMs: number;
  /** Policies by direction (0: from node_id_1, 1: from node_id_2). */
  readonly policies: readonly [ChannelPolicy | null, ChannelPolicy | null];
  /** The block height at which the funding output was seen spent, if it was. */
  readonly spentAtHeight: number | null;
}

/** What a node_announcement told us. */
export interface NodeInfo {
  readonly timestamp: number;
  /** `features` as sent. */
  readonly features: Uint8Array;
  /** BOLT 7: unknown even bits — do not route through, do not connect, do not pay (unless an invoice says otherwise). */
  readonly unknownRequiredFeatures: boolean;
  /** `alias` as text: trailing zero bytes removed, invalid UTF-8 replaced. Untrusted: escape before display. */
  readonly alias: string;
  /** `rgb_color` as `#rrggbb`. */
  readonly color: string;
  /** Usable addresses: known types, port not 0 (except Tor), no Tor v2, at most one DNS name. */
  readonly addresses: readonly AddressDescriptor[];
  /** False when the announcement must not be forwarded (BOLT 7: more than one DNS hostname). */
  readonly relay: boolean;
  /** The node_announcement as received (type included). */
  readonly message: Uint8Array;
}

export interface GraphNode {
  readonly nodeId: string;
  readonly channels: ReadonlySet<bigint>;
  readonly info: NodeInfo | null;
}

interface MutableChannel extends GraphChannel {
  policies: [ChannelPolicy | null, ChannelPolicy | null];
  spentAtHeight: number | null;
  fundingTxid: string | null;
  capacitySat: bigint | null;
}

interface MutableNode extends GraphNode {
  readonly channels: Set<bigint>;
  info: NodeInfo | null;
}

/** Channel fields the graph is given when a channel is added. */
export type NewChannel = Omit<GraphChannel, 'policies' | 'spentAtHeight' | 'fundingTxid'> & Partial<Pick<GraphChannel, 'policies' | 'spentAtHeight' | 'fundingTxid'>>;

export class ChannelGraph {
  readonly #channels = new Map<bigint, MutableChannel>();
  readonly #nodes = new Map<string, MutableNode>();
  #sorted: bigint[] | null = null;
  /** Routable channels per node, built on first use and dropped when the node's channels change. */
  readonly #routable = new Map<string, GraphChannel[]>();

  get channelCount(): number {
    return this.#channels.size;
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  channel(scid: bigint): GraphChannel | undefined {
    return this.#channels.get(scid);
  }

  node(nodeId: string): GraphNode | undefined {
    return this.#nodes.get(nodeId);
  }

  channels(): IterableIterator<GraphChannel> {
    return this.#channels.values();
  }

  nodes(): IterableIterator<GraphNode> {
    return this.#nodes.values();
  }

  /** Adds a channel and the nodes at its ends. The short_channel_id must be new. */
  addChannel(c: NewChannel): GraphChannel {
    const ch: MutableChannel = { ...c, policies: c.policies ? [c.policies[0], c.policies[1]] : [null, null], spentAtHeight: c.spentAtHeight ?? null, fundingTxid: c.fundingTxid ?? null };
    this.#channels.set(ch.shortChannelId, ch);
    for (const id of [ch.nodeId1, ch.nodeId2]) {
      let n = this.#nodes.get(id);
      if (!n) {
        n = { nodeId: id, channels: new Set(), info: null };
        this.#nodes.set(id, n);
      }
      n.channels.add(ch.shortChannelId);
      this.#routable.delete(id);
    }
    this.#sorted = null;
    return ch;
  }

  /** Removes a channel; returns the node ids left without channels, which are removed too. */
  removeChannel(scid: bigint): string[] {
    const ch = this.#channels.get(scid);
    if (!ch) return [];
    this.#channels.delete(scid);
    this.#sorted = null;
    const orphaned: string[] = [];
    for (const id of [ch.nodeId1, ch.nodeId2]) {
      const n = this.#nodes.get(id);
      this.#routable.delete(id);
      if (!n) continue;
      n.channels.delete(scid);
      // BOLT 7 Rebroadcasting: "if there are no channels associated with the corresponding origin
      // node: MAY purge the origin node from its set of known nodes."
      if (n.channels.size === 0 && !orphaned.includes(id)) {
        this.#nodes.delete(id);
        orphaned.push(id);
      }
    }
    return orphaned;
  }

  setPolicy(scid: bigint, direction: Direction, policy: ChannelPolicy | null): void {
    const ch = this.#channels.get(scid);
    if (ch) ch.policies[direction] = policy;
  }

  setSpent(scid: bigint, height: number | null): void {
    const ch = this.#channels.get(scid);
    if (!ch) return;
    ch.spentAtHeight = height;
    this.#routable.delete(ch.nodeId1);
    this.#routable.delete(ch.nodeId2);
  }

  /** A channel stored without its funding txid learned it (resolved from its short_channel_id), and its capacity when given. */
  setFunding(scid: bigint, txid: string, capacitySat: bigint | null): void {
    const ch = this.#channels.get(scid);
    if (!ch) return;
    ch.fundingTxid = txid;
    if (capacitySat !== null) ch.capacitySat = capacitySat;
    this.#routable.delete(ch.nodeId1);
    this.#routable.delete(ch.nodeId2);
  }

  setNodeInfo(nodeId: string, info: NodeInfo | null): void {
    const n = this.#nodes.get(nodeId);
    if (n) n.info = info;
  }

  /** Every short_channel_id in ascending order (cached until the next add or remove). */
  sortedShortChannelIds(): readonly bigint[] {
    if (!this.#sorted) this.#sorted = [...this.#channels.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.#sorted;
  }

  /** The short_channel_ids whose block height is in [firstBlock, endBlock), ascending. */
  shortChannelIdsInBlocks(firstBlock: number, endBlock: number): bigint[] {
    const ids = this.sortedShortChannelIds();
    const lo = BigInt(firstBlock) << 40n;
    const hi = BigInt(Math.min(endBlock, 0x1000000)) << 40n;
    let i = lowerBound(ids, lo);
    const out: bigint[] = [];
    for (; i < ids.length && ids[i]! < hi; i++) out.push(ids[i]!);
    return out;
  }

  /**
   * A read-only view for core/routing's `RoutingGraph`: channels with unknown even features and
   * spent channels are left out, as are nodes with unknown even features as forwarders.
   */
  routingView(): GraphRoutingView {
    return {
      channelsOf: (nodeId) => this.#routableOf(nodeId),
      canForward: (nodeId) => this.#nodes.get(nodeId)?.info?.unknownRequiredFeatures !== true,
    };
  }

  #routableOf(nodeId: string): readonly GraphChannel[] {
    let list = this.#routable.get(nodeId);
    if (list) return list;
    list = [];
    for (const scid of this.#nodes.get(nodeId)?.channels ?? []) {
      const ch = this.#channels.get(scid)!;
      if (!ch.unknownRequiredFeatures && ch.spentAtHeight === null) list.push(ch);
    }
    this.#routable.set(nodeId, list);
    return list;
  }
}

/** What `ChannelGraph.routingView()` returns (the shape core/routing reads). */
export interface GraphRoutingView {
  channelsOf(nodeId: string): Iterable<GraphChannel>;
  canForward(nodeId: string): boolean;
}

function lowerBound(sorted: readonly bigint[], x: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
