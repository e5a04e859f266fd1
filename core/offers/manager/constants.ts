/**
 * The offers manager's numbers in one place: the onion message types it speaks and the policy
 * defaults (each with where it comes from).
 */

/**
 * BOLT 4 `onionmsg_tlv` final-hop types that carry BOLT 12 messages (also in the messenger's
 * dispatch table, core/messenger/constants.ts; repeated here so this layer does not import the
 * messenger).
 */
export const OFFERS_MESSAGE_TLV = {
  /** BOLT 4 type 64 `invoice_request` */
  invoiceRequest: 64n,
  /** BOLT 4 type 66 `invoice` */
  invoice: 66n,
  /** BOLT 4 type 68 `invoice_error` */
  invoiceError: 68n,
} as const;

export interface OffersPolicy {
  /**
   * `invoice_relative_expiry` of the invoices we issue. BOLT 12: the default when absent is
   * 7200 s ("generally a sufficient time for payment"); we always write it explicitly.
   */
  readonly invoiceRelativeExpirySeconds: number;
  /**
   * `cltv_expiry_delta` we ask for at the end of our blinded payment paths (our
   * min_final_cltv_expiry_delta). 18 is BOLT 11's default `min_final_cltv_expiry_delta`.
   */
  readonly minFinalCltvExpiryDelta: number;
  /** `htlc_minimum_msat` of our blinded payment paths. */
  readonly htlcMinimumMsat: bigint;
  /** How long `fetchInvoice` waits for the issuer's answer by default. */
  readonly fetchTimeoutSeconds: number;
  /** How long `sendInvoice` waits for an invoice_error by default (0: it does not wait). */
  readonly sendInvoiceWaitSeconds: number;
  /**
   * Anyone holding one of our offers can send invoice_requests (a few per second per peer, the
   * messenger's rate limit), and each answer is stored. These bound what one offer keeps:
   * unexpired invoices, by count and by bytes (past either, requests get an invoice_error "try
   * again later", so invoices already issued are never dropped — an issued invoice stays payable
   * until it expires), expired invoices kept as history, and requests answered with an
   * invoice_error or ignored (the oldest are deleted first).
   */
  readonly maxOutstandingInvoicesPerOffer: number;
  readonly maxOutstandingInvoiceBytesPerOffer: number;
  readonly maxExpiredInvoicesPerOffer: number;
  readonly maxRefusedRequestsPerOffer: number;
}

export const DEFAULT_OFFERS_POLICY: OffersPolicy = {
  invoiceRelativeExpirySeconds: 7200,
  minFinalCltvExpiryDelta: 18,
  htlcMinimumMsat: 1n,
  fetchTimeoutSeconds: 30,
  sendInvoiceWaitSeconds: 5,
  maxOutstandingInvoicesPerOffer: 10_000,
  maxOutstandingInvoiceBytesPerOffer: 16 * 1024 * 1024,
  maxExpiredInvoicesPerOffer: 1000,
  maxRefusedRequestsPerOffer: 500,
};

/** At most this many blinded message paths per offer or refund, and this many hops before us in each. */
export const MAX_OFFER_PATHS = 8;
export const MAX_PATH_VIA_HOPS = 8;
/** Dummy hops to ourselves at the end of a published path (the messenger peels at most 10). */
export const MAX_PUBLISHED_DUMMY_HOPS = 8;

/** BOLT 2/4 amounts are u64 msat. */
export const MAX_U64 = 0xffff_ffff_ffff_ffffn;
