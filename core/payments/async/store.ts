/**
 * The store ports of async payments: the static invoices a static invoice server (L2) keeps for its
 * often-offline recipients, one per recipient and slot. Cores read through the reader and return
 * writes; the adapter applies the writes before it sends what the step says (so a
 * static_invoice_persisted never leaves before the invoice is durable). core/store
 * `static-invoices-repository.ts` implements it (migration 13).
 */
import type { BlindedPath } from '../../wire';

export interface StaticInvoiceRecord {
  /** Hex node id of the recipient (R), as L2 knows its client. */
  readonly recipient: string;
  /** The recipient's slot (LDK `invoice_slot`, u16): a new invoice in a slot replaces the old one. */
  readonly slot: number;
  /** The static invoice's TLV stream, as served. */
  readonly invoice: Uint8Array;
  /** Hex Merkle root of its offer records: the offer it answers. */
  readonly offerId: string;
  /** Where invoice_requests for the offer are forwarded to R (serve_static_invoice `forward_invoice_request_path`). */
  readonly forwardPath: BlindedPath;
  /** `invoice_created_at`, seconds. */
  readonly createdAt: number;
  /** `invoice_created_at + invoice_relative_expiry`, seconds: not served after. */
  readonly expiresAt: number;
  /** When it was stored, ms. */
  readonly storedAt: number;
}

export interface StaticInvoiceReader {
  getStaticInvoice(recipient: string, slot: number): StaticInvoiceRecord | undefined;
  /** Invoices stored for `recipient`, or for everybody when it is undefined. */
  countStaticInvoices(recipient?: string): number;
}

export type StaticInvoiceWrite =
  | { readonly kind: 'put_static_invoice'; readonly record: StaticInvoiceRecord }
  | { readonly kind: 'delete_static_invoice'; readonly recipient: string; readonly slot: number };

export interface StaticInvoiceStore extends StaticInvoiceReader {
  /** Applies a step's writes in one transaction. */
  applyStaticInvoiceWrites(writes: readonly StaticInvoiceWrite[]): void;
  /** For views (`liststaticinvoices`): oldest first. */
  listStaticInvoices(recipient?: string): StaticInvoiceRecord[];
  /** Deletes invoices expired at `nowSeconds`; returns how many. */
  deleteExpiredStaticInvoices(nowSeconds: number): number;
}

/**
 * R's offers, one per slot at L2: `requested` (offer_paths_request sent), `serving` (the static
 * invoice sent, not yet confirmed), `ready` (L2 keeps it: the offer may be published).
 */
export interface AsyncOfferRecord {
  readonly slot: number;
  readonly status: 'requested' | 'serving' | 'ready';
  /** The offer (bech32), once built on L2's paths. */
  readonly offer: string | null;
  readonly offerId: string | null;
  /** When L2's offer paths stop being good (s). */
  readonly offerPathsExpiresAt: number | null;
  /** The static invoice L2 serves (or is being sent): created and expiry (s). */
  readonly invoiceCreatedAt: number | null;
  readonly invoiceExpiresAt: number | null;
  /** L2's reply path for serve_static_invoice: R serves fresh invoices for the same offer over it. */
  readonly updatePath: BlindedPath | null;
  /** When this slot last changed (ms). */
  readonly updatedAt: number;
  /**
   * What the payment path of the invoice L2 confirmed keeping asks (its `blinded_payinfo`); null: not known (nothing
   * confirmed yet, or confirmed before migration 22). The node compares it with its LSP's policy: an invoice built
   * with stand-in values, or with a policy the LSP has since changed, is served again.
   */
  readonly servedPayInfo: ServedPayInfo | null;
  /** The offer_paths_request or serve_static_invoice L2 has not answered yet (retried with backoff); null: none. */
  readonly awaiting: AsyncAwaiting | null;
}

/** A static invoice's payment path's fees and CLTV delta (BOLT 12 `blinded_payinfo`: the path's aggregate). */
export interface ServedPayInfo {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

/** A request R sent L2 and waits for the answer to: offer paths (`paths`) or static_invoice_persisted (`invoice`). */
export interface AsyncAwaiting {
  readonly kind: 'paths' | 'invoice';
  /** When the last one went (ms). */
  readonly since: number;
  /** How many in a row went unanswered, the last included (the backoff doubles with each). */
  readonly attempts: number;
  /** `invoice`: the payinfo of the invoice sent (it becomes `servedPayInfo` when L2 confirms it). */
  readonly payInfo: ServedPayInfo | null;
}

export interface AsyncOfferReader {
  asyncOffers(): AsyncOfferRecord[];
}

export type AsyncOfferWrite = { readonly kind: 'put_async_offer'; readonly record: AsyncOfferRecord };

export interface AsyncOfferStore extends AsyncOfferReader {
  applyAsyncOfferWrites(writes: readonly AsyncOfferWrite[]): void;
}

/**
 * L1: releases accepted for held HTLCs that could not be forwarded yet (their next channel not
 * active): kept so a restart before the forward does not lose the recipient's one release.
 */
export interface AsyncReleaseStore {
  pendingReleases(): string[];
  addPendingRelease(holdKey: string, nowMs: number): void;
  removePendingRelease(holdKey: string): void;
}

/**
 * P: a payment to a static invoice, from the moment P picked its preimage (before the HTLC with
 * `hold_htlc` or the `held_htlc_available` that promises it leaves P). `awaiting_release_paths`
 * (lsp mode: the HTLC sent, L1's release paths not yet here), `awaiting_release` (self mode: P holds
 * it until R's release), `htlc_sent` (the HTLC is the payments core's: its record says how it ends),
 * `failed` (the release window ended unreleased). Holds the preimage: never log it.
 */
export interface AsyncPayerRecord {
  readonly paymentId: string;
  readonly mode: 'lsp' | 'self';
  readonly status: 'awaiting_release_paths' | 'awaiting_release' | 'htlc_sent' | 'failed';
  /** The offer paid (bech32). */
  readonly offer: string;
  readonly offerId: string;
  readonly amountMsat: bigint;
  /** Our invoice_request's TLV stream (the onion's final hop carries it). */
  readonly invoiceRequest: Uint8Array;
  /** The static invoice's TLV stream, as L2 served it. */
  readonly staticInvoice: Uint8Array;
  readonly preimage: Uint8Array;
  /** Hex: the id of the hold in our release context (self mode) or L1's. */
  readonly holdId: string;
  readonly paymentHash: string;
  /** When the release window ends (unix ms). */
  readonly releaseDeadline: number;
  readonly failure: string | null;
  /** When P got the static invoice (unix ms). */
  readonly createdAt: number;
  /**
   * lsp mode: the release paths L1 gave in its revoke_and_ack (held_htlc_available's reply paths), kept before
   * they are relied on: a restart before the announcement went out announces with them (migration 18). Else empty.
   */
  readonly releasePaths: readonly BlindedPath[];
  /** When held_htlc_available was first handed to the first hop (unix ms); null: not yet, announced again after a restart. */
  readonly announcedAt: number | null;
}

export type AsyncPayerWrite = { readonly kind: 'put_async_payment'; readonly record: AsyncPayerRecord };

export interface AsyncPayerStore {
  /** Every async payment P keeps, oldest first. */
  asyncPayments(): AsyncPayerRecord[];
  /** Applies a step's writes in one transaction. */
  applyAsyncPayerWrites(writes: readonly AsyncPayerWrite[]): void;
}
