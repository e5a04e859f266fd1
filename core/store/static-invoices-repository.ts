/**
 * The static invoices a static invoice server (async payments L2) keeps for its clients, one per
 * recipient and slot (migration 13). Implements core/payments/async's `StaticInvoiceStore`.
 */
import { fromHex, toHex } from '../crypto';
import type { StaticInvoiceRecord, StaticInvoiceStore, StaticInvoiceWrite } from '../payments/async/store';
import { decodeBlindedPath, encodeBlindedPath } from '../wire';
import type { Database } from './database';
import { StoreError } from './errors';

interface Row {
  recipient: string;
  slot: number;
  invoice: string;
  offer_id: string;
  forward_path: string;
  created_at: number;
  expires_at: number;
  stored_at: number;
}

function toRecord(r: Row): StaticInvoiceRecord {
  try {
    return {
      recipient: r.recipient, slot: r.slot, invoice: fromHex(r.invoice, 'invoice'), offerId: r.offer_id, forwardPath: decodeBlindedPath(fromHex(r.forward_path, 'forward_path')),
      createdAt: r.created_at, expiresAt: r.expires_at, storedAt: r.stored_at,
    };
  } catch {
    throw new StoreError('store.corrupt', `static invoice ${r.recipient}/${r.slot} does not decode`);
  }
}

export class StaticInvoicesRepository implements StaticInvoiceStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  getStaticInvoice(recipient: string, slot: number): StaticInvoiceRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM static_invoices WHERE recipient = ? AND slot = ?').get(recipient, slot) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  countStaticInvoices(recipient?: string): number {
    const row = (recipient === undefined
      ? this.#db.prepare('SELECT COUNT(*) AS n FROM static_invoices').get()
      : this.#db.prepare('SELECT COUNT(*) AS n FROM static_invoices WHERE recipient = ?').get(recipient)) as { n: number };
    return row.n;
  }

  applyStaticInvoiceWrites(writes: readonly StaticInvoiceWrite[]): void {
    const put = this.#db.prepare(
      `INSERT INTO static_invoices (recipient, slot, invoice, offer_id, forward_path, created_at, expires_at, stored_at)
       VALUES (@recipient, @slot, @invoice, @offer_id, @forward_path, @created_at, @expires_at, @stored_at)
       ON CONFLICT(recipient, slot) DO UPDATE SET invoice = excluded.invoice, offer_id = excluded.offer_id, forward_path = excluded.forward_path,
         created_at = excluded.created_at, expires_at = excluded.expires_at, stored_at = excluded.stored_at`,
    );
    const del = this.#db.prepare('DELETE FROM static_invoices WHERE recipient = ? AND slot = ?');
    this.#db.transaction(() => {
      for (const w of writes) {
        if (w.kind === 'put_static_invoice') {
          const r = w.record;
          put.run({
            recipient: r.recipient, slot: r.slot, invoice: toHex(r.invoice), offer_id: r.offerId, forward_path: toHex(encodeBlindedPath(r.forwardPath)),
            created_at: r.createdAt, expires_at: r.expiresAt, stored_at: r.storedAt,
          });
        } else del.run(w.recipient, w.slot);
      }
    })();
  }

  listStaticInvoices(recipient?: string): StaticInvoiceRecord[] {
    const rows = (recipient === undefined
      ? this.#db.prepare('SELECT * FROM static_invoices ORDER BY stored_at, recipient, slot').all()
      : this.#db.prepare('SELECT * FROM static_invoices WHERE recipient = ? ORDER BY stored_at, slot').all(recipient)) as Row[];
    return rows.map(toRecord);
  }

  deleteExpiredStaticInvoices(nowSeconds: number): number {
    return this.#db.prepare('DELETE FROM static_invoices WHERE expires_at <= ?').run(nowSeconds).changes;
  }
}
