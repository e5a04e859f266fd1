/**
 * Errors of the onion messenger, and the reasons a message can be dropped.
 *
 * MessengerError codes (a request we cannot carry out):
 * - `messenger.no_route` — the destination (or a blinded path's introduction node) is neither a
 *   connected peer nor in the address book, and no `via` hops were given
 * - `messenger.bad_destination` — not a node id or a hex `blinded_path`
 * - `messenger.destination_is_us` — the message would end at our own node
 * - `messenger.bad_tlv` — a message record is below type 64, repeated, or there is none
 * - `messenger.message_too_large` — the records do not fit a 32,768-byte onion
 * - `messenger.peer_unsupported` — the first hop does not advertise `option_onion_messages`
 * - `messenger.handler_exists` — a handler is already registered for that TLV type
 * - `messenger.reserved_tlv_type` — offers and async payments types are not for applications
 * - `messenger.reply_timeout` — no reply arrived over our reply path in time
 * - `messenger.send_failed` — the message cannot be queued (the first hop's queue is full)
 * - `messenger.connect_failed` — dialling the first hop (from the address book) failed
 * - `messenger.stopped` — the node is stopping
 * - `messenger.bad_argument` — a programming error in a caller (e.g. a via hop that is us)
 */
import { GlasswingError } from '../errors';

export class MessengerError extends GlasswingError {}

/**
 * Why a message was dropped. Stable strings: counted in `messengerstats`, shown in events and
 * in the traffic log.
 */
export const DROP_REASONS = [
  /** The sending peer's inbound token bucket was empty. */
  'rate_limited',
  /** The node-wide inbound budget (all peers together) was spent; light peers are served first. */
  'node_busy',
  /** The packet does not decrypt or parse (the onion error code is in `code`). */
  'bad_onion',
  /** The `onion_message` itself did not decode (e.g. its path_key is not a point); the wire code is in `code`. */
  'malformed_message',
  /** It parses but breaks a BOLT 4 reader rule (e.g. a path_id at a forwarding hop). */
  'rule_violation',
  /** The next hop is given by a short_channel_id that is none of our channels. */
  'unknown_short_channel_id',
  /** The next hop is not connected and not on the mailbox allow-list. */
  'next_hop_offline',
  /** The next hop does not advertise option_onion_messages. */
  'next_hop_unsupported',
  /** The next hop's outbound queue is full. */
  'queue_full',
  /** All queues together reached the memory cap. */
  'memory_cap',
  /** Random early drop while a queue fills up. */
  'random_early_drop',
  /** The mailbox holds as many messages or bytes for that peer as it may. */
  'mailbox_peer_quota',
  /** The mailbox is full for everybody. */
  'mailbox_full',
  /** We could not connect to the first hop of a message waiting for that connection. */
  'connect_failed',
  /** The connection to the first hop was not ready in time. */
  'connect_timeout',
  /** The peer disconnected while the message was queued for it. */
  'peer_disconnected',
  /** The connection refused the message. */
  'send_failed',
  /** No route to a reply path's introduction node. */
  'no_route',
  /** A message for us with no message record (type >= 64). */
  'empty_message',
  /** A message for us of a TLV type nobody handles. */
  'no_handler',
  /** A message over one of our reply paths when no reply was awaited (late, or a replay). */
  'unexpected_reply',
  /** The handler threw or its reply could not be sent. */
  'handler_failed',
  /** A message for us whose reply path is longer than we answer over (MAX_REPLY_PATH_HOPS). */
  'reply_path_too_long',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export function isDropReason(value: unknown): value is DropReason {
  return typeof value === 'string' && (DROP_REASONS as readonly string[]).includes(value);
}
