/**
 * The gossip layer's store port. The manager reports every change to the graph as a
 * `GossipChange`; the host writes a batch with `applyGossipChanges` (one transaction) and loads
 * everything back with `loadGossip` at start. core/store's GossipRepository implements it.
 *
 * Gossip is a cache of public data: a change lost in a crash is learned again from peers, so a
 * host may batch changes (e.g. once a second) instead of writing after every message.
 */

/** One stored public channel: its announcement, capacity and both directions' latest updates. */
export interface StoredGossipChannel {
  readonly shortChannelId: bigint;
  /** `node_id_1`, `node_id_2` (hex), kept beside the announcement so loading needs no point checks. */
  readonly nodeId1: string;
  readonly nodeId2: string;
  /** The channel_announcement bytes (type included). */
  readonly announcement: Uint8Array;
  readonly capacitySat: bigint | null;
  /** The funding transaction's id (hex), when the funding check gave it (null for rows stored before it was kept). */
  readonly fundingTxid: string | null;
  readonly receivedAtMs: number;
  readonly spentAtHeight: number | null;
  /** channel_update bytes (type included) by direction. */
  readonly updates: readonly [Uint8Array | null, Uint8Array | null];
}

export interface StoredNodeAnnouncement {
  readonly nodeId: string;
  /** The node_announcement bytes (type included). */
  readonly announcement: Uint8Array;
}

/** Everything the store holds. */
export interface GossipSnapshot {
  readonly channels: readonly StoredGossipChannel[];
  readonly nodes: readonly StoredNodeAnnouncement[];
  /** Node ids (hex) blacklisted for conflicting channel_announcements. */
  readonly blacklist: readonly string[];
  /**
   * Where the spend checks' rotation (core/gossip/spend-check.ts) stopped: the last
   * short_channel_id it handed out (null or absent: a pass starts from the lowest).
   */
  readonly spendCheckCursor?: bigint | null;
}

export type GossipChange =
  | {
      readonly kind: 'channel_added';
      readonly shortChannelId: bigint;
      readonly nodeId1: string;
      readonly nodeId2: string;
      readonly announcement: Uint8Array;
      readonly capacitySat: bigint | null;
      readonly fundingTxid: string | null;
      readonly receivedAtMs: number;
    }
  | { readonly kind: 'channel_updated'; readonly shortChannelId: bigint; readonly direction: 0 | 1; readonly update: Uint8Array }
  | { readonly kind: 'channel_spent'; readonly shortChannelId: bigint; readonly height: number }
  /**
   * A channel stored without its funding txid (before migration 15, or with no chain) had it
   * resolved from its short_channel_id; `capacitySat` the output's value when the lookup gave it
   * (an unspent output), else the capacity stays as it was.
   */
  | { readonly kind: 'channel_funding'; readonly shortChannelId: bigint; readonly fundingTxid: string; readonly capacitySat: bigint | null }
  /** The funding spend left the best chain (a reorganisation) before the channel was forgotten. */
  | { readonly kind: 'channel_unspent'; readonly shortChannelId: bigint }
  | { readonly kind: 'channel_removed'; readonly shortChannelId: bigint }
  | { readonly kind: 'node_announced'; readonly nodeId: string; readonly announcement: Uint8Array }
  | { readonly kind: 'node_removed'; readonly nodeId: string }
  | { readonly kind: 'node_blacklisted'; readonly nodeId: string; readonly atMs: number }
  /** The spend checks' rotation moved (null: a pass starts from the lowest): a restart goes on from there. */
  | { readonly kind: 'spend_check_cursor'; readonly cursor: bigint | null };

export interface GossipStore {
  loadGossip(): GossipSnapshot;
  /** Applies the changes in order, in one transaction. */
  applyGossipChanges(changes: readonly GossipChange[]): void;
}
