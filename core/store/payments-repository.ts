/**
 * The payments layer's store (migration 11): implements core/payments' `PaymentsStore` port on
 * SQLite — our payments and their parts, the BOLT 11 invoices we issued, the payments we claimed,
 * and the forwards. A step's writes are applied in one transaction (`applyPaymentsWrites`); every
 * write is an upsert of a whole record. Amounts are decimal text, bytes hex, lists JSON; a row of
 * an impossible shape is `store.corrupt`.
 */
import type {
  BlindedRole, FailureInfo, ForwardRecord, ForwardStatus, InvoiceRecord, InvoiceStatus, PartFailure, PartRecord, PartStatus, PaymentKind, PaymentRecord,
  PaymentsStore, PaymentsWrite, PaymentStatus, ReceivedRecord, RouteHopRecord,
} from '../payments';
import type { Database } from './database';
import { runTransaction } from './database';
import { StoreError } from './errors';
import { newestRows } from './newest-rows';

function corrupt(what: string): StoreError {
  return new StoreError('store.corrupt', `payments store: ${what}`);
}

const HEX = /^(?:[0-9a-f]{2})*$/;
const DECIMAL = /^-?[0-9]{1,20}$/;

function json(text: string | null, what: string): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(`${what} is not JSON`);
  }
}

function big(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !DECIMAL.test(v)) throw corrupt(`${what} is not a decimal amount`);
  return BigInt(v);
}

function bigOrNull(v: unknown, what: string): bigint | null {
  return v === null || v === undefined ? null : big(v, what);
}

function hex(v: unknown, what: string): string {
  if (typeof v !== 'string' || !HEX.test(v)) throw corrupt(`${what} is not hex`);
  return v;
}

function hexOrNull(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : hex(v, what);
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw corrupt(`${what} is not an integer`);
  return v;
}

function intOrNull(v: unknown, what: string): number | null {
  return v === null || v === undefined ? null : int(v, what);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw corrupt(`${what} is not text`);
  return v;
}

function strOrNull(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : str(v, what);
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw corrupt(`${what} is not one of ${allowed.join(', ')}`);
  return v as T;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw corrupt(`${what} is not a list`);
  return v;
}

function failureInfo(text: string | null, what: string): FailureInfo | null {
  const v = json(text, what);
  if (v === null) return null;
  const o = obj(v, what);
  return { code: str(o.code, `${what}.code`), message: str(o.message, `${what}.message`) };
}

const PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'succeeded', 'failed'];
const PART_STATUSES: readonly PartStatus[] = ['adding', 'inflight', 'failing', 'succeeded', 'failed'];
const KINDS: readonly PaymentKind[] = ['bolt11', 'bolt12', 'async'];
const FORWARD_STATUSES: readonly ForwardStatus[] = ['held', 'offered', 'failing', 'fulfilled', 'failed', 'refused'];
const ROLES: readonly BlindedRole[] = ['none', 'introduction', 'inside'];

// ----- rows ---------------------------------------------------------------------------------------

type Row = Record<string, unknown>;

function toPayment(r: Row): PaymentRecord {
  const id = str(r.payment_id, 'payment_id');
  const w = `payment ${id}`;
  return {
    paymentId: id,
    kind: oneOf(r.kind, KINDS, `${w} kind`),
    paymentHash: hex(r.payment_hash, `${w} payment_hash`),
    destination: hexOrNull(r.destination, `${w} destination`),
    amountMsat: big(r.amount_msat, `${w} amount_msat`),
    maxFeeMsat: big(r.max_fee_msat, `${w} max_fee_msat`),
    maxCltvExpiryDelta: int(r.max_cltv_delta, `${w} max_cltv_delta`),
    request: str(r.request, `${w} request`),
    description: strOrNull(r.description, `${w} description`),
    status: oneOf(r.status, PAYMENT_STATUSES, `${w} status`),
    createdAt: int(r.created_at, `${w} created_at`),
    deadline: int(r.deadline, `${w} deadline`),
    completedAt: intOrNull(r.completed_at, `${w} completed_at`),
    preimage: hexOrNull(r.preimage, `${w} preimage`),
    feeMsat: bigOrNull(r.fee_msat, `${w} fee_msat`),
    failure: failureInfo(strOrNull(r.failure, `${w} failure`), `${w} failure`),
    attempts: int(r.attempts, `${w} attempts`),
  };
}

