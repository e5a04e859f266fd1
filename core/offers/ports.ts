/**
 * What the offers service (core/runtime/offers) needs from the onion messenger, as a narrow
 * interface the messenger's adapter satisfies; the store interfaces the manager works through are
 * in manager/records.ts.
 */
import type { BlindedPath, TlvRecord } from '../wire';

/** A message the messenger hands an offers handler. */
export interface OffersIncoming {
  readonly messageId: string;
  readonly value: Uint8Array;
  readonly pathId: Uint8Array | undefined;
  readonly replyPath: BlindedPath | undefined;
}

/** What came back over the reply path of a message we sent (records as API text: decimal type, hex value). */
export interface OffersReply {
  readonly messageId: string;
  readonly records: readonly { readonly type: string; readonly value: string }[];
  /** The replier's reply path, hex `blinded_path`. */
  readonly replyPath: string | null;
}

export interface OffersSent {
  /** The peer the message was handed to. */
  readonly firstHop: string;
  /** Set when we waited for a reply and it came. */
  readonly reply?: OffersReply;
}

export interface OffersMessenger {
  registerHandler(tlvType: bigint, handler: (message: OffersIncoming) => { records: TlvRecord[] } | undefined): () => void;
  send(params: {
    destination: string;
    tlvs: readonly { type: string; value: string }[];
    replyPath?: boolean;
    waitReplySeconds?: number;
  }): Promise<OffersSent>;
}
