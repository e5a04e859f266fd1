/** What the gossip adapter shows hosts (re-exported by core/api): the graph's nodes, channels and counts. */

export interface GraphNodeInfo {
  readonly nodeId: string;
  /** From its node_announcement (null before one came). Untrusted text: escape before display. */
  readonly alias: string | null;
  readonly color: string | null;
  /** Addresses it announced, as host:port. */
  readonly addresses: string[];
  /** Its node_announcement's timestamp (s), null without one. */
  readonly lastUpdate: number | null;
  /** Public channels it has in the graph. */
  readonly channels: number;
}

export interface GraphPolicyInfo {
  readonly timestamp: number;
  readonly disabled: boolean;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: string;
  readonly htlcMaximumMsat: string;
  readonly feeBaseMsat: string;
  readonly feeProportionalMillionths: string;
}

export interface GraphChannelInfo {
  /** `BLOCKxTXxOUT` */
  readonly shortChannelId: string;
  readonly nodeId1: string;
  readonly nodeId2: string;
  /** The funding output's value, null when it could not be checked (a node without a chain). */
  readonly capacitySat: string | null;
  /** node_id_1's direction (0) and node_id_2's (1), null until its channel_update came. */
  readonly policies: [GraphPolicyInfo | null, GraphPolicyInfo | null];
  /** The height its funding output was spent at (it is forgotten 72 blocks later). */
  readonly spentAtHeight: number | null;
}

export interface GossipInfo {
  readonly channels: number;
  readonly nodes: number;
  readonly pendingAnnouncements: number;
  readonly pendingUpdates: number;
  readonly peers: number;
  /** Received gossip by outcome (`accepted`, `ignored.funding_spent`, `rejected.bad_signature`, ...). */
  readonly outcomes: Record<string, number>;
  readonly relayDropped: number;
  /**
   * Filtered mode (Esplora): the checks of graph channels' funding outputs for a close — outputs
   * asked about, passes over the whole graph, and how many wait (asked for by a payment or a reorg,
   * hinted at by disabled updates, or until our next block). Null in blocks mode, where every
   * block's spends are seen.
   */
  readonly spendChecks: { readonly asked: number; readonly passes: number; readonly urgent: number; readonly hinted: number; readonly afterNextBlock: number } | null;
}
