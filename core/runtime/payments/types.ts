/**
 * The payments adapter's data as the NodeApi shows it: plain JSON (msat amounts as decimal
 * strings, bytes as lowercase hex, times unix ms unless named otherwise). No secret: a preimage
 * only once it is ours to show (a payment we made that succeeded, an invoice of ours that was paid).
 */

/** A payment as the API shows it (plain JSON). */
export interface PaymentInfo {
  readonly paymentId: string;
  readonly kind: 'bolt11' | 'bolt12' | 'async';
  readonly paymentHash: string;
  readonly destination: string | null;
  readonly amountMsat: string;
  readonly maxFeeMsat: string;
  readonly description: string | null;
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly createdAt: number;
  readonly completedAt: number | null;
  /** Once succeeded: the proof of payment (ours to show: we paid for it). */
  readonly preimage: string | null;
  readonly feeMsat: string | null;
  readonly failure: { readonly code: string; readonly message: string } | null;
  readonly attempts: number;
  readonly parts: readonly PaymentPartInfo[];
}

export interface PaymentPartInfo {
  readonly partId: number;
  readonly status: string;
  readonly channelId: string;
  readonly amountMsat: string;
  readonly feeMsat: string;
  /** The route: each hop's node, the channel into it (`BLOCKxTXxOUT`), its HTLC amount and expiry. */
  readonly route: readonly { readonly nodeId: string; readonly shortChannelId: string; readonly amountMsat: string; readonly cltvExpiry: number }[];
  readonly failure: { readonly code: string; readonly erringNode: string | null; readonly message: string } | null;
}

/** A BOLT 11 invoice we issued (no preimage until paid, never the payment secret outside the string). */
export interface Bolt11InvoiceInfo {
  readonly paymentHash: string;
  readonly bolt11: string;
  readonly amountMsat: string | null;
  readonly description: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly minFinalCltvExpiryDelta: number;
  readonly status: 'unpaid' | 'paid' | 'expired';
  readonly paidMsat: string | null;
  readonly paidAt: number | null;
  readonly preimage: string | null;
}

export interface ForwardInfo {
  readonly forwardId: string;
  readonly inChannelId: string;
  readonly outChannelId: string | null;
  readonly inAmountMsat: string;
  readonly outAmountMsat: string;
  readonly feeMsat: string;
  readonly status: string;
  readonly failure: string | null;
  readonly paymentHash: string;
  readonly receivedAt: number;
  readonly resolvedAt: number | null;
}

export interface ReceivedInfo {
  readonly paymentHash: string;
  readonly kind: 'bolt11' | 'bolt12' | 'async';
  readonly amountMsat: string;
  readonly parts: number;
  readonly offerId: string | null;
  readonly claimedAt: number;
}

export interface RouteInfoResult {
  readonly amountMsat: string;
  readonly feeMsat: string;
  readonly totalCltvExpiryDelta: number;
  readonly hops: readonly { readonly nodeId: string; readonly shortChannelId: string; readonly amountMsat: string; readonly cltvExpiryDelta: number; readonly feeMsat: string }[];
}

