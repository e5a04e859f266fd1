/**
 * Why the node dropped an onion message, in words. The reasons are the node's stable strings
 * (core/messenger/errors.ts `DROP_REASONS`, reported in `onion.dropped` and `messengerStats`);
 * a reason this table does not know yet is still shown, by its name.
 */

export interface DropReasonInfo {
  readonly label: string;
  readonly explain: string;
}

export const DROP_REASONS: Readonly<Record<string, DropReasonInfo>> = {
  rate_limited: { label: 'rate limited', explain: 'The sending peer went over its rate limit (its token bucket was empty).' },
  node_busy: { label: 'node busy', explain: 'All peers together went over the node-wide budget; peers sending little are served first.' },
  bad_onion: { label: 'bad onion', explain: 'The onion packet did not decrypt or parse; the onion error code says how.' },
  malformed_message: { label: 'malformed message', explain: 'The onion_message itself did not decode (for example, its path_key is not a point); the peer stays connected.' },
  rule_violation: { label: 'rule violation', explain: 'It parsed but broke a BOLT 4 reader rule (for example, a path_id at a forwarding hop).' },
  unknown_short_channel_id: { label: 'unknown channel', explain: 'The next hop was given by a short_channel_id that is none of our channels.' },
  next_hop_offline: { label: 'next hop offline', explain: 'The next hop is not connected and not on the mailbox allow-list.' },
  next_hop_unsupported: { label: 'next hop unsupported', explain: 'The next hop does not advertise option_onion_messages.' },
  queue_full: { label: 'queue full', explain: 'The next hop’s outbound queue was full.' },
  memory_cap: { label: 'memory cap', explain: 'All queues together reached the memory cap.' },
  random_early_drop: { label: 'random early drop', explain: 'Dropped at random while a queue filled up, to slow a flood early.' },
  mailbox_peer_quota: { label: 'mailbox quota (peer)', explain: 'The mailbox already holds as much as allowed for that peer.' },
  mailbox_full: { label: 'mailbox full', explain: 'The mailbox is full for everybody.' },
  connect_failed: { label: 'connect failed', explain: 'We could not connect to the first hop of a message waiting for that connection.' },
  connect_timeout: { label: 'connect timeout', explain: 'The connection to the first hop was not ready in time.' },
  peer_disconnected: { label: 'peer disconnected', explain: 'The peer disconnected while the message was queued for it.' },
  send_failed: { label: 'send failed', explain: 'The connection refused the message.' },
  no_route: { label: 'no route', explain: 'No route to a reply path’s introduction node.' },
  empty_message: { label: 'empty message', explain: 'A message for us without any message record (type 64 or more).' },
  no_handler: { label: 'no handler', explain: 'A message for us of a type nobody handles (listen for it on the Messages page).' },
  unexpected_reply: { label: 'unexpected reply', explain: 'A message over one of our reply paths when no reply was awaited (late, or a replay).' },
  handler_failed: { label: 'handler failed', explain: 'The handler failed, or its reply could not be sent.' },
  reply_path_too_long: { label: 'reply path too long', explain: 'A message for us came with a reply path longer than we answer over (20 hops); building a reply costs one curve operation per hop.' },
};

export function dropReasonLabel(reason: string): string {
  return DROP_REASONS[reason]?.label ?? reason.replace(/_/g, ' ');
}

export function dropReasonExplain(reason: string): string {
  return DROP_REASONS[reason]?.explain ?? 'A reason this version of the app does not describe yet.';
}
