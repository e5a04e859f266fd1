/**
 * BOLT 12 offers data as the NodeApi shows it: plain data for offers, invoice requests, refunds
 * and invoices. Amounts are msat as decimal strings, bytes are hex, `createdAt`-style times are
 * unix milliseconds unless the field says seconds. No secret (preimage, payer key, path id) ever
 * appears here. Re-exported by core/api.
 */

export type OfferStatus = 'active' | 'disabled';

/** A blinded path as a list shows it. */
export interface BlindedPathSummary {
  /** The introduction node (or `SCID/direction` when it is given by channel). */
  readonly introductionNodeId: string;
  /** Hops, dummy hops included. */
  readonly hops: number;
}

/** One of our offers. */
export interface OfferInfo {
  /** Merkle root of the offer's TLV records, hex: groups every event and record of this offer. */
  readonly offerId: string;
  /** The `lno…` string to publish. */
  readonly bolt12: string;
  readonly status: OfferStatus;
  readonly description: string | null;
  /** Null: any amount. */
  readonly amountMsat: string | null;
  readonly issuer: string | null;
  /** Null: one item per invoice; "0": no known maximum. */
  readonly quantityMax: string | null;
  /** Seconds since the epoch. */
  readonly absoluteExpiry: number | null;
  /** offer_issuer_id (our node id), or null when the offer names only blinded paths. */
  readonly issuerId: string | null;
  readonly paths: readonly BlindedPathSummary[];
  readonly createdAt: number;
  readonly disabledAt: number | null;
  /** Invoices issued for it so far. */
  readonly invoicesIssued: number;
}

export type InvoiceRequestRole = 'received' | 'sent' | 'refund';

/** An invoice_request: received for our offer, sent for someone's offer, or a refund we created. */
export interface InvoiceRequestInfo {
  /** Merkle root of its non-signature records, hex. */
  readonly requestId: string;
  readonly role: InvoiceRequestRole;
  /** The offer it answers (ours or theirs), or a refund's own id. */
  readonly offerId: string | null;
  /** The `lnr…` string (a refund's is the one to hand to the payer). */
  readonly bolt12: string;
  /**
   * received: invoice | invoice_error | ignored; sent: pending | invoice | invoice_error | failed;
   * refund: active | invoiced.
   */
  readonly status: string;
  readonly amountMsat: string | null;
  readonly quantity: string | null;
  readonly payerNote: string | null;
  readonly payerId: string | null;
  readonly description: string | null;
  readonly issuer: string | null;
  readonly invoiceId: string | null;
  /** Why it ended in invoice_error, ignored or failed. */
  readonly error: { readonly code: string; readonly message: string; readonly erroneousField: string | null } | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type InvoiceRole = 'issued' | 'received';

/** A BOLT 12 invoice we issued or received. */
export interface InvoiceInfo {
  /** Merkle root of its non-signature records, hex. */
  readonly invoiceId: string;
  readonly role: InvoiceRole;
  readonly offerId: string | null;
  readonly requestId: string | null;
  /** The `lni…` string. */
  readonly bolt12: string;
  readonly paymentHash: string;
  readonly amountMsat: string;
  /** invoice_created_at, seconds since the epoch. */
  readonly createdAtSeconds: number;
  /** invoice_created_at + relative expiry, seconds since the epoch. */
  readonly expiresAtSeconds: number;
  readonly nodeId: string;
  readonly description: string | null;
  readonly quantity: string | null;
  readonly payerNote: string | null;
  readonly paths: readonly BlindedPathSummary[];
  /** Unix ms when this node stored it. */
  readonly storedAt: number;
}

export interface FetchInvoiceResult {
  readonly invoice: InvoiceInfo;
  readonly request: InvoiceRequestInfo;
  /** Where the request went: the offer path's index (null when sent to offer_issuer_id) and the peer it was handed to. */
  readonly sentVia: { readonly pathIndex: number | null; readonly firstHop: string };
}

export interface SendInvoiceResult {
  readonly invoice: InvoiceInfo;
  /** The refund it answers. */
  readonly refundId: string;
  /** The refund path's index (null when sent to invreq_payer_id) and its introduction node (or the payer's node id). */
  readonly sentVia: { readonly pathIndex: number | null; readonly destination: string };
  /** `sent`: no invoice_error came back while we waited (the payer pays it, or not). */
  readonly status: 'sent';
}

/** `decodeBolt12`: every field by its spec name and every error (core/offers describe.ts). */
export interface Bolt12Decoded {
  readonly kind: 'offer' | 'invoice_request' | 'invoice' | 'invoice_error' | 'static_invoice' | undefined;
  readonly prefix?: string;
  readonly valid: boolean;
  readonly refund?: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly unknownTlvs: readonly { readonly type: string; readonly length: number; readonly hex: string }[];
  readonly merkleRoot?: string;
  readonly errors: readonly { readonly code: string; readonly family: 'parse' | 'semantic'; readonly message: string; readonly explanation: string }[];
}

/** Blinded paths through chosen peers: each is the node ids before us, introduction node first. */
export type PathVia = readonly (readonly string[])[];
