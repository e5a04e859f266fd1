/**
 * What every part of the offers manager works with, and the helpers they share: ids, the reader
 * context, issuing a signed invoice with a fresh payment hash.
 */
import { toHex, zeroize } from '../../crypto';
import type { TlvRecord } from '../../wire';
import type { OfferEventBody } from '../events';
import type { Bolt12Context } from '../chains';
import type { Invoice, UnsignedInvoice } from '../invoice';
import { buildInvoice, encodeInvoice } from '../invoice';
import type { InvoiceRequest } from '../invoice-request';
import { expectedAmount } from '../invoice-request';
import { merkleRoot } from '../merkle';
import { INVOICE_MIRRORED_RANGES, OFFER_RANGES, inRanges } from '../tlv-types';
import type { OffersPolicy } from './constants';
import { OffersError } from './errors';
import type { OffersKeys } from './keys';
import { PAYMENT_CONTEXT_NONCE_LENGTH } from './payment-context';
import { createPaymentPath, type PaymentForwarders } from './paths';
import type { InvoiceRecord, OffersReader, OffersWrite } from './records';

export interface ManagerContext {
  readonly keys: OffersKeys;
  /** The store, read-only: what the manager decides from. */
  readonly reader: OffersReader;
  /** The chain this node works on (BOLT 0 chain_hash). */
  readonly chain: Uint8Array;
  readonly policy: OffersPolicy;
  readonly randomBytes: (length: number) => Uint8Array;
  /** Our channel peers that can forward a payment to us (none when absent). */
  readonly paymentForwarders?: () => PaymentForwarders;
  /** Adds a change to this step's writes (persisted by the adapter before anything leaves). */
  readonly write: (change: OffersWrite) => void;
  /** Adds an event to this step's events (published by the adapter once the writes are durable). */
  readonly emit: (event: OfferEventBody) => void;
}

/** Hex Merkle root of the non-signature records: our id for offers, requests, refunds and invoices. */
export function idOf(records: readonly TlvRecord[]): string {
  const root = merkleRoot(records);
  return root ? toHex(root) : '';
}

/** The id of the offer an invoice_request (or invoice) mirrors: the Merkle root of its offer records. */
export function mirroredOfferId(records: readonly TlvRecord[]): string {
  return idOf(records.filter((r) => inRanges(r.type, OFFER_RANGES)));
}

/** The id of the invoice_request an invoice mirrors (for a refund: the refund's id). */
export function mirroredRequestId(records: readonly TlvRecord[]): string {
  return idOf(records.filter((r) => inRanges(r.type, INVOICE_MIRRORED_RANGES)));
}

/** At most this many of our invoices' payment paths go through a channel peer. */
export const MAX_FORWARDER_PATHS = 3;

/**
 * How long (in blocks past the height at issue) a payment path through a forwarder may be used:
 * its final `payment_constraints.max_cltv_expiry` (BOLT 4 leaves the height to the final node).
 * 2016 blocks (about two weeks) is far beyond the invoice's expiry plus any final CLTV delta.
 */
export const PAYMENT_PATH_CLTV_BLOCKS = 2016;

/** The reader context at `nowMs`: our chain only. */
export function readerContext(ctx: ManagerContext, nowMs: number): Bolt12Context {
  return { nowSeconds: Math.floor(nowMs / 1000), chains: [ctx.chain] };
}

export const msatText = (v: bigint | null | undefined): string | null => (v === undefined || v === null ? null : v.toString());

/**
 * Builds and signs an invoice answering `request` (BOLT 12 "Invoices", writer): `invoice_created_at`
 * = now, our relative expiry, and blinded payment paths (see createPaymentPath: one through each of
 * up to MAX_FORWARDER_PATHS channel peers, then one with us as introduction node) whose `path_id`
 * is the authenticated payment context (payment-context.ts: a fresh nonce, the offer, the amount
 * and the expiry, tagged with our key); the preimage is derived from that context, and
 * `invoice_payment_hash` is its SHA256. So a payment can be claimed from its path alone; the
 * record still keeps the context body as `preimageNonce` (history, `preimageFor`). `sign` holds the
 * key of `nodeId`. Returns the invoice and the record to store.
 */
