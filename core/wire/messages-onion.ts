/** BOLT 4 `onion_message` (type 513, `option_onion_messages`). */
import { codecs } from './codec';
import { defineMessage, noTlvs } from './message-codec';
import type { TypedMessage } from './message-codec';

/** BOLT 4 `onion_message`: a blinded path key and an onion packet for the next hop. */
export interface OnionMessage extends TypedMessage<'onion_message'> {
  /** BOLT 4 `path_key`: the blinding point for the receiving node (33 bytes, 02/03; on the curve is checked by the peel). */
  readonly pathKey: Uint8Array;
  /** BOLT 4 `onion_message_packet` (u16 `len` on the wire); parsed by core/onion. */
  readonly onionMessagePacket: Uint8Array;
}

export const onionMessageCodec = defineMessage<OnionMessage>(
  'onion_message',
  // The path_key's curve check is the peel's (its ECDH), after the messenger's rate limit: a flood
  // of messages must not buy a point decompression each before it is dropped.
  codecs.struct({ pathKey: codecs.pointShape, onionMessagePacket: codecs.bytesU16 }),
  noTlvs('onion_message_tlvs'),
);
