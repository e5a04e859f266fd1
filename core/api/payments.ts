/**
 * The payments part of the NodeApi: BOLT 11 invoices we issue, payments we make, forwards through
 * us, routes. The data is the payments adapter's (core/runtime/payments/types.ts) and the events
 * the payments layer's own (core/payments/events.ts), re-exported here.
 */
import { s } from './schema';
import type { Bolt11InvoiceInfo, ForwardInfo, PaymentInfo, ReceivedInfo, RouteInfoResult } from '../runtime/payments/types';

export type { Bolt11InvoiceInfo, ForwardInfo, PaymentInfo, PaymentPartInfo, ReceivedInfo, RouteInfoResult } from '../runtime/payments/types';
export type { PaymentEventBody, RouteInfo } from '../payments/events';

/** A payment id: the caller's idempotency key. */
export const PAYMENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export interface PaymentMethods {
  /**
   * Issues a signed BOLT 11 invoice (payment_secret, min_final_cltv_expiry_delta, expiry, route
   * hints for our private channels); no `amountMsat`: any amount.
   */
  createInvoice: { params: { amountMsat?: string; description: string; expirySeconds?: number }; result: Bolt11InvoiceInfo };
  /**
   * Pays a BOLT 11 invoice, a BOLT 12 offer (its invoice fetched first: `offers.*` errors) or a BOLT 12
   * invoice this node requested, over our channels, and waits for the outcome (unless `wait` is false).
   * Idempotent per `paymentId` (default: a fresh one); another payment of a paid hash is
   * `payments.already_paid`. A failed payment is a result with `status: 'failed'`, not an error.
   */
  pay: {
    params: { invoice: string; amountMsat?: string; maxFeeMsat?: string; timeoutSeconds?: number; paymentId?: string; wait?: boolean };
    result: PaymentInfo;
  };
  getPayment: { params: { paymentId: string }; result: PaymentInfo };
  /** Our payments, newest first. */
  listPayments: { params: { status?: 'pending' | 'succeeded' | 'failed'; limit?: number }; result: { payments: PaymentInfo[] } };
  /** BOLT 11 invoices we issued, newest first (`expired`: unpaid past its expiry). */
  listBolt11Invoices: { params: { status?: 'unpaid' | 'paid'; limit?: number }; result: { invoices: Bolt11InvoiceInfo[] } };
  /** Payments we claimed (BOLT 11 and BOLT 12), newest first. */
  listReceived: { params: { limit?: number }; result: { received: ReceivedInfo[] } };
  /** HTLCs forwarded through us, newest first, and the fees earned by every fulfilled forward (not only those listed). */
  listForwards: {
    params: { status?: 'held' | 'offered' | 'failing' | 'fulfilled' | 'failed' | 'refused'; limit?: number };
    result: { forwards: ForwardInfo[]; feesEarnedMsat: string };
  };
  /** The route a payment of `amountMsat` to `nodeId` would take now (`routing.no_route` when none). */
  getRoute: { params: { nodeId: string; amountMsat: string; finalCltvExpiryDelta?: number }; result: RouteInfoResult };
}

const LIMIT = s.integer({ min: 1, max: 10_000 });
const PAYMENT_ID = s.string({ pattern: PAYMENT_ID_PATTERN, describe: 'a payment id: 1 to 64 letters, digits or ._:-' });

/** Parameter schemas of the payment methods (merged into METHOD_SCHEMAS). */
export const PAYMENT_METHOD_SCHEMAS = {
  createInvoice: s.object(
    { amountMsat: s.msat(), description: s.string({ maxLength: 639, describe: 'a description of at most 639 characters' }), expirySeconds: s.integer({ min: 1, max: 31_536_000 }) },
    ['amountMsat', 'expirySeconds'],
  ),
  pay: s.object(
    {
      invoice: s.string({ minLength: 1, maxLength: 40_000, describe: 'a BOLT 11 invoice, a BOLT 12 offer or invoice' }),
      amountMsat: s.msat(),
      maxFeeMsat: s.msat(),
      timeoutSeconds: s.integer({ min: 1, max: 86_400 }),
      paymentId: PAYMENT_ID,
      wait: s.boolean(),
    },
    ['amountMsat', 'maxFeeMsat', 'timeoutSeconds', 'paymentId', 'wait'],
  ),
  getPayment: s.object({ paymentId: PAYMENT_ID }),
  listPayments: s.object({ status: s.enum('pending', 'succeeded', 'failed'), limit: LIMIT }, ['status', 'limit']),
  listBolt11Invoices: s.object({ status: s.enum('unpaid', 'paid'), limit: LIMIT }, ['status', 'limit']),
  listReceived: s.object({ limit: LIMIT }, ['limit']),
  listForwards: s.object({ status: s.enum('held', 'offered', 'failing', 'fulfilled', 'failed', 'refused'), limit: LIMIT }, ['status', 'limit']),
  getRoute: s.object({ nodeId: s.nodeId(), amountMsat: s.msat(), finalCltvExpiryDelta: s.integer({ min: 1, max: 2016 }) }, ['finalCltvExpiryDelta']),
} as const;
