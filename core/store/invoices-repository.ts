/**
 * BOLT 12 invoices we issued or received. Implements the offers manager's `InvoiceStore`. The
 * preimage of an issued invoice is never stored: only the nonce it is derived from.
 */
import type { InvoiceRecord, InvoiceRole, InvoiceStore } from '../offers/manager/records';
import type { Database } from './database';
import { newestRows } from './newest-rows';

interface Row {
  invoice_id: string;
  role: string;
  offer_id: string | null;
  request_id: string | null;
  bolt12: string;
  payment_hash: string;
  preimage_nonce: string | null;
  amount_msat: string;
  created_at: number;
  expires_at: number;
  node_id: string;
  description: string | null;
  quantity: string | null;
  payer_note: string | null;
  stored_at: number;
}

function toRecord(r: Row): InvoiceRecord {
  return {
    invoiceId: r.invoice_id, role: r.role as InvoiceRole, offerId: r.offer_id, requestId: r.request_id, bolt12: r.bolt12, paymentHash: r.payment_hash,
    preimageNonce: r.preimage_nonce, amountMsat: BigInt(r.amount_msat), createdAt: r.created_at, expiresAt: r.expires_at, nodeId: r.node_id,
    description: r.description, quantity: r.quantity === null ? null : BigInt(r.quantity), payerNote: r.payer_note, storedAt: r.stored_at,
  };
}

export class InvoicesRepository implements InvoiceStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  insertInvoice(i: InvoiceRecord): boolean {
    const info = this.#db
      .prepare(
        `INSERT INTO invoices (invoice_id, role, offer_id, request_id, bolt12, payment_hash, preimage_nonce, amount_msat, created_at, expires_at, node_id,
           description, quantity, payer_note, stored_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(invoice_id) DO NOTHING`,
      )
      .run(
        i.invoiceId, i.role, i.offerId, i.requestId, i.bolt12, i.paymentHash, i.preimageNonce, i.amountMsat.toString(), i.createdAt, i.expiresAt,
        i.nodeId, i.description, i.quantity === null ? null : i.quantity.toString(), i.payerNote, i.storedAt,
      );
    return info.changes > 0;
  }

  getInvoice(invoiceId: string): InvoiceRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM invoices WHERE invoice_id = ?').get(invoiceId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  getIssuedByPaymentHash(paymentHash: string): InvoiceRecord | undefined {
    const row = this.#db.prepare("SELECT * FROM invoices WHERE payment_hash = ? AND role = 'issued' LIMIT 1").get(paymentHash) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Newest `limit` (default 1000), newest first. */
  listInvoices(filter: { role?: InvoiceRole; offerId?: string; limit?: number } = {}): InvoiceRecord[] {
    return newestRows<Row>(this.#db, 'invoices', [['role = ?', filter.role || undefined], ['offer_id = ?', filter.offerId || undefined]], filter.limit ?? 1000).map(toRecord);
  }

  countIssued(offerId: string): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM invoices WHERE offer_id = ? AND role = 'issued'").get(offerId) as { n: number }).n;
  }

  countOutstandingIssued(offerId: string, nowSeconds: number): { count: number; bytes: number } {
    const row = this.#db
      .prepare("SELECT COUNT(*) AS count, COALESCE(SUM(LENGTH(bolt12)), 0) AS bytes FROM invoices WHERE offer_id = ? AND role = 'issued' AND expires_at > ?")
      .get(offerId, nowSeconds) as { count: number; bytes: number };
    return { count: row.count, bytes: row.bytes };
  }

  expiredIssued(offerId: string, nowSeconds: number, keep: number): string[] {
    const ids = this.#db
      .prepare("SELECT invoice_id FROM invoices WHERE offer_id = ? AND role = 'issued' AND expires_at <= ? ORDER BY stored_at DESC, rowid DESC LIMIT -1 OFFSET ?")
      .all(offerId, nowSeconds, keep) as { invoice_id: string }[];
    return ids.map((r) => r.invoice_id);
  }

  deleteInvoices(invoiceIds: readonly string[]): number {
    const del = this.#db.prepare('DELETE FROM invoices WHERE invoice_id = ?');
    return this.#db.transaction(() => invoiceIds.reduce((n, id) => n + del.run(id).changes, 0))();
  }
}
