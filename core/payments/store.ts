/**
 * The payments layer's persistence port. core/store's PaymentsRepository implements it on SQLite.
 * The cores read through it (the `PaymentsReader` part) and never write: each call returns a
 * `PaymentsStep` whose writes the adapter applies with `applyPaymentsWrites` — in one transaction —
 * BEFORE it carries out the step's actions (persist before you promise: a claim is stored before
 * its update_fulfill_htlc leaves, a forward's preimage before the upstream fulfill).
 */
import type { ForwardRecord, ForwardStatus, InvoiceRecord, InvoiceStatus, PartRecord, PaymentRecord, PaymentStatus, ReceivedRecord } from './types';

/** One change to persist. Writes are upserts of whole records, so applying one twice is harmless. */
export type PaymentsWrite =
  | { readonly kind: 'put_payment'; readonly payment: PaymentRecord }
  | { readonly kind: 'put_part'; readonly part: PartRecord }
  | { readonly kind: 'put_invoice'; readonly invoice: InvoiceRecord }
  | { readonly kind: 'put_received'; readonly received: ReceivedRecord }
  | { readonly kind: 'put_forward'; readonly forward: ForwardRecord };

export interface PaymentsReader {
  getPayment(paymentId: string): PaymentRecord | undefined;
  /** Every payment of this hash (hex), newest first. */
  paymentsByHash(paymentHash: string): PaymentRecord[];
  /**
   * Payments still `pending`, and final ones with a part still in flight (a late fulfill or failure
   * settles it), oldest first: the outbound core keeps them in memory.
   */
  livePayments(): PaymentRecord[];
  partsOf(paymentId: string): PartRecord[];
  /** The newest `limit`, newest first. */
  listPayments(filter?: { readonly status?: PaymentStatus; readonly limit?: number }): PaymentRecord[];

  getInvoice(paymentHash: string): InvoiceRecord | undefined;
  /** The newest `limit`, newest first. */
  listInvoices(filter?: { readonly status?: InvoiceStatus; readonly limit?: number }): InvoiceRecord[];
  getReceived(paymentHash: string): ReceivedRecord | undefined;
  /** The newest `limit`, newest first. */
  listReceived(filter?: { readonly limit?: number }): ReceivedRecord[];

  getForward(forwardId: string): ForwardRecord | undefined;
  /** Forwards `held`, `offered` or `failing` (the switch keeps them in memory). */
  activeForwards(): ForwardRecord[];
  /** The fees of every fulfilled forward, whatever a list shows. */
  feesEarnedMsat(): bigint;
  /** The newest `limit`, newest first. */
  listForwards(filter?: { readonly status?: ForwardStatus; readonly limit?: number }): ForwardRecord[];
}

/**
 * What the payer learned of channels and nodes (core/routing FailureMemory), kept across restarts as
 * one JSON snapshot, as LDK persists its scorer. Learned data, not payment state: saved with a
 * relaxed commit, outside the steps' transactions.
 */
export interface RouteMemoryStore {
  /** The last snapshot saved, or undefined if none was. */
  loadRouteMemory(): string | undefined;
  saveRouteMemory(snapshot: string, savedAt: number): void;
}

export interface PaymentsStore extends PaymentsReader, RouteMemoryStore {
  /** Applies a step's writes in one transaction (all or nothing). */
  applyPaymentsWrites(writes: readonly PaymentsWrite[]): void;
}
