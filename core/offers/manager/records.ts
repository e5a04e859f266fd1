/**
 * What the offers manager persists, as plain data; the writes it returns for its adapter to
 * persist (`OffersWrite`, applied in order by persist.ts); and the store port (implemented by
 * core/store repositories over SQLite; tests use the same ones on temporary files), of which the
 * manager itself only reads (`OffersReader`). Ids are lowercase hex. No secret is ever part of a
 * record: preimages and payer keys are derived (see keys.ts).
 */
import type { OfferEventBody } from '../events';

import type { InvoiceRequestRole, InvoiceRole, OfferStatus } from '../types';

export type { InvoiceRequestRole, InvoiceRole, OfferStatus } from '../types';

/** One of our offers. */
export interface OfferRecord {
  /** Merkle root of the offer's TLV records (BOLT 12 "Signature Calculation"), hex. */
  readonly offerId: string;
  /** The `lno…` string. */
  readonly bolt12: string;
  readonly status: OfferStatus;
  readonly description: string | null;
  readonly amountMsat: bigint | null;
  readonly issuer: string | null;
  readonly quantityMax: bigint | null;
  /** Seconds since the epoch. */
  readonly absoluteExpiry: number | null;
  /** offer_issuer_id (our node id) when the offer names it. */
  readonly issuerId: string | null;
  /** Unix ms. */
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

/** A blinded message path to us that we published in an offer or a refund. */
export interface PublishedPathRecord {
  /** Our `path_id` in the final hop's `encrypted_data_tlv`, hex (32 random bytes). */
  readonly pathId: string;
  /** The offer or refund it belongs to. */
  readonly ownerId: string;
  readonly ownerKind: 'offer' | 'refund';
  /** Its index in offer_paths / invreq_paths. */
  readonly pathIndex: number;
  readonly introductionNodeId: string;
  /** E_i of our final hop (public): with our node key it gives that hop's blinded key. */
  readonly finalPathKey: string;
  /** B_i of our final hop: the `invoice_node_id` of invoices answering over this path. */
  readonly finalBlindedNodeId: string;
}


/**
 * - received: `invoice` (answered with an invoice), `invoice_error`, `ignored` (no answer, e.g. it
 *   came over the wrong path);
 * - sent: `pending`, `invoice` (a valid invoice came back), `invoice_error`, `failed` (no answer,
 *   no route, or a bad invoice);
 * - refund: `active`, `invoiced` (an invoice for it arrived).
 */
export type InvoiceRequestStatus = 'invoice' | 'invoice_error' | 'ignored' | 'pending' | 'failed' | 'active' | 'invoiced';

export interface InvoiceRequestRecord {
  /** Merkle root of its non-signature records, hex. Not unique: the same request may arrive twice. */
  readonly requestId: string;
  readonly role: InvoiceRequestRole;
  /** The offer it answers (ours or theirs), or for a refund its own id. Null for an unknown or unreadable offer. */
  readonly offerId: string | null;
  /** The `lnr…` string (empty when it did not parse). */
  readonly bolt12: string;
  readonly status: InvoiceRequestStatus;
  readonly amountMsat: bigint | null;
  readonly quantity: bigint | null;
  readonly payerNote: string | null;
  readonly payerId: string | null;
  readonly description: string | null;
  readonly issuer: string | null;
  readonly invoiceId: string | null;
  /** Why it ended in invoice_error / ignored / failed: a stable code and words. */
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly erroneousField: bigint | null;
  /** Unix ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}


export interface InvoiceRecord {
  /** Merkle root of its non-signature records, hex. */
  readonly invoiceId: string;
  readonly role: InvoiceRole;
  /** The offer (ours or theirs) or refund it answers. */
  readonly offerId: string | null;
  /** The invoice_request it answers (for a refund, the refund's id). */
  readonly requestId: string | null;
  /** The `lni…` string. */
  readonly bolt12: string;
  readonly paymentHash: string;
  /**
   * Issued invoices: the nonce the preimage is derived from (with the node seed). Never leaves
   * the node: not in events, logs or API payloads.
   */
  readonly preimageNonce: string | null;
  readonly amountMsat: bigint;
  /** invoice_created_at and created_at + relative expiry, seconds since the epoch. */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly nodeId: string;
  readonly description: string | null;
  readonly quantity: bigint | null;
  readonly payerNote: string | null;
  /** Unix ms when we stored it. */
  readonly storedAt: number;
}

export interface OfferStore {
  getOffer(offerId: string): OfferRecord | undefined;
  /** Inserts an offer and its published paths together. */
  insertOffer(offer: OfferRecord, paths: readonly PublishedPathRecord[]): void;
  setOfferStatus(offerId: string, status: OfferStatus, at: number): void;
  listOffers(filter?: { status?: OfferStatus }): OfferRecord[];
  /** A published path (of an offer or a refund) by its path_id. */
  getPath(pathId: string): PublishedPathRecord | undefined;
  insertPaths(paths: readonly PublishedPathRecord[]): void;
  pathsOf(ownerId: string): PublishedPathRecord[];
}

export interface InvoiceRequestStore {
  /** Returns the row id. */
  insertRequest(r: InvoiceRequestRecord): number;
  updateRequest(rowId: number, change: Partial<Pick<InvoiceRequestRecord, 'status' | 'invoiceId' | 'errorCode' | 'errorMessage' | 'erroneousField' | 'updatedAt'>>): void;
  getRequest(rowId: number): InvoiceRequestRecord | undefined;
  /** The newest invoice_request with this id we received and answered with an invoice. */
  findAnsweredRequest(requestId: string): InvoiceRequestRecord | undefined;
  /** Our refund with this id. */
  getRefund(refundId: string): (InvoiceRequestRecord & { readonly rowId: number }) | undefined;
  /** The newest `limit`, newest first. */
  listRequests(filter?: { role?: InvoiceRequestRole; offerId?: string; limit?: number }): InvoiceRequestRecord[];
  /** Deletes the oldest requests received for the offer that got no invoice, keeping the newest `keep`. */
  pruneRefusedRequests(offerId: string, keep: number): number;
  /** Deletes the received requests answered by these invoices. */
  deleteRequestsAnsweredBy(invoiceIds: readonly string[]): number;
}

export interface InvoiceStore {
  /** Inserts an invoice; returns false when one with that id is already stored. */
  insertInvoice(i: InvoiceRecord): boolean;
  getInvoice(invoiceId: string): InvoiceRecord | undefined;
  getIssuedByPaymentHash(paymentHash: string): InvoiceRecord | undefined;
  /** The newest `limit`, newest first. */
  listInvoices(filter?: { role?: InvoiceRole; offerId?: string; limit?: number }): InvoiceRecord[];
  /** Issued invoices per offer, for the offer list. */
  countIssued(offerId: string): number;
  /** Issued invoices of the offer that expire after `nowSeconds`: how many, and their `bolt12` characters. */
  countOutstandingIssued(offerId: string, nowSeconds: number): { readonly count: number; readonly bytes: number };
  /** The offer's issued invoices that expired by `nowSeconds`, all but the newest `keep`: their ids. */
  expiredIssued(offerId: string, nowSeconds: number, keep: number): string[];
  /** Deletes these invoices; returns how many were deleted. */
  deleteInvoices(invoiceIds: readonly string[]): number;
}

/** The store port of the offers layer. */
export interface OffersStores {
  readonly offers: OfferStore;
  readonly requests: InvoiceRequestStore;
  readonly invoices: InvoiceStore;
  /**
   * Runs `fn` in one transaction (the writes of one step are stored together, or not at all).
   * `relaxed`: the commit need not be on disk when this returns (it is with the next durable one)
   * — for steps whose rows are history, not promises (see OffersService).
   */
  atomically<T>(fn: () => T, durability?: 'durable' | 'relaxed'): T;
}

/** What the manager reads to decide (it never writes: it returns `OffersWrite`s). */
export interface OffersReader {
  readonly offers: Pick<OfferStore, 'getOffer' | 'listOffers' | 'pathsOf'>;
  readonly requests: Pick<InvoiceRequestStore, 'getRequest' | 'findAnsweredRequest' | 'getRefund' | 'listRequests'>;
  readonly invoices: Pick<InvoiceStore, 'getInvoice' | 'getIssuedByPaymentHash' | 'listInvoices' | 'countIssued' | 'countOutstandingIssued' | 'expiredIssued'>;
}

export type RequestChange = Partial<Pick<InvoiceRequestRecord, 'status' | 'invoiceId' | 'errorCode' | 'errorMessage' | 'erroneousField' | 'updatedAt'>>;

/** One change to persist, in the order the manager returns them. */
export type OffersWrite =
  /** An offer and its published paths, together. */
  | { readonly kind: 'insert_offer'; readonly offer: OfferRecord; readonly paths: readonly PublishedPathRecord[] }
  | { readonly kind: 'set_offer_status'; readonly offerId: string; readonly status: OfferStatus; readonly at: number }
  /** A refund's published paths. */
  | { readonly kind: 'insert_paths'; readonly paths: readonly PublishedPathRecord[] }
  /** Its row id is reported back by persist (`requestRowIds`, in order). */
  | { readonly kind: 'insert_request'; readonly request: InvoiceRequestRecord }
  | { readonly kind: 'update_request'; readonly rowId: number; readonly change: RequestChange }
  /** Keep only the newest `keep` requests received for the offer that got no invoice. */
  | { readonly kind: 'prune_refused_requests'; readonly offerId: string; readonly keep: number }
  | { readonly kind: 'insert_invoice'; readonly invoice: InvoiceRecord }
  /** Expired issued invoices, and the received requests they answered. */
  | { readonly kind: 'delete_invoices'; readonly invoiceIds: readonly string[] };

/**
 * The outcome of one manager call: its value, what to persist, then what to publish. The adapter
 * persists `writes` (in one transaction) before it publishes `events` or sends anything the value
 * carries (a reply, a request): persist before you promise.
 */
export interface OffersStep<T> {
  readonly value: T;
  readonly writes: readonly OffersWrite[];
  readonly events: readonly OfferEventBody[];
}
