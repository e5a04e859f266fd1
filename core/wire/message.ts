/**
 * Lightning messages (BOLT 1 "Lightning Message Format"): a 2-byte big-endian type, the payload,
 * and an optional extension TLV stream. `decodeMessage` returns a typed `Message` or throws a
 * WireError; `encodeMessage` is its inverse.
 *
 *   decodeMessage(bytes)   // { type: 'ping', numPongBytes: 4, ignored: Uint8Array(0), tlvs: {...} }
 *   encodeMessage({ type: 'pong', ignored: new Uint8Array(4) })
 */
import { ByteReader } from './reader';
import { ByteWriter } from './writer';
import { WireError } from './errors';
import { messageTypeName } from './message-types';
import type { MessageCodec, NoTlvs, TypedMessage } from './message-codec';
import type { MessageTypeName } from './message-types';
import { initCodec } from './messages-init';
import type { Init } from './messages-init';
import {
  errorCodec, peerStorageCodec, peerStorageRetrievalCodec, pingCodec, pongCodec, warningCodec,
} from './messages-setup';
import type { ErrorMessage, PeerStorage, PeerStorageRetrieval, Ping, Pong, Warning } from './messages-setup';
import {
  acceptChannelCodec, channelReadyCodec, fundingCreatedCodec, fundingSignedCodec, openChannelCodec,
} from './messages-establish';
import type { AcceptChannel, ChannelReady, FundingCreated, FundingSigned, OpenChannel } from './messages-establish';
import { onionMessageCodec } from './messages-onion';
import type { OnionMessage } from './messages-onion';
import {
  channelReestablishCodec, closingCompleteCodec, closingSigCodec, closingSignedCodec, commitmentSignedCodec, revokeAndAckCodec, shutdownCodec, stfuCodec,
  revokeAndAckCodecFor, updateAddHtlcCodec, updateAddHtlcCodecFor, updateFailHtlcCodec, updateFailMalformedHtlcCodec, updateFeeCodec, updateFulfillHtlcCodec,
} from './messages-channel';
import type { WireOptions } from './async-payments';
import {
  announcementSignaturesCodec, channelAnnouncementCodec, channelUpdateCodec, gossipTimestampFilterCodec, nodeAnnouncementCodec,
  queryChannelRangeCodec, queryShortChannelIdsCodec, replyChannelRangeCodec, replyShortChannelIdsEndCodec,
} from './messages-gossip';
import type { GossipMessage } from './messages-gossip';
import type {
  ChannelReestablish, ClosingComplete, ClosingSig, ClosingSigned, CommitmentSigned, RevokeAndAck, Shutdown, Stfu, UpdateAddHtlc, UpdateFailHtlc,
  UpdateFailMalformedHtlc, UpdateFee, UpdateFulfillHtlc,
} from './messages-channel';

/** BOLT 1: "the maximum possible size is 65535 bytes" (type included). */
export const MAX_MESSAGE_LENGTH = 65535;

/** A message of an odd type we do not understand (BOLT 1: "MUST ignore the received message"). */
export interface UnknownMessage {
  readonly type: 'unknown';
  /** The 2-byte type number (always odd). */
  readonly typeNumber: number;
  /** Everything after the type, unparsed. */
  readonly payload: Uint8Array;
}

/** Every message with a typed codec. */
export type KnownMessage =
  | Init
  | ErrorMessage
  | Warning
  | Ping
  | Pong
  | PeerStorage
  | PeerStorageRetrieval
  | Stfu
  | OpenChannel
  | AcceptChannel
  | FundingCreated
  | FundingSigned
  | ChannelReady
  | OnionMessage
  | UpdateAddHtlc
  | UpdateFulfillHtlc
  | UpdateFailHtlc
  | UpdateFailMalformedHtlc
  | CommitmentSigned
  | RevokeAndAck
  | UpdateFee
  | ChannelReestablish
  | Shutdown
  | ClosingSigned
  | ClosingComplete
  | ClosingSig
  | GossipMessage;

export type Message = KnownMessage | UnknownMessage;

/** The spec names of the messages we decode. */
export type KnownMessageName = KnownMessage['type'];

/** The message interface for a name: `MessageOf<'ping'>` is `Ping`. */
export type MessageOf<N extends KnownMessageName> = Extract<KnownMessage, { type: N }>;

/** One codec per known message, by name. */
export const MESSAGE_CODECS: { readonly [N in KnownMessageName]: MessageCodec<MessageOf<N>> } = {
  init: initCodec,
  error: errorCodec,
  warning: warningCodec,
  ping: pingCodec,
  pong: pongCodec,
  peer_storage: peerStorageCodec,
  peer_storage_retrieval: peerStorageRetrievalCodec,
  stfu: stfuCodec,
  open_channel: openChannelCodec,
  accept_channel: acceptChannelCodec,
  funding_created: fundingCreatedCodec,
  funding_signed: fundingSignedCodec,
  channel_ready: channelReadyCodec,
  onion_message: onionMessageCodec,
  update_add_htlc: updateAddHtlcCodec,
  update_fulfill_htlc: updateFulfillHtlcCodec,
  update_fail_htlc: updateFailHtlcCodec,
  update_fail_malformed_htlc: updateFailMalformedHtlcCodec,
  commitment_signed: commitmentSignedCodec,
  revoke_and_ack: revokeAndAckCodec,
  update_fee: updateFeeCodec,
  channel_reestablish: channelReestablishCodec,
  shutdown: shutdownCodec,
  closing_signed: closingSignedCodec,
  closing_complete: closingCompleteCodec,
  closing_sig: closingSigCodec,
  announcement_signatures: announcementSignaturesCodec,
  channel_announcement: channelAnnouncementCodec,
  node_announcement: nodeAnnouncementCodec,
  channel_update: channelUpdateCodec,
  query_short_channel_ids: queryShortChannelIdsCodec,
  reply_short_channel_ids_end: replyShortChannelIdsEndCodec,
  query_channel_range: queryChannelRangeCodec,
  reply_channel_range: replyChannelRangeCodec,
  gossip_timestamp_filter: gossipTimestampFilterCodec,
};

