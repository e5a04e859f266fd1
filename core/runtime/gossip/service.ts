/**
 * The gossip adapter: runs core/gossip's GossipManager in the node. It feeds the manager the
 * peers' gossip messages (from the PeerManager), funding lookups (the chain source, through
 * ./funding.ts), block heights and time (one interval timer on the node's clock: relay flush,
 * pruning, query timeouts), writes the graph changes through the GossipStore port, publishes the
 * layer's events, and drains each peer's outbox into the connection while its queue is short.
 */
import type { GossipChange, GossipEvent, GossipManager, GossipOutput, GossipPeerInfo, GossipStore, FundingLookupResult } from '../../gossip';
import { SpendChecks, judgeSpend, type SpendAnswer, type SpendChainView, type SpendCheckLimits, type SpendCheckStats, type SpendVerdict } from '../../gossip';
import type { ChannelPolicy } from '../../gossip';
import { decodeMessage, FEATURES, formatAddress, formatShortChannelId, parseShortChannelId, shortChannelIdParts, type FeatureVector, type Message } from '../../wire';
import type { PaymentEventBody } from '../../payments';
import type { GossipInfo, GraphChannelInfo, GraphNodeInfo, GraphPolicyInfo } from './types';
import type { Peer } from '../../peer/peer';
import type { Clock, Timer } from '../clock';
import type { FundingLookupHooks } from './funding';

/** What the adapter needs of the peer layer (the PeerManager has it). */
export interface GossipPeersPort {
  onMessage(handler: (peer: Peer, message: Message) => void): () => void;
  onPeerReady(handler: (peer: Peer) => void): () => void;
  onPeerClosed(handler: (peer: Peer, error: unknown) => void): () => void;
  peers(): Peer[];
  /** The connected peer of this node id now (a newer connection replaces an older one). */
  peer(nodeId: string): Peer | undefined;
  send(nodeId: string, message: Message, opts?: { dropIfFull?: boolean }): boolean;
  queuedBytes(nodeId: string): number;
  disconnect(nodeId: string): boolean;
}

export interface GossipServiceOptions {
  readonly manager: GossipManager;
  readonly store: GossipStore;
  readonly peers: GossipPeersPort;
  /**
   * The funding check of channel_announcements (null: the manager was made with `fundingCheck:
   * 'skip'` because the node has no chain).
   */
  readonly funding: ((scid: bigint, hooks?: FundingLookupHooks) => Promise<FundingLookupResult>) | null;
  readonly clock: Clock;
  readonly publish: (event: GossipEvent) => void;
  readonly log?: (line: Record<string, unknown>) => void;
  /** How often the manager is ticked (default 1 s; its own intervals decide what a tick does). */
  readonly tickMs?: number;
  /** A peer's outbox is drained while fewer than this many bytes wait on its connection (default 256 KiB). */
  readonly maxQueuedBytes?: number;
  /** Funding lookups at once (default 2). */
  readonly lookupConcurrency?: number;
  /**
   * A filtered chain source (Esplora: no blocks fetched) has graph channels' funding outputs asked
   * about in a bounded rotation (core/gossip/spend-check.ts); null or absent: the chain tracker's
   * spend filter sees the spends in each block (`isFundingOutpoint`, `fundingSpent`).
   */
  readonly spendChecks?: SpendCheckOptions | null;
}

export interface SpendCheckOptions {
  /** What the source says of a funding output (throws when it cannot say). */
  readonly query: (txid: string, vout: number) => Promise<SpendAnswer>;
  /** Our best chain now, to take spends only in its blocks. */
  readonly chain: () => SpendChainView;
  readonly limits?: Partial<SpendCheckLimits>;
  /** Outputs asked about at once (default 2). */
  readonly concurrency?: number;
}

/**
 * Tokens of the spend checks' bucket one funding resolution costs in filtered mode: a lookup over
 * Esplora is six requests (block hash, txid at the position, the transaction, its Merkle proof, the
 * block header, the output's spend), against one for a spend check.
 */
const RESOLVE_COST = 6;
/**
 * A channel whose funding the chain does not show at its short_channel_id (not found, above our
 * tip) is looked up again this many blocks later (a day): the two-week staleness prune remains
 * its backstop.
 */
const RESOLVE_RETRY_BLOCKS = 144;

