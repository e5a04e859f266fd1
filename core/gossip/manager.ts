/**
 * The gossip core (BOLT 7), sans-I/O: fed peers' messages, funding lookups, block heights and
 * time; returns what to persist, what to ask the chain, warnings for peers and events, and keeps
 * per-peer outboxes the host pulls from (`nextMessagesFor`). No sockets, timers or database.
 *
 *   const g = new GossipManager({ chainHash, nowMs });
 *   g.restore(store.loadGossip());
 *   out = g.peerConnected(peer, { gossipQueries: true, gossipQueriesEx: true }, now);
 *   out = g.receive(peer, message, now);        // → out.outcome, out.actions, out.changes, out.events
 *   out = g.fundingResult(scid, lookup, now);   // after a `lookup_funding` action
 *   out = g.blockHeight(height);                // announcements waiting for this block are looked up again
 *   out = g.tick(now);                          // flush relays every 60 s, prune, retry lookups, time out queries
 *   for (const bytes of g.nextMessagesFor(peer, 100)) send(bytes);
 *   store.applyGossipChanges(out.changes);
 *
 * Bounds against a flooding peer: a token bucket per peer for the messages that cost a signature
 * check (answers to our own queries are covered by what we asked for instead), caps on the graph,
 * on announcements awaiting their funding lookup and on updates held for channels not known yet,
 * a cap on each peer's relay queue, and one query answered at a time.
 */
import { compareBytes, equalBytes, fromHex, toHex } from '../crypto';
import { TokenBucket } from '../token-bucket';
import { CHANNEL_FLAGS, FEATURES, MESSAGE_TYPES, decodeMessage, encodeMessage, formatShortChannelId } from '../wire';
import type {
  ChannelAnnouncement, ChannelUpdate, FeatureDefinition, GossipTimestampFilter, Message, NodeAnnouncement, QueryChannelRange,
  QueryShortChannelIds, ReplyChannelRange,
} from '../wire';
import type { GossipEvent } from './events';
import { GossipError } from './errors';
import type { FundingLookupResult } from './funding';
import { fundingScriptPubkey } from './funding';
import { ChannelGraph } from './graph';
import type { ChannelPolicy, Direction } from './graph';
import {
  hasUnknownRequiredFeatures, nodeInfoFrom, policyFromUpdate, storedChannelAnnouncement, storedChannelUpdate, storedNodeAnnouncement,
} from './parse';
import { answerShortChannelIds, dumpGossip, inFilter, replyChannelRange } from './queries';
import type { TimestampFilter } from './queries';
import { channelUpdateSignatureValid, invalidChannelAnnouncementSignatures, nodeAnnouncementSignatureValid } from './signatures';
import type { GossipChange, GossipSnapshot } from './store';
import { GossipSync } from './sync';
import type { SyncStep } from './sync';

export interface GossipLimits {
  /** Channels in the graph; announcements beyond it are ignored (`graph_full`). */
  readonly maxChannels: number;
  /** Nodes in the graph; a channel that would add nodes beyond it is ignored. */
  readonly maxNodes: number;
  /** channel_announcements awaiting their funding lookup. */
  readonly maxPendingAnnouncements: number;
  /** channel_updates held for channels we do not know yet (their announcement may follow). */
  readonly maxPendingUpdates: number;
  /** ... of which one peer may fill this many. */
  readonly maxPendingUpdatesPerPeer: number;
  /** Held updates are dropped after this long (ms), and so are announcements still waiting for a block or a retried lookup. */
  readonly pendingUpdateTtlMs: number;
  /** An announcement whose block is at most this many blocks above our tip waits for the block (our chain may lag the peer's). */
  readonly maxBlocksAhead: number;
  /** Funding lookups per announcement while the chain source cannot answer; the first retry after `lookupRetryMs`, each next one twice as late. */
  readonly lookupAttempts: number;
  readonly lookupRetryMs: number;
  /** Unsolicited messages a peer may make us check signatures of, per second ... */
  readonly peerMessagesPerSecond: number;
  /** ... and in a burst. */
  readonly peerMessageBurst: number;
  /** BOLT 7 pruning: a channel whose older direction's update is older than this (s) is removed. */
  readonly staleAfterSeconds: number;
  /** A timestamp further than this in the future (s) is "unreasonably far" and ignored. */
  readonly maxFutureSeconds: number;
  /** Confirmations a funding output needs. BOLT 7 asks for 6 and allows "close to 6". */
  readonly minFundingConfirmations: number;
  /** BOLT 7: forget a channel 72 blocks after its funding output is spent. */
  readonly spentForgetBlocks: number;
  /** BOLT 7: "SHOULD flush outgoing gossip messages once every 60 seconds". */
  readonly flushIntervalMs: number;
  /** How often stale channels and held updates are pruned (ms). */
  readonly pruneIntervalMs: number;
  /** Messages waiting to be relayed to one peer; more are dropped. */
  readonly maxRelayQueue: number;
  /** Peers we sync the graph from with query_channel_range at a time. */
  readonly syncPeers: number;
  /** Peers that get a timestamp filter for live gossip; others are asked for none. */
  readonly gossipPeers: number;
  /** short_channel_ids per query_short_channel_ids we send. */
  readonly queryChunk: number;
  /** A sync whose peer has not answered for this long (ms) is given up. */
  readonly queryTimeoutMs: number;
}

export const DEFAULT_GOSSIP_LIMITS: GossipLimits = Object.freeze({
  maxChannels: 200_000,
  maxNodes: 100_000,
  maxPendingAnnouncements: 5_000,
  maxPendingUpdates: 10_000,
  maxPendingUpdatesPerPeer: 2_000,
  pendingUpdateTtlMs: 10 * 60_000,
  maxBlocksAhead: 6,
  lookupAttempts: 4,
  lookupRetryMs: 5_000,
  peerMessagesPerSecond: 20,
  peerMessageBurst: 1_000,
  staleAfterSeconds: 1_209_600,
  maxFutureSeconds: 24 * 3600,
  minFundingConfirmations: 5,
  spentForgetBlocks: 72,
  flushIntervalMs: 60_000,
  pruneIntervalMs: 3_600_000,
  maxRelayQueue: 20_000,
  syncPeers: 2,
  gossipPeers: 5,
  queryChunk: 1_000,
  queryTimeoutMs: 120_000,
});

export interface GossipOptions {
  /** BOLT 0 chain_hash of our chain; gossip of any other chain is ignored. */
  readonly chainHash: Uint8Array;
  /** Our node id, to recognise updates for our own unannounced channels. */
  readonly localNodeId?: Uint8Array;
  /** `lookup` (default): ask the chain for every announced funding output. `skip`: trust announcements (capacity unknown). */
  readonly fundingCheck?: 'lookup' | 'skip';
  readonly limits?: Partial<GossipLimits>;
  /** The feature table that decides which even bits are "unknown" (default: BOLT 9's). */
  readonly knownFeatures?: readonly FeatureDefinition[];
  readonly nowMs: number;
}

/** Why a message was ignored (BOLT 7 "SHOULD/MUST ignore", or one of our bounds). */
export type IgnoreReason =
  | 'wrong_chain' | 'duplicate' | 'outdated' | 'same_timestamp_conflict' | 'stale' | 'too_far_in_future' | 'unknown_channel' | 'unknown_node'
  | 'blacklisted' | 'graph_full' | 'pending_full' | 'rate_limited' | 'bad_node_order' | 'channel_spent' | 'not_gossip' | 'unsolicited'
  | 'funding_not_found' | 'funding_spent' | 'funding_mismatch' | 'funding_unconfirmed' | 'funding_unavailable';

/** Why a message was rejected with a warning to its sender. */
export type RejectReason = 'bad_signature' | 'bad_addresses' | 'bad_query' | 'query_in_progress' | 'bad_reply';

/** What became of one received message. */
export type GossipOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'pending'; readonly reason: 'funding_lookup' | 'awaiting_announcement' | 'awaiting_block' | 'lookup_retry' }
  | { readonly kind: 'ignored'; readonly reason: IgnoreReason }
  | { readonly kind: 'rejected'; readonly reason: RejectReason };

export type GossipAction =
  /** Look up the funding output of this short_channel_id and answer with `fundingResult`. */
  | { readonly kind: 'lookup_funding'; readonly shortChannelId: bigint }
  /** The peer's outbox has messages: pull them with `nextMessagesFor`. */
  | { readonly kind: 'outbound_ready'; readonly peer: string }
  /** Send the peer a BOLT 1 `warning` with this text (channel_id zero), then close if `disconnect`. */
  | { readonly kind: 'warn'; readonly peer: string; readonly text: string; readonly disconnect: boolean };

