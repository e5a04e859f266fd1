/**
 * What the messenger's adapter (core/runtime/messenger) needs from the rest of the node, as
 * narrow interfaces: the peer connections (core/runtime/peer's PeerManager has them), the mailbox
 * and the traffic log (core/store's MailboxRepository and MessageLogRepository implement them).
 */
import type { FeatureVector, Message } from '../wire';
import type { MailboxQuotas } from './constants';

// ----- peers ---------------------------------------------------------------------------------------

/** A connected peer as the messenger needs it (core/peer's Peer has more). */
export interface MessengerPeer {
  readonly nodeId: string;
  readonly features: FeatureVector;
}

/** A known message type that did not decode; the connection stays up. */
export interface MalformedPeerMessage {
  readonly typeNumber: number;
  readonly size: number;
  readonly code: string;
  readonly reason: string;
}

/** Called once the frame reached the socket (no argument), or with an error if the connection closed first. */
export type WrittenCallback = (error?: Error) => void;

export interface MessengerPeers<P extends MessengerPeer = MessengerPeer> {
  onMessage(handler: (peer: P, message: Message) => void): () => void;
  onMalformedMessage(handler: (peer: P, info: MalformedPeerMessage) => void): () => void;
  onPeerReady(handler: (peer: P) => void): () => void;
  onPeerClosed(handler: (peer: P) => void): () => void;
  peers(): P[];
  isConnected(nodeId: string): boolean;
  /** Dials `nodeid@host:port`; resolves once the init exchange completed. */
  connect(address: string): Promise<unknown>;
  /**
   * Hands a message to the peer's connection; false when it is not connected or its queue is
   * full (`dropIfFull`: the message is dropped, the connection stays). `onWritten` only when true.
   * `reported`: the messenger publishes the event for this wire message itself (the peers publish none).
   */
  send(nodeId: string, message: Message, opts: { dropIfFull?: boolean; onWritten?: WrittenCallback; reported?: boolean }): boolean;
  /** Bytes handed to the peer's connection and not yet written. */
  queuedBytes(nodeId: string): number;
  /** Backpressure: leave the peer's connection unread for `ms` (the messenger's `pause_reading`). */
  pauseReading?(nodeId: string, ms: number): void;
  /**
   * BOLT 1 ping on the peer's current connection (joins one already outstanding); resolves at its pong, rejects
   * when the connection closes or no pong comes. The mailbox keeps a message until a pong shows the peer read it.
   */
  ping?(nodeId: string): Promise<unknown>;
}

// ----- the mailbox ----------------------------------------------------------------------------------

export interface MailboxMessageRecord {
  /** Row id: delivery order. */
  readonly id: number;
  readonly messageId: string;
  /** The offline peer it is held for. */
  readonly nodeId: string;
  readonly from: string | null;
  /** `onion_message` `path_key`. */
  readonly pathKey: Uint8Array;
  /** `onion_message_packet`. */
  readonly packet: Uint8Array;
  readonly size: number;
  readonly storedAt: number;
  readonly expiresAt: number;
}

export interface NewMailboxMessage {
  readonly messageId: string;
  readonly nodeId: string;
  readonly from: string | null;
  readonly pathKey: Uint8Array;
  readonly packet: Uint8Array;
  readonly size: number;
}

export type MailboxStoreResult =
  | { readonly stored: true; readonly record: MailboxMessageRecord; readonly peerMessages: number; readonly peerBytes: number }
  | { readonly stored: false; readonly reason: 'mailbox_peer_quota' | 'mailbox_full'; readonly detail: string };

/** The allow-list and the stored messages, with their quotas (durable: SQLite). */
export interface MailboxStore {
  readonly limits: MailboxQuotas;
  /** New quotas apply to messages stored from now on. */
  setLimits(change: Partial<MailboxQuotas>): MailboxQuotas;
  allow(nodeId: string, now: number): void;
  deny(nodeId: string): boolean;
  listAllowed(): { nodeId: string; since: number }[];
  /** Stores a message if the peer's and the total quotas allow it (checked and inserted atomically). */
  store(m: NewMailboxMessage, now: number): MailboxStoreResult;
  /** The messages held for `nodeId`, oldest first. */
  listFor(nodeId: string): MailboxMessageRecord[];
  /** Every stored message, oldest first. */
  list(limit?: number): MailboxMessageRecord[];
  delete(id: number): boolean;
  /** Deletes and returns the messages expired at `now`, except those in `keep` (being written right now). */
  expire(now: number, keep?: ReadonlySet<number>): MailboxMessageRecord[];
  totals(): { messages: number; bytes: number };
}

// ----- the traffic log -------------------------------------------------------------------------------

export interface MessageLogRow {
  readonly time: number;
  readonly messageId: string | null;
  /** Event type without `onion.`: received, delivered, forwarded, sent, replied, dropped, mailbox_… */
  readonly outcome: string;
  readonly peer: string | null;
  readonly tlvTypes: readonly string[];
  readonly size: number;
  /** The event (plain JSON data). */
  readonly event: Readonly<Record<string, unknown>>;
}

export interface StoredMessageLogRow extends MessageLogRow {
  readonly id: number;
}

export interface MessageLogFilter {
  /** Newest `limit` rows (returned oldest first); default 100. */
  readonly limit?: number;
  /** Rows about this peer (sender or next hop). */
  readonly peer?: string;
  /** Rows about messages with a record of this TLV type (decimal string). */
  readonly tlvType?: string;
  /** Rows with this outcome. */
  readonly outcome?: string;
}

/** The capped traffic log (one row per messenger event). */
export interface MessageLogStore {
  /** Appends rows in one transaction (the oldest beyond the cap go). */
  append(rows: readonly MessageLogRow[]): void;
  list(filter?: MessageLogFilter): StoredMessageLogRow[];
}
