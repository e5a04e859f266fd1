/**
 * The OnionMessenger's sans-I/O core. It is fed peer connections, received `onion_message`s,
 * send requests and the time, and returns actions: events, dials, mailbox stores, reply
 * outcomes. Outgoing messages wait in bounded per-peer queues until the adapter pulls them
 * (`takeNext`) for a connection that has room. No sockets, timers, clocks or SQLite in here.
 */
import { equalBytes, fromHex, publicKeyFromPrivate, toHex, zeroize } from '../crypto';
import type { AsyncMessageForm, BlindedPath, OnionMessage, TlvRecord } from '../wire';
import { encodeBlindedPath } from '../wire';
import type { OnionMessageAction } from '../onion';
import { OnionSemanticError, createOnionMessage, encodeOnionPacket, joinBlindedPath, peelOnionMessage, processBlindedHop } from '../onion';
import { isGlasswingError } from '../errors';
import type { OnionMessageEventBody } from './events';
import type { HandlerKind, MessengerPolicy } from './constants';
import { DEFAULT_POLICY, FIRST_MESSAGE_TLV_TYPE, MAX_DUMMY_HOPS, MAX_REPLY_PATH_HOPS, MESSAGE_TLV, THROTTLE_REPORT_MS, WORK_COSTS, handlerKindOf } from './constants';
import type { DropReason } from './errors';
import { MessengerError } from './errors';
import type {
  AsyncPaymentsMessage, AsyncPaymentsMessageHandler, AsyncPaymentsResponse, HandlerOutcome, HandlerReply, MessageContext, MessageDelivery, MessageHandler,
  ReceivedMessage, RegisteredHandler,
} from './handlers';
import type { OffersMessageHandler, OffersResponse } from '../offers/ports';
import type { PublishedPathRecord } from '../offers/manager/records';
import { asyncPaymentsRecord, decodeAsyncPaymentsMessage, decodeOffersMessage, offersRecord } from './families';
import type { Destination } from './inputs';
import { checkMessageRecords, formatRecords } from './inputs';
import { MessagePathIds, advancePastOurselves, createMessagePath, pathIdKey } from './paths';
import { OutboundQueues, TokenBucket } from './policy';
import type { RoutePlan, RouteTarget, RoutingView } from './router';
import { planRoute, replyPathNodes } from './router';

export type MessengerAction =
  /** Publish (and log) this event. */
  | { readonly kind: 'event'; readonly event: OnionMessageEventBody }
  /** Dial this peer; report the outcome with peerConnected / connectFailed. */
  | { readonly kind: 'connect'; readonly nodeId: string; readonly address: string }
  /** Store this message in the mailbox for the offline, allow-listed peer `nodeId`. */
  | { readonly kind: 'store'; readonly messageId: string; readonly nodeId: string; readonly from: string; readonly message: OnionMessage; readonly size: number }
  /** A reply we waited for arrived. */
  | { readonly kind: 'reply_received'; readonly requestId: string; readonly message: ReceivedMessage }
  /** No reply arrived in time. */
  | { readonly kind: 'reply_timeout'; readonly requestId: string }
  /** A handler answers later: when `outcome` settles, pass it to `replyLater`. */
  | { readonly kind: 'handler_pending'; readonly message: ReceivedMessage; readonly outcome: Promise<HandlerOutcome> }
  /**
   * Backpressure: `nodeId` sends beyond its rate; stop reading its connection for `ms` (until its
   * bucket holds a token again, at most MAX_BACKPRESSURE_MS) rather than decrypt and drop what it
   * sends meanwhile. TCP's flow control then slows the sender.
   */
  | { readonly kind: 'pause_reading'; readonly nodeId: string; readonly ms: number };

/**
 * The longest a rate-limited peer's connection is left unread at a time. Short against any ping
 * timeout (ours and the peer's, tens of seconds): between pauses at least one read goes through,
 * so a ping or pong waits only behind what the peer itself sent before it.
 */
export const MAX_BACKPRESSURE_MS = 1_000;
/** The shortest pause worth a timer. */
export const MIN_BACKPRESSURE_MS = 20;

export interface SendRequest {
  readonly destination: Destination;
  readonly records: readonly TlvRecord[];
  /** Explicit unblinded hops (hex node ids), first hop first. */
  readonly via?: readonly string[];
  /** Attach a blinded reply path to us. */
  readonly replyPath?: boolean;
  /**
   * Attach this reply path instead (one somebody else gave us): a message we pass on for its sender,
   * as a static invoice server forwards a payer's invoice_request to the recipient with the payer's
   * reply path. Not with `replyPath` or `awaitReplyMs`.
   */
  readonly forwardedReplyPath?: BlindedPath;
  /** Dummy hops to us in that reply path. */
  readonly dummyHops?: number;
  /**
   * Wait this long for a reply (implies a reply path): a `reply_received` or `reply_timeout`
   * action follows. The reply path then carries one of our own tagged path ids.
   */
  readonly awaitReplyMs?: number;
  /**
   * Without `awaitReplyMs`: a context (at most 64 bytes) for the reply path, carried in its
   * `path_id` under our tag and handed to the handler of the reply as `{ kind: 'reply', data }`.
   * Without it the reply path has no path_id.
   */
  readonly replyContext?: Uint8Array;
  /** The message we answer (the event is then `onion.replied`). */
  readonly inReplyTo?: string;
}

export interface SendOutcome {
  readonly messageId: string;
  readonly plan: RoutePlan;
  readonly hasReplyPath: boolean;
  readonly actions: MessengerAction[];
}

/** A message pulled from a queue for its connection, with the event to publish once it is handed over. */
export interface Outgoing {
  readonly messageId: string;
  readonly nodeId: string;
  readonly message: OnionMessage;
  readonly size: number;
  readonly event: OnionMessageEventBody;
  /** Whether it may go to the mailbox if its peer disconnects before taking it. */
  readonly forwarded: boolean;
  readonly from: string | null;
}