export interface GossipOutput {
  readonly actions: readonly GossipAction[];
  readonly changes: readonly GossipChange[];
  readonly events: readonly GossipEvent[];
}

export interface ReceiveResult extends GossipOutput {
  readonly outcome: GossipOutcome;
}

/** What a peer offers for gossip (from its `init` features). */
export interface GossipPeerInfo {
  /** BOLT 9 `gossip_queries`: "Peer has useful gossip to share". */
  readonly gossipQueries: boolean;
  /** BOLT 9 `gossip_queries_ex`: query flags, timestamps and checksums. */
  readonly gossipQueriesEx: boolean;
}

export interface GossipStats {
  readonly channels: number;
  readonly nodes: number;
  readonly pendingAnnouncements: number;
  readonly pendingUpdates: number;
  readonly blacklisted: number;
  readonly peers: number;
  /** Received messages by outcome (`accepted`, `ignored.outdated`, `rejected.bad_signature`, ...). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Relay messages dropped because a peer's queue was full. */
  readonly relayDropped: number;
}

interface PendingAnnouncement {
  readonly message: ChannelAnnouncement;
  readonly raw: Uint8Array;
  readonly from: string;
  /** When it arrived (ms): one waiting for a block or a retry longer than `pendingUpdateTtlMs` is dropped. */
  readonly atMs: number;
  /** Funding lookups asked so far. */
  attempts: number;
  /** The height it waits for (its output then has `minFundingConfirmations`), or null; and what it is if that never comes. */
  awaitingBlock: number | null;
  awaitingWhy?: 'funding_not_found' | 'funding_unconfirmed';
  /** When its lookup is asked again (the source could not answer), or null. */
  retryAtMs: number | null;
}

interface HeldUpdate {
  readonly message: ChannelUpdate;
  readonly raw: Uint8Array;
  readonly from: string;
  readonly atMs: number;
}

interface RelayItem {
  readonly raw: Uint8Array;
  /** null: our own message (sent regardless of filters). */
  readonly from: string | null;
  readonly kind: 'announcement' | 'update' | 'node';
  readonly scid?: bigint;
}

interface PeerState {
  readonly id: string;
  readonly info: GossipPeerInfo;
  readonly bucket: TokenBucket;
  /** Messages we still accept without charging the bucket: 5 per short_channel_id we asked for. */
  solicited: number;
  filter: TimestampFilter | null;
  readonly immediate: Uint8Array[];
  answer: Generator<Uint8Array> | null;
  readonly relay: Uint8Array[];
  dump: Generator<Uint8Array> | null;
  sync: GossipSync | null;
  held: number;
  receivesLiveGossip: boolean;
}

/** Our own unannounced channels, whose peer's updates we accept and keep aside (BOLT 7 "SHOULD accept channel_updates for its own channels"). */
interface LocalChannel {
  readonly remoteNodeId: Uint8Array;
  readonly remoteDirection: Direction;
  policy: ChannelPolicy | null;
}

class Out {
  readonly actions: GossipAction[] = [];
  readonly changes: GossipChange[] = [];
  readonly events: GossipEvent[] = [];
  done(): GossipOutput {
    return { actions: this.actions, changes: this.changes, events: this.events };
  }
}

/** The pseudo-peer our own gossip comes from. */
const OWN = '';

const EMPTY_OUTPUT: GossipOutput = Object.freeze({ actions: [], changes: [], events: [] });

const isGossipType = (m: Message): boolean =>
  m.type === 'channel_announcement' || m.type === 'node_announcement' || m.type === 'channel_update' || m.type === 'query_short_channel_ids' ||
  m.type === 'reply_short_channel_ids_end' || m.type === 'query_channel_range' || m.type === 'reply_channel_range' ||
  m.type === 'gossip_timestamp_filter';

export class GossipManager {
  readonly #chain: Uint8Array;
  readonly #localNodeId: Uint8Array | undefined;
  readonly #fundingCheck: 'lookup' | 'skip';
  readonly #limits: GossipLimits;
  readonly #known: readonly FeatureDefinition[];
  readonly #graph = new ChannelGraph();
  readonly #pending = new Map<bigint, PendingAnnouncement>();
  /** Held updates by short_channel_id, then direction. */
  readonly #held = new Map<bigint, [HeldUpdate | null, HeldUpdate | null]>();
  #heldCount = 0;
  /** node_announcements of nodes whose first channel_announcement awaits its funding lookup (by node id). */
  readonly #heldNodes = new Map<string, { readonly message: NodeAnnouncement; readonly raw: Uint8Array; readonly from: string }>();
  readonly #blacklist = new Set<string>();
  readonly #peers = new Map<string, PeerState>();
  readonly #local = new Map<bigint, LocalChannel>();
  readonly #relay = new Map<string, RelayItem>();
  readonly #outcomes: Record<string, number> = {};
  #relayDropped = 0;
  #lastFlushMs: number;
  #lastPruneMs: number;
  /** The pseudo-peer of our own gossip (never in #peers, never sent anything). */
  readonly #self: PeerState;
  #height: number | null = null;

