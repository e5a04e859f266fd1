/**
 * The onion messenger's data as the NodeApi shows it: plain JSON (bytes as lowercase hex, TLV
 * types as decimal strings, times as unix milliseconds), re-exported by core/api.
 */

/** One final-hop message record of an onion message (`onionmsg_tlv` type >= 64). */
export interface OnionRecordInfo {
  /** TLV type as a decimal string (types go up to 2^64 - 1). */
  readonly type: string;
  /** Value, hex. */
  readonly value: string;
}

/** Who handled a message delivered to us: a family of handlers, or the waiter of a reply. */
export type OnionHandlerKind = 'offers' | 'async_payments' | 'application' | 'reply';

/** How a message left us: explicit `via` hops, directly to a connected peer, or after dialling it. */
export type OnionRouteKind = 'via' | 'direct' | 'connect_first';

/** A reply that arrived over the reply path we attached. */
export interface OnionReply {
  readonly messageId: string;
  /** The peer that handed it to us (not the replier: onion messages are anonymous). */
  readonly from: string;
  readonly records: readonly OnionRecordInfo[];
  /** The replier's own reply path (hex `blinded_path`), if it sent one. */
  readonly replyPath: string | null;
}

export interface SendOnionMessageResult {
  readonly messageId: string;
  /** The peer we handed the message to. */
  readonly firstHop: string;
  readonly route: OnionRouteKind;
  /** Whether a blinded reply path to us was attached. */
  readonly replyPath: boolean;
  /** Set when `waitReplySeconds` was given and a reply arrived in time. */
  readonly reply?: OnionReply;
}

/** One row of the capped traffic log (`listMessages`). */
export interface MessageLogEntry {
  readonly id: number;
  /** Unix ms. */
  readonly time: number;
  readonly messageId: string | null;
  /** The event type without its `onion.` prefix: received, delivered, forwarded, sent, replied, dropped, mailbox_… */
  readonly outcome: string;
  /** The peer involved (sender or next hop), if any. */
  readonly peer: string | null;
  readonly tlvTypes: readonly string[];
  readonly size: number;
  /** The full event, including message records when we know them (sent, delivered). */
  readonly event: Readonly<Record<string, unknown>>;
}

export interface MailboxMessageInfo {
  readonly messageId: string;
  /** The offline peer we hold it for. */
  readonly nodeId: string;
  /** The peer that handed it to us. */
  readonly from: string | null;
  readonly size: number;
  readonly storedAt: number;
  readonly expiresAt: number;
}

export interface MailboxInfo {
  /** Peers we store messages for while they are offline. */
  readonly allowed: readonly { readonly nodeId: string; readonly since: number }[];
  readonly messages: readonly MailboxMessageInfo[];
  readonly totals: { readonly messages: number; readonly bytes: number };
  readonly quotas: Readonly<Record<string, number>>;
}

export interface MessengerStatsInfo {
  /** Messages by outcome: received, delivered, forwarded, sent, replied, dropped, mailbox_stored, mailbox_forwarded, mailbox_expired. */
  readonly counters: Readonly<Record<string, number>>;
  /** Drops by reason (rate_limited, bad_onion, next_hop_offline, …). */
  readonly drops: Readonly<Record<string, number>>;
  /** Drops of undecodable or rule-breaking onions by onion error code. */
  readonly dropCodes: Readonly<Record<string, number>>;
  /** Deliveries by handler kind. */
  readonly delivered: Readonly<Record<string, number>>;
  readonly queues: {
    /** Bytes of onion messages held in memory now, and the most ever held at once. */
    readonly totalBytes: number;
    readonly peakBytes: number;
    readonly memoryCapBytes: number;
    readonly perPeerLimitBytes: number;
    readonly peers: readonly { readonly nodeId: string; readonly messages: number; readonly bytes: number }[];
  };
  readonly inbound: {
    readonly perSecond: number;
    readonly burst: number;
    /** Tokens left in each connected peer's bucket. */
    readonly peers: readonly { readonly nodeId: string; readonly tokens: number }[];
  };
  readonly mailbox: { readonly allowed: number; readonly messages: number; readonly bytes: number };
  readonly pendingReplies: number;
  readonly handlers: readonly { readonly tlvType: string; readonly kind: OnionHandlerKind; readonly listeners: number }[];
  readonly policy: Readonly<Record<string, number>>;
}

/** A blinded path to us that others can send onion messages to. */
export interface MessagePathInfo {
  /** Hex `blinded_path`. */
  readonly path: string;
  readonly introductionNodeId: string;
  /** Hops in the path, dummy hops included. */
  readonly hops: number;
}
