/**
 * The offers (BOLT 12) part of the NodeApi: its methods and their parameter schemas. The data
 * and events are core/offers' own (types.ts, events.ts), re-exported here.
 */
import { s } from './schema';
import type {
  Bolt12Decoded, FetchInvoiceResult, InvoiceInfo, InvoiceRequestInfo, InvoiceRequestRole, InvoiceRole, OfferInfo, OfferStatus, SendInvoiceResult,
} from '../offers/types';

export type {
  BlindedPathSummary, Bolt12Decoded, FetchInvoiceResult, InvoiceInfo, InvoiceRequestInfo, InvoiceRequestRole, InvoiceRole, OfferInfo, OfferStatus,
  PathVia, SendInvoiceResult,
} from '../offers/types';
export type { OfferEventBody } from '../offers/events';

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
  /** BOLT 12 invoices we issued or received, newest first. */
  listInvoices: { params: { role?: InvoiceRole; offerId?: string; limit?: number }; result: { invoices: InvoiceInfo[] } };
  /** invoice_requests we sent or received (and our refunds), newest first. */
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
