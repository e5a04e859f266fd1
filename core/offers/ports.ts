/**
 * How the offers layer meets the onion messenger, as interfaces this layer declares (the messenger
 * dispatches to them; core/runtime's MessengerService satisfies `OffersMessenger`): the typed
 * handler of offers messages — the shape of rust-lightning's `OffersMessageHandler` — with the
 * decoded message and the path context the messenger authenticated, and what the offers adapter
 * needs to send. The store port the manager works through is manager/records.ts.
 */
import type { Analysis } from './message';
import type { InvoiceRequest } from './invoice-request';
import type { Invoice } from './invoice';
import type { InvoiceError } from './invoice-error';
import type { PublishedPathRecord } from './manager/records';
import type { BlindedPath } from '../wire';

/** An offers message for us (BOLT 4 `onionmsg_tlv` 64/66/68), decoded with this layer's codecs (every error listed). */
export type OffersMessage =
  | { readonly type: 'invoice_request'; readonly bytes: Uint8Array; readonly decoded: Analysis<InvoiceRequest> }
  | { readonly type: 'invoice'; readonly bytes: Uint8Array; readonly decoded: Analysis<Invoice> }
  | { readonly type: 'invoice_error'; readonly bytes: Uint8Array; readonly decoded: Analysis<InvoiceError> };

/** An offers message to send, as its bytes. */
export interface OffersMessageBytes {
  readonly type: OffersMessage['type'];
  readonly bytes: Uint8Array;
}

/** Where a message arrived, as the messenger authenticated it from the `path_id` of our hop. */
export type OffersContext =
  /** Over one of the blinded paths we published in an offer or a refund (its record, found by path_id). */
  | { readonly kind: 'published_path'; readonly path: PublishedPathRecord }
  /** Over a reply path we attached with this context (its tag checked). */
  | { readonly kind: 'reply'; readonly data: Uint8Array };

/** What the messenger knows about a message it delivers, besides the message. */
export interface OffersDelivery {
  /** The messenger's id of the onion message (events tie to it). */
  readonly messageId: string;
  /** The peer that handed it to us (not the sender: onion messages are anonymous). */
  readonly from: string;
  /** null: it did not come over a path of ours. */
  readonly context: OffersContext | null;
  /** It came over a blinded path whose path_id we never issued (someone else built it to us). */
  readonly unrecognizedPathId: boolean;
  /** Whether the sender attached a reply path (the messenger sends our answer over it). */
  readonly hasReplyPath: boolean;
  /** The sender's reply path (async payments: a static invoice server answers and forwards over it). */
  readonly replyPath?: BlindedPath;
}

/** Our answer, for the sender's reply path. */
export interface OffersResponse {
  readonly message: { readonly type: 'invoice' | 'invoice_error'; readonly bytes: Uint8Array };
  /** `replyWithReplyPath`: attach a reply path to us (we expect an answer). Default `reply`. */
  readonly instruction?: 'reply' | 'replyWithReplyPath';
}

/** Handles the offers family; returns the answer to send (or nothing), now or later. */
export interface OffersMessageHandler {
  handleOffersMessage(message: OffersMessage, delivery: OffersDelivery): OffersResponse | undefined | Promise<OffersResponse | undefined>;
}

/** What came back over the reply path of a message we sent: the offers message, decoded (undefined: none was in it). */
export interface OffersReply {
  readonly messageId: string;
  readonly message: OffersMessage | undefined;
  /** The replier's reply path, hex `blinded_path`. */
  readonly replyPath: string | null;
  /** Async payments: the reply was a static invoice (onion message 70) — its bytes, unchecked. */
  readonly staticInvoice?: Uint8Array;
}

export interface OffersSent {
  /** The peer the message was handed to. */
  readonly firstHop: string;
  /** Set when we waited for a reply and it came. */
  readonly reply?: OffersReply;
}

export interface OffersMessenger {
  /** Becomes the handler of the offers family; returns the function that removes it. */
  setOffersHandler(handler: OffersMessageHandler): () => void;
  /**
   * Sends one offers message to a node id or a hex blinded path; with `waitReplySeconds` a tagged
   * reply path is attached and the reply awaited (`messenger.reply_timeout` when none comes).
   */
  sendOffersMessage(params: {
    destination: string;
    message: OffersMessageBytes;
    replyPath?: boolean;
    waitReplySeconds?: number;
  }): Promise<OffersSent>;
}