function toHop(v: unknown, what: string): RouteHopRecord {
  const o = obj(v, what);
  return {
    nodeId: hex(o.nodeId, `${what}.nodeId`),
    shortChannelId: big(o.shortChannelId, `${what}.shortChannelId`),
    amountMsat: big(o.amountMsat, `${what}.amountMsat`),
    cltvExpiry: int(o.cltvExpiry, `${what}.cltvExpiry`),
    feeMsat: big(o.feeMsat, `${what}.feeMsat`),
  };
}

function toPartFailure(v: unknown, what: string): PartFailure | null {
  if (v === null) return null;
  const o = obj(v, what);
  if (typeof o.fromRecipient !== 'boolean') throw corrupt(`${what}.fromRecipient is not a boolean`);
  return {
    code: str(o.code, `${what}.code`),
    erringNode: hexOrNull(o.erringNode, `${what}.erringNode`),
    hopIndex: intOrNull(o.hopIndex, `${what}.hopIndex`),
    fromRecipient: o.fromRecipient,
    message: str(o.message, `${what}.message`),
  };
}

function toPart(r: Row): PartRecord {
  const w = `part ${String(r.payment_id)}/${String(r.part_id)}`;
  const blinded = json(strOrNull(r.blinded, `${w} blinded`), `${w} blinded`);
  const b = blinded === null ? null : obj(blinded, `${w} blinded`);
  return {
    paymentId: str(r.payment_id, `${w} payment_id`),
    partId: int(r.part_id, `${w} part_id`),
    status: oneOf(r.status, PART_STATUSES, `${w} status`),
    channelId: hex(r.channel_id, `${w} channel_id`),
    htlcId: bigOrNull(r.htlc_id, `${w} htlc_id`),
    amountMsat: big(r.amount_msat, `${w} amount_msat`),
    sentMsat: big(r.sent_msat, `${w} sent_msat`),
    feeMsat: big(r.fee_msat, `${w} fee_msat`),
    cltvExpiry: int(r.cltv_expiry, `${w} cltv_expiry`),
    hops: list(json(str(r.hops, `${w} hops`), `${w} hops`), `${w} hops`).map((h, i) => toHop(h, `${w} hop ${i}`)),
    blinded: b && {
      pathIndex: int(b.pathIndex, `${w} blinded.pathIndex`),
      feeMsat: big(b.feeMsat, `${w} blinded.feeMsat`),
      blindedHops: int(b.blindedHops, `${w} blinded.blindedHops`),
      ...(b.entered === true ? { entered: true } : {}),
    },
    onionNodeIds: list(json(str(r.onion_node_ids, `${w} onion_node_ids`), `${w} onion_node_ids`), `${w} onion_node_ids`).map((n, i) => hex(n, `${w} onion node ${i}`)),
    sessionKey: hexOrNull(r.session_key, `${w} session_key`),
    failReason: hexOrNull(r.fail_reason, `${w} fail_reason`),
    failMalformedCode: intOrNull(r.fail_malformed, `${w} fail_malformed`),
    failure: toPartFailure(json(strOrNull(r.failure, `${w} failure`), `${w} failure`), `${w} failure`),
    createdAt: int(r.created_at, `${w} created_at`),
    resolvedAt: intOrNull(r.resolved_at, `${w} resolved_at`),
  };
}

function toInvoice(r: Row): InvoiceRecord {
  const w = `invoice ${String(r.payment_hash)}`;
  return {
    paymentHash: hex(r.payment_hash, `${w} payment_hash`),
    preimage: hex(r.preimage, `${w} preimage`),
    paymentSecret: hex(r.payment_secret, `${w} payment_secret`),
    bolt11: str(r.bolt11, `${w} bolt11`),
    amountMsat: bigOrNull(r.amount_msat, `${w} amount_msat`),
    description: strOrNull(r.description, `${w} description`),
    descriptionHash: hexOrNull(r.description_hash, `${w} description_hash`),
    createdAt: int(r.created_at, `${w} created_at`),
    expiresAt: int(r.expires_at, `${w} expires_at`),
    minFinalCltvExpiryDelta: int(r.min_final_cltv_delta, `${w} min_final_cltv_delta`),
    status: oneOf<InvoiceStatus>(r.status, ['unpaid', 'paid'], `${w} status`),
    paidMsat: bigOrNull(r.paid_msat, `${w} paid_msat`),
    paidAt: intOrNull(r.paid_at, `${w} paid_at`),
  };
}

