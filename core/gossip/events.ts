/**
 * Events of the gossip layer (the node puts them on its bus). Per-message outcomes are not
 * events — a full sync is hundreds of thousands of messages — they are counted in `stats()`.
 */

export type GossipEvent =
  /** We started learning the graph from a peer. */
  | { readonly type: 'gossip.sync_started'; readonly peer: string; readonly method: 'channel_range' | 'timestamp_filter' }
  /** Our queries to a peer ended. */
  | {
      readonly type: 'gossip.sync_finished';
      readonly peer: string;
      readonly outcome: 'complete' | 'timeout' | 'failed' | 'disconnected';
      /** short_channel_ids the peer listed in its reply_channel_range messages. */
      readonly channelsListed: number;
      /** short_channel_ids we then asked for. */
      readonly channelsQueried: number;
      readonly reason?: string;
    }
  /**
   * Channels (and the nodes left without channels) removed from the graph. `funding_mismatch`: a
   * channel taken without a funding check whose output, looked up later, is not its 2-of-2.
   */
  | { readonly type: 'gossip.pruned'; readonly reason: 'stale' | 'spent' | 'blacklisted' | 'funding_mismatch'; readonly channels: number; readonly nodes: number }
  /** A peer sent something we warned it about (and maybe disconnected). */
  | { readonly type: 'gossip.peer_warned'; readonly peer: string; readonly reason: string; readonly text: string; readonly disconnect: boolean }
  /** Nodes blacklisted (BOLT 7: two valid announcements of one funding output with different node ids). */
  | { readonly type: 'gossip.blacklisted'; readonly nodeIds: readonly string[]; readonly shortChannelId: string };