/** BOLT 1 message types that are gossip (BOLT 7), the ones this adapter hands to the manager. */
const GOSSIP_TYPES = new Set<string>([
  'channel_announcement', 'node_announcement', 'channel_update', 'query_short_channel_ids', 'reply_short_channel_ids_end',
  'query_channel_range', 'reply_channel_range', 'gossip_timestamp_filter',
]);

/** What a peer's init says it offers for gossip (BOLT 9 bits 6/7 and 10/11). */
export function gossipPeerInfo(features: FeatureVector): GossipPeerInfo {
  return { gossipQueries: features.has('gossip_queries', FEATURES), gossipQueriesEx: features.has('gossip_queries_ex', FEATURES) };
}

export class GossipService {
  readonly #o: GossipServiceOptions;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #pumps = new Map<string, Timer>();
  readonly #lookups: bigint[] = [];
  /** Graph changes not written yet: written in one transaction at each tick (and at close). */
  #unwritten: GossipChange[] = [];
  #lookupsRunning = 0;
  /**
   * The funding outpoints ("txid:vout") of graph channels, both ways — spent ones too until they
   * are forgotten: a spend reorged out and confirmed again in another block is seen again.
   */
  readonly #fundingOutpoints = new Map<string, bigint>();
  readonly #outpointOf = new Map<bigint, string>();
  /**
   * Outpoints of funding lookups in flight ("txid:vout" → the channel, and the height a block
   * scanned meanwhile spent it at): see `FundingLookupHooks`.
   */
  readonly #watching = new Map<string, { readonly scid: bigint; spentAt: number | null }>();
  /** Blocks mode: graph channels without a funding txid, resolved one at a time when no announcement waits for a lookup. */
  #resolveQueue: bigint[] = [];
  #resolving = false;
  /** Channels whose resolution found nothing: not tried again before this height. */
  readonly #resolveAfter = new Map<bigint, number>();
  /**
   * Blocks mode: channels whose spend was dated at our tip because the source could not date it
   * (a resolution that found the output spent): a reorganisation that takes that block away asks
   * the source again, since the real spend, in an older block, will not be scanned again.
   */
  readonly #undated = new Set<bigint>();
  /** Blocks mode: undated spends whose recheck the source could not answer, asked again after our next block. */
  readonly #recheckAfterBlock = new Set<bigint>();
  #tip: number | null = null;
  #spends: SpendChecks | null = null;
  /** The rotation's place as last written to the store (undefined: nothing loaded yet). */
  #cursorWritten: bigint | null | undefined = undefined;
  #cursorWrittenAt = 0;
  #spendsRunning = 0;
  #ticker: Timer | null = null;
  #closed = false;

  constructor(opts: GossipServiceOptions) {
    this.#o = opts;
  }

  get manager(): GossipManager {
    return this.#o.manager;
  }

  /** Loads the stored graph, then listens to peers (the ones already connected included) and starts the timer. */
  start(): void {
    const { manager, store, peers, clock } = this.#o;
    const snapshot = store.loadGossip();
    const restored = manager.restore(snapshot);
    if (restored.changes.length) store.applyGossipChanges(restored.changes);
    for (const s of restored.skipped) this.#o.log?.({ event: 'gossip_row_skipped', what: s.what, reason: s.reason });
    for (const ch of manager.graph.channels()) this.#indexFunding(ch.shortChannelId, ch.fundingTxid);
    if (this.#o.spendChecks) {
      // The rotation goes on where it stopped before the restart (a pass over a big graph takes hours).
      this.#cursorWritten = snapshot.spendCheckCursor ?? null;
      this.#spends = new SpendChecks(this.#o.spendChecks.limits ?? {}, clock.now(), this.#cursorWritten);
    } else if (this.#o.funding) {
      // Blocks mode: channels stored without their funding txid have it resolved in the background
      // (filtered mode's rotation hands them out itself, under its request budget).
      this.#resolveQueue = manager.graph.sortedShortChannelIds().filter((scid) => this.#resolvable(scid));
    }
    const stats = manager.stats();
    this.#o.log?.({ event: 'gossip_loaded', channels: stats.channels, nodes: stats.nodes });
    this.#unsubscribe.push(
      peers.onPeerReady((peer) => this.#connected(peer)),
      peers.onPeerClosed((peer) => {
        // A connection replaced by a newer one closes after the new one is ready: that one stays.
        if (!this.#closed && peers.peer(peer.nodeId) === undefined) this.#apply(manager.peerDisconnected(peer.nodeId));
      }),
      peers.onMessage((peer, message) => this.#receive(peer, message)),
    );
    for (const peer of peers.peers()) this.#connected(peer);
    this.#ticker = clock.interval('gossip.tick', this.#o.tickMs ?? 1_000, () => {
      this.#apply(manager.tick(clock.now()));
      this.#write();
      this.#runSpendChecks();
      this.#runResolutions();
    });
  }

