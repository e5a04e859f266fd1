/**
 * BOLT 12 offers: string format, Merkle signatures, typed messages (offer, invoice_request /
 * refund, invoice, invoice_error, static invoice), their reader checks, builders, and a
 * JSON-friendly decoder for tools.
 */
export * from './errors';
export * from './bech32';
export * from './tlv-types';
export * from './chains';
export * from './merkle';
export * from './subtypes';
export type { OfferFields, InvoiceRequestFields, InvoiceFields } from './fields';
export type { Analysis } from './message';
export * from './offer';
export * from './invoice-request';
export * from './invoice';
export * from './invoice-error';
export * from './static-invoice';
export * from './describe';
