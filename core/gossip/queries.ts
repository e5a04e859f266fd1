/**
 * Answering a peer's gossip queries from the graph (BOLT 7 "Query Messages"), and the dump a
 * `gossip_timestamp_filter` asks for. Answers that can be long are generators of encoded
 * messages, pulled as the peer's connection takes them, so a query for the whole graph costs
 * no memory up front.
 */
import { equalBytes } from '../crypto';
import { QUERY_FLAGS, QUERY_OPTION_FLAGS, encodeMessage } from '../wire';
import type { ChannelUpdateChecksums, ChannelUpdateTimestamps, QueryChannelRange, QueryShortChannelIds, ReplyChannelRange } from '../wire';
import type { ChannelGraph, GraphChannel } from './graph';

/** BOLT 1: a message is at most 65,535 bytes, type included. */
const MAX_MESSAGE = 65535;
/** reply_channel_range without its arrays: type, chain_hash, first_blocknum, number_of_blocks, sync_complete, len, encoding. */
const REPLY_FIXED = 2 + 32 + 4 + 4 + 1 + 2 + 1;
/** Room for the TLV headers (type, BigSize length, encoding byte) of both extensions. */
const REPLY_TLV_HEADERS = 2 * (1 + 3 + 1);

/** The largest number of short_channel_ids one reply_channel_range can carry with these extensions. */
export function maxIdsPerReply(timestamps: boolean, checksums: boolean): number {
  const per = 8 + (timestamps ? 8 : 0) + (checksums ? 8 : 0);
  return Math.floor((MAX_MESSAGE - REPLY_FIXED - REPLY_TLV_HEADERS) / per);
}

const blockOf = (scid: bigint): number => Number(scid >> 40n);

/** A u32 `first + count`, as the end of a block range (clamped to 2^32 - 1). */
export function rangeEnd(first: number, count: number): number {
  return Math.min(first + count, 0xffffffff);
}

/**
 * BOLT 7 receiver of query_channel_range: "MUST respond with one or more reply_channel_range"
 * with the query's chain_hash; the first "MUST set first_blocknum less than or equal to the
 * first_blocknum in query_channel_range" and cover it; "successive reply_channel_range message:
 * MUST have first_blocknum equal or greater than the previous first_blocknum"; "MUST set
 * sync_complete to false if this is not the final reply_channel_range"; the final one reaches
 * the end of the query and has sync_complete true. Replies are cut at block boundaries where
 * a block's channels fit ("MAY split block contents across multiple reply_channel_range" when
 * they do not). With `query_option`, the timestamps and checksums the peer asked for are added.
 * For a chain we do not follow the answer is one final, empty reply.
 */
export function replyChannelRange(graph: ChannelGraph, q: QueryChannelRange, ourChain: Uint8Array): ReplyChannelRange[] {
  const end = rangeEnd(q.firstBlocknum, q.numberOfBlocks);
  const option = q.tlvs?.queryOption ?? 0n;
  const wantTs = (option & QUERY_OPTION_FLAGS.wantTimestamps) !== 0n;
  const wantCs = (option & QUERY_OPTION_FLAGS.wantChecksums) !== 0n;
  const ids = equalBytes(q.chainHash, ourChain) ? graph.shortChannelIdsInBlocks(q.firstBlocknum, end) : [];
  const cap = maxIdsPerReply(wantTs, wantCs);

  // Chunks of ids, cut between blocks when the next block would not fit.
  const chunks: bigint[][] = [];
  let current: bigint[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j < ids.length && blockOf(ids[j]!) === blockOf(ids[i]!)) j++;
    const block = ids.slice(i, j);
    if (current.length + block.length <= cap) {
      current.push(...block);
    } else {
      if (current.length) chunks.push(current);
      current = [];
      for (let k = 0; k < block.length; k += cap) {
        const part = block.slice(k, k + cap);
        if (part.length === cap) chunks.push(part);
        else current = part;
      }
    }
    i = j;
  }
  if (current.length || chunks.length === 0) chunks.push(current);

  return chunks.map((chunk, n) => {
    const last = n === chunks.length - 1;
    // Contiguous ranges: the first starts at the query's first block, each next one where the
    // previous ended, the last ends at the query's end.
    const first = n === 0 ? q.firstBlocknum : blockOf(chunk[0]!);
    const next = last ? end : blockOf(chunks[n + 1]![0]!);
    const stop = Math.max(next, chunk.length ? blockOf(chunk[chunk.length - 1]!) + 1 : first);
    const tlvs: { timestamps?: ChannelUpdateTimestamps[]; checksums?: ChannelUpdateChecksums[] } = {};
    if (wantTs) tlvs.timestamps = chunk.map((id) => timestampsOf(graph.channel(id)));
    if (wantCs) tlvs.checksums = chunk.map((id) => checksumsOf(graph.channel(id)));
    return {
      type: 'reply_channel_range',
      chainHash: q.chainHash,
      firstBlocknum: first,
      numberOfBlocks: Math.max(0, Math.min(last ? end : stop, 0xffffffff) - first),
      syncComplete: last ? 1 : 0,
      shortChannelIds: chunk,
      tlvs,
    } satisfies ReplyChannelRange;
  });
}

