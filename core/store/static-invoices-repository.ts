/**
 * Async payments (migration 13): the static invoices a static invoice server (L2) keeps for its
 * clients, one per recipient and slot (core/payments/async's `StaticInvoiceStore`), and an async
 * recipient's (R) offers per slot (`AsyncOfferStore`); L1's pending releases (migration 16); the payer's (P)
 * payments to static invoices (migrations 17 and 18, `AsyncPayerStore`).
 */
import { fromHex, toHex } from '../crypto';
import type {
  AsyncAwaiting, AsyncOfferRecord, AsyncOfferStore, AsyncOfferWrite, AsyncPayerRecord, AsyncPayerStore, AsyncPayerWrite, AsyncReleaseStore, StaticInvoiceRecord, StaticInvoiceStore,
  ServedPayInfo, StaticInvoiceWrite,
} from '../payments/async/store';
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

interface OfferRow {
  slot: number;
  status: string;
  offer: string | null;
  offer_id: string | null;
  offer_paths_expires_at: number | null;
  invoice_created_at: number | null;
  invoice_expires_at: number | null;
  update_path: string | null;
  updated_at: number;
  served_pay_info: string | null;
  awaiting: string | null;
}

const isU32 = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffff_ffff;

function readPayInfo(v: unknown): ServedPayInfo | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (!isU32(o.feeBaseMsat) || !isU32(o.feeProportionalMillionths) || !isU32(o.cltvExpiryDelta) || o.cltvExpiryDelta > 0xffff) return undefined;
  return { feeBaseMsat: o.feeBaseMsat, feeProportionalMillionths: o.feeProportionalMillionths, cltvExpiryDelta: o.cltvExpiryDelta };
}

/** Migration 22's JSON columns, checked: a row that does not read is `store.corrupt`, naming the slot and the column. */
function readJsonColumn<T>(slot: number, column: string, text: string | null, read: (v: unknown) => T | undefined): T | null {
  if (text === null) return null;
  let value: T | undefined;
  try {
    value = read(JSON.parse(text));
  } catch {
    value = undefined;
  }
  if (value === undefined) throw new StoreError('store.corrupt', `async offer slot ${slot}: ${column} does not read`);
  return value;
}

function readAwaiting(v: unknown): AsyncAwaiting | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if ((o.kind !== 'paths' && o.kind !== 'invoice') || typeof o.since !== 'number' || !Number.isSafeInteger(o.attempts) || (o.attempts as number) < 1) return undefined;
  const payInfo = o.payInfo === null ? null : readPayInfo(o.payInfo);
  if (payInfo === undefined) return undefined;
  return { kind: o.kind, since: o.since, attempts: o.attempts as number, payInfo };
}

const STATUSES: ReadonlySet<string> = new Set(['requested', 'serving', 'ready']);

export class AsyncOffersRepository implements AsyncOfferStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  asyncOffers(): AsyncOfferRecord[] {
    const rows = this.#db.prepare('SELECT * FROM async_offers ORDER BY slot').all() as OfferRow[];
    return rows.map((r) => {
      if (!STATUSES.has(r.status)) throw new StoreError('store.corrupt', `async offer slot ${r.slot} has status ${r.status}`);
      let updatePath = null;
      try {
        updatePath = r.update_path === null ? null : decodeBlindedPath(fromHex(r.update_path, 'update_path'));
      } catch {
        throw new StoreError('store.corrupt', `async offer slot ${r.slot}: update_path does not decode`);
      }
      return {
        slot: r.slot, status: r.status as AsyncOfferRecord['status'], offer: r.offer, offerId: r.offer_id, offerPathsExpiresAt: r.offer_paths_expires_at,
        invoiceCreatedAt: r.invoice_created_at, invoiceExpiresAt: r.invoice_expires_at, updatePath, updatedAt: r.updated_at,
        servedPayInfo: readJsonColumn(r.slot, 'served_pay_info', r.served_pay_info, readPayInfo),
        awaiting: readJsonColumn(r.slot, 'awaiting', r.awaiting, readAwaiting),
      };
    });
  }

  applyAsyncOfferWrites(writes: readonly AsyncOfferWrite[]): void {
    const put = this.#db.prepare(
      `INSERT OR REPLACE INTO async_offers (slot, status, offer, offer_id, offer_paths_expires_at, invoice_created_at, invoice_expires_at, update_path, updated_at,
         served_pay_info, awaiting)
       VALUES (@slot, @status, @offer, @offer_id, @offer_paths_expires_at, @invoice_created_at, @invoice_expires_at, @update_path, @updated_at,
         @served_pay_info, @awaiting)`,
    );
    this.#db.transaction(() => {
      for (const { record: r } of writes) {
        put.run({
          slot: r.slot, status: r.status, offer: r.offer, offer_id: r.offerId, offer_paths_expires_at: r.offerPathsExpiresAt, invoice_created_at: r.invoiceCreatedAt,
          invoice_expires_at: r.invoiceExpiresAt, update_path: r.updatePath ? toHex(encodeBlindedPath(r.updatePath)) : null, updated_at: r.updatedAt,
          served_pay_info: r.servedPayInfo ? JSON.stringify(r.servedPayInfo) : null, awaiting: r.awaiting ? JSON.stringify(r.awaiting) : null,
        });
      }
    })();
  }
}

