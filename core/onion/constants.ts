/** BOLT 4 numbers in one table: sizes, key types and TLV type numbers. */

/** BOLT 4 packet structure: `version` 0. */
export const ONION_VERSION = 0;
/** BOLT 4: the payment `hop_payloads` area is 1,300 bytes. */
export const PAYMENT_PAYLOAD_SIZE = 1300;
/** BOLT 4 onion messages: "SHOULD set `onion_message_packet` `len` to 1366 or 32834". */
export const MESSAGE_PAYLOAD_SIZES = [1300, 32768] as const;
/** version (1) + public_key (33) + hmac (32): the bytes around the payload area. */
export const PACKET_OVERHEAD = 66;
export const HMAC_LENGTH = 32;
/** BOLT 4 `onion_message` carries the packet behind a u16 length. */
export const MAX_MESSAGE_PACKET_LENGTH = 0xffff;

/**
 * BOLT 4 Key Generation: the key types are the ASCII bytes of their names, without a NUL.
 * `ammag` is the failure obfuscation key (Returning Errors); `blinded_node_id` is route blinding's.
 */
export const KEY_TYPE = {
  rho: 'rho',
  mu: 'mu',
  um: 'um',
  pad: 'pad',
  ammag: 'ammag',
  blindedNodeId: 'blinded_node_id',
} as const;
export type KeyType = (typeof KEY_TYPE)[keyof typeof KEY_TYPE];

/** BOLT 4 `payload` TLV types (payment onions). */
export const PAYMENT_TLV = {
  amtToForward: 2n,
  outgoingCltvValue: 4n,
  shortChannelId: 6n,
  paymentData: 8n,
  encryptedRecipientData: 10n,
  currentPathKey: 12n,
  paymentMetadata: 16n,
  totalAmountMsat: 18n,
} as const;

/** BOLT 4 `onionmsg_tlv` types. Types 64 and above carry messages for the final hop. */
export const ONIONMSG_TLV = {
  replyPath: 2n,
  encryptedRecipientData: 4n,
  /** First type reserved for final-hop message payloads (invoice_request = 64, ...). */
  firstMessageType: 64n,
} as const;

/** BOLT 4 `encrypted_data_tlv` types. */
export const ENCRYPTED_DATA_TLV = {
  padding: 1n,
  shortChannelId: 2n,
  nextNodeId: 4n,
  pathId: 6n,
  nextPathKeyOverride: 8n,
  paymentRelay: 10n,
  paymentConstraints: 12n,
  allowedFeatures: 14n,
} as const;

/** BOLT 4 Returning Errors, origin node: "continue decrypting ... 27 times". */
export const FAILURE_DECRYPT_ROUNDS = 27;
/** BOLT 4 erring node: "SHOULD set pad such that failure_len plus pad_len is equal to 256". */
export const FAILURE_MESSAGE_PADDED_LENGTH = 256;
