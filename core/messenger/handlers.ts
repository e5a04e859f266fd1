/**
 * What handlers see and return, by family. The messenger decodes a message for us by the family
 * its TLV type belongs to (constants.ts `MESSAGE_TLV`) and hands it to that family's typed
 * handler with the path context it authenticated:
 *
 * - offers (64/66/68): `OffersMessageHandler` (declared by core/offers, ports.ts), one handler;
 * - async payments (70/72/74, 75540–75546): `AsyncPaymentsMessageHandler`, one handler;
 * - every other type ≥ 64: custom handlers, registered per TLV type, which get the raw records.
 *
 * The shapes follow rust-lightning's `OffersMessageHandler`, `AsyncPaymentsMessageHandler` and
 * `CustomOnionMessageHandler`. Handlers return their answer (or nothing), now or as a promise;
 * the messenger sends it over the sender's reply path.
 */
import type { BlindedPath, TlvRecord } from '../wire';
import type { Analysis, StaticInvoice } from '../offers';
import type { OffersContext } from '../offers/ports';
import type { HandlerKind } from './constants';

/**
 * Where a message for us arrived, authenticated from the `path_id` of our hop: over a path we
 * published (offers and refunds), or over a reply path we attached with a context. Null when it
 * did not come over a path of ours.
 */
export type MessageContext = OffersContext;

/** A message for us as custom handlers (and the waiters of replies) receive it: raw records. */
export interface ReceivedMessage {
  readonly messageId: string;
  /** The peer that handed it to us (not the originator: onion messages are anonymous). */
  readonly from: string;
  /** The message record's type (the one record of type >= 64). */
  readonly tlvType: bigint;
  readonly value: Uint8Array;
  /** Every message record (BOLT 4 lets a final node accept only one; this holds that one). */
  readonly records: readonly TlvRecord[];
  /** BOLT 4 `reply_path`: where the sender accepts an answer. */
  readonly replyPath: BlindedPath | undefined;
  /** What the path it came over was for, when it is one of ours (the messenger checked its path_id). */
  readonly context: MessageContext | null;
  /** It came over a blinded path whose path_id we never issued. */
  readonly unrecognizedPathId: boolean;
  readonly dummyHopsPeeled: number;
  readonly receivedAt: number;
}

/** What to do with a handler's reply. */
export type ReplyInstruction =
  /** Send it over the sender's reply path. */
  | 'reply'
  /** Send it over the sender's reply path, with a reply path to us attached (we expect an answer). */
  | 'replyWithReplyPath';

export interface HandlerReply {
  readonly records: readonly TlvRecord[];
  /** Default `reply`. */
  readonly instruction?: ReplyInstruction;
  /** With `replyWithReplyPath`: the context our reply path carries (authenticated, handed back with the answer). */
  readonly replyContext?: Uint8Array;
}

/** null or undefined: no reply. */
export type HandlerOutcome = HandlerReply | null | undefined;

/** A custom (application) handler: one TLV type, the raw records. May answer now or later. */
export type MessageHandler = (message: ReceivedMessage) => HandlerOutcome | Promise<HandlerOutcome>;

/** A custom handler as registered. */
export interface RegisteredHandler {
  readonly tlvType: bigint;
  readonly kind: Exclude<HandlerKind, 'reply'>;
}

// ----- async payments --------------------------------------------------------------------------

/** The async payments messages (numbers as LDK ships them, constants.ts), other than the static invoice. */
export type AsyncPaymentsMessageType =
  | 'held_htlc_available' | 'release_held_htlc' | 'offer_paths_request' | 'offer_paths' | 'serve_static_invoice' | 'static_invoice_persisted';

/**
 * An async payments message for us, decoded: a static invoice with core/offers' codec, the others
 * as their TLV stream (their fields are not specified in the BOLTs yet: lightning/bolts#1149).
 */
export type AsyncPaymentsMessage =
  | { readonly type: 'static_invoice'; readonly bytes: Uint8Array; readonly decoded: Analysis<StaticInvoice> }
  | { readonly type: AsyncPaymentsMessageType; readonly bytes: Uint8Array; readonly tlvs: readonly TlvRecord[] };

/** What the messenger knows about an async payments message it delivers (as for offers). */
export interface MessageDelivery {
  readonly messageId: string;
  readonly from: string;
  readonly context: MessageContext | null;
  readonly unrecognizedPathId: boolean;
  readonly hasReplyPath: boolean;
  /**
   * The sender's reply path, for a handler that passes it on (a static invoice server forwards a
   * payer's invoice_request to the recipient with it) — answers go over it through the returned response.
   */
  readonly replyPath?: BlindedPath;
}

/** An async payments answer: one of the family's messages as its TLV stream. */
export interface AsyncPaymentsResponse {
  readonly message: { readonly type: AsyncPaymentsMessageType | 'static_invoice'; readonly bytes: Uint8Array };
  readonly instruction?: ReplyInstruction;
  /** With `replyWithReplyPath`: the context our reply path carries (e.g. offer_paths → serve_static_invoice). */
  readonly replyContext?: Uint8Array;
}

type AsyncOutcome = AsyncPaymentsResponse | undefined | Promise<AsyncPaymentsResponse | undefined>;

/** The async payments family: one method per message, as rust-lightning's handler has. */
export interface AsyncPaymentsMessageHandler {
  /** An often-offline recipient's LSP asks for its static invoice to be served (or an LSP serves one): 70. */
  handleStaticInvoice(message: Extract<AsyncPaymentsMessage, { type: 'static_invoice' }>, delivery: MessageDelivery): AsyncOutcome;
  /** A payer's LSP holds an HTLC for the recipient: 72. */
  handleHeldHtlcAvailable(message: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncOutcome;
  /** The recipient is online: release the held HTLC: 74. */
  handleReleaseHeldHtlc(message: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncOutcome;
  /** 75540 … 75546: offer paths for an often-offline recipient, and its static invoices, from and to its LSP. */
  handleOfferPathsRequest(message: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncOutcome;
  handleOfferPaths(message: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncOutcome;
  handleServeStaticInvoice(message: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncOutcome;
  handleStaticInvoicePersisted(message: AsyncPaymentsMessage, delivery: MessageDelivery): AsyncOutcome;
}
