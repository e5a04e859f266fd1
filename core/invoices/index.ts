/** Invoices we read and write: BOLT 11 (BOLT 12 invoices live with offers in core/offers). */
export * from './bolt11';
