/**
 * What an async payments role returns from each input (sans-I/O): messages to send, writes to
 * persist first, events to publish once they are durable.
 */
import type { AsyncOnionMessage, AsyncPaymentsProfile, BlindedPath } from '../../wire';
import { encodeAsyncOnionMessage } from '../../wire';
import type { AsyncEventBody } from './events';

/** One onion message's record: its `onionmsg_tlv` type and value. */
export interface AsyncOutMessage {
  readonly name: string;
  readonly tlvType: bigint;
  readonly bytes: Uint8Array;
}

export type AsyncAction =
  /** Answer over the incoming message's reply path; with `replyContext`, attach a reply path to us carrying it. */
  | { readonly kind: 'reply'; readonly message: AsyncOutMessage; readonly replyContext?: Uint8Array }
  /**
   * Send over a blinded path. `replyContext`: attach a reply path to us carrying it;
   * `forwardedReplyPath`: attach somebody else's (a payer's invoice_request passed on to R).
   */
  | {
      readonly kind: 'send';
      readonly destination: BlindedPath;
      readonly message: AsyncOutMessage;
      readonly replyContext?: Uint8Array;
      readonly forwardedReplyPath?: BlindedPath;
    }
  /**
   * R online: answer a forwarded invoice_request (checked against our offer) with an ordinary
   * invoice — the offers manager issues it — over the payer's reply path.
   */
  | { readonly kind: 'issue_invoice'; readonly offerId: string; readonly offer: string; readonly invoiceRequest: Uint8Array; readonly replyPath: BlindedPath };

export interface AsyncStep<W = never> {
  readonly actions: readonly AsyncAction[];
  /** Persist these (in order, atomically) before any action is taken. */
  readonly writes: readonly W[];
  readonly events: readonly AsyncEventBody[];
}

/** The record of one of the family's messages, in `profile`'s numbers. */
export function asyncMessage(profile: AsyncPaymentsProfile, m: AsyncOnionMessage): AsyncOutMessage {
  const n = profile.onionMessages;
  const tlvType = {
    offer_paths_request: n.offerPathsRequest,
    offer_paths: n.offerPaths,
    serve_static_invoice: n.serveStaticInvoice,
    static_invoice_persisted: n.staticInvoicePersisted,
    held_htlc_available: n.heldHtlcAvailable,
    release_held_htlc: n.releaseHeldHtlc,
  }[m.type];
  return { name: m.type, tlvType, bytes: encodeAsyncOnionMessage(m, { lengthPrefixed: profile.lengthPrefixedMessages }) };
}

export class AsyncCollector<W> {
  readonly actions: AsyncAction[] = [];
  readonly writes: W[] = [];
  readonly events: AsyncEventBody[] = [];

  finish(): AsyncStep<W> {
    return { actions: this.actions, writes: this.writes, events: this.events };
  }
}