export function issueInvoice(
  ctx: ManagerContext,
  request: InvoiceRequest,
  opts: { nodeId: Uint8Array; sign: (unsigned: UnsignedInvoice) => Invoice; offerId: string | null; requestId: string },
  nowMs: number,
): { invoice: Invoice; record: InvoiceRecord } {
  const nonce = ctx.randomBytes(PAYMENT_CONTEXT_NONCE_LENGTH);
  const sessionKeys: Uint8Array[] = [];
  const createdAt = Math.floor(nowMs / 1000);
  const expiresAt = createdAt + ctx.policy.invoiceRelativeExpirySeconds;
  // Writer: "if invreq_amount is present: MUST set invoice_amount to invreq_amount; otherwise: MUST set
  // invoice_amount to the expected amount" (buildInvoice applies the same rule and checks it again).
  const amountMsat = request.invreq.amount ?? expectedAmount(request.offer, request.invreq);
  if (amountMsat === undefined) throw new OffersError('offers.bad_argument', 'invoice_amount must be given: the offer amount is in a currency');
  const { pathId, body } = ctx.keys.paymentPathId({ nonce, offerId: opts.offerId, amountMsat, expiresAt });
  try {
    const paymentHash = ctx.keys.paymentHash(body);
    const common = { recipient: ctx.keys.nodeId, pathId, minFinalCltvExpiryDelta: ctx.policy.minFinalCltvExpiryDelta, htlcMinimumMsat: ctx.policy.htlcMinimumMsat };
    const fresh = (): Uint8Array => {
      const k = ctx.randomBytes(32);
      sessionKeys.push(k);
      return k;
    };
    // A path through each of a few channel peers (introduction node: the peer, which forwards over
    // its channel to us), so a payer that can reach one of them can pay without a route to us;
    // then the one-hop path with us as introduction node, for a payer that reaches us directly
    // (our own peer as payer skips a path it would introduce).
    const via = ctx.paymentForwarders?.() ?? { height: 0, forwarders: [] };
    const forwarders = via.height > 0 ? via.forwarders.slice(0, MAX_FORWARDER_PATHS) : [];
    // BOLT 12 writer: "MUST specify invoice_paths in order of most-preferred to least-preferred if it has a preference".
    const paths = [
      ...forwarders.map((f) => createPaymentPath({ ...common, sessionKey: fresh(), forwarders: [f], maxCltvExpiry: via.height + PAYMENT_PATH_CLTV_BLOCKS })),
      createPaymentPath({ ...common, sessionKey: fresh() }),
    ];
    const unsigned = buildInvoice(request, {
      paymentHash,
      createdAt: BigInt(createdAt),
      paths,
      relativeExpiry: BigInt(ctx.policy.invoiceRelativeExpirySeconds),
      nodeId: opts.nodeId,
    });
    const invoice = opts.sign(unsigned);
    const f = invoice.invoice;
    const record: InvoiceRecord = {
      invoiceId: idOf(invoice.records),
      role: 'issued',
      offerId: opts.offerId,
      requestId: opts.requestId,
      bolt12: encodeInvoice(invoice),
      paymentHash: toHex(paymentHash),
      preimageNonce: toHex(body),
      amountMsat: f.amount!,
      createdAt,
      expiresAt,
      nodeId: toHex(f.nodeId!),
      description: invoice.offer.description ?? null,
      quantity: invoice.invreq.quantity ?? null,
      payerNote: invoice.invreq.payerNote ?? null,
      storedAt: nowMs,
    };
    return { invoice, record };
  } finally {
    zeroize(nonce, pathId, body, ...sessionKeys);
  }
}
