/**
 * Invoice requests: received for our offers, sent for others' offers, and our refunds.
 * Implements the offers manager's `InvoiceRequestStore`.
 */
import type { InvoiceRequestRecord, InvoiceRequestRole, InvoiceRequestStatus, InvoiceRequestStore } from '../offers/manager/records';
import type { Database } from './database';
import { newestRows } from './newest-rows';

interface Row {
  id: number;
  request_id: string;
  role: string;
  offer_id: string | null;
  bolt12: string;
  status: string;
  amount_msat: string | null;
  quantity: string | null;
  payer_note: string | null;
  payer_id: string | null;
  description: string | null;
  issuer: string | null;
  invoice_id: string | null;
  error_code: string | null;
  error_message: string | null;
  erroneous_field: string | null;
  created_at: number;
  updated_at: number;
}

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));
const text = (v: bigint | null | undefined): string | null => (v === null || v === undefined ? null : v.toString());

function toRecord(r: Row): InvoiceRequestRecord & { rowId: number } {
  return {
    rowId: r.id, requestId: r.request_id, role: r.role as InvoiceRequestRole, offerId: r.offer_id, bolt12: r.bolt12, status: r.status as InvoiceRequestStatus,
    amountMsat: big(r.amount_msat), quantity: big(r.quantity), payerNote: r.payer_note, payerId: r.payer_id, description: r.description,
    issuer: r.issuer, invoiceId: r.invoice_id, errorCode: r.error_code, errorMessage: r.error_message, erroneousField: big(r.erroneous_field),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const COLUMNS: Readonly<Record<string, string>> = {
  status: 'status', invoiceId: 'invoice_id', errorCode: 'error_code', errorMessage: 'error_message', erroneousField: 'erroneous_field',
  updatedAt: 'updated_at',
};

export class InvoiceRequestsRepository implements InvoiceRequestStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  insertRequest(r: InvoiceRequestRecord): number {
    const info = this.#db
      .prepare(
        `INSERT INTO invoice_requests (request_id, role, offer_id, bolt12, status, amount_msat, quantity, payer_note, payer_id, description, issuer,
           invoice_id, error_code, error_message, erroneous_field, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.requestId, r.role, r.offerId, r.bolt12, r.status, text(r.amountMsat), text(r.quantity), r.payerNote, r.payerId, r.description, r.issuer,
        r.invoiceId, r.errorCode, r.errorMessage, text(r.erroneousField), r.createdAt, r.updatedAt,
      );
    return Number(info.lastInsertRowid);
  }

  updateRequest(rowId: number, change: Parameters<InvoiceRequestStore['updateRequest']>[1]): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [key, value] of Object.entries(change)) {
      const column = COLUMNS[key];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(typeof value === 'bigint' ? value.toString() : (value as string | number | null));
    }
    if (sets.length === 0) return;
    this.#db.prepare(`UPDATE invoice_requests SET ${sets.join(', ')} WHERE id = ?`).run(...values, rowId);
  }

  getRequest(rowId: number): InvoiceRequestRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM invoice_requests WHERE id = ?').get(rowId) as Row | undefined;
    if (!row) return undefined;
    const { rowId: _rowId, ...record } = toRecord(row);
    return record;
  }

  findAnsweredRequest(requestId: string): InvoiceRequestRecord | undefined {
    const row = this.#db
      .prepare("SELECT * FROM invoice_requests WHERE request_id = ? AND role = 'received' AND status = 'invoice' ORDER BY id DESC LIMIT 1")
      .get(requestId) as Row | undefined;
    if (!row) return undefined;
    const { rowId: _rowId, ...record } = toRecord(row);
    return record;
  }

  getRefund(refundId: string): (InvoiceRequestRecord & { readonly rowId: number }) | undefined {
    const row = this.#db.prepare("SELECT * FROM invoice_requests WHERE request_id = ? AND role = 'refund' ORDER BY id LIMIT 1").get(refundId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  pruneRefusedRequests(offerId: string, keep: number): number {
    return this.#db
      .prepare(
        `DELETE FROM invoice_requests WHERE id IN (
           SELECT id FROM invoice_requests WHERE offer_id = ? AND role = 'received' AND status <> 'invoice' ORDER BY id DESC LIMIT -1 OFFSET ?)`,
      )
      .run(offerId, keep).changes;
  }

  deleteRequestsAnsweredBy(invoiceIds: readonly string[]): number {
    const del = this.#db.prepare("DELETE FROM invoice_requests WHERE role = 'received' AND invoice_id = ?");
    return this.#db.transaction(() => invoiceIds.reduce((n, id) => n + del.run(id).changes, 0))();
  }

  /** Newest `limit` (default 1000), newest first. */
  listRequests(filter: { role?: InvoiceRequestRole; offerId?: string; limit?: number } = {}): InvoiceRequestRecord[] {
    const rows = newestRows<Row>(this.#db, 'invoice_requests', [['role = ?', filter.role || undefined], ['offer_id = ?', filter.offerId || undefined]], filter.limit ?? 1000, 'id');
    return rows.map((r) => {
      const { rowId: _rowId, ...record } = toRecord(r);
      return record;
    });
  }
}
