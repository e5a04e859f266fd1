import { DEFAULT_ASYNC_PAYMENTS_PROFILE } from '../wire';

const ASYNC = DEFAULT_ASYNC_PAYMENTS_PROFILE.onionMessages;

/**
 * The messenger's numbers in one place: the onion message TLV types it dispatches on, the
 * default DoS policy, what the rate limiter charges for work, and mailbox quotas (each with where
 * it comes from). The shape limits it applies to what strangers send are core/wire/limits.ts's.
 */
import { LIMITS } from '../wire';

/**
 * Final-hop message TLV types (`onionmsg_tlv` types >= 64) and who handles them.
 *
 * | type  | name                   | family         | source                                                        |
 * |-------|------------------------|----------------|---------------------------------------------------------------|
 * | 64    | invoice_request        | offers         | BOLT 4 `onionmsg_tlv` / BOLT 12                               |
 * | 66    | invoice                | offers         | BOLT 4 `onionmsg_tlv` / BOLT 12                               |
 * | 68    | invoice_error          | offers         | BOLT 4 `onionmsg_tlv` / BOLT 12                               |
 * | 70    | static_invoice         | async_payments | LDK `onion_message/offers.rs` STATIC_INVOICE_TLV_TYPE         |
 * | 72    | held_htlc_available    | async_payments | LDK `onion_message/async_payments.rs` HELD_HTLC_AVAILABLE     |
 * | 74    | release_held_htlc      | async_payments | LDK `onion_message/async_payments.rs` RELEASE_HELD_HTLC       |
 * | 75540 | offer_paths_request    | async_payments | LDK `onion_message/async_payments.rs` OFFER_PATHS_REQ         |
 * | 75542 | offer_paths            | async_payments | LDK `onion_message/async_payments.rs` OFFER_PATHS             |
 * | 75544 | serve_static_invoice   | async_payments | LDK `onion_message/async_payments.rs` SERVE_INVOICE           |
 * | 75546 | static_invoice_persisted | async_payments | LDK `onion_message/async_payments.rs` INVOICE_PERSISTED     |
 *
 * The async payments numbers are not in the BOLTs yet (lightning/bolts#1149 is a draft); they come
 * from the one table of them, core/wire async-payments.ts (both of its profiles share these).
 * Every other type >= 64 is an application message, handled by handlers registered at run time.
 */
export const MESSAGE_TLV = {
  invoiceRequest: 64n,
  invoice: 66n,
  invoiceError: 68n,
  staticInvoice: ASYNC.staticInvoice,
  heldHtlcAvailable: ASYNC.heldHtlcAvailable,
  releaseHeldHtlc: ASYNC.releaseHeldHtlc,
  offerPathsRequest: ASYNC.offerPathsRequest,
  offerPaths: ASYNC.offerPaths,
  serveStaticInvoice: ASYNC.serveStaticInvoice,
  staticInvoicePersisted: ASYNC.staticInvoicePersisted,
} as const;

/** Which family of handlers a message type belongs to. `reply` is a reply to a message we sent. */
export type HandlerKind = 'offers' | 'async_payments' | 'application' | 'reply';

const OFFERS_TYPES: ReadonlySet<bigint> = new Set([MESSAGE_TLV.invoiceRequest, MESSAGE_TLV.invoice, MESSAGE_TLV.invoiceError]);
const ASYNC_TYPES: ReadonlySet<bigint> = new Set([
  MESSAGE_TLV.staticInvoice, MESSAGE_TLV.heldHtlcAvailable, MESSAGE_TLV.releaseHeldHtlc, MESSAGE_TLV.offerPathsRequest,
  MESSAGE_TLV.offerPaths, MESSAGE_TLV.serveStaticInvoice, MESSAGE_TLV.staticInvoicePersisted,
]);

/** BOLT 4: "Field numbers 64 and above are reserved for payloads for the final hop". */
export const FIRST_MESSAGE_TLV_TYPE = 64n;
/** BigSize limit: TLV types are at most 2^64 - 1. */
export const MAX_TLV_TYPE = (1n << 64n) - 1n;

