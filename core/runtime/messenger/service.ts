/**
 * The thin adapter around the sans-I/O OnionMessenger: feeds it peer connections and received
 * `onion_message`s from the PeerManager, carries out its actions (dial, store in the mailbox,
 * settle reply waiters), pulls queued messages into connections that have room, delivers the
 * mailbox when a peer comes back, publishes every event on the bus and writes the traffic log.
 * Its timers run on the node's clock. The peers, the mailbox and the log come in as narrow ports
 * (core/messenger/ports.ts); the composition root wires the concrete ones.
 */
import { randomBytes as secureRandomBytes, toHex } from '../../crypto';
import type { AsyncMessageForm, BlindedPath, OnionMessage, TlvRecord } from '../../wire';
import { MESSAGE_TYPES, encodeBlindedPath } from '../../wire';
import { isGlasswingError } from '../../errors';
import type { MailboxInfo, MessageLogEntry, MessagePathInfo, MessengerStatsInfo, OnionReply, SendOnionMessageResult } from '../../messenger/types';
import type { OnionMessageEventBody } from '../../messenger/events';
import type { OnionMessengerGraph } from '../../messenger/messenger';
import { onionEventParties } from '../../messenger/events';
import type { MessengerPolicy } from '../../messenger/constants';
import { MESSAGE_TLV, handlerKindOf } from '../../messenger/constants';
import { MessengerError } from '../../messenger/errors';
import type { AsyncPaymentsMessageHandler, MessageHandler, ReceivedMessage } from '../../messenger/handlers';
import type { OffersMessageBytes, OffersMessageHandler, OffersSent } from '../../offers/ports';
import { decodeOffersMessage, offersRecord } from '../../messenger/families';
import type { PublishedPathRecord } from '../../offers/manager/records';
import type { RecordText } from '../../messenger/inputs';
import { formatRecords, parseDestination, parseMessageRecords, parseTlvType } from '../../messenger/inputs';
import type { MessengerAction } from '../../messenger/messenger';
import { OnionMessenger } from '../../messenger/messenger';
import type { MailboxMessageRecord, MailboxStore, MessageLogFilter, MessageLogRow, MessageLogStore, MessengerPeer, MessengerPeers } from '../../messenger/ports';
import { MessengerCounters } from '../../messenger/stats';
import type { Clock, Timer } from '../clock';

export interface MessengerServiceOptions {
  /** Our node private key. Secret; the core keeps its own copy and zeroes it on close. */
  readonly nodeKey: Uint8Array;
  readonly peers: MessengerPeers;
  /** The mailbox (allow-list, stored messages, quotas). */
  readonly mailbox: MailboxStore;
  /** The capped traffic log. */
  readonly log: MessageLogStore;
  /** Where to dial a node that is not connected (the address book). */
  readonly addressOf: (nodeId: string) => string | undefined;
  /** The gossip graph's view for routing (core/messenger router.ts step 4). */
  readonly graph?: OnionMessengerGraph;
  /** The async payments messages' form (the node's async payments profile). */
  readonly asyncMessages?: AsyncMessageForm;
  /** The blinded path to us we published (an offer's, a refund's) with this path_id: its context. */
  readonly publishedPath?: (pathId: Uint8Array) => PublishedPathRecord | undefined;
  /** The peer (node id, hex) at the other end of our channel with this short_channel_id or alias. */
  readonly channelPeer?: (shortChannelId: bigint) => string | undefined;
  readonly publish: (event: OnionMessageEventBody) => void;
  readonly policy?: Partial<MessengerPolicy>;
  /** The node's clock: the time, the tick and the traffic-log flush. */
  readonly clock: Clock;
  readonly random?: () => number;
  readonly randomBytes?: (length: number) => Uint8Array;
  /** How often time is fed to the core (reply and connection timeouts). */
  readonly tickMs?: number;
}

