/**
 * The offers (BOLT 12) part of the NodeApi: plain data for offers, invoice requests, refunds and
 * invoices, and the events of an offer's life. Amounts are msat as decimal strings, bytes are
 * hex, `createdAt`-style times are unix milliseconds unless the field says seconds. No secret
 * (preimage, payer key, path id) ever appears here.
 */
import { s } from './schema';

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

/** The offer methods of the NodeApi (merged into `Methods`). */
export interface OfferMethods {
  /**
   * Creates an offer: with `paths`, blinded message paths through those peers (no issuer id);
   * otherwise our node id as offer_issuer_id. `created` is false when an identical active offer exists.
   */
  createOffer: {
    params: {
      description: string;
      amountMsat?: string;
      issuer?: string;
      quantityMax?: string;
      /** Seconds since the epoch. */
      absoluteExpiry?: number;
      paths?: string[][];
      dummyHops?: number;
    };
    result: { offer: OfferInfo; created: boolean };
  };
  listOffers: { params: { status?: OfferStatus }; result: { offers: OfferInfo[] } };
  disableOffer: { params: { offerId: string }; result: OfferInfo };
  /** Describes any BOLT 12 string (offer, invoice_request/refund, invoice): every field and every error. */
  decodeBolt12: { params: { string: string }; result: Bolt12Decoded };
  /**
   * Requests an invoice for someone's offer and waits for it (`offers.invoice_error` carries the
   * issuer's words; `offers.no_answer` when nothing comes). `unchecked` (a developer tool) sends
   * even a request that breaks the payer's rules, to see how the issuer answers.
   */
  fetchInvoice: {
    params: { offer: string; amountMsat?: string; quantity?: string; payerNote?: string; timeoutSeconds?: number; unchecked?: boolean };
    result: FetchInvoiceResult;
  };
  listInvoices: { params: { role?: InvoiceRole; offerId?: string; limit?: number }; result: { invoices: InvoiceInfo[] } };
  listInvoiceRequests: { params: { role?: InvoiceRequestRole; offerId?: string; limit?: number }; result: { invoiceRequests: InvoiceRequestInfo[] } };
  /** Creates a refund (`lnr…`): an offer to send money, for its payee to answer with an invoice. */
  createRefund: {
    params: {
      description: string;
      amountMsat: string;
      issuer?: string;
      absoluteExpiry?: number;
      payerNote?: string;
      quantity?: string;
      paths?: string[][];
      dummyHops?: number;
    };
    result: InvoiceRequestInfo;
  };
  /** Sends an invoice for someone's refund and waits `timeoutSeconds` (default 5) for an invoice_error. */
  sendInvoice: { params: { refund: string; timeoutSeconds?: number }; result: SendInvoiceResult };
}

const HEX32 = s.string({ pattern: /^[0-9a-f]{64}$/, describe: '32 bytes of hex' });
const BOLT12 = s.string({ minLength: 1, maxLength: 40_000, describe: 'a BOLT 12 string' });
const U64 = s.string({ pattern: /^(0|[1-9][0-9]{0,19})$/, describe: 'a decimal number' });
const PATHS = s.array(s.array(s.nodeId(), 8), 8);
const TEXT = s.string({ maxLength: 1000 });
const SECONDS = s.integer({ min: 0, max: 2 ** 40 });

/** Parameter schemas of the offer methods (merged into METHOD_SCHEMAS). */
export const OFFER_METHOD_SCHEMAS = {
  createOffer: s.object(
    { description: TEXT, amountMsat: s.msat(), issuer: TEXT, quantityMax: U64, absoluteExpiry: SECONDS, paths: PATHS, dummyHops: s.integer({ min: 0, max: 8 }) },
    ['amountMsat', 'issuer', 'quantityMax', 'absoluteExpiry', 'paths', 'dummyHops'],
  ),
  listOffers: s.object({ status: s.enum('active', 'disabled') }, ['status']),
  disableOffer: s.object({ offerId: HEX32 }),
  decodeBolt12: s.object({ string: BOLT12 }),
  fetchInvoice: s.object(
    { offer: BOLT12, amountMsat: s.msat(), quantity: U64, payerNote: TEXT, timeoutSeconds: s.integer({ min: 1, max: 600 }), unchecked: s.boolean() },
    ['amountMsat', 'quantity', 'payerNote', 'timeoutSeconds', 'unchecked'],
  ),
  listInvoices: s.object({ role: s.enum('issued', 'received'), offerId: HEX32, limit: s.integer({ min: 1, max: 10_000 }) }, ['role', 'offerId', 'limit']),
  listInvoiceRequests: s.object(
    { role: s.enum('received', 'sent', 'refund'), offerId: HEX32, limit: s.integer({ min: 1, max: 10_000 }) },
    ['role', 'offerId', 'limit'],
  ),
  createRefund: s.object(
    {
      description: TEXT, amountMsat: s.msat(), issuer: TEXT, absoluteExpiry: SECONDS, payerNote: TEXT, quantity: U64, paths: PATHS,
      dummyHops: s.integer({ min: 0, max: 8 }),
    },
    ['issuer', 'absoluteExpiry', 'payerNote', 'quantity', 'paths', 'dummyHops'],
  ),
  sendInvoice: s.object({ refund: BOLT12, timeoutSeconds: s.integer({ min: 0, max: 600 }) }, ['timeoutSeconds']),
} as const;