type AnyMessageCodec = MessageCodec<TypedMessage<MessageTypeName, NoTlvs>>;

const CODEC_BY_NUMBER: ReadonlyMap<number, AnyMessageCodec> = new Map(
  Object.values(MESSAGE_CODECS).map((c) => [c.typeNumber, c as unknown as AnyMessageCodec]),
);

/**
 * The codec of a type number on a wire with these options: the messages that carry async payments
 * numbers (update_add_htlc, revoke_and_ack) come in the configured profile's form.
 */
function codecOf(typeNumber: number, opts: WireOptions | undefined): AnyMessageCodec | undefined {
  const profile = opts?.asyncPayments;
  if (profile) {
    if (typeNumber === updateAddHtlcCodec.typeNumber) return updateAddHtlcCodecFor(profile) as unknown as AnyMessageCodec;
    if (typeNumber === revokeAndAckCodec.typeNumber) return revokeAndAckCodecFor(profile) as unknown as AnyMessageCodec;
  }
  return CODEC_BY_NUMBER.get(typeNumber);
}

/** True if we have a typed codec for this type number. */
export function isKnownMessageType(typeNumber: number): boolean {
  return CODEC_BY_NUMBER.has(typeNumber);
}

/** Reads the 2-byte type of a message without decoding the rest. */
export function peekMessageType(bytes: Uint8Array): number {
  return new ByteReader(bytes).readU16('type');
}

/**
 * Decodes one whole message. Unknown odd types give `{ type: 'unknown' }`; unknown even types are
 * WireError `wire.unknown_even_message` (BOLT 1: "MUST close the connection"); a short payload is
 * `wire.eof`; an invalid extension is the TLV error (`wire.tlv_*`, `wire.eof`, ...).
 */
export function decodeMessage(bytes: Uint8Array): Message {
  return decodeWith(bytes, undefined);
}

function decodeWith(bytes: Uint8Array, opts: WireOptions | undefined): Message {
  const r = new ByteReader(bytes);
  const typeNumber = r.readU16('type');
  const codec = codecOf(typeNumber, opts);
  if (codec) return codec.read(r) as KnownMessage;
  // BOLT 1 receiving node: unknown odd type → ignore; unknown even type → close the connection.
  if (typeNumber % 2 === 1) return { type: 'unknown', typeNumber, payload: r.readRest().slice() };
  const name = messageTypeName(typeNumber);
  throw new WireError(
    'wire.unknown_even_message',
    `unknown even message type ${typeNumber}${name ? ` (${name}, which this node does not implement)` : ''}`,
    { typeNumber },
  );
}

/** Encodes a message: type, payload, extension. Refuses what `decodeMessage` would not give back. */
export function encodeMessage(m: Message): Uint8Array {
  return encodeWith(m, undefined);
}

function encodeWith(m: Message, opts: WireOptions | undefined): Uint8Array {
  const w = new ByteWriter(128);
  if (m.type === 'unknown') {
    const n = m.typeNumber;
    if (!Number.isInteger(n) || n < 0 || n > 0xffff || n % 2 === 0 || CODEC_BY_NUMBER.has(n)) {
      throw new WireError('wire.bad_value', `unknown message: type ${n} must be an odd u16 without a typed codec`);
    }
    if (!(m.payload instanceof Uint8Array)) throw new WireError('wire.bad_value', 'unknown message: payload must be bytes');
    w.writeU16(n, 'type').writeBytes(m.payload);
  } else {
    const byName = (MESSAGE_CODECS as Partial<Record<string, AnyMessageCodec>>)[m.type];
    const codec = byName && codecOf(byName.typeNumber, opts);
    if (!codec) throw new WireError('wire.bad_value', `no codec for message type "${String(m.type)}"`);
    w.writeU16(codec.typeNumber, 'type');
    codec.write(w, m);
  }
  if (w.length > MAX_MESSAGE_LENGTH) {
    throw new WireError('wire.too_large', `${m.type}: ${w.length} bytes is over the ${MAX_MESSAGE_LENGTH}-byte message limit`);
  }
  return w.finish();
}

/** decodeMessage / encodeMessage for one wire's options (which async payments numbers it carries). */
export interface MessageWire {
  readonly options: WireOptions;
  decode(bytes: Uint8Array): Message;
  encode(m: Message): Uint8Array;
}

/** The message codecs of a wire whose async payments numbers are `opts.asyncPayments`'s (async-payments.ts). */
export function messageWire(opts: WireOptions = {}): MessageWire {
  return { options: opts, decode: (bytes) => decodeWith(bytes, opts), encode: (m) => encodeWith(m, opts) };
}