function relayable(ch: GraphChannel | undefined, d: 0 | 1) {
  const p = ch?.policies[d];
  return p && !p.dontForward ? p : null;
}

/** BOLT 7 `timestamp_node_id_1/2`: "or 0 if there was no channel_update from that node". */
function timestampsOf(ch: GraphChannel | undefined): ChannelUpdateTimestamps {
  return { timestampNodeId1: relayable(ch, 0)?.timestamp ?? 0, timestampNodeId2: relayable(ch, 1)?.timestamp ?? 0 };
}

function checksumsOf(ch: GraphChannel | undefined): ChannelUpdateChecksums {
  return { checksumNodeId1: relayable(ch, 0)?.checksum ?? 0, checksumNodeId2: relayable(ch, 1)?.checksum ?? 0 };
}

const ALL = QUERY_FLAGS.channelAnnouncement | QUERY_FLAGS.channelUpdate1 | QUERY_FLAGS.channelUpdate2 | QUERY_FLAGS.nodeAnnouncement1 |
  QUERY_FLAGS.nodeAnnouncement2;

/**
 * BOLT 7 receiver of query_short_channel_ids: "MUST respond to each known short_channel_id" —
 * without query flags "with a channel_announcement and the latest channel_update for each end"
 * followed by the node_announcements; with them, what each flag asks for — "SHOULD avoid sending
 * duplicate node_announcements in response to a single query_short_channel_ids", and "MUST
 * follow these responses with reply_short_channel_ids_end" (`full_information` 1 for our chain,
 * 0 for another). The caller checks the flags' count first.
 */
export function* answerShortChannelIds(graph: ChannelGraph, q: QueryShortChannelIds, ourChain: Uint8Array): Generator<Uint8Array> {
  const ours = equalBytes(q.chainHash, ourChain);
  if (ours) {
    const flags = q.tlvs?.queryFlags;
    const sentNodes = new Set<string>();
    for (let i = 0; i < q.shortChannelIds.length; i++) {
      const ch = graph.channel(q.shortChannelIds[i]!);
      if (!ch) continue;
      const f = flags ? flags[i]! : ALL;
      if (f & QUERY_FLAGS.channelAnnouncement) yield ch.announcement;
      const p1 = relayable(ch, 0);
      const p2 = relayable(ch, 1);
      if (f & QUERY_FLAGS.channelUpdate1 && p1) yield p1.message;
      if (f & QUERY_FLAGS.channelUpdate2 && p2) yield p2.message;
      for (const [bit, id] of [[QUERY_FLAGS.nodeAnnouncement1, ch.nodeId1], [QUERY_FLAGS.nodeAnnouncement2, ch.nodeId2]] as const) {
        if (!(f & bit) || sentNodes.has(id)) continue;
        const info = graph.node(id)?.info;
        if (info?.relay) {
          sentNodes.add(id);
          yield info.message;
        }
      }
    }
  }
  yield encodeMessage({ type: 'reply_short_channel_ids_end', chainHash: q.chainHash, fullInformation: ours ? 1 : 0 });
}

/** A `gossip_timestamp_filter`: `first_timestamp` ≤ t < `first_timestamp` + `timestamp_range`. */
export interface TimestampFilter {
  readonly first: number;
  readonly end: number;
}

export function inFilter(f: TimestampFilter, t: number): boolean {
  return t >= f.first && t < f.end;
}

/**
 * BOLT 7 receiver of gossip_timestamp_filter: "SHOULD send all gossip messages whose timestamp
 * is greater or equal to first_timestamp, and less than first_timestamp plus timestamp_range";
 * a channel_announcement only with a channel_update ("MUST consider the timestamp of the
 * channel_announcement to be the timestamp of a corresponding channel_update"), never for a
 * spent funding output, and before its updates and node_announcements.
 */
export function* dumpGossip(graph: ChannelGraph, filter: TimestampFilter): Generator<Uint8Array> {
  if (filter.end <= filter.first) return;
  const ids = graph.sortedShortChannelIds(); // a snapshot: the graph replaces the array, never edits it
  const sentNodes = new Set<string>();
  for (const id of ids) {
    const ch = graph.channel(id);
    if (!ch || ch.spentAtHeight !== null) continue;
    const updates = [relayable(ch, 0), relayable(ch, 1)].filter((p) => p !== null && inFilter(filter, p.timestamp));
    if (updates.length === 0) continue;
    yield ch.announcement;
    for (const p of updates) yield p!.message;
    for (const nodeId of [ch.nodeId1, ch.nodeId2]) {
      const info = graph.node(nodeId)?.info;
      if (!info?.relay || sentNodes.has(nodeId) || !inFilter(filter, info.timestamp)) continue;
      sentNodes.add(nodeId);
      yield info.message;
    }
  }
}
