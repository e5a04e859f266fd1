/**
 * Events of the async payments roles, for the timeline the UI draws (one payment across P, L1, L2
 * and R). Plain JSON: node ids, offer ids and hold ids hex, times unix ms. Never a preimage, a path
 * id or a context's bytes.
 */
export type AsyncEventBody =
  // ----- L2, the static invoice server ---------------------------------------------------------
  /** L2 answered a recipient's offer_paths_request with offer paths ending at L2. */
  | { readonly type: 'async.offer_paths_given'; readonly recipient: string; readonly slot: number; readonly paths: number }
  /** L2 stored (or replaced) a recipient's static invoice in a slot. */
  | { readonly type: 'async.static_invoice_stored'; readonly recipient: string; readonly slot: number; readonly offerId: string; readonly expiresAt: number; readonly replaced: boolean }
  /** L2 answered an invoice_request for a recipient's offer with its static invoice (and forwarded the request to R). */
  | { readonly type: 'async.static_invoice_served'; readonly recipient: string; readonly slot: number; readonly offerId: string; readonly forwarded: boolean }
  /** L2 (or R) refused a message of the protocol; `reason` is a stable code. */
  | { readonly type: 'async.refused'; readonly role: 'server' | 'recipient' | 'payer' | 'holder'; readonly message: string; readonly reason: string; readonly recipient: string | null }
  // ----- R, the often-offline recipient ----------------------------------------------------------
  /** R asked L2 for offer paths for a slot. */
  | { readonly type: 'async.offer_paths_requested'; readonly slot: number }
  /** R built an offer on L2's paths and its static invoice, and handed the invoice to L2. */
  | { readonly type: 'async.static_invoice_sent'; readonly slot: number; readonly offerId: string }
  /** L2 confirmed it keeps the invoice: R's offer in `slot` is ready to publish. */
  | { readonly type: 'async.offer_ready'; readonly slot: number; readonly offerId: string; readonly offer: string }
  /** R answered held_htlc_available with release_held_htlc. */
  | { readonly type: 'async.release_sent'; readonly slot: number }
  /** R accepted (or refused) a payment to its static invoice. */
  | { readonly type: 'async.payment_checked'; readonly paymentHash: string; readonly accepted: boolean; readonly reason: string | null }
  // ----- P, the payer, and L1 (or P) holding the HTLC ------------------------------------------
  /** P got a static invoice for an offer: it pays with a preimage it picked. */
  | { readonly type: 'async.static_invoice_received'; readonly paymentId: string; readonly offerId: string }
  /** P sent held_htlc_available over the invoice's message paths. */
  | { readonly type: 'async.held_htlc_announced'; readonly paymentId: string; readonly holdId: string; readonly paths: number }
  /** The holder (L1, or P itself) parked an HTLC until release. */
  | { readonly type: 'async.htlc_held'; readonly holdId: string; readonly deadlineHeight: number; readonly releaseExpiresAt: number }
  /** A release_held_htlc arrived for a held HTLC and it goes on. */
  | { readonly type: 'async.htlc_released'; readonly holdId: string }
  /** A held HTLC was given up (its CLTV deadline, or its release context expired). */
  | { readonly type: 'async.hold_expired'; readonly holdId: string; readonly reason: 'cltv' | 'release_expired' };
