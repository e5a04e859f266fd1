/**
 * What handlers see and return. Handlers are registered per message TLV type; they return
 * their reply (or nothing) and the messenger sends it over the sender's reply path.
 */
import type { BlindedPath, TlvRecord } from '../wire';
import type { HandlerKind } from './constants';

/** A message for us, as a handler receives it. */
export interface ReceivedMessage {
  readonly messageId: string;
  /** The peer that handed it to us (not the originator: onion messages are anonymous). */
  readonly from: string;
  /** The message record's type (the one record of type >= 64). */
  readonly tlvType: bigint;
  readonly value: Uint8Array;
  /** Every message record (BOLT 4 lets a final node accept only one; this holds that one). */
  readonly records: readonly TlvRecord[];
  /** BOLT 4 `reply_path`: where the sender accepts an answer. */
  readonly replyPath: BlindedPath | undefined;
  /**
   * The `path_id` of our hop, when the message came over a path with one that is not one of the
   * messenger's reply paths (e.g. a path an offer published): the handler checks it.
   */
  readonly pathId: Uint8Array | undefined;
  readonly dummyHopsPeeled: number;
  readonly receivedAt: number;
}

/** What to do with a handler's reply. */
export type ReplyInstruction =
  /** Send it over the sender's reply path. */
  | 'reply'
  /** Send it over the sender's reply path, with a reply path to us attached (we expect an answer). */
  | 'replyWithReplyPath';

export interface HandlerReply {
  readonly records: readonly TlvRecord[];
  /** Default `reply`. */
  readonly instruction?: ReplyInstruction;
}

/** null or undefined: no reply. */
export type HandlerOutcome = HandlerReply | null | undefined;

/** Handles one message; may answer now or later (a promise). */
export type MessageHandler = (message: ReceivedMessage) => HandlerOutcome | Promise<HandlerOutcome>;

export interface RegisteredHandler {
  readonly tlvType: bigint;
  readonly kind: Exclude<HandlerKind, 'reply'>;
  readonly handle: MessageHandler;
}