/** L1's pending releases (migration 16, table `async_releases`): core/payments/async `AsyncReleaseStore`. */
export class AsyncReleasesRepository implements AsyncReleaseStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  pendingReleases(): string[] {
    return (this.#db.prepare('SELECT hold_key FROM async_releases ORDER BY requested_at, hold_key').all() as { hold_key: string }[]).map((r) => r.hold_key);
  }

  addPendingRelease(holdKey: string, nowMs: number): void {
    this.#db.prepare('INSERT OR IGNORE INTO async_releases (hold_key, requested_at) VALUES (?, ?)').run(holdKey, nowMs);
  }

  removePendingRelease(holdKey: string): void {
    this.#db.prepare('DELETE FROM async_releases WHERE hold_key = ?').run(holdKey);
  }
}

interface PayerRow {
  payment_id: string;
  mode: string;
  status: string;
  offer: string;
  offer_id: string;
  amount_msat: string;
  invoice_request: string;
  static_invoice: string;
  preimage: string;
  hold_id: string;
  payment_hash: string;
  release_deadline: number;
  failure: string | null;
  created_at: number;
  release_paths: string;
  announced_at: number | null;
}

const PAYER_STATUSES: ReadonlySet<string> = new Set(['awaiting_release_paths', 'awaiting_release', 'htlc_sent', 'failed']);

function toPayerRecord(r: PayerRow): AsyncPayerRecord {
  if (!PAYER_STATUSES.has(r.status) || (r.mode !== 'lsp' && r.mode !== 'self') || !/^\d+$/.test(r.amount_msat)) {
    throw new StoreError('store.corrupt', `async payment ${r.payment_id}: bad status, mode or amount`);
  }
  try {
    return {
      paymentId: r.payment_id, mode: r.mode, status: r.status as AsyncPayerRecord['status'], offer: r.offer, offerId: r.offer_id, amountMsat: BigInt(r.amount_msat),
      invoiceRequest: fromHex(r.invoice_request, 'invoice_request'), staticInvoice: fromHex(r.static_invoice, 'static_invoice'), preimage: fromHex(r.preimage, 'preimage'),
      holdId: r.hold_id, paymentHash: r.payment_hash, releaseDeadline: r.release_deadline, failure: r.failure, createdAt: r.created_at,
      releasePaths: r.release_paths === '' ? [] : r.release_paths.split(',').map((h) => decodeBlindedPath(fromHex(h, 'release_path'))), announcedAt: r.announced_at,
    };
  } catch {
    throw new StoreError('store.corrupt', `async payment ${r.payment_id} does not decode`);
  }
}

/** P's payments to static invoices (migration 17, table `async_payer_payments`): core/payments/async `AsyncPayerStore`. */
export class AsyncPayerRepository implements AsyncPayerStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  asyncPayments(): AsyncPayerRecord[] {
    return (this.#db.prepare('SELECT * FROM async_payer_payments ORDER BY created_at, payment_id').all() as PayerRow[]).map(toPayerRecord);
  }

  applyAsyncPayerWrites(writes: readonly AsyncPayerWrite[]): void {
    if (writes.length === 0) return;
    const put = this.#db.prepare(
      `INSERT OR REPLACE INTO async_payer_payments (payment_id, mode, status, offer, offer_id, amount_msat, invoice_request, static_invoice, preimage, hold_id,
         payment_hash, release_deadline, failure, created_at, release_paths, announced_at)
       VALUES (@payment_id, @mode, @status, @offer, @offer_id, @amount_msat, @invoice_request, @static_invoice, @preimage, @hold_id, @payment_hash,
         @release_deadline, @failure, @created_at, @release_paths, @announced_at)`,
    );
    this.#db.transaction(() => {
      for (const { record: r } of writes) {
        put.run({
          payment_id: r.paymentId, mode: r.mode, status: r.status, offer: r.offer, offer_id: r.offerId, amount_msat: r.amountMsat.toString(),
          invoice_request: toHex(r.invoiceRequest), static_invoice: toHex(r.staticInvoice), preimage: toHex(r.preimage), hold_id: r.holdId,
          payment_hash: r.paymentHash, release_deadline: r.releaseDeadline, failure: r.failure, created_at: r.createdAt,
          release_paths: r.releasePaths.map((path) => toHex(encodeBlindedPath(path))).join(','), announced_at: r.announcedAt,
        });
      }
    })();
  }
}
