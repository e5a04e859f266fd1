/**
 * The one table of Lightning message type numbers (BOLT 1 "Lightning Message Format": a 2-byte
 * big-endian type). Names are the spec's snake_case names. Not every type here has a codec yet:
 * `MESSAGE_CODECS` in message.ts lists the ones that do; the others decode as `unknown` when odd
 * and are refused (`wire.unknown_even_message`) when even, as for any type we do not understand.
 */
export const MESSAGE_TYPES = {
  // BOLT 1: setup & control (0-31)
  warning: 1,
  stfu: 2, // BOLT 2 channel quiescence
  peer_storage: 7,
  peer_storage_retrieval: 9,
  init: 16,
  error: 17,
  ping: 18,
  pong: 19,
  // BOLT 2: channel establishment v1 and close (32-63)
  open_channel: 32,
  accept_channel: 33,
  funding_created: 34,
  funding_signed: 35,
  channel_ready: 36,
  shutdown: 38,
  closing_signed: 39,
  closing_complete: 40,
  closing_sig: 41,
  // BOLT 2: channel establishment v2, interactive tx, splicing (64-127)
  open_channel2: 64,
  accept_channel2: 65,
  tx_add_input: 66,
  tx_add_output: 67,
  tx_remove_input: 68,
  tx_remove_output: 69,
  tx_complete: 70,
  tx_signatures: 71,
  tx_init_rbf: 72,
  tx_ack_rbf: 73,
  tx_abort: 74,
  splice_locked: 77,
  splice_init: 80,
  splice_ack: 81,
  start_batch: 127,
  // BOLT 2: commitment (128-255)
  update_add_htlc: 128,
  update_fulfill_htlc: 130,
  update_fail_htlc: 131,
  commitment_signed: 132,
  revoke_and_ack: 133,
  update_fee: 134,
  update_fail_malformed_htlc: 135,
  channel_reestablish: 136,
  // BOLT 7: routing gossip (256-511)
  channel_announcement: 256,
  node_announcement: 257,
  channel_update: 258,
  announcement_signatures: 259,
  query_short_channel_ids: 261,
  reply_short_channel_ids_end: 262,
  query_channel_range: 263,
  reply_channel_range: 264,
  gossip_timestamp_filter: 265,
  // BOLT 4: onion messages
  onion_message: 513,
} as const;

export type MessageTypeName = keyof typeof MESSAGE_TYPES;

const NAME_BY_NUMBER: ReadonlyMap<number, MessageTypeName> = new Map(
  (Object.entries(MESSAGE_TYPES) as [MessageTypeName, number][]).map(([name, n]) => [n, name]),
);

/** The spec name of a message type number, if the spec defines one. */
export function messageTypeName(typeNumber: number): MessageTypeName | undefined {
  return NAME_BY_NUMBER.get(typeNumber);
}
