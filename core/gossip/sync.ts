/**
 * Our side of BOLT 7 gossip queries with one peer: ask for its whole channel range
 * (`query_channel_range`, with timestamps and checksums when it offers `gossip_queries_ex`),
 * check its `reply_channel_range`s, work out which channels and updates we lack, and ask for
 * them in chunks with `query_short_channel_ids`, one at a time. Pure state: the manager feeds it
 * replies and time, and sends what it returns.
 */
import { equalBytes } from '../crypto';
import { QUERY_FLAGS, QUERY_OPTION_FLAGS } from '../wire';
import type { QueryChannelRange, QueryShortChannelIds, ReplyChannelRange } from '../wire';
import type { ChannelGraph } from './graph';
import { rangeEnd } from './queries';

export interface SyncOptions {
  readonly chainHash: Uint8Array;
  /** Use query flags and ask for timestamps and checksums (the peer offers gossip_queries_ex). */
  readonly extended: boolean;
  /** short_channel_ids per query_short_channel_ids. */
  readonly chunk: number;
  /** At most this many short_channel_ids are remembered to ask for (the graph's cap). */
  readonly maxWanted: number;
  /** A known update is asked for again when ours is older than this (seconds), even with an equal checksum. */
  readonly refreshAfterSeconds: number;
}

/** What the sync wants the manager to do after an input. */
export type SyncStep =
  | { readonly kind: 'send'; readonly message: QueryShortChannelIds }
  | { readonly kind: 'wait' }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly reason: string };

/** Whether a short_channel_id is already being looked up (its announcement is pending). */
export type IsPending = (scid: bigint) => boolean;

interface Wanted {
  readonly scid: bigint;
  readonly flags: bigint;
}

export class GossipSync {
  readonly #o: SyncOptions;
  readonly query: QueryChannelRange;
  readonly #end: number;
  #phase: 'ranges' | 'ids' | 'done' = 'ranges';
  #lastFirst = -1;
  #wanted: Wanted[] = [];
  #next = 0;
  /** short_channel_ids listed by the peer's replies. */
  listed = 0;
  /** short_channel_ids we asked for. */
  queried = 0;
  lastActivityMs: number;

  constructor(o: SyncOptions, nowMs: number) {
    this.#o = o;
    this.lastActivityMs = nowMs;
    // The whole chain: blocks 0 .. 2^32 - 1.
    this.query = {
      type: 'query_channel_range',
      chainHash: o.chainHash,
      firstBlocknum: 0,
      numberOfBlocks: 0xffffffff,
      tlvs: o.extended ? { queryOption: QUERY_OPTION_FLAGS.wantTimestamps | QUERY_OPTION_FLAGS.wantChecksums } : {},
    };
    this.#end = rangeEnd(this.query.firstBlocknum, this.query.numberOfBlocks);
  }

  get phase(): 'ranges' | 'ids' | 'done' {
    return this.#phase;
  }