  close(): void {
    this.#closed = true;
    this.#write();
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#ticker?.cancel();
    for (const t of this.#pumps.values()) t.cancel();
    this.#pumps.clear();
    this.#lookups.length = 0;
  }

  /** The chain's best height (spent channels are forgotten 72 blocks on; a spend-check pass may start again). */
  blockHeight(height: number): void {
    if (this.#closed) return;
    this.#tip = height;
    this.#apply(this.#o.manager.blockHeight(height));
    this.#spends?.tip(height);
    if (!this.#spends) {
      for (const scid of this.#recheckAfterBlock) if (this.#undated.has(scid)) this.#recheckUndated(scid);
      this.#recheckAfterBlock.clear();
      // Blocks mode: resolutions that found nothing are due again.
      for (const [scid, at] of this.#resolveAfter) {
        if (at > height) continue;
        this.#resolveAfter.delete(scid);
        if (this.#resolvable(scid) && !this.#resolveQueue.includes(scid)) this.#resolveQueue.push(scid);
      }
    }
    this.#runSpendChecks();
    this.#runResolutions();
  }

  /**
   * The block at `height` left the best chain (`chain.block_disconnected`, both source modes):
   * graph channels whose funding spend was seen there or above are unspent again (routed over,
   * in memory and in the store) until the spend confirms again — seen again by the spend filter in
   * blocks mode, asked about first in filtered mode. Ones already forgotten stay forgotten.
   */
  blockDisconnected(height: number): void {
    if (this.#closed) return;
    const r = this.#o.manager.blockDisconnected(height);
    for (const scid of r.unspent) this.#o.log?.({ event: 'gossip_channel_unspent', shortChannelId: formatShortChannelId(scid), height });
    // A spend of an outpoint being looked up, seen in a block that left the chain, is forgotten too.
    for (const w of this.#watching.values()) if (w.spentAt !== null && w.spentAt >= height) w.spentAt = null;
    this.#apply(r);
    if (!this.#spends) {
      for (const scid of r.unspent) {
        if (this.#resolvable(scid)) this.#resolveQueue.push(scid);
        else if (this.#undated.has(scid)) this.#recheckUndated(scid);
      }
    }
    if (r.unspent.length) {
      this.#spends?.urgent(r.unspent);
      this.#runSpendChecks();
    }
  }

  /**
   * Whether `outpoint` ("txid:vout") funds a graph channel not forgotten (the chain's spend
   * filter; a spent one too, so a spend reorged out and mined again elsewhere is seen again).
   */
  isFundingOutpoint(outpoint: string): boolean {
    return this.#fundingOutpoints.has(outpoint) || this.#watching.has(outpoint);
  }

  /**
   * A graph channel's funding output was spent in the block at `height` (the chain's spend filter
   * saw it, or a spend check found it). BOLT 7: "once its funding output has been spent OR
   * reorganized out: SHOULD forget a channel after a 72-block delay" — the manager stops routing
   * over it now and forgets it then.
   */
  fundingSpent(outpoint: string, height: number): void {
    const scid = this.#fundingOutpoints.get(outpoint);
    if (scid === undefined) {
      // An outpoint being looked up: the spend is taken once the lookup's answer is (#lookUp).
      const w = this.#watching.get(outpoint);
      if (w) w.spentAt = height;
      return;
    }
    if (this.#closed) return;
    this.#undated.delete(scid);
    this.#recheckAfterBlock.delete(scid);
    const r = this.#o.manager.fundingSpent(scid, height);
    if (r.changes.length) this.#o.log?.({ event: 'gossip_channel_spent', shortChannelId: formatShortChannelId(scid), height });
    this.#apply(r);
  }

  /**
   * Filtered mode: ask about these channels' funding outputs before the rotation — a route goes
   * over them, or a payment failure named them. Nothing in blocks mode (every block is scanned).
   */
  checkSpends(scids: Iterable<bigint>): void {
    if (this.#closed || !this.#spends) return;
    this.#spends.urgent(scids);
    this.#runSpendChecks();
  }

  /**
   * Payment parts (filtered mode): the channels a part goes over are asked about first, and on
   * its failure the ones next to the node that failed it (`SpendChecks.routeUsed` / `routeFailed`).
   */
  paymentEvent(e: PaymentEventBody): void {
    const checks = this.#spends;
    if (this.#closed || !checks) return;
    if (e.type === 'payment.part_sent') {
      const scids: bigint[] = [];
      for (const text of e.route.channels) {
        try {
          scids.push(parseShortChannelId(text));
        } catch {
          // not a short_channel_id we can read: nothing to ask about
        }
      }
      checks.routeUsed(`${e.paymentId}/${e.partId}`, scids);
    } else if (e.type === 'payment.part_failed') {
      // A failure from the recipient says nothing of the channels on the way.
      if (e.fromRecipient) checks.routeDone(`${e.paymentId}/${e.partId}`);
      else checks.routeFailed(`${e.paymentId}/${e.partId}`, e.hopIndex);
    } else return;
    this.#runSpendChecks();
  }

  /** The spend checks' counts (filtered mode), null in blocks mode. */
  spendCheckStats(): SpendCheckStats | null {
    return this.#spends?.stats() ?? null;
  }

  /** Hands out what the spend checks allow now, while fewer than `concurrency` are in flight. */
  #runSpendChecks(): void {
    const checks = this.#spends;
    const o = this.#o.spendChecks;
    if (this.#closed || !checks || !o) return;
    const free = (o.concurrency ?? 2) - this.#spendsRunning;
    if (free <= 0) return;
    const graph = this.#o.manager.graph;
    const eligible = (scid: bigint): boolean => {
      const ch = graph.channel(scid);
      return ch !== undefined && ch.spentAtHeight === null && (this.#outpointOf.has(scid) || this.#resolvable(scid));
    };
    const cost = (scid: bigint): number => (this.#outpointOf.has(scid) ? 1 : RESOLVE_COST);
    for (const scid of checks.next(this.#o.clock.now(), free, graph.sortedShortChannelIds(), eligible, cost)) {
      const outpoint = this.#outpointOf.get(scid);
      if (outpoint === undefined) {
        // No funding txid yet: resolved from the short_channel_id first (its answer says whether it is spent).
        this.#spendsRunning++;
        this.#resolve(scid, () => {
          this.#spendsRunning--;
          this.#runSpendChecks();
        });
        continue;
      }
      const colon = outpoint.lastIndexOf(':');
      this.#spendsRunning++;
      void o.query(outpoint.slice(0, colon), Number(outpoint.slice(colon + 1)))
        .then((answer): SpendVerdict | null => {
          checks.answered();
          return judgeSpend(answer, o.chain());
        }, () => null)
        .then((judged) => {
          this.#spendsRunning--;
          if (this.#closed) return;
          // A failure: the source is down or throttles us (checks pause, then back off).
          if (judged === null) checks.failed(this.#o.clock.now());
          const verdict: SpendVerdict = judged ?? { kind: 'retry' };
          if (verdict.kind === 'spent') this.fundingSpent(outpoint, verdict.height);
          // A failure or a block we do not have: asked again after our next block.
          else if (verdict.kind === 'retry') checks.afterNextBlock(scid);
          this.#runSpendChecks();
        });
    }
  }

  /**
   * Whether a graph channel's funding txid is to be resolved from its short_channel_id: unknown
   * (a row from before migration 15, or taken with no chain), a chain to ask, not seen spent, and
   * not looked up in vain lately.
   */
  #resolvable(scid: bigint): boolean {
    const ch = this.#o.manager.graph.channel(scid);
    if (!this.#o.funding || !ch || ch.fundingTxid !== null || ch.spentAtHeight !== null) return false;
    const after = this.#resolveAfter.get(scid);
    return after === undefined || (this.#tip !== null && this.#tip >= after);
  }

  /** Blocks mode: resolves the queued channels one at a time, after the announcements waiting for a lookup. */
  #runResolutions(): void {
    if (this.#closed || this.#spends || this.#resolving || this.#lookups.length > 0 || this.#lookupsRunning > 0) return;
    while (this.#resolveQueue.length) {
      const scid = this.#resolveQueue.shift()!;
      if (!this.#resolvable(scid)) continue;
      this.#resolving = true;
      this.#resolve(scid, () => {
        this.#resolving = false;
        this.#runResolutions();
      });
      return;
    }
  }

  /** Looks a graph channel's funding up by its short_channel_id and keeps its txid (`GossipManager.fundingResolved`). */
  #resolve(scid: bigint, done: () => void): void {
    this.#lookUp(scid, (result, spentMeanwhile) => {
      if (this.#closed) return;
      const r = this.#o.manager.fundingResolved(scid, result);
      this.#apply(r);
      const outpoint = this.#outpointOf.get(scid);
      this.#o.log?.({ event: 'gossip_funding_resolved', shortChannelId: formatShortChannelId(scid), outcome: r.resolved === 'retry' ? result.kind : r.resolved });
      if (r.resolved === 'retry') {
        // The source could not answer: after our next block; the chain has no such output (yet): a day later.
        this.#resolveAfter.set(scid, (this.#tip ?? 0) + (result.kind === 'unavailable' ? 1 : RESOLVE_RETRY_BLOCKS));
        if (result.kind === 'unavailable') this.#spends?.failed(this.#o.clock.now());
      } else if (outpoint !== undefined && spentMeanwhile !== null) {
        this.fundingSpent(outpoint, spentMeanwhile);
      } else if (outpoint !== undefined && r.resolved === 'spent') {
        if (this.#spends) {
          // Filtered mode: the output's spend is dated by one more request (its block's height and hash).
          this.#spends.urgent([scid]);
        } else if (this.#tip !== null) {
          // Blocks mode: the source says spent (gettxout) but not when. BOLT 7 forgets a channel "after
          // a 72-block delay" from its spend; our tip is the latest the spend can be, so the channel
          // stops being routed over now and is forgotten no earlier than the spec's delay allows.
          this.fundingSpent(outpoint, this.#tip);
          this.#undated.add(scid);
        }
      }
      done();
    });
  }

  /** Blocks mode: an undated spend's block left the chain; the source says whether the output is still spent. */
  #recheckUndated(scid: bigint): void {
    this.#lookUp(scid, (result, spentMeanwhile) => {
      const outpoint = this.#outpointOf.get(scid);
      // Forgotten meanwhile, or its spend seen in a block since (dated exactly): nothing to do.
      if (this.#closed || outpoint === undefined || this.#o.manager.graph.channel(scid)?.spentAtHeight !== null || !this.#undated.has(scid)) return;
      if (spentMeanwhile !== null) this.fundingSpent(outpoint, spentMeanwhile);
      else if (result.kind === 'spent' && this.#tip !== null) {
        this.fundingSpent(outpoint, this.#tip);
        this.#undated.add(scid);
      } else if (result.kind === 'unavailable') this.#recheckAfterBlock.add(scid);
      else this.#undated.delete(scid);
    });
  }

  /**
   * One funding lookup, its outpoint watched from the moment its txid is known until its answer
   * (`FundingLookupHooks`): `then` gets the answer and the height of a spend of that outpoint seen
   * meanwhile in a block of our chain (null if none). Blocks mode: the source's spend answer covers
   * the blocks it had when asked, which include every block our tracker scanned before the txid
   * was known; the tracker's spend filter sees the later ones — so a spend confirmed between a
   * channel's lookup and its acceptance is not missed.
   */
  #lookUp(scid: bigint, then: (result: FundingLookupResult, spentMeanwhile: number | null) => void): void {
    const funding = this.#o.funding;
    if (!funding) return;
    let watched: string | null = null;
    const hooks: FundingLookupHooks = {
      found: (txid) => {
        if (this.#closed) return;
        watched = `${txid}:${shortChannelIdParts(scid).outputIndex}`;
        this.#watching.set(watched, { scid, spentAt: null });
      },
    };
    void funding(scid, hooks)
      .catch((): FundingLookupResult => ({ kind: 'unavailable' }))
      .then((result) => {
        const w = watched === null ? undefined : this.#watching.get(watched);
        if (watched !== null && w?.scid === scid) this.#watching.delete(watched);
        then(result, w?.scid === scid ? w.spentAt : null);
      });
  }

  #indexFunding(scid: bigint, txid: string | null): void {
    if (txid === null) return;
    const outpoint = `${txid}:${shortChannelIdParts(scid).outputIndex}`;
    this.#fundingOutpoints.set(outpoint, scid);
    this.#outpointOf.set(scid, outpoint);
  }

  #unindexFunding(scid: bigint): void {
    const outpoint = this.#outpointOf.get(scid);
    if (outpoint === undefined) return;
    this.#outpointOf.delete(scid);
    this.#fundingOutpoints.delete(outpoint);
  }

  /** Applies the output of one of the manager's steps (also our own gossip: `broadcastOwn`, `sendDirect`). */
  apply(output: GossipOutput): void {
    this.#apply(output);
  }

  /** Counts of the graph and of what peers sent. */
  info(): GossipInfo {
    const st = this.#o.manager.stats();
    return {
      channels: st.channels, nodes: st.nodes, pendingAnnouncements: st.pendingAnnouncements, pendingUpdates: st.pendingUpdates,
      peers: st.peers, outcomes: { ...st.outcomes }, relayDropped: st.relayDropped, spendChecks: this.spendCheckStats(),
    };
  }

  /** The graph's nodes (those with most channels first), at most `limit`. */
  listNodes(limit = 1000): GraphNodeInfo[] {
    const nodes = [...this.#o.manager.graph.nodes()].sort((a, b) => b.channels.size - a.channels.size || (a.nodeId < b.nodeId ? -1 : 1));
    return nodes.slice(0, limit).map((n) => ({
      nodeId: n.nodeId,
      alias: n.info?.alias ?? null,
      color: n.info?.color ?? null,
      addresses: n.info ? n.info.addresses.map(formatAddress) : [],
      lastUpdate: n.info?.timestamp ?? null,
      channels: n.channels.size,
    }));
  }

  /** The graph's channels (of `nodeId` if given), in short_channel_id order, at most `limit`. */
  listChannels(opts: { nodeId?: string; limit?: number } = {}): GraphChannelInfo[] {
    const graph = this.#o.manager.graph;
    const all = opts.nodeId ? [...(graph.node(opts.nodeId)?.channels ?? [])].map((id) => graph.channel(id)!).filter(Boolean) : [...graph.channels()];
    all.sort((a, b) => (a.shortChannelId < b.shortChannelId ? -1 : a.shortChannelId > b.shortChannelId ? 1 : 0));
    return all.slice(0, opts.limit ?? 1000).map((c) => ({
      shortChannelId: formatShortChannelId(c.shortChannelId),
      nodeId1: c.nodeId1,
      nodeId2: c.nodeId2,
      capacitySat: c.capacitySat === null ? null : c.capacitySat.toString(),
      policies: [policyInfo(c.policies[0]), policyInfo(c.policies[1])],
      spentAtHeight: c.spentAtHeight,
    }));
  }

  #connected(peer: Peer): void {
    if (this.#closed) return;
    this.#apply(this.#o.manager.peerConnected(peer.nodeId, gossipPeerInfo(peer.features), this.#o.clock.now()));
  }

  #receive(peer: Peer, message: Message): void {
    if (this.#closed || !GOSSIP_TYPES.has(message.type)) return;
    const r = this.#o.manager.receive(peer.nodeId, message, this.#o.clock.now());
    this.#apply(r);
  }

  #apply(output: GossipOutput): void {
    // Gossip is a cache of public data (core/gossip/store.ts): changes are batched, one transaction a tick.
    if (output.changes.length) this.#unwritten.push(...output.changes);
    for (const c of output.changes) {
      if (c.kind === 'channel_added' || c.kind === 'channel_funding') this.#indexFunding(c.shortChannelId, c.fundingTxid);
      else if (c.kind === 'channel_removed') {
        this.#unindexFunding(c.shortChannelId);
        this.#undated.delete(c.shortChannelId);
        this.#recheckAfterBlock.delete(c.shortChannelId);
      }
      else if (c.kind === 'channel_updated' && this.#spends) this.#closingHint(c.shortChannelId);
    }
    for (const e of output.events) this.#o.publish(e);
    for (const a of output.actions) {
      switch (a.kind) {
        case 'lookup_funding':
          this.#lookups.push(a.shortChannelId);
          this.#runLookups();
          break;
        case 'outbound_ready':
          this.#pump(a.peer);
          break;
        case 'warn':
          // BOLT 1 warning (channel_id 0): the gossip checks that "SHOULD send a warning".
          this.#o.peers.send(a.peer, { type: 'warning', channelId: new Uint8Array(32), data: new TextEncoder().encode(a.text) }, { dropIfFull: true });
          if (a.disconnect) this.#o.peers.disconnect(a.peer);
          break;
      }
    }
  }

  /**
   * Both directions of an unspent channel disabled: what the two ends of a closing channel
   * announce (BOLT 7: a node "MAY create and send a channel_update with the disable bit set to 1,
   * to signal a channel's temporary unavailability (e.g. due to a loss of connectivity) OR
   * permanent unavailability (e.g. prior to an on-chain settlement)") — its output is asked about
   * before the rotation gets there.
   */
  #closingHint(scid: bigint): void {
    const ch = this.#o.manager.graph.channel(scid);
    if (ch && ch.spentAtHeight === null && ch.policies[0]?.disabled && ch.policies[1]?.disabled) this.#spends?.hint([scid]);
  }

  #write(): void {
    const cursor = this.#spends?.cursor;
    const now = this.#o.clock.now();
    // The rotation's place goes with any batch, alone at most once a minute (and at close): a
    // crash loses a minute of rotation at most, and a quiet graph costs no write a second.
    if (cursor !== undefined && cursor !== this.#cursorWritten && (this.#unwritten.length > 0 || this.#closed || now - this.#cursorWrittenAt >= 60_000)) {
      this.#unwritten.push({ kind: 'spend_check_cursor', cursor });
      this.#cursorWritten = cursor;
      this.#cursorWrittenAt = now;
    }
    if (this.#unwritten.length === 0) return;
    const changes = this.#unwritten;
    this.#unwritten = [];
    try {
      this.#o.store.applyGossipChanges(changes);
    } catch (e) {
      // Gossip is a cache of public data (core/gossip/store.ts): a lost write is learned again.
      this.#o.log?.({ event: 'gossip_store_failed', reason: e instanceof Error ? e.message : String(e) });
    }
  }

  #runLookups(): void {
    const funding = this.#o.funding;
    const max = this.#o.lookupConcurrency ?? 2;
    while (!this.#closed && funding && this.#lookupsRunning < max && this.#lookups.length) {
      const scid = this.#lookups.shift()!;
      this.#lookupsRunning++;
      this.#lookUp(scid, (result, spentMeanwhile) => {
        this.#lookupsRunning--;
        if (this.#closed) return;
        const r = this.#o.manager.fundingResult(scid, result, this.#o.clock.now());
        this.#apply(r);
        // Accepted, and its output spent in a block scanned while the answer was on its way.
        const outpoint = this.#outpointOf.get(scid);
        if (spentMeanwhile !== null && outpoint !== undefined && r.outcome?.kind === 'accepted') this.fundingSpent(outpoint, spentMeanwhile);
        this.#runLookups();
        this.#runResolutions();
      });
    }
  }

  /** Sends what the peer's outbox holds while its connection keeps up; the rest a little later. */
  #pump(nodeId: string): void {
    if (this.#closed || this.#pumps.has(nodeId)) return;
    const { manager, peers } = this.#o;
    const limit = this.#o.maxQueuedBytes ?? 256 * 1024;
    while (manager.hasOutbound(nodeId) && peers.queuedBytes(nodeId) < limit) {
      for (const bytes of manager.nextMessagesFor(nodeId, 50)) {
        let m: Message;
        try {
          m = decodeMessage(bytes);
        } catch {
          continue; // the manager encoded it: cannot happen, and must not stop the others
        }
        if (!peers.send(nodeId, m, { dropIfFull: true })) return; // not connected any more (or full: the rest follows at the next action)
      }
    }
    if (manager.hasOutbound(nodeId)) {
      this.#pumps.set(nodeId, this.#o.clock.timeout('gossip.pump', 100, () => {
        this.#pumps.delete(nodeId);
        this.#pump(nodeId);
      }));
    }
  }
}

function policyInfo(p: ChannelPolicy | null): GraphPolicyInfo | null {
  if (!p) return null;
  return {
    timestamp: p.timestamp, disabled: p.disabled, cltvExpiryDelta: p.cltvExpiryDelta, htlcMinimumMsat: p.htlcMinimumMsat.toString(),
    htlcMaximumMsat: p.htlcMaximumMsat.toString(), feeBaseMsat: p.feeBaseMsat.toString(), feeProportionalMillionths: p.feeProportionalMillionths.toString(),
  };
}