function toReceived(r: Row): ReceivedRecord {
  const w = `received payment ${String(r.payment_hash)}`;
  return {
    paymentHash: hex(r.payment_hash, `${w} payment_hash`),
    kind: oneOf(r.kind, KINDS, `${w} kind`),
    amountMsat: big(r.amount_msat, `${w} amount_msat`),
    invoiceAmountMsat: bigOrNull(r.invoice_amount_msat, `${w} invoice_amount_msat`),
    offerId: hexOrNull(r.offer_id, `${w} offer_id`),
    preimage: hex(r.preimage, `${w} preimage`),
    htlcs: list(json(str(r.htlcs, `${w} htlcs`), `${w} htlcs`), `${w} htlcs`).map((h, i) => {
      const o = obj(h, `${w} htlc ${i}`);
      return { channelId: hex(o.channelId, `${w} htlc ${i} channelId`), htlcId: big(o.htlcId, `${w} htlc ${i} htlcId`), amountMsat: big(o.amountMsat, `${w} htlc ${i} amountMsat`) };
    }),
    claimedAt: int(r.claimed_at, `${w} claimed_at`),
  };
}

function toForward(r: Row): ForwardRecord {
  const w = `forward ${String(r.forward_id)}`;
  const up = json(strOrNull(r.upstream, `${w} upstream`), `${w} upstream`);
  const hold = json(strOrNull(r.hold, `${w} hold`), `${w} hold`);
  let upstream: ForwardRecord['upstream'] = null;
  if (up !== null) {
    const o = obj(up, `${w} upstream`);
    upstream = 'reason' in o ? { reason: hex(o.reason, `${w} upstream.reason`) } : { malformedCode: int(o.malformedCode, `${w} upstream.malformedCode`) };
  }
  const h = hold === null ? null : obj(hold, `${w} hold`);
  return {
    forwardId: str(r.forward_id, `${w} forward_id`),
    inChannelId: hex(r.in_channel_id, `${w} in_channel_id`),
    inHtlcId: big(r.in_htlc_id, `${w} in_htlc_id`),
    inAmountMsat: big(r.in_amount_msat, `${w} in_amount_msat`),
    inCltvExpiry: int(r.in_cltv_expiry, `${w} in_cltv_expiry`),
    paymentHash: hex(r.payment_hash, `${w} payment_hash`),
    outChannelId: hexOrNull(r.out_channel_id, `${w} out_channel_id`),
    outHtlcId: bigOrNull(r.out_htlc_id, `${w} out_htlc_id`),
    outAmountMsat: big(r.out_amount_msat, `${w} out_amount_msat`),
    outCltvExpiry: int(r.out_cltv_expiry, `${w} out_cltv_expiry`),
    outOnion: hexOrNull(r.out_onion, `${w} out_onion`),
    outPathKey: hexOrNull(r.out_path_key, `${w} out_path_key`),
    status: oneOf(r.status, FORWARD_STATUSES, `${w} status`),
    feeMsat: big(r.fee_msat, `${w} fee_msat`),
    blinded: oneOf(r.blinded, ROLES, `${w} blinded`),
    sharedSecret: hexOrNull(r.shared_secret, `${w} shared_secret`),
    onionHash: hex(r.onion_hash, `${w} onion_hash`),
    preimage: hexOrNull(r.preimage, `${w} preimage`),
    failReason: hexOrNull(r.fail_reason, `${w} fail_reason`),
    failMalformedCode: intOrNull(r.fail_malformed, `${w} fail_malformed`),
    failure: strOrNull(r.failure, `${w} failure`),
    upstream,
    hold: h && { key: str(h.key, `${w} hold.key`), deadlineHeight: int(h.deadlineHeight, `${w} hold.deadlineHeight`) },
    receivedAt: int(r.received_at, `${w} received_at`),
    resolvedAt: intOrNull(r.resolved_at, `${w} resolved_at`),
  };
}

const s = (v: bigint | null): string | null => (v === null ? null : v.toString());

// ----- the repository -------------------------------------------------------------------------------

