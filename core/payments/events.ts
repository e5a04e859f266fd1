/**
 * The payments layer's events, as the node will publish them on its bus (plain JSON: msat amounts
 * and HTLC ids as decimal strings, bytes as lowercase hex, times unix ms). No secret is ever in
 * one: no preimage, payment secret, session key, shared secret or path_id. Published by the adapter
 * after the step's writes are durable.
 */

/** A route as events show it: the nodes reached, in order (hex), and the channels into them. */
export interface RouteInfo {
  readonly nodes: readonly string[];
  /** short_channel_ids as `BLOCKxTXxOUT`. */
  readonly channels: readonly string[];
  /** Set when the route ends in a BOLT 12 blinded path (hops after the introduction node). */
  readonly blindedHops: number | null;
}

export type PaymentEventBody =
  /** `pay` accepted a payment and started it. */
  | {
      readonly type: 'payment.started';
      readonly paymentId: string;
      readonly paymentHash: string;
      readonly kind: 'bolt11' | 'bolt12' | 'async';
      readonly destination: string | null;
      readonly amountMsat: string;
      readonly maxFeeMsat: string;
    }
  /** A part (an HTLC over one route) was handed to our channel. */
  | {
      readonly type: 'payment.part_sent';
      readonly paymentId: string;
      readonly partId: number;
      readonly channelId: string;
      readonly amountMsat: string;
      readonly feeMsat: string;
      readonly route: RouteInfo;
    }
  /** A part failed; `retry` says whether the payment goes on. */
  | {
      readonly type: 'payment.part_failed';
      readonly paymentId: string;
      readonly partId: number;
      readonly code: string;
      readonly erringNode: string | null;
      readonly hopIndex: number | null;
      readonly fromRecipient: boolean;
      readonly message: string;
      readonly retry: boolean;
    }
  | {
      readonly type: 'payment.succeeded';
      readonly paymentId: string;
      readonly paymentHash: string;
      readonly amountMsat: string;
      readonly feeMsat: string;
      readonly parts: number;
    }
  | { readonly type: 'payment.failed'; readonly paymentId: string; readonly paymentHash: string; readonly code: string; readonly message: string }
  /** We issued a BOLT 11 invoice. */
  | { readonly type: 'payment.invoice_created'; readonly paymentHash: string; readonly amountMsat: string | null; readonly expiresAt: number }
  /** An HTLC paying us was accepted into its payment's set (multi-part: more may follow). */
  | {
      readonly type: 'payment.htlc_accepted';
      readonly paymentHash: string;
      readonly channelId: string;
      readonly htlcId: string;
      readonly amountMsat: string;
      readonly totalMsat: string;
      readonly receivedMsat: string;
    }
  /** An HTLC paying us was refused (the failure we returned: `incorrect_or_unknown_payment_details`, `mpp_timeout`, ...). */
  | { readonly type: 'payment.htlc_refused'; readonly paymentHash: string; readonly channelId: string; readonly htlcId: string; readonly code: string; readonly reason: string }
  /** We claimed a payment (stored before the fulfills left). */
  | {
      readonly type: 'payment.received';
      readonly paymentHash: string;
      readonly kind: 'bolt11' | 'bolt12' | 'async';
      readonly amountMsat: string;
      readonly parts: number;
      readonly offerId: string | null;
    }
  /** We forwarded an HTLC (the outgoing one is handed to the channel). */
  | {
      readonly type: 'forward.offered';
      readonly forwardId: string;
      readonly inChannelId: string;
      readonly outChannelId: string;
      readonly inAmountMsat: string;
      readonly outAmountMsat: string;
      readonly feeMsat: string;
      readonly blinded: 'none' | 'introduction' | 'inside';
    }
  | { readonly type: 'forward.settled'; readonly forwardId: string; readonly feeMsat: string; readonly onChain: boolean }
  /** A forward failed: refused by us (`local`, with the failure we returned) or failed downstream. */
  | { readonly type: 'forward.failed'; readonly forwardId: string; readonly code: string; readonly local: boolean; readonly reason: string }
  /** An HTLC to forward was parked until released (held HTLCs). */
  | { readonly type: 'forward.held'; readonly forwardId: string; readonly deadlineHeight: number }
  | { readonly type: 'forward.released'; readonly forwardId: string };

export type PaymentEventType = PaymentEventBody['type'];