/** The family a message TLV type belongs to (types below 64 are not messages). */
export function handlerKindOf(tlvType: bigint): Exclude<HandlerKind, 'reply'> {
  if (OFFERS_TYPES.has(tlvType)) return 'offers';
  if (ASYNC_TYPES.has(tlvType)) return 'async_payments';
  return 'application';
}

/** A spec or LDK name for a message type, when it has one. */
export function messageTlvName(tlvType: bigint): string | undefined {
  for (const [name, value] of Object.entries(MESSAGE_TLV)) {
    if (value === tlvType) return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  }
  return undefined;
}

/** The DoS policy. Every field is configurable through NodeOptions. */
export interface MessengerPolicy {
  /**
   * Per-peer inbound token bucket refill rate, tokens per second: a message of the common shape
   * costs one token, work beyond it more (WORK_COSTS). Core Lightning allows one onion message
   * per 250 ms per peer (connectd.h ONION_MSG_MSEC = 250, i.e. 4/s).
   */
  readonly inboundPerSecond: number;
  /**
   * Per-peer bucket size (burst). Core Lightning keeps 4 messages of credit (ONION_MSG_TOKENS_MAX);
   * Eclair accepts at most 10 per second per peer (reference.conf onion-messages.max-per-peer-per-second).
   * We allow a burst of 10: never more than Eclair in any second, CLN's rate in the long run.
   */
  readonly inboundBurst: number;
  /**
   * Bytes of onion messages we queue for one peer before dropping more. rust-lightning buffers
   * at most 256 KiB per peer (onion_message/messenger.rs MAX_PER_PEER_BUFFER_SIZE).
   */
  readonly outboundQueueBytes: number;
  /**
   * Bytes of onion messages held in memory for all peers together (queued and awaiting a
   * connection). rust-lightning caps its total at 128 MiB (MAX_TOTAL_BUFFER_SIZE); a desktop
   * node needs far less.
   */
  readonly memoryCapBytes: number;
  /**
   * Random early drop: once a queue (or the memory total) is this full (0..1), each new message is
   * dropped with a probability rising linearly from 0 here to 1 at the limit.
   */
  readonly earlyDropThreshold: number;
  /** How long a message may wait for a connection we are opening to its first hop. */
  readonly connectTimeoutMs: number;
  /** Bytes handed to one peer's connection that were not yet written, before we wait. */
  readonly writeWindowBytes: number;
  /**
   * The node-wide inbound budget, tokens per second, shared by every peer (charged like the
   * per-peer bucket: WORK_COSTS). The per-peer limit alone lets N peers in at N × its rate (100
   * peers: 400 messages a second, each an ECDH or two and perhaps a signed invoice); this caps what
   * all strangers together can make the node do. Never below one peer's rate (lifting the per-peer
   * limit, as the benchmarks do, lifts this too). Neither rust-lightning nor Core Lightning has one:
   * LDK bounds only its buffers (onion_message/messenger.rs MAX_TOTAL_BUFFER_SIZE), CLN only each
   * peer (connectd ONION_MSG_MSEC).
   */
  readonly nodeInboundPerSecond: number;
  /** The node-wide bucket's size (burst). Its last `nodeReserve` tokens go only to light peers. */
  readonly nodeInboundBurst: number;
  /**
   * Fairness: the last tokens of the node-wide bucket are kept for light peers — those whose own
   * bucket is at least half full after this message (sending at under half their rate) — so that a
   * crowd of peers each at its own limit cannot starve one that sends a message now and then.
   */
  readonly nodeReserve: number;
}

export const DEFAULT_POLICY: MessengerPolicy = {
  inboundPerSecond: 4,
  inboundBurst: 10,
  outboundQueueBytes: 256 * 1024,
  memoryCapBytes: 8 * 1024 * 1024,
  earlyDropThreshold: 0.5,
  connectTimeoutMs: 15_000,
  writeWindowBytes: 64 * 1024,
  // 50 common messages a second for all peers together: a few percent of a core on the native
  // backend (an answered invoice_request costs about 1 ms of CPU there; bench/forward, bench/dos).
  nodeInboundPerSecond: 50,
  nodeInboundBurst: 100,
  nodeReserve: 25,
};