/** The gossip graph as the router uses it (router.ts step 4). */
export interface OnionMessengerGraph {
  /** The nodes with a channel to `nodeId` (hex). */
  readonly neighbours: (nodeId: string) => readonly string[];
  /** A "host:port" from the node's node_announcement. */
  readonly addressOf: (nodeId: string) => string | undefined;
  /** Whether the node's node_announcement offers option_onion_messages (false when we have none). */
  readonly relaysOnionMessages?: (nodeId: string) => boolean;
}

export interface OnionMessengerOptions {
  /** Our node private key. Secret: used to peel onions and never exposed. */
  readonly nodeKey: Uint8Array;
  readonly policy?: Partial<MessengerPolicy>;
  /** Random bytes (session keys, path ids, message ids). */
  readonly randomBytes: (length: number) => Uint8Array;
  /** A number in [0, 1) for random early drop. */
  readonly random: () => number;
  /** The address book: where to dial a node that is not connected. */
  readonly addressOf?: (nodeId: string) => string | undefined;
  /** The gossip graph, when the node has one: a node's channel neighbours, and its announced address (router.ts step 4). */
  readonly graph?: OnionMessengerGraph;
  /** The peer at the other end of one of our channels (by short_channel_id or the alias we sent). */
  readonly channelPeer?: (shortChannelId: bigint) => string | undefined;
  /** The blinded path to us we published (an offer's, a refund's) with this path_id, if any. */
  readonly publishedPath?: (pathId: Uint8Array) => PublishedPathRecord | undefined;
  /** The async payments messages' form on this node's wire (its profile: LDK 0.2's length-prefixed streams, or bare). */
  readonly asyncMessages?: AsyncMessageForm;
}

/** The `onion_message` size on the wire: type (2) + path_key (33) + len (2) + packet. */
export function onionMessageSize(m: OnionMessage): number {
  return 2 + 33 + 2 + m.onionMessagePacket.length;
}

function checkDummyHops(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_DUMMY_HOPS) {
    throw new MessengerError('messenger.bad_argument', `dummy hops must be 0..${MAX_DUMMY_HOPS}`);
  }
}

/** Inbound buckets kept at most (connected peers always keep theirs). */
const MAX_BUCKETS = 4096;

interface PeerState {
  readonly onionMessages: boolean;
}

export class OnionMessenger {
  #policy: MessengerPolicy;
  readonly nodeId: Uint8Array;
  readonly nodeIdHex: string;
  readonly #nodeKey: Uint8Array;
  readonly #opts: OnionMessengerOptions;
  readonly #peers = new Map<string, PeerState>();
  readonly #connecting = new Set<string>();
  readonly #buckets = new Map<string, TokenBucket>();
  /** The node-wide inbound budget (policy.nodeInboundPerSecond), shared by all peers. */
  #nodeBucket: TokenBucket;
  /** Throttled drops not yet reported, per `from reason`: reported by `tick` (THROTTLE_REPORT_MS). */
  readonly #throttledDrops = new Map<string, { from: string; reason: 'rate_limited' | 'node_busy'; count: number; bytes: number; since: number }>();
  /** Message ids: a random prefix drawn once, then a counter (an id per message, no randomness per message). */
  #idPrefix = '';
  #idCount = 0;
  readonly #queues: OutboundQueues<Outgoing>;
  readonly #handlers = new Map<bigint, { readonly handle: MessageHandler }>();
  #offersHandler: OffersMessageHandler | undefined;
  #asyncHandler: AsyncPaymentsMessageHandler | undefined;
  readonly #pendingReplies = new Map<string, { requestId: string; expiresAt: number }>();
  readonly #mailboxAllowed = new Set<string>();
  readonly #pathIds: MessagePathIds;

