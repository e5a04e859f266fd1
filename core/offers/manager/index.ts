/**
 * The offers manager: the sans-I/O core of the BOLT 12 flow (offers, invoice requests, invoices,
 * refunds), with the records it persists through store interfaces.
 */
export * from './constants';
export * from './errors';
export * from './keys';
export * from './records';
export * from './paths';
export * from './payment-context';
export * from './rejections';
export type { IncomingMessage, AnswerOutcome } from './responder';
export type { FetchParams, Destination, FetchAnswer, PendingFetch, PreparedFetch } from './payer';
export { destinationsOf } from './payer';
export type { RefundParams, PreparedRefundInvoice, ReceiveInvoiceOutcome } from './refunds';
export * from './context';
export * from './manager';
export * from './views';
export * from './persist';