export interface SendParams {
  /** A node id or a hex `blinded_path`. */
  readonly destination: string;
  readonly tlvs: readonly RecordText[];
  readonly via?: readonly string[];
  readonly replyPath?: boolean;
  readonly dummyHops?: number;
  /** Wait this many seconds for a reply (attaches a reply path). */
  readonly waitReplySeconds?: number;
  /** The message this answers (logged as `replied`). */
  readonly inReplyTo?: string;
}

const LOG_FLUSH_MS = 250;
const LOG_FLUSH_ROWS = 500;
const MAILBOX_EXPIRY_CHECK_MS = 5_000;

/**
 * Without a ping on the peers port (test fakes): how long a connection must last after a mailbox message was
 * written to it before the message is deleted. With one, the message stays until the peer's pong shows it read it.
 */
export const MAILBOX_DELIVERY_GRACE_MS = 5_000;

export class MessengerService {
  readonly core: OnionMessenger;
  readonly mailbox: MailboxStore;
  readonly log: MessageLogStore;
  readonly #opts: MessengerServiceOptions;
  readonly #now: () => number;
  readonly #counters = new MessengerCounters();
  readonly #waiters = new Map<string, { resolve: (r: ReceivedMessage) => void; reject: (e: Error) => void }>();
  readonly #connects = new Map<string, Promise<void>>();
  readonly #apiHandlers = new Map<bigint, { listeners: number; unregister: () => void }>();
  readonly #mailboxInFlight = new Set<number>();
  /** Mailbox message id → the connection (generation) it was written to, until that connection has lasted the grace. */
  readonly #mailboxSentOn = new Map<number, number>();
  /** Per peer, a number that changes with every connection that becomes ready (BOLT 1 replaces one with a newer one). */
  readonly #connections = new Map<string, number>();
  #connectionCount = 0;
  readonly #mailboxTimers = new Set<Timer>();
  /** Per peer: mailbox messages written to a connection (row id → that connection), waiting for the pong that confirms them. */
  readonly #unconfirmed = new Map<string, Map<number, { readonly m: MailboxMessageRecord; readonly connection: number }>>();
  /** Peers with a confirmation (two pings) under way, and those with writes since it began. */
  readonly #confirming = new Set<string>();
  readonly #confirmAgain = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  #logBuffer: MessageLogRow[] = [];
  #ticker: Timer | undefined;
  #logTimer: Timer | undefined;
  #lastExpiryCheck = 0;
  #closed = false;

  constructor(opts: MessengerServiceOptions) {
    this.#opts = opts;
    this.#now = () => opts.clock.now();
    this.core = new OnionMessenger({
      nodeKey: opts.nodeKey,
      ...(opts.policy ? { policy: opts.policy } : {}),
      randomBytes: opts.randomBytes ?? secureRandomBytes,
      random: opts.random ?? Math.random,
      addressOf: opts.addressOf,
      ...(opts.graph ? { graph: opts.graph } : {}),
      ...(opts.asyncMessages ? { asyncMessages: opts.asyncMessages } : {}),
      ...(opts.publishedPath ? { publishedPath: opts.publishedPath } : {}),
      ...(opts.channelPeer ? { channelPeer: opts.channelPeer } : {}),
    });
    this.mailbox = opts.mailbox;
    this.log = opts.log;
    for (const { nodeId } of this.mailbox.listAllowed()) this.core.setMailboxAllowed(nodeId, true);
  }