  constructor(opts: OnionMessengerOptions) {
    this.#opts = opts;
    this.#nodeKey = opts.nodeKey.slice();
    this.nodeId = publicKeyFromPrivate(this.#nodeKey);
    this.nodeIdHex = toHex(this.nodeId);
    this.#policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.#queues = new OutboundQueues(this.#policy);
    this.#pathIds = new MessagePathIds(this.#nodeKey);
    this.#nodeBucket = this.#newNodeBucket(0);
  }

  get policy(): MessengerPolicy {
    return this.#policy;
  }

  /**
   * Changes the DoS policy while running. New rate limits take effect with fresh buckets (every
   * peer starts again from a full burst); queue limits apply to messages admitted from now on.
   */
  updatePolicy(change: Partial<MessengerPolicy>): MessengerPolicy {
    this.#policy = { ...this.#policy, ...change };
    this.#queues.setPolicy(this.#policy);
    if (change.inboundPerSecond !== undefined || change.inboundBurst !== undefined) this.#buckets.clear();
    const nodeFields = ['inboundPerSecond', 'inboundBurst', 'nodeInboundPerSecond', 'nodeInboundBurst'] as const;
    if (nodeFields.some((f) => change[f] !== undefined)) this.#nodeBucket = this.#newNodeBucket(0);
    return this.#policy;
  }

  // ----- peers --------------------------------------------------------------------------------

  /** A peer completed `init`; `onionMessages`: it advertises option_onion_messages. */
  peerConnected(nodeId: string, features: { onionMessages: boolean }, now: number): MessengerAction[] {
    this.#peers.set(nodeId, { onionMessages: features.onionMessages });
    this.#connecting.delete(nodeId);
    // A peer keeps its bucket across reconnections: reconnecting does not buy a fresh burst.
    this.#bucketFor(nodeId, now);
    if (features.onionMessages) return [];
    // Messages queued while dialling a peer that turns out not to speak onion messages.
    return this.#queues.takeAll(nodeId).map((q) => this.#drop(q.item.messageId, q.item.from, nodeId, 'next_hop_unsupported', q.size, 'the peer does not advertise option_onion_messages'));
  }

  /** A peer's connection closed: its queue goes to the mailbox if it is allow-listed, else it is dropped. */
  peerDisconnected(nodeId: string, _now: number): MessengerAction[] {
    this.#peers.delete(nodeId);
    const actions: MessengerAction[] = [];
    for (const { item, size } of this.#queues.takeAll(nodeId)) {
      if (item.forwarded && item.from && this.#mailboxAllowed.has(nodeId)) {
        actions.push({ kind: 'store', messageId: item.messageId, nodeId, from: item.from, message: item.message, size });
      } else {
        actions.push(this.#drop(item.messageId, item.from, nodeId, 'peer_disconnected', size, 'the peer disconnected before the message was sent'));
      }
    }
    return actions;
  }

  /** Dialling a first hop failed: the messages waiting for it are dropped. */
  connectFailed(nodeId: string, why: string, _now: number): MessengerAction[] {
    this.#connecting.delete(nodeId);
    if (this.#peers.has(nodeId)) return [];
    return this.#queues.takeAll(nodeId).map((q) => this.#drop(q.item.messageId, q.item.from, nodeId, 'connect_failed', q.size, why));
  }

  isConnected(nodeId: string): boolean {
    return this.#peers.has(nodeId);
  }

  // ----- mailbox allow-list -------------------------------------------------------------------

  setMailboxAllowed(nodeId: string, allowed: boolean): void {
    if (allowed) this.#mailboxAllowed.add(nodeId);
    else this.#mailboxAllowed.delete(nodeId);
  }

  isMailboxAllowed(nodeId: string): boolean {
    return this.#mailboxAllowed.has(nodeId);
  }

  // ----- handlers -----------------------------------------------------------------------------

  /**
   * Registers the custom handler of one application message TLV type (>= 64, not an offers or
   * async payments type: those go to their family's typed handler). Returns the function that
   * unregisters it.
   */
  registerHandler(tlvType: bigint, handle: MessageHandler): () => void {
    if (tlvType < FIRST_MESSAGE_TLV_TYPE) throw new MessengerError('messenger.bad_tlv', `type ${tlvType} is not a message type (>= 64)`);
    const kind = handlerKindOf(tlvType);
    if (kind !== 'application') throw new MessengerError('messenger.reserved_tlv_type', `TLV type ${tlvType} belongs to the ${kind} handler`);
    if (this.#handlers.has(tlvType)) throw new MessengerError('messenger.handler_exists', `a handler for TLV type ${tlvType} is already registered`);
    const entry = { handle };
    this.#handlers.set(tlvType, entry);
    return () => {
      if (this.#handlers.get(tlvType) === entry) this.#handlers.delete(tlvType);
    };
  }

  /** The offers family's handler (invoice_request, invoice, invoice_error). Returns the function that removes it. */
  setOffersHandler(handler: OffersMessageHandler): () => void {
    if (this.#offersHandler) throw new MessengerError('messenger.handler_exists', 'an offers handler is already set');
    this.#offersHandler = handler;
    return () => {
      if (this.#offersHandler === handler) this.#offersHandler = undefined;
    };
  }

  /** The async payments family's handler. Returns the function that removes it. */
  setAsyncPaymentsHandler(handler: AsyncPaymentsMessageHandler): () => void {
    if (this.#asyncHandler) throw new MessengerError('messenger.handler_exists', 'an async payments handler is already set');
    this.#asyncHandler = handler;
    return () => {
      if (this.#asyncHandler === handler) this.#asyncHandler = undefined;
    };
  }

  /** Every message type with a handler, and its family. */
  handlers(): RegisteredHandler[] {
    const family = (kind: 'offers' | 'async_payments') =>
      Object.values(MESSAGE_TLV).filter((t) => handlerKindOf(t) === kind).map((tlvType): RegisteredHandler => ({ tlvType, kind }));
    return [
      ...(this.#offersHandler ? family('offers') : []),
      ...(this.#asyncHandler ? family('async_payments') : []),
      ...[...this.#handlers.keys()].map((tlvType): RegisteredHandler => ({ tlvType, kind: 'application' })),
    ];
  }

  // ----- receiving ----------------------------------------------------------------------------

  /**
   * An `onion_message` from a connected peer that did not decode as a wire message (the peer
   * layer keeps the connection): recorded as received and dropped with its reason. It takes a
   * token like any message: beyond the peer's rate it is a throttled drop, counted.
   */
  handleMalformedOnionMessage(from: string, size: number, code: string, detail: string, now: number): MessengerAction[] {
    const refused = this.#admit(this.#bucketFor(from, now), now);
    if (refused) return this.#throttled(from, refused, size, now);
    const messageId = this.#newId();
    return [
      { kind: 'event', event: { type: 'onion.received', messageId, from, size } },
      this.#drop(messageId, from, null, 'malformed_message', size, detail, code),
    ];
  }

  /** BOLT 4 Onion Messages, reader: one `onion_message` from a connected peer. */
  handleOnionMessage(from: string, message: OnionMessage, now: number): MessengerAction[] {
    const size = onionMessageSize(message);
    const bucket = this.#bucketFor(from, now);
    // BOLT 4 reader: "MAY rate-limit messages by dropping them" — before any curve work (the
    // path_key is first used, and so checked, by the peel) and before an id, event or log row.
    const refused = this.#admit(bucket, now);
    if (refused) return this.#throttled(from, refused, size, now);
    const messageId = this.#newId();
    const actions: MessengerAction[] = [{ kind: 'event', event: { type: 'onion.received', messageId, from, size } }];
    let peeled: OnionMessageAction;
    let layers = 0;
    try {
      // BOLT 4 reader: "MUST decrypt onion_message_packet using an empty associated_data, and path_key".
      peeled = peelOnionMessage({
        packet: message.onionMessagePacket, pathKey: message.pathKey, privateKey: this.#nodeKey, ourNodeId: this.nodeId,
        maxSelfHops: MAX_DUMMY_HOPS, maxReplyPathHops: MAX_REPLY_PATH_HOPS,
        // Each layer is charged as it is peeled: the first beyond the token's, our own hops in full.
        onLayer: (payloadBytes) => {
          this.#charge(bucket, now, (layers++ > 0 ? WORK_COSTS.layer : 0) + (payloadBytes > WORK_COSTS.largeLayerBytes ? WORK_COSTS.largeLayer : 0));
        },
      });
    } catch (e) {
      // BOLT 4 reader: decryption fails, not a valid onionmsg_tlv, or a rule broken: "MUST ignore the message".
      const code = isGlasswingError(e) ? e.code : 'internal';
      // A reply path longer than we answer over is refused as it is read, before its points are checked.
      const replyPathTooLong = isGlasswingError(e) && e.details?.field === 'reply_path' && e.details?.cause === 'wire.too_large';
      const reason: DropReason = replyPathTooLong ? 'reply_path_too_long' : e instanceof OnionSemanticError ? 'rule_violation' : 'bad_onion';
      const detail = replyPathTooLong ? `its reply path is longer than the ${MAX_REPLY_PATH_HOPS} hops we answer over` : isGlasswingError(e) ? e.message : 'the onion could not be processed';
      actions.push(this.#drop(messageId, from, null, reason, size, detail, code));
      return actions;
    }
    if (peeled.kind === 'forward') actions.push(...this.#forward(messageId, from, peeled, size, now));
    else actions.push(...this.#deliver(messageId, from, peeled, now));
    return actions;
  }

  #forward(messageId: string, from: string, peeled: Extract<OnionMessageAction, { kind: 'forward' }>, inSize: number, now: number): MessengerAction[] {
    let to: string;
    if ('nodeId' in peeled.next) {
      to = toHex(peeled.next.nodeId); // BOLT 4: "if next_node_id is present: the next peer is the peer with that node id"
    } else {
      // BOLT 4: short_channel_id "corresponds to an announced short_channel_id or a local alias": the other end.
      const peer = this.#opts.channelPeer?.(peeled.next.shortChannelId);
      if (!peer) return [this.#drop(messageId, from, null, 'unknown_short_channel_id', inSize, `short_channel_id ${peeled.next.shortChannelId} is none of our channels`)];
      to = peer;
    }
    // BOLT 4: "MUST set path_key in the forwarded onion_message to the next path_key".
    const message: OnionMessage = { type: 'onion_message', pathKey: peeled.pathKey, onionMessagePacket: encodeOnionPacket(peeled.packet) };
    const size = onionMessageSize(message);
    const peer = this.#peers.get(to);
    if (!peer) {
      if (this.#mailboxAllowed.has(to)) return [{ kind: 'store', messageId, nodeId: to, from, message, size }];
      return [this.#drop(messageId, from, to, 'next_hop_offline', size, 'the next hop is not connected and not on the mailbox allow-list')];
    }
    if (!peer.onionMessages) return [this.#drop(messageId, from, to, 'next_hop_unsupported', size, 'the next hop does not advertise option_onion_messages')];
    const refused = this.#queues.admit(to, size, this.#opts.random);
    if (refused) return [this.#drop(messageId, from, to, refused, size, `the queue to the next hop holds ${this.#queues.bytesFor(to)} bytes`)];
    this.#queues.push(to, { messageId, nodeId: to, message, size, forwarded: true, from, event: { type: 'onion.forwarded', messageId, from, to, size } }, size, now);
    return [];
  }

  #deliver(messageId: string, from: string, peeled: Extract<OnionMessageAction, { kind: 'receive' }>, now: number): MessengerAction[] {
    const records = peeled.payload.messageRecords ?? [];
    const record = records[0];
    if (!record) return [this.#drop(messageId, from, null, 'empty_message', 0, 'the message has no record of type >= 64')];
    const pathId = peeled.encryptedData.pathId;
    const replyPath = peeled.payload.replyPath;
    const awaited = pathId !== undefined && this.#pathIds.isOurs(pathId);
    // What the path it came over was for, when the path_id is ours; a path_id we never issued is
    // flagged, never handed on (BOLT 4: "MAY use path_id to contain a secret" — ours are tagged or published).
    let context: MessageContext | null = null;
    if (pathId !== undefined && !awaited) {
      const data = this.#pathIds.contextOf(pathId);
      const path = data ? undefined : this.#opts.publishedPath?.(pathId);
      context = data ? { kind: 'reply', data } : path ? { kind: 'published_path', path } : null;
    }
    const received: ReceivedMessage = {
      messageId, from, tlvType: record.type, value: record.value, records, replyPath, context,
      unrecognizedPathId: pathId !== undefined && !awaited && context === null,
      dummyHopsPeeled: peeled.dummyHopsPeeled, receivedAt: now,
    };
    if (awaited) {
      // BOLT 4: a path_id of a reply_path we published — only the reply to that onion is accepted.
      const key = pathIdKey(pathId);
      const pending = this.#pendingReplies.get(key);
      if (!pending) return [this.#drop(messageId, from, null, 'unexpected_reply', record.value.length, 'a message over one of our reply paths, but no reply is awaited')];
      this.#pendingReplies.delete(key);
      return [
        { kind: 'event', event: this.#delivered(received, 'reply', pending.requestId) },
        { kind: 'reply_received', requestId: pending.requestId, message: received },
      ];
    }
    if (replyPath && replyPath.hops.length > MAX_REPLY_PATH_HOPS) {
      // Before any handler work: a reply over this path would cost one ECDH per hop.
      return [this.#drop(messageId, from, null, 'reply_path_too_long', record.value.length, `its reply path has ${replyPath.hops.length} hops; we answer over at most ${MAX_REPLY_PATH_HOPS}`)];
    }
    const kind = handlerKindOf(record.type);
    const run = this.#handlerFor(kind, received);
    if (!run) return [this.#drop(messageId, from, null, 'no_handler', record.value.length, `no handler for TLV type ${record.type}`)];
    // The answer's cost is charged before the handler runs: each reply hop beyond the common length.
    if (replyPath) this.#charge(this.#bucketFor(from, now), now, Math.max(0, replyPath.hops.length - WORK_COSTS.freeReplyHops) * WORK_COSTS.replyHop);
    let outcome: HandlerOutcome | Promise<HandlerOutcome>;
    try {
      outcome = run();
    } catch (e) {
      return [this.#drop(messageId, from, null, 'handler_failed', record.value.length, `the ${kind} handler failed: ${e instanceof Error ? e.message : String(e)}`)];
    }
    const actions: MessengerAction[] = [{ kind: 'event', event: this.#delivered(received, kind, null) }];
    if (outcome instanceof Promise) actions.push({ kind: 'handler_pending', message: received, outcome });
    else actions.push(...this.replyLater(received, outcome, now));
    return actions;
  }

  /**
   * The call that hands `m` to its family's handler (decoded, with its context) and turns the typed
   * answer into a reply record; undefined when the family has no handler.
   */
  #handlerFor(kind: Exclude<HandlerKind, 'reply'>, m: ReceivedMessage): (() => HandlerOutcome | Promise<HandlerOutcome>) | undefined {
    const delivery: MessageDelivery = {
      messageId: m.messageId, from: m.from, context: m.context, unrecognizedPathId: m.unrecognizedPathId, hasReplyPath: m.replyPath !== undefined,
      ...(m.replyPath ? { replyPath: m.replyPath } : {}),
    };
    if (kind === 'offers') {
      const handler = this.#offersHandler;
      if (!handler) return undefined;
      return () => mapOutcome(handler.handleOffersMessage(decodeOffersMessage(m.tlvType, m.value), delivery), offersReply);
    }
    if (kind === 'async_payments') {
      const handler = this.#asyncHandler;
      if (!handler) return undefined;
      return () => mapOutcome(dispatchAsync(handler, decodeAsyncPaymentsMessage(m.tlvType, m.value, this.#opts.asyncMessages), delivery), asyncReply);
    }
    const custom = this.#handlers.get(m.tlvType);
    return custom ? () => custom.handle(m) : undefined;
  }

  #delivered(m: ReceivedMessage, handler: HandlerKind, inReplyTo: string | null): OnionMessageEventBody {
    const withContents = handler === 'application' || handler === 'reply';
    return {
      type: 'onion.delivered', messageId: m.messageId, from: m.from, handler, tlvType: m.tlvType.toString(), size: m.value.length,
      dummyHopsPeeled: m.dummyHopsPeeled, hasReplyPath: m.replyPath !== undefined, inReplyTo,
      ...(withContents ? { records: formatRecords(m.records) } : {}),
      ...(withContents && m.replyPath ? { replyPath: toHex(encodeBlindedPath(m.replyPath)) } : {}),
    };
  }

  /** Sends a handler's reply (given now or settled later) over the message's reply path. */
  replyLater(message: ReceivedMessage, outcome: HandlerOutcome, now: number): MessengerAction[] {
    if (!outcome) return [];
    if (!message.replyPath) {
      return [this.#drop(message.messageId, null, null, 'no_route', 0, 'the handler replied but the message has no reply path')];
    }
    return this.#replyOver(message.messageId, message.replyPath, outcome, now);
  }

  #replyOver(inReplyTo: string, replyPath: BlindedPath, reply: HandlerReply, now: number): MessengerAction[] {
    try {
      const sent = this.send(
        {
          destination: { kind: 'blinded', path: replyPath }, records: reply.records, replyPath: reply.instruction === 'replyWithReplyPath', inReplyTo,
          ...(reply.replyContext ? { replyContext: reply.replyContext } : {}),
        },
        now,
      );
      return sent.actions;
    } catch (e) {
      const reason: DropReason = isGlasswingError(e, 'messenger.no_route') ? 'no_route' : 'handler_failed';
      return [this.#drop(inReplyTo, null, null, reason, 0, `the reply could not be sent: ${e instanceof Error ? e.message : String(e)}`)];
    }
  }

  // ----- sending ------------------------------------------------------------------------------

  /**
   * BOLT 4 Onion Messages, writer: routes, builds and queues one message. Throws MessengerError
   * when it cannot (no route, bad records, too large, queue full).
   */
  send(req: SendRequest, now: number): SendOutcome {
    const records = checkMessageRecords(req.records);
    const via = [...(req.via ?? [])];
    const target = this.#routeTarget(req.destination);
    const view: RoutingView = {
      ourNodeId: this.nodeIdHex,
      isConnected: (id) => this.#peers.has(id),
      addressOf: (id) => this.#opts.addressOf?.(id),
      ...(this.#opts.graph ? { graphNeighbours: this.#opts.graph.neighbours, graphAddressOf: this.#opts.graph.addressOf } : {}),
      // A peer by its init; any other node by its node_announcement.
      relaysOnionMessages: (id) => this.#peers.get(id)?.onionMessages ?? this.#opts.graph?.relaysOnionMessages?.(id) ?? false,
    };
    // Our own message for an allow-listed peer that is away goes to its mailbox, as a forwarded one does
    // (async payments: a static invoice server passes an invoice_request on to its offline client).
    const firstId = via[0] ?? (target.kind === 'node' ? target.nodeId : target.introductionNodeId);
    const toMailbox = !this.#peers.has(firstId) && this.#mailboxAllowed.has(firstId) && req.awaitReplyMs === undefined;
    const plan: RoutePlan = toMailbox
      ? { kind: via.length > 0 ? 'via' : 'direct', firstHop: firstId, intermediates: [...via], target }
      : planRoute(target, via, view);
    const firstPeer = this.#peers.get(plan.firstHop);
    if (firstPeer && !firstPeer.onionMessages) {
      throw new MessengerError('messenger.peer_unsupported', `${plan.firstHop} does not advertise option_onion_messages`, { nodeId: plan.firstHop });
    }
    checkDummyHops(req.dummyHops ?? 0);
    const wantsReply = req.awaitReplyMs !== undefined;
    const hasReplyPath = req.replyPath === true || wantsReply;
    if (req.forwardedReplyPath && hasReplyPath) throw new MessengerError('messenger.bad_argument', 'a forwarded reply path and a reply path to us are exclusive');
    let replyPath: BlindedPath | undefined = req.forwardedReplyPath;
    let pathId: Uint8Array | undefined;
    if (hasReplyPath) {
      pathId = wantsReply ? this.#pathIds.create(this.#opts.randomBytes(16)) : req.replyContext ? this.#pathIds.withContext(req.replyContext) : undefined;
      const nodes = replyPathNodes(plan, this.nodeIdHex);
      const hops = nodes.length + (req.dummyHops ?? 0);
      if (hops > MAX_REPLY_PATH_HOPS) {
        // Receivers (we among them) do not answer over longer reply paths: the reply would never come.
        throw new MessengerError('messenger.bad_argument', `the reply path would have ${hops} hops (route back plus dummy hops); at most ${MAX_REPLY_PATH_HOPS} are answered`);
      }
      replyPath = this.#withSessionKey((sessionKey) =>
        createMessagePath({ sessionKey, nodes: nodes.map((id) => fromHex(id)), pathId, dummyHops: req.dummyHops ?? 0 }),
      );
    }
    const message = this.#build(plan, records, replyPath);
    const size = onionMessageSize(message);
    const refused = this.#queues.admit(plan.firstHop, size, () => 1); // our own messages: hard limits only, no random drop
    if (refused) throw new MessengerError('messenger.send_failed', `cannot queue the message for ${plan.firstHop}: ${refused}`, { reason: refused });
    const messageId = this.#newId();
    const tlvTypes = records.map((r) => r.type.toString());
    const event: OnionMessageEventBody = req.inReplyTo
      ? { type: 'onion.replied', messageId, inReplyTo: req.inReplyTo, to: plan.firstHop, tlvTypes, hasReplyPath: replyPath !== undefined, size, records: formatRecords(records) }
      : {
          type: 'onion.sent', messageId, to: plan.firstHop, destination: target.kind === 'node' ? target.nodeId : target.introductionNodeId,
          blinded: target.kind === 'blinded', route: plan.kind, tlvTypes, hasReplyPath: replyPath !== undefined, size, records: formatRecords(records),
        };
    if (toMailbox) {
      return { messageId, plan, hasReplyPath: replyPath !== undefined, actions: [{ kind: 'event', event }, { kind: 'store', messageId, nodeId: plan.firstHop, from: this.nodeIdHex, message, size }] };
    }
    this.#queues.push(plan.firstHop, { messageId, nodeId: plan.firstHop, message, size, forwarded: false, from: null, event }, size, now);
    const actions: MessengerAction[] = [];
    if (plan.connectTo && !this.#connecting.has(plan.connectTo.nodeId)) {
      this.#connecting.add(plan.connectTo.nodeId);
      actions.push({ kind: 'connect', nodeId: plan.connectTo.nodeId, address: plan.connectTo.address });
    }
    if (wantsReply && pathId) this.#pendingReplies.set(pathIdKey(pathId), { requestId: messageId, expiresAt: now + req.awaitReplyMs! });
    return { messageId, plan, hasReplyPath: replyPath !== undefined, actions };
  }

  /**
   * A blinded path to us for others to use (e.g. in an offer): `via` are the hops before us,
   * introduction node first. No `path_id`: messages over it go to the handlers like any other —
   * unless `context` is given: then its `path_id` carries it under our tag (as a reply path's does,
   * paths.ts `withContext`) and the handler gets it back authenticated (async payments' paths).
   */
  createPathToUs(via: readonly string[], dummyHops: number, context?: Uint8Array): BlindedPath {
    if (via.includes(this.nodeIdHex)) throw new MessengerError('messenger.bad_argument', 'a via hop is our own node');
    checkDummyHops(dummyHops);
    const pathId = context ? this.#pathIds.withContext(context) : undefined;
    return this.#withSessionKey((sessionKey) => createMessagePath({ sessionKey, nodes: [...via, this.nodeIdHex].map((id) => fromHex(id)), dummyHops, ...(pathId ? { pathId } : {}) }));
  }

  /**
   * The context in the path_id of a one-hop blinded path to us that we built (`createPathToUs([], …, context)`),
   * read the way a message over it would be (BOLT 4 Route Blinding, reader: our hop's
   * encrypted_recipient_data under the path key); undefined for any other path or a wrong tag. Async
   * payments: L2 checks that an offer it is asked to serve uses the paths it gave.
   */
  contextOfOurPath(path: BlindedPath): Uint8Array | undefined {
    if (path.hops.length !== 1 || path.firstNodeId.kind !== 'node_id' || !equalBytes(path.firstNodeId.nodeId, this.nodeId)) return undefined;
    try {
      const processed = processBlindedHop({ privateKey: this.#nodeKey, pathKey: path.firstPathKey, encryptedRecipientData: path.hops[0]!.encryptedRecipientData });
      zeroize(processed.sharedSecret);
      const pathId = processed.data.pathId;
      return pathId === undefined ? undefined : this.#pathIds.contextOf(pathId);
    } catch {
      return undefined;
    }
  }

  #routeTarget(destination: Destination): RouteTarget {
    if (destination.kind === 'node') {
      const nodeId = toHex(destination.nodeId);
      if (equalBytes(destination.nodeId, this.nodeId)) throw new MessengerError('messenger.destination_is_us', 'the destination is our own node');
      return { kind: 'node', nodeId };
    }
    const channelPeer = (scid: bigint) => {
      const id = this.#opts.channelPeer?.(scid);
      return id ? fromHex(id) : undefined;
    };
    // BOLT 4: when we are the introduction node, we process our own hop before sending.
    const path = advancePastOurselves(destination.path, this.#nodeKey, this.nodeId, channelPeer);
    if (path.firstNodeId.kind === 'scid') {
      const peer = channelPeer(path.firstNodeId.shortChannelId);
      if (!peer) throw new MessengerError('messenger.no_route', `the introduction node is given by short_channel_id ${path.firstNodeId.shortChannelId}, none of our channels`);
      return { kind: 'blinded', introductionNodeId: toHex(peer), path };
    }
    return { kind: 'blinded', introductionNodeId: toHex(path.firstNodeId.nodeId), path };
  }

  #build(plan: RoutePlan, records: readonly TlvRecord[], replyPath: BlindedPath | undefined): OnionMessage {
    const { target } = plan;
    const path = this.#withSessionKey((sessionKey) => {
      if (target.kind === 'blinded') {
        // BOLT 4: blind our own hops up to the introduction node and hand over its first_path_key.
        return joinBlindedPath({ sessionKey, intermediateNodeIds: plan.intermediates.map((id) => fromHex(id)), path: target.path });
      }
      // A plain node: we blind the whole route ourselves (BOLT 4: all onion messages use route blinding).
      const nodes = [...plan.intermediates, target.nodeId].map((id) => fromHex(id));
      return createMessagePath({ sessionKey, nodes });
    });
    try {
      const created = this.#withSessionKey((sessionKey) =>
        createOnionMessage({ sessionKey, path, contents: { messageRecords: records, ...(replyPath ? { replyPath } : {}) } }),
      );
      return { type: 'onion_message', pathKey: created.pathKey, onionMessagePacket: encodeOnionPacket(created.packet) };
    } catch (e) {
      if (isGlasswingError(e, 'onion.route_too_long')) {
        throw new MessengerError('messenger.message_too_large', 'the message does not fit a 32,768-byte onion');
      }
      throw e;
    }
  }

  #withSessionKey<T>(fn: (sessionKey: Uint8Array) => T): T {
    const sessionKey = this.#opts.randomBytes(32);
    try {
      return fn(sessionKey);
    } finally {
      zeroize(sessionKey);
    }
  }

  // ----- the queues ---------------------------------------------------------------------------

  /** Takes the oldest queued message for a connected peer (the adapter hands it to the connection). */
  takeNext(nodeId: string): Outgoing | undefined {
    if (!this.#peers.has(nodeId)) return undefined;
    return this.#queues.shift(nodeId)?.item;
  }

  /** The connection refused a message we took. */
  sendFailed(out: Outgoing): MessengerAction[] {
    return [this.#drop(out.messageId, out.from, out.nodeId, 'send_failed', out.size, 'the connection refused the message (closed, or its queue is full)')];
  }

  /** Connected peers with queued messages. */
  queuedPeers(): string[] {
    return this.#queues.nodeIds().filter((id) => this.#peers.has(id));
  }

  // ----- time ---------------------------------------------------------------------------------

  /** Reply timeouts, and messages that waited too long for a connection. */
  tick(now: number): MessengerAction[] {
    const actions: MessengerAction[] = this.#reportThrottled(now);
    for (const [key, pending] of this.#pendingReplies) {
      if (now >= pending.expiresAt) {
        this.#pendingReplies.delete(key);
        actions.push({ kind: 'reply_timeout', requestId: pending.requestId });
      }
    }
    for (const nodeId of this.#queues.nodeIds()) {
      if (this.#peers.has(nodeId)) continue;
      for (const { item, size } of this.#queues.takeOlderThan(nodeId, now - this.policy.connectTimeoutMs)) {
        actions.push(this.#drop(item.messageId, item.from, nodeId, 'connect_timeout', size, `no connection within ${this.policy.connectTimeoutMs} ms`));
      }
    }
    return actions;
  }

  /** Forgets a reply we no longer wait for (the caller gave up). */
  cancelReply(requestId: string): void {
    for (const [key, pending] of this.#pendingReplies) if (pending.requestId === requestId) this.#pendingReplies.delete(key);
  }

  // ----- introspection ------------------------------------------------------------------------

  snapshot(now: number): {
    queues: { totalBytes: number; peakBytes: number; peers: { nodeId: string; messages: number; bytes: number }[] };
    inbound: { nodeId: string; tokens: number }[];
    pendingReplies: number;
  } {
    return {
      queues: { totalBytes: this.#queues.totalBytes, peakBytes: this.#queues.peakBytes, peers: this.#queues.stats() },
      inbound: [...this.#buckets].filter(([nodeId]) => this.#peers.has(nodeId)).map(([nodeId, b]) => ({ nodeId, tokens: Math.floor(b.tokensAt(now) * 100) / 100 })),
      pendingReplies: this.#pendingReplies.size,
    };
  }

  /** Zeroes our copy of the node key. */
  destroy(): void {
    zeroize(this.#nodeKey);
    this.#pathIds.destroy();
  }

  // ----- helpers ------------------------------------------------------------------------------

  /** The peer's inbound bucket. Buckets of disconnected peers are kept, the oldest beyond MAX_BUCKETS forgotten. */
  #bucketFor(nodeId: string, now: number): TokenBucket {
    let bucket = this.#buckets.get(nodeId);
    if (!bucket) {
      bucket = new TokenBucket(this.policy.inboundPerSecond, this.policy.inboundBurst, now);
      this.#buckets.set(nodeId, bucket);
      if (this.#buckets.size > MAX_BUCKETS) {
        for (const id of this.#buckets.keys()) {
          if (this.#buckets.size <= MAX_BUCKETS) break;
          if (!this.#peers.has(id)) this.#buckets.delete(id);
        }
      }
    }
    return bucket;
  }

  /** The node-wide bucket: never smaller or slower than one peer's (see MessengerPolicy.nodeInboundPerSecond). */
  #newNodeBucket(now: number): TokenBucket {
    const p = this.#policy;
    return new TokenBucket(Math.max(p.nodeInboundPerSecond, p.inboundPerSecond), Math.max(p.nodeInboundBurst, p.inboundBurst), now);
  }

  /**
   * Admission of one received message: a token from the peer's bucket and one from the node's.
   * The node's last `nodeReserve` tokens go only to a light peer (its bucket still at least half
   * full after this message), so peers at their limit cannot starve the others. Undefined: admitted.
   */
  #admit(bucket: TokenBucket, now: number): 'rate_limited' | 'node_busy' | undefined {
    const own = bucket.tokensAt(now);
    if (own < 1) return 'rate_limited';
    const light = own - 1 >= bucket.burst / 2;
    const reserve = light ? 0 : Math.min(this.#policy.nodeReserve, this.#nodeBucket.burst - 1);
    // The peer's token is spent either way: a peer the node turns away still used its allowance
    // (else a flooder's bucket would stay full, and it would pass for a light peer).
    bucket.take(now);
    if (this.#nodeBucket.tokensAt(now) < 1 + reserve) return 'node_busy';
    this.#nodeBucket.take(now);
    return undefined;
  }

  /** Work beyond the first token, charged to the peer and to the node-wide budget alike. */
  #charge(bucket: TokenBucket, now: number, cost: number): void {
    bucket.charge(now, cost);
    this.#nodeBucket.charge(now, cost);
  }

  /**
   * A message refused by admission: the first of a peer's streak is reported at once, the rest
   * are counted and reported together by `tick` (no id, event or log row per dropped message).
   */
  #throttled(from: string, reason: 'rate_limited' | 'node_busy', size: number, now: number): MessengerAction[] {
    const key = `${from} ${reason}`;
    const pending = this.#throttledDrops.get(key);
    const pause = reason === 'rate_limited' ? this.#backpressure(from, now) : [];
    if (pending) {
      pending.count++;
      pending.bytes += size;
      return pause;
    }
    this.#throttledDrops.set(key, { from, reason, count: 0, bytes: 0, since: now });
    return [this.#throttleReport(from, reason, 1, size), ...pause];
  }

  /**
   * A peer over its own rate: pause reading it until its bucket holds a token again (BOLT 4 reader
   * "MAY rate-limit messages by dropping them"; not reading is the cheaper way to the same end —
   * BOLT 1/8 ask nothing of how fast a node reads). Not for node_busy: that is the node's budget,
   * and a peer within its own rate is not to be slowed for the others.
   */
  #backpressure(from: string, now: number): MessengerAction[] {
    const bucket = this.#buckets.get(from);
    if (!bucket) return [];
    const missing = 1 - bucket.tokensAt(now);
    if (!(missing > 0)) return [];
    const ms = Math.min(MAX_BACKPRESSURE_MS, Math.max(MIN_BACKPRESSURE_MS, Math.ceil((missing * 1000) / bucket.ratePerSecond)));
    return [{ kind: 'pause_reading', nodeId: from, ms }];
  }

  #reportThrottled(now: number): MessengerAction[] {
    const actions: MessengerAction[] = [];
    for (const [key, t] of this.#throttledDrops) {
      if (now - t.since < THROTTLE_REPORT_MS) continue;
      if (t.count === 0) {
        this.#throttledDrops.delete(key); // the streak ended: the next drop is reported at once
        continue;
      }
      actions.push(this.#throttleReport(t.from, t.reason, t.count, t.bytes));
      t.count = 0;
      t.bytes = 0;
      t.since = now;
    }
    return actions;
  }

  #throttleReport(from: string, reason: 'rate_limited' | 'node_busy', count: number, bytes: number): MessengerAction {
    const detail = reason === 'rate_limited'
      ? `more than ${this.policy.inboundPerSecond} tokens/s (burst ${this.policy.inboundBurst}) of work from this peer`
      : `the node-wide budget of ${this.#nodeBucket.ratePerSecond} tokens/s (burst ${this.#nodeBucket.burst}) is spent`;
    return { kind: 'event', event: { type: 'onion.dropped', messageId: this.#newId(), from, to: null, reason, code: null, detail, size: bytes, count } };
  }

  #newId(): string {
    if (this.#idCount === 0 || this.#idCount > 0xffffffff) {
      this.#idPrefix = toHex(this.#opts.randomBytes(4));
      this.#idCount = 1;
    }
    return this.#idPrefix + (this.#idCount++).toString(16).padStart(8, '0');
  }

  #drop(messageId: string, from: string | null, to: string | null, reason: DropReason, size: number, detail: string, code: string | null = null): MessengerAction {
    return { kind: 'event', event: { type: 'onion.dropped', messageId, from, to, reason, code, detail, size } };
  }
}

function mapOutcome<T>(outcome: T | undefined | Promise<T | undefined>, map: (t: T) => HandlerReply): HandlerOutcome | Promise<HandlerOutcome> {
  if (outcome instanceof Promise) return outcome.then((o) => (o ? map(o) : undefined));
  return outcome ? map(outcome) : undefined;
}

function offersReply(r: OffersResponse): HandlerReply {
  return { records: [offersRecord(r.message)], ...(r.instruction ? { instruction: r.instruction } : {}) };
}

function asyncReply(r: AsyncPaymentsResponse): HandlerReply {
  return { records: [asyncPaymentsRecord(r)], ...(r.instruction ? { instruction: r.instruction } : {}), ...(r.replyContext ? { replyContext: r.replyContext } : {}) };
}

function dispatchAsync(h: AsyncPaymentsMessageHandler, m: AsyncPaymentsMessage, d: MessageDelivery) {
  switch (m.type) {
    case 'static_invoice':
      return h.handleStaticInvoice(m, d);
    case 'held_htlc_available':
      return h.handleHeldHtlcAvailable(m, d);
    case 'release_held_htlc':
      return h.handleReleaseHeldHtlc(m, d);
    case 'offer_paths_request':
      return h.handleOfferPathsRequest(m, d);
    case 'offer_paths':
      return h.handleOfferPaths(m, d);
    case 'serve_static_invoice':
      return h.handleServeStaticInvoice(m, d);
    case 'static_invoice_persisted':
      return h.handleStaticInvoicePersisted(m, d);
  }
}