  constructor(opts: GossipOptions) {
    if (!(opts.chainHash instanceof Uint8Array) || opts.chainHash.length !== 32) throw new GossipError('gossip.bad_argument', 'chainHash must be 32 bytes');
    this.#chain = opts.chainHash;
    this.#localNodeId = opts.localNodeId;
    this.#fundingCheck = opts.fundingCheck ?? 'lookup';
    this.#limits = { ...DEFAULT_GOSSIP_LIMITS, ...opts.limits };
    this.#known = opts.knownFeatures ?? FEATURES;
    this.#lastFlushMs = opts.nowMs;
    this.#lastPruneMs = opts.nowMs;
    this.#self = {
      id: OWN, info: { gossipQueries: false, gossipQueriesEx: false }, bucket: new TokenBucket(1, 1, opts.nowMs), solicited: 0, filter: null,
      immediate: [], answer: null, relay: [], dump: null, sync: null, held: 0, receivesLiveGossip: false,
    };
  }

  /** The graph (read-only use: the manager owns its changes). */
  get graph(): ChannelGraph {
    return this.#graph;
  }

  get limits(): GossipLimits {
    return this.#limits;
  }

  stats(): GossipStats {
    return {
      channels: this.#graph.channelCount,
      nodes: this.#graph.nodeCount,
      pendingAnnouncements: this.#pending.size,
      pendingUpdates: this.#heldCount,
      blacklisted: this.#blacklist.size,
      peers: this.#peers.size,
      outcomes: { ...this.#outcomes },
      relayDropped: this.#relayDropped,
    };
  }

  isBlacklisted(nodeId: string): boolean {
    return this.#blacklist.has(nodeId);
  }

  // -------------------------------------------------------------------------------------------
  // Restore

  /**
   * Loads a stored graph (before any peer connects). Rows that do not parse are skipped and
   * listed in `skipped` with why (`gossip.bad_message`); the caller may delete them with the
   * returned changes.
   */
  restore(snapshot: GossipSnapshot): { skipped: { what: string; reason: string }[]; changes: GossipChange[] } {
    const skipped: { what: string; reason: string }[] = [];
    const changes: GossipChange[] = [];
    for (const id of snapshot.blacklist) this.#blacklist.add(id);
    for (const row of snapshot.channels) {
      const what = `channel ${formatScid(row.shortChannelId)}`;
      try {
        const a = storedChannelAnnouncement(row.announcement);
        if (a.shortChannelId !== row.shortChannelId || a.nodeId1 !== row.nodeId1 || a.nodeId2 !== row.nodeId2) {
          throw new GossipError('gossip.bad_message', 'the stored announcement does not match its row');
        }
        const policies: [ChannelPolicy | null, ChannelPolicy | null] = [null, null];
        for (const d of [0, 1] as const) {
          const raw = row.updates[d];
          if (!raw) continue;
          const u = storedChannelUpdate(raw);
          if (u.shortChannelId !== row.shortChannelId || (u.channelFlags & CHANNEL_FLAGS.direction) !== d) {
            throw new GossipError('gossip.bad_message', `the stored update of direction ${d} belongs elsewhere`);
          }
          policies[d] = policyFromUpdate(u, raw);
        }
        if (this.#graph.channel(row.shortChannelId)) throw new GossipError('gossip.bad_message', 'stored twice');
        this.#graph.addChannel({
          shortChannelId: row.shortChannelId, nodeId1: row.nodeId1, nodeId2: row.nodeId2, capacitySat: row.capacitySat, fundingTxid: row.fundingTxid, features: a.features,
          unknownRequiredFeatures: hasUnknownRequiredFeatures(a.features, this.#known), announcement: row.announcement,
          receivedAtMs: row.receivedAtMs, policies, spentAtHeight: row.spentAtHeight,
        });
      } catch (e) {
        if (!(e instanceof GossipError)) throw e;
        skipped.push({ what, reason: e.message });
        changes.push({ kind: 'channel_removed', shortChannelId: row.shortChannelId });
      }
    }
    for (const row of snapshot.nodes) {
      try {
        const m = storedNodeAnnouncement(row.announcement);
        if (toHex(m.nodeId) !== row.nodeId) throw new GossipError('gossip.bad_message', 'the stored announcement is of another node');
        if (!this.#graph.node(row.nodeId)) throw new GossipError('gossip.bad_message', 'the node has no channel');
        this.#graph.setNodeInfo(row.nodeId, nodeInfoFrom(m, row.announcement, this.#known));
      } catch (e) {
        if (!(e instanceof GossipError)) throw e;
        skipped.push({ what: `node ${row.nodeId}`, reason: e.message });
        changes.push({ kind: 'node_removed', nodeId: row.nodeId });
      }
    }
    return { skipped, changes };
  }

  // -------------------------------------------------------------------------------------------
  // Peers

  /**
   * A peer finished `init`. BOLT 7: we send `gossip_timestamp_filter` ("A node which wants any
   * gossip messages has to send this") — live gossip from the first `gossipPeers` peers that offer
   * `gossip_queries`, none from the others ("If the receiver does not offer gossip_queries: SHOULD
   * set first_timestamp to 0xFFFFFFFF and timestamp_range to 0") — and, with up to `syncPeers`
   * peers, ask for the channel range to catch up.
   */
  peerConnected(peer: string, info: GossipPeerInfo, nowMs: number): GossipOutput {
    const out = new Out();
    if (this.#peers.has(peer)) this.#dropPeer(peer, out);
    const p: PeerState = {
      id: peer, info, bucket: new TokenBucket(this.#limits.peerMessagesPerSecond, this.#limits.peerMessageBurst, nowMs), solicited: 0,
      filter: null, immediate: [], answer: null, relay: [], dump: null, sync: null, held: 0, receivesLiveGossip: false,
    };
    this.#peers.set(peer, p);
    const live = info.gossipQueries && [...this.#peers.values()].filter((x) => x.receivesLiveGossip).length < this.#limits.gossipPeers;
    p.receivesLiveGossip = live;
    const nowSec = Math.floor(nowMs / 1000);
    const filter: GossipTimestampFilter = live
      ? { type: 'gossip_timestamp_filter', chainHash: this.#chain, firstTimestamp: nowSec, timestampRange: 0xffffffff - nowSec }
      : { type: 'gossip_timestamp_filter', chainHash: this.#chain, firstTimestamp: 0xffffffff, timestampRange: 0 };
    this.#enqueue(p, encodeMessage(filter), out);
    if (info.gossipQueries && [...this.#peers.values()].filter((x) => x.sync).length < this.#limits.syncPeers) {
      p.sync = new GossipSync(
        {
          chainHash: this.#chain, extended: info.gossipQueriesEx, chunk: this.#limits.queryChunk, maxWanted: this.#limits.maxChannels,
          refreshAfterSeconds: this.#limits.staleAfterSeconds / 2,
        },
        nowMs,
      );
      this.#enqueue(p, encodeMessage(p.sync.query), out);
      out.events.push({ type: 'gossip.sync_started', peer, method: 'channel_range' });
    }
    return out.done();
  }

  peerDisconnected(peer: string): GossipOutput {
    const out = new Out();
    this.#dropPeer(peer, out);
    return out.done();
  }

  #dropPeer(peer: string, out: Out): void {
    const p = this.#peers.get(peer);
    if (!p) return;
    if (p.sync && p.sync.phase !== 'done') this.#syncFinished(p, 'disconnected', out);
    this.#peers.delete(peer);
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /**
   * A message from `peer`. `raw` is its bytes as received (type included); when omitted it is
   * re-encoded, which gives the same bytes (gossip codecs round-trip exactly). Messages that are
   * not gossip are `ignored.not_gossip`.
   */
  receive(peer: string, message: Message, nowMs: number, raw?: Uint8Array): ReceiveResult {
    const out = new Out();
    const p = this.#peers.get(peer);
    if (!p) throw new GossipError('gossip.bad_argument', `peer ${peer} is not connected to the gossip layer`);
    let outcome: GossipOutcome;
    if (!isGossipType(message)) {
      outcome = ignored('not_gossip');
    } else {
      const bytes = raw ?? encodeMessage(message);
      switch (message.type) {
        case 'channel_announcement':
          outcome = this.#onChannelAnnouncement(p, message, bytes, nowMs, out);
          break;
        case 'channel_update':
          outcome = this.#onChannelUpdate(p, message, bytes, nowMs, out, false);
          break;
        case 'node_announcement':
          outcome = this.#onNodeAnnouncement(p, message, bytes, nowMs, out);
          break;
        case 'query_channel_range':
          outcome = this.#onQueryChannelRange(p, message, out);
          break;
        case 'query_short_channel_ids':
          outcome = this.#onQueryShortChannelIds(p, message, out);
          break;
        case 'gossip_timestamp_filter':
          outcome = this.#onTimestampFilter(p, message, out);
          break;
        case 'reply_channel_range':
          outcome = this.#onReplyChannelRange(p, message, nowMs, out);
          break;
        case 'reply_short_channel_ids_end':
          outcome = this.#onReplyEnd(p, nowMs, out);
          break;
        default:
          outcome = ignored('not_gossip');
      }
    }
    this.#count(outcome);
    return { outcome, ...out.done() };
  }

  #count(o: GossipOutcome): void {
    const key = o.kind === 'accepted' ? 'accepted' : `${o.kind}.${o.reason}`;
    this.#outcomes[key] = (this.#outcomes[key] ?? 0) + 1;
  }

  /** Charges one signature check to the peer: free while it answers our queries, else its token bucket. */
  #allow(p: PeerState, nowMs: number): boolean {
    if (p.solicited > 0) {
      p.solicited--;
      return true;
    }
    return p.bucket.take(nowMs);
  }

  #warn(p: PeerState, reason: RejectReason, text: string, disconnect: boolean, out: Out): GossipOutcome {
    out.actions.push({ kind: 'warn', peer: p.id, text, disconnect });
    out.events.push({ type: 'gossip.peer_warned', peer: p.id, reason, text, disconnect });
    return { kind: 'rejected', reason };
  }

  #onChannelAnnouncement(p: PeerState, m: ChannelAnnouncement, raw: Uint8Array, nowMs: number, out: Out): GossipOutcome {
    // BOLT 7: "if the specified chain_hash is unknown to the receiver: MUST ignore the message."
    if (!equalBytes(m.chainHash, this.#chain)) return ignored('wrong_chain');
    // BOLT 7 origin: node_id_1 is "the lexicographically-lesser of the two compressed keys".
    if (compareBytes(m.nodeId1, m.nodeId2) >= 0) return ignored('bad_node_order');
    const id1 = toHex(m.nodeId1);
    const id2 = toHex(m.nodeId2);
    const known = this.#graph.channel(m.shortChannelId);
    if (known && known.nodeId1 === id1 && known.nodeId2 === id2) return ignored('duplicate');
    if (this.#pending.has(m.shortChannelId)) return ignored('duplicate');
    // BOLT 7: "if node_id_1 OR node_id_2 are blacklisted: SHOULD ignore the message."
    if (this.#blacklist.has(id1) || this.#blacklist.has(id2)) return ignored('blacklisted');
    if (!known && this.#graph.channelCount + this.#pending.size >= this.#limits.maxChannels) return ignored('graph_full');
    if (this.#fundingCheck === 'lookup' && this.#pending.size >= this.#limits.maxPendingAnnouncements) return ignored('pending_full');
    if (!this.#allow(p, nowMs)) return ignored('rate_limited');
    const bad = invalidChannelAnnouncementSignatures(raw, m);
    if (bad.length) {
      // BOLT 7: "SHOULD send a warning. MAY close the connection. MUST ignore the message."
      return this.#warn(p, 'bad_signature', `channel_announcement ${formatScid(m.shortChannelId)}: invalid ${bad.join(', ')}`, false, out);
    }
    if (this.#fundingCheck === 'skip') {
      return this.#addChannel({ message: m, raw, from: p.id, atMs: nowMs, attempts: 0, awaitingBlock: null, retryAtMs: null }, null, null, nowMs, out) ? { kind: 'accepted' } : ignored('graph_full');
    }
    this.#pending.set(m.shortChannelId, { message: m, raw, from: p.id, atMs: nowMs, attempts: 1, awaitingBlock: null, retryAtMs: null });
    out.actions.push({ kind: 'lookup_funding', shortChannelId: m.shortChannelId });
    return { kind: 'pending', reason: 'funding_lookup' };
  }

  /**
   * The answer to a `lookup_funding` action. BOLT 7: "if the short_channel_id's output does NOT
   * correspond to a P2WSH (using bitcoin_key_1 and bitcoin_key_2 ...) OR the output is spent:
   * MUST ignore the message"; "if the short_channel_id's output does NOT have at least 6
   * confirmations: MAY accept the message if the output is close to 6 confirmations ...
   * otherwise: SHOULD ignore the message."
   */
  fundingResult(scid: bigint, result: FundingLookupResult, nowMs: number): GossipOutput & { outcome: GossipOutcome | null } {
    const out = new Out();
    const pending = this.#pending.get(scid);
    if (!pending || pending.awaitingBlock !== null || pending.retryAtMs !== null) return { ...EMPTY_OUTPUT, outcome: null };
    const block = Number(scid >> 40n);
    // The height at which the output has enough confirmations.
    const enough = block + this.#limits.minFundingConfirmations - 1;
    let waiting: GossipOutcome | null = null;
    const m0 = pending.message;
    if (result.kind === 'above_tip' && block - result.tipHeight <= this.#limits.maxBlocksAhead) {
      // Our chain is behind the peer's (it announced at its sixth confirmation): look again once we are there too.
      pending.awaitingBlock = enough;
      pending.awaitingWhy = 'funding_not_found';
      waiting = { kind: 'pending', reason: 'awaiting_block' };
    } else if (
      result.kind === 'unspent' && result.confirmations < this.#limits.minFundingConfirmations
      && equalBytes(result.scriptPubkey, fundingScriptPubkey(m0.bitcoinKey1, m0.bitcoinKey2))
    ) {
      // The right output, a few blocks short of our depth (our chain lags the peer's): look again at the height that gives it.
      pending.awaitingBlock = enough;
      pending.awaitingWhy = 'funding_unconfirmed';
      waiting = { kind: 'pending', reason: 'awaiting_block' };
    } else if (result.kind === 'unavailable' && pending.attempts < this.#limits.lookupAttempts) {
      // The source could not answer (down, slow, a bad reply): ask again later rather than lose the channel.
      pending.retryAtMs = nowMs + this.#limits.lookupRetryMs * 2 ** (pending.attempts - 1);
      waiting = { kind: 'pending', reason: 'lookup_retry' };
    }
    if (waiting) {
      this.#count(waiting);
      if (pending.awaitingBlock !== null && this.#height !== null && this.#height >= pending.awaitingBlock && pending.attempts < this.#limits.lookupAttempts) {
        // Our chain reached that height while the lookup was on its way (its confirmations were
        // counted from the tip it started at): `blockHeight` has passed it already and would not
        // ask again before the next block — which may not come for a long while. Asked again now.
        pending.awaitingBlock = null;
        pending.attempts++;
        return { ...EMPTY_OUTPUT, actions: [{ kind: 'lookup_funding', shortChannelId: scid }], outcome: waiting };
      }
      return { ...EMPTY_OUTPUT, outcome: waiting };
    }
    this.#pending.delete(scid);
    let outcome: GossipOutcome;
    const m = pending.message;
    if (result.kind === 'not_found' || result.kind === 'above_tip') outcome = ignored('funding_not_found');
    else if (result.kind === 'spent') outcome = ignored('funding_spent');
    else if (result.kind === 'unavailable') outcome = ignored('funding_unavailable');
    else if (!equalBytes(result.scriptPubkey, fundingScriptPubkey(m.bitcoinKey1, m.bitcoinKey2))) outcome = ignored('funding_mismatch');
    else if (result.confirmations < this.#limits.minFundingConfirmations) outcome = ignored('funding_unconfirmed');
    else outcome = this.#addChannel(pending, result.amountSat, result.txid ?? null, nowMs, out) ? { kind: 'accepted' } : ignored('graph_full');
    if (outcome.kind !== 'accepted') this.#dropHeld(scid);
    this.#releaseHeldNodes([toHex(m.nodeId1), toHex(m.nodeId2)], nowMs, out);
    this.#count(outcome);
    return { ...out.done(), outcome };
  }

  /** Adds a validated announcement's channel; false if the node cap is reached. */
  #addChannel(a: PendingAnnouncement, capacitySat: bigint | null, fundingTxid: string | null, nowMs: number, out: Out): boolean {
    const m = a.message;
    const id1 = toHex(m.nodeId1);
    const id2 = toHex(m.nodeId2);
    const known = this.#graph.channel(m.shortChannelId);
    if (known) {
      // BOLT 7: "if it has previously received a valid channel_announcement, for the same
      // transaction, in the same block, but for a different node_id_1 or node_id_2: SHOULD
      // blacklist the previous message's node_id_1 and node_id_2, as well as this node_id_1 and
      // node_id_2 AND forget any channels connected to them."
      this.#blacklistNodes([known.nodeId1, known.nodeId2, id1, id2], m.shortChannelId, nowMs, out);
      return true;
    }
    const newNodes = [id1, id2].filter((id) => !this.#graph.node(id)).length;
    if (this.#graph.nodeCount + newNodes > this.#limits.maxNodes || this.#graph.channelCount >= this.#limits.maxChannels) return false;
    this.#graph.addChannel({
      shortChannelId: m.shortChannelId, nodeId1: id1, nodeId2: id2, capacitySat, fundingTxid, features: m.features,
      unknownRequiredFeatures: hasUnknownRequiredFeatures(m.features, this.#known), announcement: a.raw, receivedAtMs: nowMs,
    });
    out.changes.push({ kind: 'channel_added', shortChannelId: m.shortChannelId, nodeId1: id1, nodeId2: id2, announcement: a.raw, capacitySat, fundingTxid, receivedAtMs: nowMs });
    // BOLT 7: "if the transaction referred to was NOT previously announced as a channel: SHOULD queue the message for rebroadcasting."
    this.#queueRelay(`a:${m.shortChannelId}`, { raw: a.raw, from: a.from, kind: 'announcement', scid: m.shortChannelId });
    // Updates that arrived before the announcement are processed now (they were not checked yet).
    const held = this.#held.get(m.shortChannelId);
    if (held) {
      this.#dropHeld(m.shortChannelId);
      for (const h of held) {
        // A sender that has gone still gets its warning (the host drops it for a closed connection).
        if (h) this.#count(this.#onChannelUpdate(this.#sender(h.from, nowMs), h.message, h.raw, nowMs, out, true));
      }
    }
    return true;
  }

  /** The state of a message's sender: connected, ourselves, or a placeholder for one that left. */
  #sender(id: string, nowMs: number): PeerState {
    if (id === OWN) return this.#self;
    return this.#peers.get(id) ?? {
      id, info: { gossipQueries: false, gossipQueriesEx: false }, bucket: new TokenBucket(1, 1, nowMs), solicited: 0, filter: null,
      immediate: [], answer: null, relay: [], dump: null, sync: null, held: 0, receivesLiveGossip: false,
    };
  }

  #blacklistNodes(ids: string[], scid: bigint, nowMs: number, out: Out): void {
    const fresh = [...new Set(ids)].filter((id) => !this.#blacklist.has(id));
    let channels = 0;
    let nodes = 0;
    for (const id of fresh) {
      this.#blacklist.add(id);
      out.changes.push({ kind: 'node_blacklisted', nodeId: id, atMs: nowMs });
      for (const c of [...(this.#graph.node(id)?.channels ?? [])]) {
        nodes += this.#removeChannel(c, out);
        channels++;
      }
    }
    out.events.push({ type: 'gossip.blacklisted', nodeIds: fresh, shortChannelId: formatScid(scid) });
    if (channels) out.events.push({ type: 'gossip.pruned', reason: 'blacklisted', channels, nodes });
  }

  /** Removes a channel; returns how many nodes went with it. */
  #removeChannel(scid: bigint, out: Out): number {
    const gone = this.#graph.removeChannel(scid);
    out.changes.push({ kind: 'channel_removed', shortChannelId: scid });
    for (const id of gone) {
      out.changes.push({ kind: 'node_removed', nodeId: id });
      this.#relay.delete(`n:${id}`);
    }
    this.#relay.delete(`a:${scid}`);
    this.#relay.delete(`u:${scid}:0`);
    this.#relay.delete(`u:${scid}:1`);
    return gone.length;
  }

  #onChannelUpdate(p: PeerState, m: ChannelUpdate, raw: Uint8Array, nowMs: number, out: Out, wasHeld: boolean): GossipOutcome {
    // BOLT 7: "if the specified chain_hash value is unknown ...: MUST ignore the channel update."
    if (!equalBytes(m.chainHash, this.#chain)) return ignored('wrong_chain');
    const direction = (m.channelFlags & CHANNEL_FLAGS.direction) as Direction;
    const ch = this.#graph.channel(m.shortChannelId);
    if (!ch) {
      const local = this.#local.get(m.shortChannelId);
      if (local) return this.#onLocalUpdate(p, local, m, raw, direction, nowMs, out);
      // BOLT 7: "if the short_channel_id does NOT match a previous channel_announcement: MUST
      // ignore channel_updates that do NOT correspond to one of its own channels." Its
      // announcement may still be on the way (or awaiting its funding lookup): hold a bounded
      // number of them, unchecked, until then.
      return this.#hold(p, m, raw, direction, nowMs);
    }
    const current = ch.policies[direction];
    if (current) {
      // BOLT 7: "if timestamp is lower than that of the last-received channel_update for this
      // short_channel_id AND for node_id: SHOULD ignore the message."
      if (m.timestamp < current.timestamp) return ignored('outdated');
      if (m.timestamp === current.timestamp) {
        // "if the fields below timestamp are equal: SHOULD ignore this message"; if they differ
        // the node "MAY" be blacklisted — we only ignore it (signatures are malleable anyway).
        return ignored(sameAfterTimestamp(raw, current.message) ? 'duplicate' : 'same_timestamp_conflict');
      }
    }
    const nowSec = Math.floor(nowMs / 1000);
    // "if the timestamp is unreasonably far in the future: MAY discard the channel_update."
    if (m.timestamp > nowSec + this.#limits.maxFutureSeconds) return ignored('too_far_in_future');
    // An update already past the pruning age would be pruned at once.
    if (m.timestamp < nowSec - this.#limits.staleAfterSeconds) return ignored('stale');
    const disabled = (m.channelFlags & CHANNEL_FLAGS.disable) !== 0;
    // "if the channel output has been spent: MUST ignore channel_updates, unless they have the disable bit set to 1."
    if (ch.spentAtHeight !== null && !disabled) return ignored('channel_spent');
    if (!wasHeld && !this.#allow(p, nowMs)) return ignored('rate_limited');
    const signer = fromHex(direction === 0 ? ch.nodeId1 : ch.nodeId2);
    if (!channelUpdateSignatureValid(raw, m, signer)) {
      // "if signature is not a valid signature ...: SHOULD send a warning and close the connection. MUST NOT process the message further."
      return this.#warn(p, 'bad_signature', `channel_update ${formatScid(m.shortChannelId)}/${direction}: invalid signature`, true, out);
    }
    const policy = policyFromUpdate(m, raw);
    this.#graph.setPolicy(m.shortChannelId, direction, policy);
    out.changes.push({ kind: 'channel_updated', shortChannelId: m.shortChannelId, direction, update: raw });
    // "SHOULD queue the message for rebroadcasting" — never a dont_forward update, and for a
    // spent channel only a disabling one ("SHOULD NOT rebroadcast ... unless they have the disable bit set").
    if (!policy.dontForward) this.#queueRelay(`u:${m.shortChannelId}:${direction}`, { raw, from: p.id, kind: 'update', scid: m.shortChannelId });
    return { kind: 'accepted' };
  }

  #hold(p: PeerState, m: ChannelUpdate, raw: Uint8Array, direction: Direction, nowMs: number): GossipOutcome {
    const slot = this.#held.get(m.shortChannelId) ?? [null, null];
    const prev = slot[direction];
    if (prev && prev.message.timestamp >= m.timestamp) return ignored(prev.message.timestamp === m.timestamp ? 'duplicate' : 'outdated');
    if (!prev && (this.#heldCount >= this.#limits.maxPendingUpdates || p.held >= this.#limits.maxPendingUpdatesPerPeer)) return ignored('unknown_channel');
    if (prev) {
      const owner = prev.from === OWN ? this.#self : this.#peers.get(prev.from);
      if (owner && owner.held > 0) owner.held--;
    } else {
      this.#heldCount++;
    }
    p.held++;
    slot[direction] = { message: m, raw, from: p.id, atMs: nowMs };
    this.#held.set(m.shortChannelId, slot);
    return { kind: 'pending', reason: 'awaiting_announcement' };
  }

  #dropHeld(scid: bigint): void {
    const slot = this.#held.get(scid);
    if (!slot) return;
    this.#held.delete(scid);
    for (const h of slot) {
      if (!h) continue;
      this.#heldCount--;
      const owner = h.from === OWN ? this.#self : this.#peers.get(h.from);
      if (owner && owner.held > 0) owner.held--;
    }
  }

  #onNodeAnnouncement(p: PeerState, m: NodeAnnouncement, raw: Uint8Array, nowMs: number, out: Out): GossipOutcome {
    const nodeId = toHex(m.nodeId);
    const node = this.#graph.node(nodeId);
    // BOLT 7: "if node_id is NOT previously known from a channel_announcement message, OR if
    // timestamp is NOT greater than the last-received node_announcement from this node_id: SHOULD ignore the message."
    if (!node) {
      // A node announces itself right after its first channel (our own peers do): while that
      // channel's funding lookup runs, its node_announcement waits instead of being lost.
      if (this.#heldNodes.size < this.#limits.maxPendingAnnouncements && [...this.#pending.values()].some((a) => equalBytes(a.message.nodeId1, m.nodeId) || equalBytes(a.message.nodeId2, m.nodeId))) {
        const held = this.#heldNodes.get(nodeId);
        if (!held || held.message.timestamp < m.timestamp) this.#heldNodes.set(nodeId, { message: m, raw, from: p.id });
        return { kind: 'pending', reason: 'awaiting_announcement' };
      }
      return ignored('unknown_node');
    }
    if (node.info && m.timestamp <= node.info.timestamp) return ignored(m.timestamp === node.info.timestamp ? 'duplicate' : 'outdated');
    if (m.timestamp > Math.floor(nowMs / 1000) + this.#limits.maxFutureSeconds) return ignored('too_far_in_future');
    if (!this.#allow(p, nowMs)) return ignored('rate_limited');
    // "if signature is NOT a valid signature ...: SHOULD send a warning. MAY close the connection. MUST NOT process the message further."
    if (!nodeAnnouncementSignatureValid(raw, m)) return this.#warn(p, 'bad_signature', `node_announcement ${nodeId}: invalid signature`, false, out);
    let info;
    try {
      info = nodeInfoFrom(m, raw, this.#known);
    } catch (e) {
      // "if addrlen is insufficient to hold the address descriptors of the known types: SHOULD send a warning. MAY close the connection."
      return this.#warn(p, 'bad_addresses', `node_announcement ${nodeId}: ${e instanceof Error ? e.message : 'bad addresses'}`, false, out);
    }
    this.#graph.setNodeInfo(nodeId, info);
    out.changes.push({ kind: 'node_announced', nodeId, announcement: raw });
    // "if timestamp is greater than the last-received node_announcement from this node_id: SHOULD
    // queue the message for rebroadcasting" — unless it names several DNS hosts ("MUST not forward").
    if (info.relay) this.#queueRelay(`n:${nodeId}`, { raw, from: p.id, kind: 'node' });
    else this.#relay.delete(`n:${nodeId}`);
    return { kind: 'accepted' };
  }

  /** After a funding lookup: the held node_announcements of its ends are processed (or dropped when their node is still unknown). */
  #releaseHeldNodes(nodeIds: readonly string[], nowMs: number, out: Out): void {
    for (const id of nodeIds) {
      const held = this.#heldNodes.get(id);
      if (!held) continue;
      if (!this.#graph.node(id) && [...this.#pending.values()].some((a) => toHex(a.message.nodeId1) === id || toHex(a.message.nodeId2) === id)) continue;
      this.#heldNodes.delete(id);
      if (this.#graph.node(id)) this.#count(this.#onNodeAnnouncement(this.#sender(held.from, nowMs), held.message, held.raw, nowMs, out));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Our own channels

  /**
   * Registers one of our channels that is not (yet) announced: updates for these
   * short_channel_ids (the real one and aliases) signed by the peer are accepted and kept aside
   * (`localChannelPolicy`), never relayed or stored. Needs `localNodeId`.
   */
  addLocalChannel(shortChannelIds: readonly bigint[], remoteNodeId: Uint8Array): void {
    if (!this.#localNodeId) throw new GossipError('gossip.bad_argument', 'local channels need the localNodeId option');
    const order = compareBytes(remoteNodeId, this.#localNodeId);
    if (order === 0) throw new GossipError('gossip.bad_argument', 'the remote node id is ours');
    // The peer signs the direction of its own index: 0 if its id is the lesser.
    const remoteDirection: Direction = order < 0 ? 0 : 1;
    for (const scid of shortChannelIds) {
      const local: LocalChannel = { remoteNodeId, remoteDirection, policy: null };
      this.#local.set(scid, local);
      // The peer's update may have come first (a peer sends it for a private channel as soon as it has
      // our channel_ready, LDK among them, and may never send it again): it was held as an update for a
      // channel not announced yet. It is the peer's policy for this channel if the peer signed it.
      const held = this.#held.get(scid)?.[remoteDirection];
      if (held && held.from === toHex(remoteNodeId) && channelUpdateSignatureValid(held.raw, held.message, remoteNodeId)) {
        local.policy = policyFromUpdate(held.message, held.raw);
        this.#dropHeld(scid);
      }
    }
  }

  removeLocalChannel(shortChannelIds: readonly bigint[]): void {
    for (const scid of shortChannelIds) this.#local.delete(scid);
  }

  /** The peer's latest policy for one of our local channels (what a route hint to us carries). */
  localChannelPolicy(scid: bigint): ChannelPolicy | null {
    return this.#local.get(scid)?.policy ?? this.#graph.channel(scid)?.policies.find((p) => p) ?? null;
  }

  #onLocalUpdate(p: PeerState, local: LocalChannel, m: ChannelUpdate, raw: Uint8Array, direction: Direction, nowMs: number, out: Out): GossipOutcome {
    // Only the peer's own direction, from the peer itself.
    if (direction !== local.remoteDirection || toHex(local.remoteNodeId) !== p.id) return ignored('unknown_channel');
    if (local.policy && m.timestamp <= local.policy.timestamp) return ignored(m.timestamp === local.policy.timestamp ? 'duplicate' : 'outdated');
    if (!this.#allow(p, nowMs)) return ignored('rate_limited');
    if (!channelUpdateSignatureValid(raw, m, local.remoteNodeId)) {
      return this.#warn(p, 'bad_signature', `channel_update ${formatScid(m.shortChannelId)}: invalid signature`, true, out);
    }
    local.policy = policyFromUpdate(m, raw);
    return { kind: 'accepted' };
  }

  /**
   * Our own gossip (a channel_update or node_announcement we signed, a channel_announcement we
   * assembled): processed like a peer's, then sent to every peer at the next flush regardless
   * of filters (BOLT 7: "SHOULD send gossip messages as it generates them regardless of
   * timestamp"). An update for a channel whose announcement is not accepted yet is held like a
   * peer's. Throws GossipError if it is not valid gossip.
   */
  broadcastOwn(message: ChannelAnnouncement | ChannelUpdate | NodeAnnouncement, nowMs: number, funding?: FundingLookupResult): GossipOutput {
    const out = new Out();
    const raw = encodeMessage(message);
    const self = this.#self;
    self.solicited = 1; // our own message costs no rate budget
    let outcome: GossipOutcome;
    if (message.type === 'channel_announcement') {
      outcome = this.#onChannelAnnouncement(self, message, raw, nowMs, out);
      if (outcome.kind === 'pending' && funding) {
        const r = this.fundingResult(message.shortChannelId, funding, nowMs);
        out.actions.splice(out.actions.findIndex((a) => a.kind === 'lookup_funding'), 1);
        out.changes.push(...r.changes);
        out.events.push(...r.events);
        outcome = r.outcome ?? outcome;
      }
    } else if (message.type === 'channel_update') {
      outcome = this.#onChannelUpdate(self, message, raw, nowMs, out, true);
    } else {
      outcome = this.#onNodeAnnouncement(self, message, raw, nowMs, out);
    }
    if (outcome.kind === 'rejected' || (outcome.kind === 'ignored' && outcome.reason !== 'duplicate')) {
      throw new GossipError('gossip.bad_message', `our own ${message.type} was not accepted: ${outcome.reason}`, { reason: outcome.reason });
    }
    return out.done();
  }

  /** Sends a message straight to one peer (e.g. a dont_forward channel_update for a private channel). */
  sendDirect(peer: string, message: ChannelUpdate): GossipOutput {
    const p = this.#peers.get(peer);
    if (!p) return EMPTY_OUTPUT;
    const out = new Out();
    this.#enqueue(p, encodeMessage(message), out);
    return out.done();
  }

  // -------------------------------------------------------------------------------------------
  // Queries from peers

  #onQueryChannelRange(p: PeerState, m: QueryChannelRange, out: Out): GossipOutcome {
    for (const reply of replyChannelRange(this.#graph, m, this.#chain)) this.#enqueue(p, encodeMessage(reply), out);
    return { kind: 'accepted' };
  }

  #onQueryShortChannelIds(p: PeerState, m: QueryShortChannelIds, out: Out): GossipOutcome {
    // BOLT 7: "if it has not sent reply_short_channel_ids_end to a previously received
    // query_short_channel_ids from this sender: MAY send a warning. MAY close the connection."
    if (p.answer) return this.#warn(p, 'query_in_progress', 'query_short_channel_ids before our reply_short_channel_ids_end', false, out);
    const flags = m.tlvs?.queryFlags;
    // "if encoded_query_flags does not decode to exactly one flag per short_channel_id: MAY send a warning."
    if (flags && flags.length !== m.shortChannelIds.length) {
      return this.#warn(p, 'bad_query', `query_short_channel_ids: ${flags.length} query flags for ${m.shortChannelIds.length} short_channel_ids`, false, out);
    }
    p.answer = answerShortChannelIds(this.#graph, m, this.#chain);
    out.actions.push({ kind: 'outbound_ready', peer: p.id });
    return { kind: 'accepted' };
  }

  #onTimestampFilter(p: PeerState, m: GossipTimestampFilter, out: Out): GossipOutcome {
    if (!equalBytes(m.chainHash, this.#chain)) return ignored('wrong_chain');
    // "Note that this filter replaces any previous one."
    p.filter = { first: m.firstTimestamp, end: m.firstTimestamp + m.timestampRange };
    p.dump = dumpGossip(this.#graph, p.filter);
    out.actions.push({ kind: 'outbound_ready', peer: p.id });
    return { kind: 'accepted' };
  }

  // -------------------------------------------------------------------------------------------
  // Our sync

  #onReplyChannelRange(p: PeerState, m: ReplyChannelRange, nowMs: number, out: Out): GossipOutcome {
    if (!p.sync || p.sync.phase !== 'ranges') return ignored('unsolicited');
    const step = p.sync.onReplyChannelRange(m, this.#graph, (scid) => this.#pending.has(scid), nowMs);
    return this.#syncStep(p, step, out);
  }

  #onReplyEnd(p: PeerState, nowMs: number, out: Out): GossipOutcome {
    if (!p.sync || p.sync.phase !== 'ids') return ignored('unsolicited');
    p.solicited = 0;
    return this.#syncStep(p, p.sync.onReplyEnd(nowMs), out);
  }

  #syncStep(p: PeerState, step: SyncStep, out: Out): GossipOutcome {
    switch (step.kind) {
      case 'wait':
        return { kind: 'accepted' };
      case 'send':
        // The answers to a query are at most an announcement, two updates and two node announcements per channel.
        p.solicited = 5 * step.message.shortChannelIds.length;
        this.#enqueue(p, encodeMessage(step.message), out);
        return { kind: 'accepted' };
      case 'done':
        this.#syncFinished(p, 'complete', out);
        return { kind: 'accepted' };
      case 'failed':
        this.#syncFinished(p, 'failed', out, step.reason);
        return this.#warn(p, 'bad_reply', step.reason, false, out);
    }
  }

  #syncFinished(p: PeerState, outcome: 'complete' | 'timeout' | 'failed' | 'disconnected', out: Out, reason?: string): void {
    const s = p.sync;
    if (!s) return;
    p.sync = null;
    p.solicited = 0;
    out.events.push({
      type: 'gossip.sync_finished', peer: p.id, outcome, channelsListed: s.listed, channelsQueried: s.queried, ...(reason ? { reason } : {}),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Relay and outboxes

  #queueRelay(key: string, item: RelayItem): void {
    // Our own messages (from the OWN pseudo-peer) go to every peer, regardless of filters.
    this.#relay.set(key, item.from === OWN ? { ...item, from: null } : item);
  }

  #enqueue(p: PeerState, bytes: Uint8Array, out: Out): void {
    p.immediate.push(bytes);
    out.actions.push({ kind: 'outbound_ready', peer: p.id });
  }

  /**
   * Up to `max` encoded messages for the peer, in order: replies and queries, the answer to its
   * query_short_channel_ids, relayed gossip, then the dump its timestamp filter asked for.
   */
  nextMessagesFor(peer: string, max = 100): Uint8Array[] {
    const p = this.#peers.get(peer);
    if (!p) return [];
    const out: Uint8Array[] = [];
    while (out.length < max && p.immediate.length) out.push(p.immediate.shift()!);
    while (out.length < max && p.answer) {
      const n = p.answer.next();
      if (n.done) p.answer = null;
      else out.push(n.value);
    }
    while (out.length < max && p.relay.length) out.push(p.relay.shift()!);
    while (out.length < max && p.dump) {
      const n = p.dump.next();
      if (n.done) p.dump = null;
      else out.push(n.value);
    }
    return out;
  }

  /** True if the peer's outbox has anything left. */
  hasOutbound(peer: string): boolean {
    const p = this.#peers.get(peer);
    return !!p && (p.immediate.length > 0 || p.answer !== null || p.relay.length > 0 || p.dump !== null);
  }

  /**
   * BOLT 7 staggered broadcast: the gossip accepted since the last flush goes to every peer that
   * asked for it with its timestamp filter ("MUST NOT relay any gossip messages it did not
   * generate itself, unless explicitly requested"), never back to its sender; our own gossip goes
   * to every peer. A channel_announcement waits for its first channel_update ("If a
   * channel_announcement has no corresponding channel_updates: MUST NOT send") and goes before it.
   */
  #flush(out: Out): void {
    const items = [...this.#relay.entries()];
    const order = { announcement: 0, update: 1, node: 2 } as const;
    items.sort((a, b) => order[a[1].kind] - order[b[1].kind]);
    const send: { item: RelayItem; timestamp: number }[] = [];
    for (const [key, item] of items) {
      if (item.kind === 'announcement') {
        const ch = this.#graph.channel(item.scid!);
        if (!ch) {
          this.#relay.delete(key);
          continue;
        }
        const ts = Math.max(...ch.policies.map((p) => (p && !p.dontForward ? p.timestamp : -1)));
        if (ts < 0) continue; // keep it until an update comes
        send.push({ item, timestamp: ts });
      } else {
        send.push({ item, timestamp: timestampOf(item.raw) });
      }
      this.#relay.delete(key);
    }
    if (send.length === 0) return;
    for (const p of this.#peers.values()) {
      let added = false;
      for (const { item, timestamp } of send) {
        if (item.from === p.id) continue;
        if (item.from !== null && (!p.filter || !inFilter(p.filter, timestamp))) continue;
        if (p.relay.length >= this.#limits.maxRelayQueue) {
          this.#relayDropped++;
          continue;
        }
        p.relay.push(item.raw);
        added = true;
      }
      if (added) out.actions.push({ kind: 'outbound_ready', peer: p.id });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Time and chain

  /**
   * Advances time: flushes relays every `flushIntervalMs`, prunes stale channels and expired held
   * updates every `pruneIntervalMs`, and gives up syncs whose peer went quiet.
   */
  tick(nowMs: number): GossipOutput {
    const out = new Out();
    if (nowMs - this.#lastFlushMs >= this.#limits.flushIntervalMs) {
      this.#lastFlushMs = nowMs;
      this.#flush(out);
    }
    if (nowMs - this.#lastPruneMs >= this.#limits.pruneIntervalMs) {
      this.#lastPruneMs = nowMs;
      this.#pruneStale(nowMs, out);
      this.#expireHeld(nowMs);
    }
    this.#retryLookups(nowMs, out);
    for (const p of this.#peers.values()) {
      if (p.sync && nowMs - p.sync.lastActivityMs > this.#limits.queryTimeoutMs) this.#syncFinished(p, 'timeout', out);
    }
    return out.done();
  }

  /** Flushes the relay queue now (what `tick` does every `flushIntervalMs`). */
  flush(nowMs: number): GossipOutput {
    const out = new Out();
    this.#lastFlushMs = nowMs;
    this.#flush(out);
    return out.done();
  }

  /** Prunes now (what `tick` does every `pruneIntervalMs`). */
  prune(nowMs: number): GossipOutput {
    const out = new Out();
    this.#lastPruneMs = nowMs;
    this.#pruneStale(nowMs, out);
    this.#expireHeld(nowMs);
    return out.done();
  }

  /**
   * BOLT 7 "Recommendation on Pruning Stale Entries": "if the timestamp of the latest
   * channel_update in either direction is older than two weeks (1209600 seconds): MAY prune the
   * channel." A direction without any update counts from when we accepted the announcement.
   */
  #pruneStale(nowMs: number, out: Out): void {
    const cutoff = Math.floor(nowMs / 1000) - this.#limits.staleAfterSeconds;
    const stale: bigint[] = [];
    for (const ch of this.#graph.channels()) {
      const announced = Math.floor(ch.receivedAtMs / 1000);
      const oldest = Math.min(ch.policies[0]?.timestamp ?? announced, ch.policies[1]?.timestamp ?? announced);
      if (oldest < cutoff) stale.push(ch.shortChannelId);
    }
    let nodes = 0;
    for (const scid of stale) nodes += this.#removeChannel(scid, out);
    if (stale.length) out.events.push({ type: 'gossip.pruned', reason: 'stale', channels: stale.length, nodes });
  }

  #expireHeld(nowMs: number): void {
    for (const [scid, slot] of this.#held) {
      if (slot.every((h) => !h || nowMs - h.atMs > this.#limits.pendingUpdateTtlMs)) this.#dropHeld(scid);
    }
  }

  /**
   * The funding output of a channel was spent at `height` (the chain layer watches it). BOLT 7:
   * "once its funding output has been spent OR reorganized out: SHOULD forget a channel after a
   * 72-block delay"; until then only disabling updates are accepted and it is not sent in dumps.
   */
  fundingSpent(scid: bigint, height: number): GossipOutput {
    const ch = this.#graph.channel(scid);
    // The same spend seen again at its height changes nothing; at another height it was reorged
    // out and confirmed again elsewhere (the forget delay counts from the new height).
    if (!ch || ch.spentAtHeight === height) return EMPTY_OUTPUT;
    this.#graph.setSpent(scid, height);
    const out = new Out();
    out.changes.push({ kind: 'channel_spent', shortChannelId: scid, height });
    this.#relay.delete(`a:${scid}`);
    if (this.#height !== null) this.#forgetSpent(this.#height, out);
    return out.done();
  }

  /**
   * The funding lookup of a graph channel stored without its funding txid (a row from before
   * migration 15, or one taken with `fundingCheck: 'skip'` by a node that had no chain then). The
   * short_channel_id names the output (BOLT 7: "the short_channel_id ... the funding transaction
   * ... block height, transaction index, output index"); once its txid is known its spend can be
   * watched like any other channel's.
   * - `unspent` of the announcement's P2WSH with a txid: the txid is kept (`channel_funding`),
   *   with the output's value as the capacity of a channel taken without one;
   * - `spent` with a txid: kept too; the host dates the spend (`resolved: 'spent'`);
   * - `unspent` of another script: BOLT 7 "if the short_channel_id's output does NOT correspond
   *   to a P2WSH (using bitcoin_key_1 and bitcoin_key_2 ...) ... MUST ignore the message" — the
   *   announcement, taken unchecked, is forgotten (`mismatch`);
   * - anything else (not found on our chain, above our tip, the source down): `retry`, the
   *   channel stays as it is (the two-week staleness prune remains its backstop).
   */
  fundingResolved(scid: bigint, result: FundingLookupResult): GossipOutput & { readonly resolved: 'unspent' | 'spent' | 'mismatch' | 'retry' } {
    const ch = this.#graph.channel(scid);
    if (!ch || ch.fundingTxid !== null) return { ...EMPTY_OUTPUT, resolved: 'retry' };
    const out = new Out();
    if (result.kind === 'unspent' && result.txid !== undefined) {
      const a = storedChannelAnnouncement(ch.announcement);
      if (!equalBytes(result.scriptPubkey, fundingScriptPubkey(a.bitcoinKey1, a.bitcoinKey2))) {
        const nodes = this.#removeChannel(scid, out);
        out.events.push({ type: 'gossip.pruned', reason: 'funding_mismatch', channels: 1, nodes });
        return { ...out.done(), resolved: 'mismatch' };
      }
    } else if (result.kind !== 'spent' || result.txid === undefined) {
      return { ...EMPTY_OUTPUT, resolved: 'retry' };
    }
    // A channel taken with no chain has no capacity yet: the output's value is it.
    const capacitySat = result.kind === 'unspent' ? result.amountSat : null;
    this.#graph.setFunding(scid, result.txid, capacitySat);
    out.changes.push({ kind: 'channel_funding', shortChannelId: scid, fundingTxid: result.txid, capacitySat });
    return { ...out.done(), resolved: result.kind };
  }

  /**
   * The block at `height` left the best chain (a reorganisation; blocks leave newest first). A
   * channel whose funding spend was seen at `height` or above is not spent on the best chain any
   * more: it is put back as unspent — routed over, dumped and its updates taken again — until the
   * spend confirms again. BOLT 7 forgets a channel only "once its funding output has been spent"
   * and after "a 72-block delay", so one whose spend left the chain before that delay is kept; one
   * already forgotten is gone from the graph and comes back by gossip if it is still announced.
   * Returns the short_channel_ids put back.
   */
  blockDisconnected(height: number): GossipOutput & { readonly unspent: readonly bigint[] } {
    const back: bigint[] = [];
    for (const ch of this.#graph.channels()) if (ch.spentAtHeight !== null && ch.spentAtHeight >= height) back.push(ch.shortChannelId);
    if (back.length === 0) return { ...EMPTY_OUTPUT, unspent: back };
    const out = new Out();
    for (const scid of back) {
      this.#graph.setSpent(scid, null);
      out.changes.push({ kind: 'channel_unspent', shortChannelId: scid });
    }
    return { ...out.done(), unspent: back };
  }

  /** The chain's best height: channels spent `spentForgetBlocks` ago are forgotten. */
  blockHeight(height: number): GossipOutput {
    this.#height = height;
    const out = new Out();
    this.#forgetSpent(height, out);
    for (const [scid, a] of this.#pending) {
      if (a.awaitingBlock === null || a.awaitingBlock > height) continue;
      a.awaitingBlock = null;
      a.attempts++;
      out.actions.push({ kind: 'lookup_funding', shortChannelId: scid });
    }
    return out.done();
  }

  /**
   * Announcements whose lookup is due again are looked up; those that waited longer than
   * `pendingUpdateTtlMs` for a block or an answer are dropped (with their held updates and nodes).
   */
  #retryLookups(nowMs: number, out: Out): void {
    for (const [scid, a] of this.#pending) {
      if (a.awaitingBlock === null && a.retryAtMs === null) continue;
      if (nowMs - a.atMs > this.#limits.pendingUpdateTtlMs) {
        this.#pending.delete(scid);
        this.#dropHeld(scid);
        this.#releaseHeldNodes([toHex(a.message.nodeId1), toHex(a.message.nodeId2)], nowMs, out);
        this.#count(ignored(a.awaitingBlock !== null ? (a.awaitingWhy ?? 'funding_not_found') : 'funding_unavailable'));
      } else if (a.retryAtMs !== null && a.retryAtMs <= nowMs) {
        a.retryAtMs = null;
        a.attempts++;
        out.actions.push({ kind: 'lookup_funding', shortChannelId: scid });
      }
    }
  }

  #forgetSpent(height: number, out: Out): void {
    const gone: bigint[] = [];
    for (const ch of this.#graph.channels()) {
      if (ch.spentAtHeight !== null && height - ch.spentAtHeight >= this.#limits.spentForgetBlocks) gone.push(ch.shortChannelId);
    }
    let nodes = 0;
    for (const scid of gone) nodes += this.#removeChannel(scid, out);
    if (gone.length) out.events.push({ type: 'gossip.pruned', reason: 'spent', channels: gone.length, nodes });
  }

  // -------------------------------------------------------------------------------------------
  // Failures

  /**
   * A `channel_update` returned in a BOLT 4 failure (with or without its 2-byte type, as nodes
   * send both). BOLT 4: "if UPDATE is set, AND the channel_update is valid and more recent than
   * the channel_update used to send the payment: MAY consider the channel_update when calculating
   * routes to retry the payment" and "MUST NOT expose the channel_update to third-parties in any
   * other context, including applying the channel_update to the local network graph" — so it is
   * checked here (chain, known channel, signature by the right node) and returned, never stored.
   * A channel the graph does not know (a private one from a route hint) is checked against
   * `erringNode`, the node that returned the failure: its own channel_update is valid if it signed it.
   */
  checkFailureUpdate(bytes: Uint8Array, erringNode?: Uint8Array): { shortChannelId: bigint; direction: Direction; policy: ChannelPolicy } | { error: string } {
    let raw = bytes;
    if (bytes.length < 2 || ((bytes[0]! << 8) | bytes[1]!) !== MESSAGE_TYPES.channel_update) {
      raw = new Uint8Array(bytes.length + 2);
      raw[0] = MESSAGE_TYPES.channel_update >> 8;
      raw[1] = MESSAGE_TYPES.channel_update & 0xff;
      raw.set(bytes, 2);
    }
    let m: Message;
    try {
      m = decodeMessage(raw);
    } catch (e) {
      return { error: `not a channel_update: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (m.type !== 'channel_update') return { error: 'not a channel_update' };
    if (!equalBytes(m.chainHash, this.#chain)) return { error: 'another chain' };
    const direction = (m.channelFlags & CHANNEL_FLAGS.direction) as Direction;
    const ch = this.#graph.channel(m.shortChannelId);
    const local = this.#local.get(m.shortChannelId);
    const signer = ch ? fromHex(direction === 0 ? ch.nodeId1 : ch.nodeId2) : local ? (local.remoteDirection === direction ? local.remoteNodeId : undefined) : erringNode;
    if (!signer) return { error: `unknown channel ${formatScid(m.shortChannelId)}` };
    if (!channelUpdateSignatureValid(raw, m, signer)) return { error: 'invalid signature' };
    return { shortChannelId: m.shortChannelId, direction, policy: policyFromUpdate(m, raw) };
  }
}

function ignored(reason: IgnoreReason): GossipOutcome {
  return { kind: 'ignored', reason };
}

function formatScid(scid: bigint): string {
  return formatShortChannelId(scid);
}

/** The `timestamp` of an encoded channel_update or node_announcement. */
function timestampOf(raw: Uint8Array): number {
  const type = (raw[0]! << 8) | raw[1]!;
  // channel_update: type, signature, chain_hash, short_channel_id, timestamp.
  // node_announcement: type, signature, flen, features, timestamp.
  const at = type === MESSAGE_TYPES.channel_update ? 2 + 64 + 32 + 8 : 2 + 64 + 2 + ((raw[66]! << 8) | raw[67]!);
  return ((raw[at]! << 24) >>> 0) + ((raw[at + 1]! << 16) | (raw[at + 2]! << 8) | raw[at + 3]!);
}

/** BOLT 7 "the fields below timestamp": everything after it (chain and scid are the same by then). */
function sameAfterTimestamp(a: Uint8Array, b: Uint8Array): boolean {
  const at = 2 + 64 + 32 + 8 + 4;
  return equalBytes(a.subarray(at), b.subarray(at));
}