  /** Starts listening to the PeerManager and the timers. */
  start(): void {
    const { peers } = this.#opts;
    this.#unsubscribe.push(
      peers.onMessage((peer, message) => {
        if (message.type === 'onion_message') this.#run(this.core.handleOnionMessage(peer.nodeId, message, this.#now()));
      }),
      peers.onMalformedMessage((peer, info) => {
        if (info.typeNumber === MESSAGE_TYPES.onion_message) this.#run(this.core.handleMalformedOnionMessage(peer.nodeId, info.size, info.code, info.reason, this.#now()));
      }),
      peers.onPeerReady((peer) => this.#onPeerReady(peer)),
      peers.onPeerClosed((peer) => {
        // A newer connection to the same node may already be up (BOLT 1: the newest wins).
        if (!peers.isConnected(peer.nodeId)) this.#run(this.core.peerDisconnected(peer.nodeId, this.#now()));
      }),
    );
    for (const peer of peers.peers()) this.#onPeerReady(peer);
    this.#ticker = this.#opts.clock.interval('messenger.tick', this.#opts.tickMs ?? 250, () => this.#tick());
    this.#logTimer = this.#opts.clock.interval('messenger.log_flush', LOG_FLUSH_MS, () => this.flushLog());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ticker?.cancel();
    this.#logTimer?.cancel();
    for (const t of this.#mailboxTimers) t.cancel();
    this.#mailboxTimers.clear();
    for (const u of this.#unsubscribe.splice(0)) u();
    for (const w of this.#waiters.values()) w.reject(new MessengerError('messenger.stopped', 'the node is stopping'));
    this.#waiters.clear();
    this.flushLog();
    this.core.destroy();
  }

  // ----- handlers -----------------------------------------------------------------------------

  /** The offers family's typed handler (core/offers's OffersMessageHandler). */
  setOffersHandler(handler: OffersMessageHandler): () => void {
    return this.core.setOffersHandler(handler);
  }

  /** The async payments family's typed handler. */
  setAsyncPaymentsHandler(handler: AsyncPaymentsMessageHandler): () => void {
    return this.core.setAsyncPaymentsHandler(handler);
  }

  /** A custom handler of one application TLV type (raw records). */
  registerHandler(tlvType: bigint, handler: MessageHandler): () => void {
    return this.core.registerHandler(tlvType, handler);
  }

  /**
   * An application handler registered through the API: messages of `tlvType` are delivered as
   * `onion.delivered` events (with their records and reply path) to API subscribers, who answer
   * with sendOnionMessage to the reply path. Counted: each registration needs an unregistration.
   */
  registerApiHandler(tlvTypeText: string): number {
    const tlvType = parseTlvType(tlvTypeText);
    if (handlerKindOf(tlvType) !== 'application') {
      throw new MessengerError('messenger.reserved_tlv_type', `TLV type ${tlvType} belongs to the ${handlerKindOf(tlvType)} handlers`);
    }
    const existing = this.#apiHandlers.get(tlvType);
    if (existing) return ++existing.listeners;
    const unregister = this.core.registerHandler(tlvType, () => undefined);
    this.#apiHandlers.set(tlvType, { listeners: 1, unregister });
    return 1;
  }

  unregisterApiHandler(tlvTypeText: string): number {
    const tlvType = parseTlvType(tlvTypeText);
    const existing = this.#apiHandlers.get(tlvType);
    if (!existing) return 0;
    if (--existing.listeners > 0) return existing.listeners;
    existing.unregister();
    this.#apiHandlers.delete(tlvType);
    return 0;
  }

  // ----- sending ------------------------------------------------------------------------------

  /** Sends a message of application records (the API's sendOnionMessage); a reply comes back as its records. */
  async send(params: SendParams): Promise<SendOnionMessageResult> {
    const { result, reply } = await this.#send({ ...params, records: parseMessageRecords(params.tlvs) });
    return reply ? { ...result, reply: toReply(reply) } : result;
  }

  /**
   * Sends one offers message (for the offers layer, `OffersMessenger`); the reply it waits for
   * comes back decoded with core/offers's codecs, as its handler would get it — never as raw records.
   */
  async sendOffersMessage(params: {
    destination: string; message: OffersMessageBytes; replyPath?: boolean; waitReplySeconds?: number;
  }): Promise<OffersSent> {
    const { result, reply } = await this.#send({
      destination: params.destination, records: [offersRecord(params.message)],
      ...(params.replyPath !== undefined ? { replyPath: params.replyPath } : {}),
      ...(params.waitReplySeconds !== undefined ? { waitReplySeconds: params.waitReplySeconds } : {}),
    });
    if (!reply) return { firstHop: result.firstHop };
    const record = reply.records.find((r) => handlerKindOf(r.type) === 'offers');
    // lightning/bolts#1149: an invoice_request for an often-offline recipient's offer is answered with its static invoice.
    const staticInvoice = reply.records.find((r) => r.type === MESSAGE_TLV.staticInvoice);
    return {
      firstHop: result.firstHop,
      reply: {
        messageId: reply.messageId,
        message: record ? decodeOffersMessage(record.type, record.value) : undefined,
        replyPath: reply.replyPath ? toHex(encodeBlindedPath(reply.replyPath)) : null,
        ...(staticInvoice ? { staticInvoice: staticInvoice.value } : {}),
      },
    };
  }

  /**
   * Sends records over a blinded path for another layer (async payments): with `replyContext` a
   * reply path to us carrying it, or `forwardedReplyPath` (somebody else's) attached.
   */
  async sendOver(params: {
    destination: BlindedPath; records: readonly TlvRecord[]; replyContext?: Uint8Array; forwardedReplyPath?: BlindedPath; inReplyTo?: string; via?: readonly string[];
  }): Promise<SendOnionMessageResult> {
    const { result } = await this.#send({
      destination: toHex(encodeBlindedPath(params.destination)), records: params.records, ...(params.via ? { via: params.via } : {}),
      ...(params.replyContext ? { replyPath: true, replyContext: params.replyContext } : {}),
      ...(params.forwardedReplyPath ? { forwardedReplyPath: params.forwardedReplyPath } : {}),
      ...(params.inReplyTo ? { inReplyTo: params.inReplyTo } : {}),
    });
    return result;
  }

  /** A blinded path to us whose path_id carries `context` (authenticated; handed back to the handler). */
  pathToUs(via: readonly string[], context: Uint8Array): BlindedPath {
    return this.core.createPathToUs(via, 0, context);
  }

  /** The context of a one-hop path to us we built with `pathToUs([], context)` (else undefined). */
  contextOfOurPath(path: BlindedPath): Uint8Array | undefined {
    return this.core.contextOfOurPath(path);
  }

  async #send(
    params: Omit<SendParams, 'tlvs'> & { records: readonly TlvRecord[]; replyContext?: Uint8Array; forwardedReplyPath?: BlindedPath },
  ): Promise<{ result: SendOnionMessageResult; reply?: ReceivedMessage }> {
    if (this.#closed) throw new MessengerError('messenger.stopped', 'the node is stopping');
    const destination = parseDestination(params.destination);
    const awaitReplyMs = params.waitReplySeconds !== undefined ? params.waitReplySeconds * 1000 : undefined;
    const outcome = this.core.send(
      {
        destination, records: params.records, via: params.via ?? [], replyPath: params.replyPath ?? false, dummyHops: params.dummyHops ?? 0,
        ...(awaitReplyMs !== undefined ? { awaitReplyMs } : {}), ...(params.inReplyTo ? { inReplyTo: params.inReplyTo } : {}),
        ...(params.replyContext ? { replyContext: params.replyContext } : {}),
        ...(params.forwardedReplyPath ? { forwardedReplyPath: params.forwardedReplyPath } : {}),
      },
      this.#now(),
    );
    const reply = awaitReplyMs !== undefined
      ? new Promise<ReceivedMessage>((resolve, reject) => this.#waiters.set(outcome.messageId, { resolve, reject }))
      : undefined;
    reply?.catch(() => undefined); // settled below; avoid an unhandled rejection if the connect fails first
    this.#run(outcome.actions);
    const connecting = outcome.plan.connectTo ? this.#connects.get(outcome.plan.connectTo.nodeId) : undefined;
    if (connecting) {
      try {
        await connecting;
      } catch (e) {
        this.#waiters.delete(outcome.messageId);
        this.core.cancelReply(outcome.messageId);
        throw new MessengerError('messenger.connect_failed', `could not connect to ${outcome.plan.firstHop}: ${e instanceof Error ? e.message : String(e)}`, { nodeId: outcome.plan.firstHop });
      }
    }
    const result: SendOnionMessageResult = { messageId: outcome.messageId, firstHop: outcome.plan.firstHop, route: outcome.plan.kind, replyPath: outcome.hasReplyPath };
    return reply ? { result, reply: await reply } : { result };
  }

  /** A blinded path to us (`via`: the hops before us, introduction node first). */
  createMessagePath(via: readonly string[], dummyHops: number): MessagePathInfo {
    const path = this.core.createPathToUs(via, dummyHops);
    return { path: toHex(encodeBlindedPath(path)), introductionNodeId: via[0] ?? this.core.nodeIdHex, hops: path.hops.length };
  }

  // ----- mailbox ------------------------------------------------------------------------------

  allowMailbox(nodeId: string): void {
    this.mailbox.allow(nodeId, this.#now());
    this.core.setMailboxAllowed(nodeId, true);
  }

  denyMailbox(nodeId: string): void {
    this.mailbox.deny(nodeId);
    this.core.setMailboxAllowed(nodeId, false);
  }

  mailboxInfo(): MailboxInfo {
    return {
      allowed: this.mailbox.listAllowed(),
      messages: this.mailbox.list().map((m) => ({ messageId: m.messageId, nodeId: m.nodeId, from: m.from, size: m.size, storedAt: m.storedAt, expiresAt: m.expiresAt })),
      totals: this.mailbox.totals(),
      quotas: { ...this.mailbox.limits },
    };
  }

  // ----- log and stats ------------------------------------------------------------------------

  listMessages(filter: MessageLogFilter): MessageLogEntry[] {
    this.flushLog();
    return this.log.list(filter);
  }

  flushLog(): void {
    if (this.#logBuffer.length === 0) return;
    const rows = this.#logBuffer;
    this.#logBuffer = [];
    try {
      this.log.append(rows);
    } catch {
      // The log is best effort (the database may be closing); events already went out.
    }
  }

  stats(): MessengerStatsInfo {
    const now = this.#now();
    const snap = this.core.snapshot(now);
    const counts = this.#counters.snapshot();
    const { policy } = this.core;
    return {
      ...counts,
      queues: { totalBytes: snap.queues.totalBytes, peakBytes: snap.queues.peakBytes, memoryCapBytes: policy.memoryCapBytes, perPeerLimitBytes: policy.outboundQueueBytes, peers: snap.queues.peers },
      inbound: { perSecond: policy.inboundPerSecond, burst: policy.inboundBurst, peers: snap.inbound },
      mailbox: { allowed: this.mailbox.listAllowed().length, ...this.mailbox.totals() },
      pendingReplies: snap.pendingReplies,
      handlers: this.core.handlers().map((h) => ({ tlvType: h.tlvType.toString(), kind: h.kind, listeners: this.#apiHandlers.get(h.tlvType)?.listeners ?? 1 })),
      policy: { ...policy },
    };
  }

  // ----- carrying out actions -----------------------------------------------------------------

  #run(actions: readonly MessengerAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'event':
          this.#emit(a.event);
          break;
        case 'connect':
          this.#connect(a.nodeId, a.address);
          break;
        case 'store':
          this.#store(a.messageId, a.nodeId, a.from, a.message, a.size);
          break;
        case 'reply_received': {
          const w = this.#waiters.get(a.requestId);
          this.#waiters.delete(a.requestId);
          w?.resolve(a.message);
          break;
        }
        case 'reply_timeout': {
          const w = this.#waiters.get(a.requestId);
          this.#waiters.delete(a.requestId);
          w?.reject(new MessengerError('messenger.reply_timeout', `no reply to ${a.requestId} arrived in time`, { messageId: a.requestId }));
          break;
        }
        case 'pause_reading':
          this.#opts.peers.pauseReading?.(a.nodeId, a.ms);
          break;
        case 'handler_pending':
          a.outcome.then(
            (outcome) => !this.#closed && this.#run(this.core.replyLater(a.message, outcome, this.#now())),
            (e: unknown) => !this.#closed && this.#emit({
              type: 'onion.dropped', messageId: a.message.messageId, from: a.message.from, to: null, reason: 'handler_failed', code: null,
              detail: `the handler failed: ${e instanceof Error ? e.message : String(e)}`, size: a.message.value.length,
            }),
          );
          break;
      }
    }
    for (const nodeId of this.core.queuedPeers()) this.#drain(nodeId);
  }

  #emit(event: OnionMessageEventBody): void {
    this.#counters.observe(event);
    this.#opts.publish(event);
    // The stored log keeps one row per message outcome: a `received` step is live only (its event,
    // the counters), since every received message gets another row (delivered, forwarded, dropped,
    // stored in the mailbox) that names its sender. A forward is one row, not two.
    if (event.type === 'onion.received') return;
    this.#logBuffer.push(logRow(event, this.#now()));
    if (this.#logBuffer.length >= LOG_FLUSH_ROWS) this.flushLog();
  }

  #connect(nodeId: string, address: string): void {
    if (this.#connects.has(nodeId)) return;
    const attempt = this.#opts.peers.connect(`${nodeId}@${address}`).then(
      () => {
        this.#connects.delete(nodeId);
      },
      (e: unknown) => {
        this.#connects.delete(nodeId);
        if (!this.#closed) this.#run(this.core.connectFailed(nodeId, isGlasswingError(e) ? e.message : String(e), this.#now()));
        throw e;
      },
    );
    attempt.catch(() => undefined);
    this.#connects.set(nodeId, attempt);
  }

  /** Hands queued messages to a peer's connection while it has room; the write callbacks call again. */
  #drain(nodeId: string): void {
    const { peers } = this.#opts;
    while (!this.#closed && peers.queuedBytes(nodeId) < this.core.policy.writeWindowBytes) {
      const out = this.core.takeNext(nodeId);
      if (!out) return;
      // Its event (onion.forwarded, onion.sent, onion.replied) is the one event of this wire message.
      const ok = peers.send(nodeId, out.message, { dropIfFull: true, onWritten: () => this.#drain(nodeId), reported: true });
      if (ok) this.#emit(out.event);
      else this.#run(this.core.sendFailed(out));
    }
  }

  #onPeerReady(peer: MessengerPeer): void {
    if (this.#closed) return;
    this.#connections.set(peer.nodeId, ++this.#connectionCount);
    this.#run(this.core.peerConnected(peer.nodeId, { onionMessages: peer.features.has('option_onion_messages') }, this.#now()));
    this.#drainMailbox(peer.nodeId);
  }

  // ----- mailbox ------------------------------------------------------------------------------

  #store(messageId: string, nodeId: string, from: string, message: OnionMessage, size: number): void {
    let result;
    try {
      result = this.mailbox.store({ messageId, nodeId, from, pathKey: message.pathKey, packet: message.onionMessagePacket, size }, this.#now());
    } catch (e) {
      this.#emit({ type: 'onion.dropped', messageId, from, to: nodeId, reason: 'mailbox_full', code: null, detail: `the mailbox could not store it: ${e instanceof Error ? e.message : String(e)}`, size });
      return;
    }
    if (!result.stored) {
      this.#emit({ type: 'onion.dropped', messageId, from, to: nodeId, reason: result.reason, code: null, detail: result.detail, size });
      return;
    }
    this.#emit({ type: 'onion.mailbox_stored', messageId, nodeId, from, size, expiresAt: result.record.expiresAt });
    this.#emit({ type: 'onion.mailbox_wake', nodeId, messages: result.peerMessages, bytes: result.peerBytes });
    // It may have reconnected between the decision and now.
    if (this.#opts.peers.isConnected(nodeId)) this.#drainMailbox(nodeId);
  }

  /**
   * Writes the peer's stored messages to its connection in order. Each is deleted (and reported)
   * only once the peer showed it read it: a BOLT 1 pong, on the same connection, to a ping sent after the
   * message's frame was written (a connection is one ordered stream, and a node answers a ping when it reads it:
   * "MUST respond to a ping with a pong"). Until then a connection BOLT 1 replaces by a newer one (two dials race,
   * or the peer stalled and dialled again, however long after the write), or that closes, loses nothing: the
   * message goes out again on the next connection (at least once; the receivers' handlers are idempotent).
   * A message whose write fails stays and goes out on the next one. Without `ping` on the port: the old rule,
   * deleted once the connection lasted MAILBOX_DELIVERY_GRACE_MS.
   */
  #drainMailbox(nodeId: string): void {
    const { peers } = this.#opts;
    if (this.#closed || !peers.isConnected(nodeId)) return;
    const connection = this.#connections.get(nodeId) ?? 0;
    for (const m of this.mailbox.listFor(nodeId)) {
      // Already written to this connection (or being written): it waits for the write or the grace.
      if (this.#mailboxSentOn.get(m.id) === connection) continue;
      if (peers.queuedBytes(nodeId) >= this.core.policy.writeWindowBytes) return;
      const message: OnionMessage = { type: 'onion_message', pathKey: m.pathKey, onionMessagePacket: m.packet };
      this.#mailboxInFlight.add(m.id);
      this.#mailboxSentOn.set(m.id, connection);
      const forget = () => {
        if (this.#mailboxSentOn.get(m.id) !== connection) return false;
        this.#mailboxSentOn.delete(m.id);
        this.#mailboxInFlight.delete(m.id);
        return true;
      };
      const ok = peers.send(nodeId, message, {
        dropIfFull: true,
        onWritten: (error) => {
          if (this.#closed) return;
          if (error) {
            forget();
            this.#drainMailbox(nodeId);
            return;
          }
          if (peers.ping) {
            const waiting = this.#unconfirmed.get(nodeId) ?? new Map<number, { m: MailboxMessageRecord; connection: number }>();
            this.#unconfirmed.set(nodeId, waiting);
            waiting.set(m.id, { m, connection });
            this.#confirmDelivery(nodeId);
            this.#drainMailbox(nodeId);
            return;
          }
          const timer = this.#opts.clock.timeout('messenger.mailbox_delivered', MAILBOX_DELIVERY_GRACE_MS, () => {
            this.#mailboxTimers.delete(timer);
            if (this.#closed || !forget()) return;
            if (this.#connections.get(nodeId) !== connection || !peers.isConnected(nodeId)) {
              // Replaced or gone within the grace: kept, and written again on the next connection.
              this.#drainMailbox(nodeId);
              return;
            }
            try {
              this.mailbox.delete(m.id);
            } catch {
              return; // the database is closing: the message stays and is sent again later
            }
            this.#emit({ type: 'onion.mailbox_forwarded', messageId: m.messageId, nodeId, size: m.size, storedAt: m.storedAt });
          });
          this.#mailboxTimers.add(timer);
          this.#drainMailbox(nodeId);
        },
      });
      if (!ok) {
        forget();
        return;
      }
    }
  }

  /**
   * Pings the peer twice in a row and, at the second pong, deletes what was written to that connection before the
   * first ping was asked for. Two: a ping already outstanding before our writes may answer the first; the second
   * leaves after that pong, so after the writes. A replaced or closed connection: kept, and written again on the next.
   * No pong on a connection that still stands: kept, and NOT written again on it — a message is written at most once
   * per connection. BOLT 1 says a node "MUST respond to a ping with a pong"; one that does not gains nothing from a
   * second copy in the same ordered stream (if it reads the first it has it), and before this rule got one more copy
   * after every failed confirmation for as long as the connection stood. What stays written there is confirmed by a
   * later pong on it (the next write's confirmation covers it), or written again on the peer's next connection (our
   * session closes this one when its ping goes unanswered: "if it doesn't receive a corresponding pong: MAY close the
   * network connection").
   */
  #confirmDelivery(nodeId: string): void {
    if (this.#confirming.has(nodeId)) {
      this.#confirmAgain.add(nodeId);
      return;
    }
    const connection = this.#connections.get(nodeId) ?? 0;
    const batch = [...(this.#unconfirmed.get(nodeId) ?? new Map<number, { m: MailboxMessageRecord; connection: number }>()).entries()].filter(([, w]) => w.connection === connection);
    if (batch.length === 0) return;
    this.#confirming.add(nodeId);
    const ping = this.#opts.peers.ping!.bind(this.#opts.peers);
    const same = () => !this.#closed && this.#connections.get(nodeId) === connection && this.#opts.peers.isConnected(nodeId);
    const settle = (confirmed: boolean) => {
      const waiting = this.#unconfirmed.get(nodeId);
      // Unanswered on a connection that still stands: left written there (see above), only no longer kept from expiry.
      const stands = !confirmed && same();
      for (const [id, w] of batch) {
        if (stands) {
          this.#mailboxInFlight.delete(id);
          continue;
        }
        if (waiting?.get(id) === w) waiting.delete(id);
        if (this.#mailboxSentOn.get(id) !== connection) continue; // written again on a newer connection meanwhile
        this.#mailboxSentOn.delete(id);
        this.#mailboxInFlight.delete(id);
        if (!confirmed) continue;
        let deleted: boolean;
        try {
          deleted = this.mailbox.delete(id);
        } catch {
          continue; // the database is closing: the message stays and is sent again later
        }
        // Not there any more: it expired while it waited, unconfirmed (above).
        if (deleted) this.#emit({ type: 'onion.mailbox_forwarded', messageId: w.m.messageId, nodeId, size: w.m.size, storedAt: w.m.storedAt });
      }
      if (waiting?.size === 0) this.#unconfirmed.delete(nodeId);
      this.#confirming.delete(nodeId);
      if (this.#closed) return;
      if (this.#confirmAgain.delete(nodeId)) this.#confirmDelivery(nodeId);
      // Not confirmed: what was not written to this connection yet goes (the rest goes again when the peer is back).
      if (!confirmed) this.#drainMailbox(nodeId);
    };
    ping(nodeId)
      .then(() => (same() ? ping(nodeId) : Promise.reject(new Error('replaced'))))
      .then(() => settle(same()), () => settle(false));
  }

  // ----- time ---------------------------------------------------------------------------------

  #tick(): void {
    if (this.#closed) return;
    const now = this.#now();
    this.#run(this.core.tick(now));
    if (now - this.#lastExpiryCheck >= MAILBOX_EXPIRY_CHECK_MS) {
      this.#lastExpiryCheck = now;
      try {
        for (const m of this.mailbox.expire(now, this.#mailboxInFlight)) {
          this.#emit({ type: 'onion.mailbox_expired', messageId: m.messageId, nodeId: m.nodeId, size: m.size, storedAt: m.storedAt });
        }
      } catch {
        // Expiry retries on the next tick.
      }
    }
  }
}

function toReply(m: ReceivedMessage): OnionReply {
  return { messageId: m.messageId, from: m.from, records: formatRecords(m.records), replyPath: m.replyPath ? toHex(encodeBlindedPath(m.replyPath)) : null };
}

/** The traffic log row for an event: its counterparty and TLV types pulled out for filtering. */
function logRow(event: OnionMessageEventBody, time: number): MessageLogRow {
  const { peer, tlvTypes } = onionEventParties(event);
  const size = 'size' in event ? event.size : 0;
  const messageId = 'messageId' in event ? event.messageId : null;
  return { time, messageId, outcome: event.type.slice('onion.'.length), peer, tlvTypes, size, event: { ...event } };
}
