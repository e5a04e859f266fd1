/** BOLT 4 `onion_message` (type 513, `option_onion_messages`). */
import { codecs } from './codec';
import { defineMessage, noTlvs } from './message-codec';
import type { TypedMessage } from './message-codec';

/** BOLT 4 `onion_message`: a blinded path key and an onion packet for the next hop. */
export interface OnionMessage extends TypedMessage<'onion_message'> {
  /** BOLT 4 `path_key`: the blinding point for the receiving node. */
  readonly pathKey: Uint8Array;
  /** BOLT 4 `onion_message_packet` (u16 `len` on the wire); parsed by core/onion. */
  readonly onionMessagePacket: Uint8Array;
}

export const onionMessageCodec = defineMessage<OnionMessage>(
  'onion_message',
  codecs.struct({ pathKey: codecs.point, onionMessagePacket: codecs.bytesU16 }),
  noTlvs('onion_message_tlvs'),
);