export class PaymentsRepository implements PaymentsStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  applyPaymentsWrites(writes: readonly PaymentsWrite[]): void {
    if (writes.length === 0) return;
    this.#db.transaction(() => {
      for (const w of writes) this.#apply(w);
    })();
  }

  #apply(w: PaymentsWrite): void {
    switch (w.kind) {
      case 'put_payment': {
        const p = w.payment;
        this.#db
          .prepare(
            `INSERT INTO payments (payment_id, kind, payment_hash, destination, amount_msat, max_fee_msat, max_cltv_delta, request, description, status,
               created_at, deadline, completed_at, preimage, fee_msat, failure, attempts)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(payment_id) DO UPDATE SET status = excluded.status, completed_at = excluded.completed_at, preimage = excluded.preimage,
               fee_msat = excluded.fee_msat, failure = excluded.failure, attempts = excluded.attempts, deadline = excluded.deadline`,
          )
          .run(
            p.paymentId, p.kind, p.paymentHash, p.destination, p.amountMsat.toString(), p.maxFeeMsat.toString(), p.maxCltvExpiryDelta, p.request, p.description,
            p.status, p.createdAt, p.deadline, p.completedAt, p.preimage, s(p.feeMsat), p.failure ? JSON.stringify(p.failure) : null, p.attempts,
          );
        return;
      }
      case 'put_part': {
        const p = w.part;
        this.#db
          .prepare(
            `INSERT INTO payment_parts (payment_id, part_id, status, channel_id, htlc_id, amount_msat, sent_msat, fee_msat, cltv_expiry, hops, blinded,
               onion_node_ids, session_key, fail_reason, fail_malformed, failure, created_at, resolved_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(payment_id, part_id) DO UPDATE SET status = excluded.status, channel_id = excluded.channel_id, htlc_id = excluded.htlc_id,
               session_key = excluded.session_key, fail_reason = excluded.fail_reason, fail_malformed = excluded.fail_malformed, failure = excluded.failure,
               resolved_at = excluded.resolved_at`,
          )
          .run(
            p.paymentId, p.partId, p.status, p.channelId, s(p.htlcId), p.amountMsat.toString(), p.sentMsat.toString(), p.feeMsat.toString(), p.cltvExpiry,
            JSON.stringify(p.hops.map((h) => ({ ...h, shortChannelId: h.shortChannelId.toString(), amountMsat: h.amountMsat.toString(), feeMsat: h.feeMsat.toString() }))),
            p.blinded ? JSON.stringify({ ...p.blinded, feeMsat: p.blinded.feeMsat.toString() }) : null,
            JSON.stringify(p.onionNodeIds), p.sessionKey, p.failReason, p.failMalformedCode, p.failure ? JSON.stringify(p.failure) : null, p.createdAt, p.resolvedAt,
          );
        return;
      }
      case 'put_invoice': {
        const i = w.invoice;
        this.#db
          .prepare(
            `INSERT INTO bolt11_invoices (payment_hash, preimage, payment_secret, bolt11, amount_msat, description, description_hash, created_at, expires_at,
               min_final_cltv_delta, status, paid_msat, paid_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(payment_hash) DO UPDATE SET status = excluded.status, paid_msat = excluded.paid_msat, paid_at = excluded.paid_at`,
          )
          .run(
            i.paymentHash, i.preimage, i.paymentSecret, i.bolt11, s(i.amountMsat), i.description, i.descriptionHash, i.createdAt, i.expiresAt,
            i.minFinalCltvExpiryDelta, i.status, s(i.paidMsat), i.paidAt,
          );
        return;
      }
      case 'put_received': {
        const r = w.received;
        this.#db
          .prepare(
            `INSERT INTO received_payments (payment_hash, kind, amount_msat, invoice_amount_msat, offer_id, preimage, htlcs, claimed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(payment_hash) DO UPDATE SET amount_msat = excluded.amount_msat, htlcs = excluded.htlcs`,
          )
          .run(
            r.paymentHash, r.kind, r.amountMsat.toString(), s(r.invoiceAmountMsat), r.offerId, r.preimage,
            JSON.stringify(r.htlcs.map((h) => ({ channelId: h.channelId, htlcId: h.htlcId.toString(), amountMsat: h.amountMsat.toString() }))), r.claimedAt,
          );
        return;
      }
      case 'put_forward': {
        const f = w.forward;
        this.#db
          .prepare(
            `INSERT INTO forwards (forward_id, in_channel_id, in_htlc_id, in_amount_msat, in_cltv_expiry, payment_hash, out_channel_id, out_htlc_id,
               out_amount_msat, out_cltv_expiry, out_onion, out_path_key, status, fee_msat, blinded, shared_secret, onion_hash, preimage, fail_reason,
               fail_malformed, failure, upstream, hold, received_at, resolved_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(forward_id) DO UPDATE SET out_channel_id = excluded.out_channel_id, out_htlc_id = excluded.out_htlc_id,
               out_onion = excluded.out_onion, status = excluded.status, shared_secret = excluded.shared_secret, preimage = excluded.preimage,
               fail_reason = excluded.fail_reason, fail_malformed = excluded.fail_malformed, failure = excluded.failure, upstream = excluded.upstream,
               hold = excluded.hold, resolved_at = excluded.resolved_at`,
          )
          .run(
            f.forwardId, f.inChannelId, f.inHtlcId.toString(), f.inAmountMsat.toString(), f.inCltvExpiry, f.paymentHash, f.outChannelId, s(f.outHtlcId),
            f.outAmountMsat.toString(), f.outCltvExpiry, f.outOnion, f.outPathKey, f.status, f.feeMsat.toString(), f.blinded, f.sharedSecret, f.onionHash,
            f.preimage, f.failReason, f.failMalformedCode, f.failure, f.upstream ? JSON.stringify(f.upstream) : null, f.hold ? JSON.stringify(f.hold) : null,
            f.receivedAt, f.resolvedAt,
          );
        return;
      }
    }
  }

  loadRouteMemory(): string | undefined {
    const row = this.#db.prepare('SELECT snapshot FROM route_memory WHERE id = 1').get() as { snapshot: string } | undefined;
    return row?.snapshot;
  }

  saveRouteMemory(snapshot: string, savedAt: number): void {
    // Learned data: losing the last save to a crash costs a few relearned failures, not money.
    runTransaction(this.#db, () => {
      this.#db.prepare('INSERT INTO route_memory (id, snapshot, saved_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET snapshot = excluded.snapshot, saved_at = excluded.saved_at')
        .run(snapshot, savedAt);
    }, 'relaxed');
  }

  getPayment(paymentId: string): PaymentRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM payments WHERE payment_id = ?').get(paymentId) as Row | undefined;
    return row ? toPayment(row) : undefined;
  }

  paymentsByHash(paymentHash: string): PaymentRecord[] {
    return (this.#db.prepare('SELECT * FROM payments WHERE payment_hash = ? ORDER BY rowid DESC').all(paymentHash) as Row[]).map(toPayment);
  }

  livePayments(): PaymentRecord[] {
    return (this.#db.prepare(
      "SELECT * FROM payments WHERE status = 'pending' OR payment_id IN (SELECT payment_id FROM payment_parts WHERE status IN ('adding', 'inflight', 'failing')) ORDER BY rowid",
    ).all() as Row[]).map(toPayment);
  }

  partsOf(paymentId: string): PartRecord[] {
    return (this.#db.prepare('SELECT * FROM payment_parts WHERE payment_id = ? ORDER BY part_id').all(paymentId) as Row[]).map(toPart);
  }

  /** Newest `limit` (default 1000), newest first. */
  listPayments(filter: { status?: PaymentStatus; limit?: number } = {}): PaymentRecord[] {
    return newestRows<Row>(this.#db, 'payments', [['status = ?', filter.status]], filter.limit ?? 1000).map(toPayment);
  }

  getInvoice(paymentHash: string): InvoiceRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM bolt11_invoices WHERE payment_hash = ?').get(paymentHash) as Row | undefined;
    return row ? toInvoice(row) : undefined;
  }

  listInvoices(filter: { status?: InvoiceStatus; limit?: number } = {}): InvoiceRecord[] {
    return newestRows<Row>(this.#db, 'bolt11_invoices', [['status = ?', filter.status]], filter.limit ?? 1000).map(toInvoice);
  }

  getReceived(paymentHash: string): ReceivedRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM received_payments WHERE payment_hash = ?').get(paymentHash) as Row | undefined;
    return row ? toReceived(row) : undefined;
  }

  listReceived(filter: { limit?: number } = {}): ReceivedRecord[] {
    return newestRows<Row>(this.#db, 'received_payments', [], filter.limit ?? 1000).map(toReceived);
  }

  getForward(forwardId: string): ForwardRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM forwards WHERE forward_id = ?').get(forwardId) as Row | undefined;
    return row ? toForward(row) : undefined;
  }

  activeForwards(): ForwardRecord[] {
    return (this.#db.prepare("SELECT * FROM forwards WHERE status IN ('held', 'offered', 'failing') ORDER BY rowid").all() as Row[]).map(toForward);
  }

  feesEarnedMsat(): bigint {
    const rows = this.#db.prepare("SELECT fee_msat FROM forwards WHERE status = 'fulfilled'").all() as { fee_msat: unknown }[];
    // Amounts are decimal text (bigint in JS): summed here, not by SQLite's floating point.
    return rows.reduce((a, r) => a + big(r.fee_msat, 'forward fee_msat'), 0n);
  }

  listForwards(filter: { status?: ForwardStatus; limit?: number } = {}): ForwardRecord[] {
    return newestRows<Row>(this.#db, 'forwards', [['status = ?', filter.status]], filter.limit ?? 1000).map(toForward);
  }
}
