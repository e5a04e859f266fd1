/**
 * BOLT 1 setup and control messages: `error`, `warning`, `ping`, `pong`, `peer_storage`,
 * `peer_storage_retrieval`. (`init` is in messages-init.ts, with its features and TLVs.)
 */
import { codecs } from './codec';
import { defineMessage, noTlvs } from './message-codec';
import type { TypedMessage } from './message-codec';

const c = codecs;

/** BOLT 1 `error` (type 17). Named ErrorMessage so it does not shadow the global Error. */
export interface ErrorMessage extends TypedMessage<'error'> {
  /** `channel_id`, or all zeros for "all channels" */
  readonly channelId: Uint8Array;
  /** `data` (u16 `len` on the wire): diagnostic text, not necessarily printable */
  readonly data: Uint8Array;
}

/** BOLT 1 `warning` (type 1). */
export interface Warning extends TypedMessage<'warning'> {
  /** `channel_id`, or all zeros when not about a specific channel */
  readonly channelId: Uint8Array;
  /** `data` (u16 `len` on the wire) */
  readonly data: Uint8Array;
}

export const errorCodec = defineMessage<ErrorMessage>(
  'error',
  c.struct({ channelId: c.channelId, data: c.bytesU16 }),
  noTlvs('error_tlvs'),
);

export const warningCodec = defineMessage<Warning>(
  'warning',
  c.struct({ channelId: c.channelId, data: c.bytesU16 }),
  noTlvs('warning_tlvs'),
);

/**
 * BOLT 1: a `ping` with `num_pong_bytes` of 65532 or more asks for no `pong` (the largest
 * possible pong payload is 65531 bytes).
 */
export const PING_NO_PONG_THRESHOLD = 65532;

/** BOLT 1 `ping` (type 18). */
export interface Ping extends TypedMessage<'ping'> {
  /** `num_pong_bytes`: how many `ignored` bytes the pong must carry */
  readonly numPongBytes: number;
  /** `ignored` (u16 `byteslen` on the wire); senders set it to zeros */
  readonly ignored: Uint8Array;
}

/** BOLT 1 `pong` (type 19). */
export interface Pong extends TypedMessage<'pong'> {
  /** `ignored` (u16 `byteslen` on the wire) */
  readonly ignored: Uint8Array;
}

export const pingCodec = defineMessage<Ping>(
  'ping',
  c.struct({ numPongBytes: c.u16, ignored: c.bytesU16 }),
  noTlvs('ping_tlvs'),
);

export const pongCodec = defineMessage<Pong>('pong', c.struct({ ignored: c.bytesU16 }), noTlvs('pong_tlvs'));

/** BOLT 1 `peer_storage` (type 7, `option_provide_storage`). */
export interface PeerStorage extends TypedMessage<'peer_storage'> {
  /** `blob` (u16 `length` on the wire; at most 65531 bytes) */
  readonly blob: Uint8Array;
}

/** BOLT 1 `peer_storage_retrieval` (type 9). */
export interface PeerStorageRetrieval extends TypedMessage<'peer_storage_retrieval'> {
  /** `blob`: the last one stored for the receiver */
  readonly blob: Uint8Array;
}

export const peerStorageCodec = defineMessage<PeerStorage>(
  'peer_storage',
  c.struct({ blob: c.bytesU16 }),
  noTlvs('peer_storage_tlvs'),
);

export const peerStorageRetrievalCodec = defineMessage<PeerStorageRetrieval>(
  'peer_storage_retrieval',
  c.struct({ blob: c.bytesU16 }),
  noTlvs('peer_storage_retrieval_tlvs'),
);

/**
 * BOLT 1 receiving `ping`: "if num_pong_bytes is less than 65532: MUST respond by sending a pong
 * message, with byteslen equal to num_pong_bytes; otherwise MUST ignore the ping". The pong's
 * `ignored` is zeros (BOLT 1: "SHOULD set ignored to 0s").
 */
export function pongFor(ping: Ping): Pong | undefined {
  if (ping.numPongBytes >= PING_NO_PONG_THRESHOLD) return undefined;
  return { type: 'pong', ignored: new Uint8Array(ping.numPongBytes) };
}

/**
 * The `data` of an error or warning as text, if it is safe to show: BOLT 1 "if data is not
 * composed solely of printable ASCII characters (byte values 32 through 126, inclusive): SHOULD
 * NOT print out data verbatim". Returns undefined otherwise (show it as hex instead).
 */
export function printableErrorData(data: Uint8Array): string | undefined {
  let text = '';
  for (const b of data) {
    if (b < 32 || b > 126) return undefined;
    text += String.fromCharCode(b);
  }
  return text;
}