  /** Checks one reply_channel_range and notes what we lack; `send` the first query after the final reply. */
  onReplyChannelRange(m: ReplyChannelRange, graph: ChannelGraph, isPending: IsPending, nowMs: number): SyncStep {
    if (this.#phase !== 'ranges') return { kind: 'failed', reason: 'reply_channel_range without a query_channel_range' };
    this.lastActivityMs = nowMs;
    const fail = (reason: string): SyncStep => {
      this.#phase = 'done';
      return { kind: 'failed', reason };
    };
    // BOLT 7: "MUST set with chain_hash equal to that of query_channel_range".
    if (!equalBytes(m.chainHash, this.query.chainHash)) return fail('reply_channel_range for another chain');
    const end = rangeEnd(m.firstBlocknum, m.numberOfBlocks);
    if (this.#lastFirst < 0) {
      // "the first reply_channel_range message: MUST set first_blocknum less than or equal to the
      // first_blocknum in query_channel_range; MUST set first_blocknum plus number_of_blocks
      // greater than first_blocknum in query_channel_range."
      if (m.firstBlocknum > this.query.firstBlocknum || end <= this.query.firstBlocknum) return fail('the first reply does not cover the start of the query');
    } else if (m.firstBlocknum < this.#lastFirst) {
      // "successive reply_channel_range message: MUST have first_blocknum equal or greater than the previous first_blocknum."
      return fail('reply_channel_range went backwards');
    }
    this.#lastFirst = m.firstBlocknum;
    const ts = m.tlvs?.timestamps;
    const cs = m.tlvs?.checksums;
    if ((ts && ts.length !== m.shortChannelIds.length) || (cs && cs.length !== m.shortChannelIds.length)) {
      return fail('timestamps or checksums do not match the short_channel_ids one for one');
    }
    const nowSec = Math.floor(nowMs / 1000);
    for (let i = 0; i < m.shortChannelIds.length; i++) {
      const scid = m.shortChannelIds[i]!;
      const block = Number(scid >> 40n);
      // Each short_channel_id must be within the reply's own range.
      if (block < m.firstBlocknum || block >= end) return fail(`short_channel_id in block ${block} is outside the reply's range`);
      this.listed++;
      const flags = this.#wantedFlags(scid, graph, isPending, ts?.[i], cs?.[i], nowSec);
      if (flags !== 0n && this.#wanted.length < this.#o.maxWanted) this.#wanted.push({ scid, flags });
    }
    // The final reply reaches the end of the query (sync_complete is not relied on: older peers set it on every reply).
    if (end < this.#end) return { kind: 'wait' };
    this.#phase = 'ids';
    // Ask in ascending order ("uncompressed array of short_channel_id types, in ascending order"), each once.
    const seen = new Set<bigint>();
    this.#wanted = this.#wanted.filter((w) => !seen.has(w.scid) && seen.add(w.scid)).sort((a, b) => (a.scid < b.scid ? -1 : 1));
    return this.#nextQuery();
  }

  /** After the peer's reply_short_channel_ids_end: the next query, or done. */
  onReplyEnd(nowMs: number): SyncStep {
    if (this.#phase !== 'ids') return { kind: 'failed', reason: 'reply_short_channel_ids_end without a query_short_channel_ids' };
    this.lastActivityMs = nowMs;
    return this.#nextQuery();
  }

  #nextQuery(): SyncStep {
    if (this.#next >= this.#wanted.length) {
      this.#phase = 'done';
      return { kind: 'done' };
    }
    const part = this.#wanted.slice(this.#next, this.#next + this.#o.chunk);
    this.#next += part.length;
    this.queried += part.length;
    return {
      kind: 'send',
      message: {
        type: 'query_short_channel_ids',
        chainHash: this.#o.chainHash,
        shortChannelIds: part.map((w) => w.scid),
        tlvs: this.#o.extended ? { queryFlags: part.map((w) => w.flags) } : {},
      },
    };
  }

  #wantedFlags(
    scid: bigint,
    graph: ChannelGraph,
    isPending: IsPending,
    ts: { timestampNodeId1: number; timestampNodeId2: number } | undefined,
    cs: { checksumNodeId1: number; checksumNodeId2: number } | undefined,
    nowSec: number,
  ): bigint {
    const ch = graph.channel(scid);
    if (!ch) {
      if (isPending(scid)) return 0n;
      return QUERY_FLAGS.channelAnnouncement | QUERY_FLAGS.channelUpdate1 | QUERY_FLAGS.channelUpdate2 | QUERY_FLAGS.nodeAnnouncement1 |
        QUERY_FLAGS.nodeAnnouncement2;
    }
    // Without query flags a query returns everything about a channel: only unknown channels are worth it.
    if (!this.#o.extended || !ts) return 0n;
    let flags = 0n;
    const dirs = [
      { theirs: ts.timestampNodeId1, sum: cs?.checksumNodeId1, bit: QUERY_FLAGS.channelUpdate1 },
      { theirs: ts.timestampNodeId2, sum: cs?.checksumNodeId2, bit: QUERY_FLAGS.channelUpdate2 },
    ];
    dirs.forEach(({ theirs, sum, bit }, d) => {
      const ours = ch.policies[d];
      if (theirs === 0 || theirs <= (ours?.timestamp ?? 0)) return;
      // BOLT 7: checksums let a node "omit querying for redundant updates" — the same content,
      // newer timestamp — unless ours is getting old enough to be pruned.
      if (ours && sum !== undefined && sum === ours.checksum && ours.timestamp > nowSec - this.#o.refreshAfterSeconds) return;
      flags |= bit;
    });
    return flags;
  }
}
