/**
 * The onion messenger's events, one per step of every onion message; the node composes them into
 * its one event union (core/node/events.ts).
 */
import type { OnionHandlerKind, OnionRecordInfo, OnionRouteKind } from './types';

/**
 * Onion messenger events: one per step of every onion message. `messageId` (16 hex chars) ties
 * the steps of one message together. No secrets: no session keys, shared secrets or path ids.
 * `size` is the `onion_message` size in bytes unless said otherwise.
 */
export type OnionMessageEventBody =
  /** A peer handed us an onion message (before any check). */
  | { readonly type: 'onion.received'; readonly messageId: string; readonly from: string; readonly size: number }
  /** A message for us went to a handler. Application and reply deliveries carry the records and reply path. */
  | {
      readonly type: 'onion.delivered';
      readonly messageId: string;
      readonly from: string;
      readonly handler: OnionHandlerKind;
      readonly tlvType: string;
      /** Bytes of the message record's value. */
      readonly size: number;
      readonly dummyHopsPeeled: number;
      readonly hasReplyPath: boolean;
      /** For replies: the id of the message we sent. */
      readonly inReplyTo: string | null;
      readonly records?: readonly OnionRecordInfo[];
      /** The sender's reply path, hex `blinded_path`. */
      readonly replyPath?: string;
    }
  /** We passed a message on to the next hop's connection. */
  | { readonly type: 'onion.forwarded'; readonly messageId: string; readonly from: string; readonly to: string; readonly size: number }
  /** We handed a message we created to the first hop's connection. */
  | {
      readonly type: 'onion.sent';
      readonly messageId: string;
      readonly to: string;
      /** The destination node id, or the blinded path's introduction node. */
      readonly destination: string;
      readonly blinded: boolean;
      readonly route: OnionRouteKind;
      readonly tlvTypes: readonly string[];
      readonly hasReplyPath: boolean;
      readonly size: number;
      readonly records: readonly OnionRecordInfo[];
    }
  /** We sent an answer over a message's reply path. */
  | {
      readonly type: 'onion.replied';
      readonly messageId: string;
      readonly inReplyTo: string;
      readonly to: string;
      readonly tlvTypes: readonly string[];
      readonly hasReplyPath: boolean;
      readonly size: number;
      readonly records: readonly OnionRecordInfo[];
    }
  /** A message was dropped; `reason` is stable (see core/messenger/errors.ts), `code` an onion error code if any. */
  | {
      readonly type: 'onion.dropped';
      readonly messageId: string;
      readonly from: string | null;
      readonly to: string | null;
      readonly reason: string;
      readonly code: string | null;
      readonly detail: string;
      readonly size: number;
      /**
       * Throttled drops (rate_limited, node_busy) only: how many messages this event stands for
       * (coalesced per peer, THROTTLE_REPORT_MS), and `size` is their total. They were dropped
       * before any work, so no `onion.received` was published for them, and `messageId` names
       * the report, not one message.
       */
      readonly count?: number;
    }
  /** A message for an offline allow-listed peer was stored in the mailbox. */
  | { readonly type: 'onion.mailbox_stored'; readonly messageId: string; readonly nodeId: string; readonly from: string; readonly size: number; readonly expiresAt: number }
  /** The peer has messages waiting in our mailbox and should be woken (e.g. by a push notification). */
  | { readonly type: 'onion.mailbox_wake'; readonly nodeId: string; readonly messages: number; readonly bytes: number }
  /** A stored message was written to the peer's connection and deleted from the mailbox. */
  | { readonly type: 'onion.mailbox_forwarded'; readonly messageId: string; readonly nodeId: string; readonly size: number; readonly storedAt: number }
  /** A stored message expired before its peer came back. */
  | { readonly type: 'onion.mailbox_expired'; readonly messageId: string; readonly nodeId: string; readonly size: number; readonly storedAt: number };

/**
 * Who an onion-message event is about (the peer it came from or went to) and which message TLV
 * types it carries: what the traffic log files it under and what the UI filters by.
 */
export function onionEventParties(event: OnionMessageEventBody): { readonly peer: string | null; readonly tlvTypes: readonly string[] } {
  switch (event.type) {
    case 'onion.received':
      return { peer: event.from, tlvTypes: [] };
    case 'onion.delivered':
      return { peer: event.from, tlvTypes: [event.tlvType] };
    case 'onion.forwarded':
      return { peer: event.to, tlvTypes: [] };
    case 'onion.sent':
    case 'onion.replied':
      return { peer: event.to, tlvTypes: event.tlvTypes };
    case 'onion.dropped':
      return { peer: event.from ?? event.to, tlvTypes: [] };
    default:
      return { peer: event.nodeId, tlvTypes: [] };
  }
}