/**
 * Throttled drops (rate_limited, node_busy) are reported per peer and reason at most once per
 * this long: the first at once, then one `onion.dropped` with the `count` of the rest — no event,
 * traffic-log row or message id per dropped message (a flood's drops cost a counter increment).
 */
export const THROTTLE_REPORT_MS = 1_000;

/** Mailbox quotas (messages stored in SQLite for allow-listed offline peers). */
export interface MailboxQuotas {
  /** Messages stored for one peer. */
  readonly perPeerMessages: number;
  /** Bytes stored for one peer. */
  readonly perPeerBytes: number;
  /** Messages stored for everybody. */
  readonly totalMessages: number;
  /** Bytes stored for everybody. */
  readonly totalBytes: number;
  /** How long a stored message is kept before it expires. */
  readonly expiryMs: number;
}

export const DEFAULT_MAILBOX_QUOTAS: MailboxQuotas = {
  perPeerMessages: 200,
  perPeerBytes: 1024 * 1024,
  totalMessages: 10_000,
  totalBytes: 64 * 1024 * 1024,
  expiryMs: 72 * 3600 * 1000,
};

/**
 * Dummy hops: at most this many in the paths we build, and at most this many consecutive hops
 * addressed to ourselves peeled from one received message (the messenger passes it to
 * peelOnionMessage, whose default is the same entry of the limits table, LIMITS.selfHops).
 * Anyone can build a path that visits us again and again; each visit costs us two ECDHs and two
 * point multiplications, so the bound keeps one message from buying unbounded work, and each
 * visit is charged to the sender (WORK_COSTS.layer).
 */
export const MAX_DUMMY_HOPS: number = LIMITS.selfHops;

/**
 * The longest reply path we answer over (LIMITS.blindedPathHops; a longer one is refused as it is
 * read, before its points are checked). BOLT 4 sets no bound, but building a message costs us one
 * ECDH per hop of the path it travels, and a 32,768-byte onion fits some 250 hops. Paths that
 * implementations build are a few hops plus a few dummy hops (the limits table).
 */
export const MAX_REPLY_PATH_HOPS: number = LIMITS.blindedPathHops;

/**
 * What the per-peer inbound bucket charges for a message, in tokens. One token (taken before any
 * ECDH) buys a message of the common shape: one onion layer of at most `largeLayerBytes` peeled
 * (2 ECDH + 2 k·P, ChaCha20 and HMAC over the payloads), its payload decoded, the handler's work
 * (an offers message: a Merkle root, a BIP340 verification and, for an invoice, a signature and
 * a payment path) and an answer over a reply path of at most `freeReplyHops` hops. What a message
 * makes us do beyond that is charged as soon as it is known — each layer peeled as it is peeled,
 * the reply before the handler runs — even past zero: the sender pays it back before its next
 * message is taken, so one peer's work averages out at `inboundPerSecond` common messages.
 */
export const WORK_COSTS = {
  /**
   * Each further layer we peel: a hop addressed to ourselves (a dummy hop, or a path that visits
   * us again) costs what the first layer did.
   */
  layer: 1,
  /**
   * Each layer larger than the largest onion we build (BOLT 4 writers use 1,366 or 32,834-byte
   * packets, a sender may use up to 65,535): up to twice the symmetric work and payload to decode.
   */
  largeLayer: 1,
  /** The payload size (`hop_payloads`) of the largest packet we build; larger layers pay `largeLayer`. */
  largeLayerBytes: 32_768,
  /**
   * Reply hops included in the first token: LDK's reply paths have 4 hops (DUMMY_HOPS_PATH_LENGTH),
   * Eclair's at least 7 (onion-messages.min-intermediate-hops = 6 plus itself).
   */
  freeReplyHops: 8,
  /** Each reply hop beyond those: an ECDH, a k·G and the layer's ChaCha20 and HMAC to build, about half a layer. */
  replyHop: 0.5,
} as const;

/** Rows kept in the traffic log (`message_log`); older rows are deleted. */
export const DEFAULT_LOG_CAPACITY = 10_000;
