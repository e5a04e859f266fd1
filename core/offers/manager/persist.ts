/**
 * Carries out the writes an OffersManager step returned, in order, through the store port, in
 * one transaction. The adapter (core/runtime/offers) calls it before it publishes the step's
 * events or sends what the step produced.
 */
import type { OffersStores, OffersWrite } from './records';

export interface PersistedOffersWrites {
  /** The row ids of the `insert_request` writes, in order. */
  readonly requestRowIds: readonly number[];
}

export function persistOffersWrites(
  stores: OffersStores, writes: readonly OffersWrite[], durability: 'durable' | 'relaxed' = 'durable',
): PersistedOffersWrites {
  if (writes.length === 0) return { requestRowIds: [] };
  return stores.atomically(() => {
    const requestRowIds: number[] = [];
    for (const w of writes) {
      switch (w.kind) {
        case 'insert_offer':
          stores.offers.insertOffer(w.offer, w.paths);
          break;
        case 'set_offer_status':
          stores.offers.setOfferStatus(w.offerId, w.status, w.at);
          break;
        case 'insert_paths':
          stores.offers.insertPaths(w.paths);
          break;
        case 'insert_request':
          requestRowIds.push(stores.requests.insertRequest(w.request));
          break;
        case 'update_request':
          stores.requests.updateRequest(w.rowId, w.change);
          break;
        case 'prune_refused_requests':
          stores.requests.pruneRefusedRequests(w.offerId, w.keep);
          break;
        case 'insert_invoice':
          stores.invoices.insertInvoice(w.invoice);
          break;
        case 'delete_invoices':
          stores.invoices.deleteInvoices(w.invoiceIds);
          stores.requests.deleteRequestsAnsweredBy(w.invoiceIds);
          break;
      }
    }
    return { requestRowIds };
  }, durability);
}
