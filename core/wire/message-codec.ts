/**
 * How one Lightning message is defined: its type number, its fixed payload fields (a struct
 * codec, in spec order) and the TLV stream of its `extension` (BOLT 1 "Lightning Message Format":
 * type, payload, optional extension TLV stream).
 */
import type { ByteReader } from './reader';
import type { ByteWriter } from './writer';
import type { Codec } from './codec';
import type { TlvRecord } from './tlv';
import { defineTlvStream } from './typed-tlv';
import type { TlvStreamCodec } from './typed-tlv';
import { MESSAGE_TYPES } from './message-types';
import type { MessageTypeName } from './message-types';

/** The extension of a message whose spec defines no TLV records (only unknown odd ones). */
export interface NoTlvs {
  /** Unknown odd records of the extension, kept byte-for-byte. */
  readonly unknownTlvs?: readonly TlvRecord[];
}

/** The shape every typed message shares. */
export interface TypedMessage<N extends MessageTypeName, T extends NoTlvs = NoTlvs> {
  readonly type: N;
  /** The message extension (BOLT 1). Always present after decoding. */
  readonly tlvs?: T;
}

export interface MessageCodec<M extends TypedMessage<MessageTypeName, NoTlvs>> {
  readonly name: M['type'];
  readonly typeNumber: number;
  /** Reads the payload and the extension (everything after the 2-byte type). */
  read(r: ByteReader): M;
  /** Writes the payload and the extension (not the 2-byte type). */
  write(w: ByteWriter, m: M): void;
}

type Payload<M> = Omit<M, 'type' | 'tlvs'>;
type TlvsOf<M extends TypedMessage<MessageTypeName, NoTlvs>> = NonNullable<M['tlvs']>;

/** A TLV stream for messages that define no records: every unknown odd record is kept. */
export function noTlvs(name: string): TlvStreamCodec<NoTlvs> {
  return defineTlvStream(name, {});
}

export function defineMessage<M extends TypedMessage<MessageTypeName, NoTlvs>>(
  name: M['type'],
  payload: Codec<Payload<M>>,
  tlvs: TlvStreamCodec<TlvsOf<M>>,
): MessageCodec<M> {
  return {
    name,
    typeNumber: MESSAGE_TYPES[name],
    read(r) {
      const fields = payload.read(r, name);
      // BOLT 1: the extension is the TLV stream that follows the payload, up to the end.
      const ext = tlvs.read(r);
      return { type: name, ...fields, tlvs: ext } as unknown as M;
    },
    write(w, m) {
      payload.write(w, m as unknown as Payload<M>, name);
      tlvs.write(w, (m.tlvs ?? {}) as TlvsOf<M>);
    },
  };
}
