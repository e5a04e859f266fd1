/**
 * The events of an offer's life; the node composes them into its one event union
 * (core/node/events.ts).
 */
import type { OfferInfo } from './types';

/** Every event of an offer's life. `offerId` groups them per offer (or per refund: its id). */
export type OfferEventBody =
  | { readonly type: 'offer.created'; readonly offerId: string; readonly offer: OfferInfo }
  | { readonly type: 'offer.disabled'; readonly offerId: string }
  /** An invoice_request arrived for an offer (`offerId` may be one we do not know). */
  | {
      readonly type: 'offer.invoice_request_received';
      readonly offerId: string | null;
      readonly requestId: string | null;
      /** The onion message that carried it. */
      readonly messageId: string;
      readonly amountMsat: string | null;
      readonly quantity: string | null;
      readonly payerNote: string | null;
      /** True when it came over one of our published blinded paths. */
      readonly viaPath: boolean;
    }
  /** We answered an invoice_request with an invoice. */
  | {
      readonly type: 'offer.invoice_issued';
      readonly offerId: string;
      readonly requestId: string;
      readonly messageId: string;
      readonly invoiceId: string;
      readonly paymentHash: string;
      readonly amountMsat: string;
    }
  /** We answered an invoice_request (or an invoice) with an invoice_error. */
  | {
      readonly type: 'offer.invoice_error_sent';
      readonly offerId: string | null;
      readonly requestId: string | null;
      readonly messageId: string;
      readonly code: string;
      readonly error: string;
      readonly erroneousField: string | null;
    }
  /** We did not answer (BOLT 12 "MUST ignore": wrong arrival path, no reply path, …). */
  | { readonly type: 'offer.invoice_request_ignored'; readonly offerId: string | null; readonly requestId: string | null; readonly messageId: string; readonly reason: string }
  /** We sent an invoice_request for someone's offer. */
  | {
      readonly type: 'offer.invoice_requested';
      readonly offerId: string;
      readonly requestId: string;
      readonly amountMsat: string | null;
      readonly quantity: string | null;
      /** The introduction node of the offer path used, or the issuer's node id. */
      readonly destination: string;
      readonly pathIndex: number | null;
    }
  | { readonly type: 'offer.invoice_received'; readonly offerId: string; readonly requestId: string; readonly invoiceId: string; readonly paymentHash: string; readonly amountMsat: string }
  /** The other side answered our invoice_request (or our invoice for its refund) with an invoice_error. */
  | {
      readonly type: 'offer.invoice_error_received';
      readonly offerId: string | null;
      readonly requestId: string | null;
      readonly error: string;
      readonly erroneousField: string | null;
      readonly suggestedValue: string | null;
    }
  /** Fetching an invoice failed without an invoice_error (no answer, no route, a bad invoice). */
  | { readonly type: 'offer.fetch_failed'; readonly offerId: string; readonly requestId: string; readonly code: string; readonly message: string }
  | { readonly type: 'offer.refund_created'; readonly offerId: string; readonly amountMsat: string }
  /** We sent an invoice for someone's refund. */
  | { readonly type: 'offer.refund_invoice_sent'; readonly offerId: string; readonly invoiceId: string; readonly paymentHash: string; readonly amountMsat: string; readonly destination: string }
  /** An invoice for one of our refunds arrived (and passed every check). */
  | { readonly type: 'offer.refund_invoice_received'; readonly offerId: string; readonly invoiceId: string; readonly paymentHash: string; readonly amountMsat: string };
