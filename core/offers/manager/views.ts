/** Offers records as the NodeApi shows them (plain JSON data, no secrets). */
import { toHex } from '../../crypto';
import type { BlindedPath } from '../../wire';
import type { BlindedPathSummary, InvoiceInfo, InvoiceRequestInfo, OfferInfo } from '../types';
import { decodeBolt12String } from '../bech32';
import { parseInvoiceBytes } from '../invoice';
import { parseOfferBytes } from '../offer';
import type { InvoiceRecord, InvoiceRequestRecord, OfferRecord } from './records';

const text = (v: bigint | null): string | null => (v === null ? null : v.toString());

export function pathSummaries(paths: readonly BlindedPath[] | undefined): BlindedPathSummary[] {
  return (paths ?? []).map((p) => ({
    introductionNodeId: p.firstNodeId.kind === 'node_id' ? toHex(p.firstNodeId.nodeId) : `${p.firstNodeId.shortChannelId}/${p.firstNodeId.direction}`,
    hops: p.hops.length,
  }));
}

function stringPaths(kind: 'offer' | 'invoice', bolt12: string): readonly BlindedPath[] | undefined {
  try {
    const bytes = decodeBolt12String(bolt12).bytes;
    return kind === 'offer' ? parseOfferBytes(bytes).value?.fields.paths : parseInvoiceBytes(bytes).value?.invoice.paths;
  } catch {
    return undefined;
  }
}

export function offerInfo(o: OfferRecord, invoicesIssued: number): OfferInfo {
  return {
    offerId: o.offerId, bolt12: o.bolt12, status: o.status, description: o.description, amountMsat: text(o.amountMsat), issuer: o.issuer,
    quantityMax: text(o.quantityMax), absoluteExpiry: o.absoluteExpiry, issuerId: o.issuerId, paths: pathSummaries(stringPaths('offer', o.bolt12)),
    createdAt: o.createdAt, disabledAt: o.disabledAt, invoicesIssued,
  };
}

export function invoiceRequestInfo(r: InvoiceRequestRecord): InvoiceRequestInfo {
  return {
    requestId: r.requestId, role: r.role, offerId: r.offerId, bolt12: r.bolt12, status: r.status, amountMsat: text(r.amountMsat), quantity: text(r.quantity),
    payerNote: r.payerNote, payerId: r.payerId, description: r.description, issuer: r.issuer, invoiceId: r.invoiceId,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '', erroneousField: text(r.erroneousField) } : null,
    createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

/** The preimage nonce stays behind. */
export function invoiceInfo(i: InvoiceRecord): InvoiceInfo {
  return {
    invoiceId: i.invoiceId, role: i.role, offerId: i.offerId, requestId: i.requestId, bolt12: i.bolt12, paymentHash: i.paymentHash,
    amountMsat: i.amountMsat.toString(), createdAtSeconds: i.createdAt, expiresAtSeconds: i.expiresAt, nodeId: i.nodeId, description: i.description,
    quantity: text(i.quantity), payerNote: i.payerNote, paths: pathSummaries(stringPaths('invoice', i.bolt12)), storedAt: i.storedAt,
  };
}
