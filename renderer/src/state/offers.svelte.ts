/**
 * Offers as the Offers page shows them: our offers, the history of requests they received and
 * our answers, the invoices we fetched and our refunds. Seeded from the node's lists, kept live
 * by `offer.*` events; the lists that events only summarise (sent requests, received invoices,
 * refunds) are reloaded shortly after the events that change them.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { InvoiceInfo, InvoiceRequestInfo, OfferInfo } from '../../../core/api/offers';
import { applyOfferEvent, isOfferEvent, reduceOffers, seedHistory, sortOffers, type OfferHistoryRow } from '../lib/offers';
import { LiveState } from './live.svelte';

/** Rows loaded per list. */
export const OFFERS_LOAD = 500;
const FLUSH_MS = 100;
const RELOAD_AFTER_MS = 300;

/** Events that change the payer-side lists (reloaded, since the events carry only ids). */
const PAYER_EVENTS = new Set([
  'offer.invoice_requested', 'offer.invoice_received', 'offer.invoice_error_received', 'offer.fetch_failed',
  'offer.refund_created', 'offer.refund_invoice_sent', 'offer.refund_invoice_received',
]);

export class OffersState extends LiveState {
  #offers = $state.raw<readonly OfferInfo[]>([]);
  #history = $state.raw<readonly OfferHistoryRow[]>([]);
  #sent = $state.raw<readonly InvoiceRequestInfo[]>([]);
  #received = $state.raw<readonly InvoiceInfo[]>([]);
  #refunds = $state.raw<readonly InvoiceRequestInfo[]>([]);
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super(FLUSH_MS);
  }

  /** Active first, newest first. */
  get offers(): readonly OfferInfo[] {
    return this.#offers;
  }

  /** Requests for our offers and our answers, newest first. */
  get history(): readonly OfferHistoryRow[] {
    return this.#history;
  }

  /** invoice_requests we sent for other nodes' offers, newest first. */
  get sent(): readonly InvoiceRequestInfo[] {
    return this.#sent;
  }

  /** Invoices we received (for those requests and for our refunds). */
  get received(): readonly InvoiceInfo[] {
    return this.#received;
  }

  get refunds(): readonly InvoiceRequestInfo[] {
    return this.#refunds;
  }

  protected accepts(event: NodeEvent): boolean {
    return isOfferEvent(event);
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const [{ offers }, { invoiceRequests: received }, { invoices: issued }] = await Promise.all([
      api.listOffers({}),
      api.listInvoiceRequests({ role: 'received', limit: OFFERS_LOAD }),
      api.listInvoices({ role: 'issued', limit: OFFERS_LOAD }),
      this.#loadPayer(api),
    ]);
    return (early) => {
      let list: readonly OfferInfo[] = sortOffers(offers);
      let history: readonly OfferHistoryRow[] = seedHistory(received, issued);
      for (const event of early) {
        list = reduceOffers(list, event, event.time);
        history = applyOfferEvent(history, event, { replay: true });
      }
      this.#offers = sortOffers(list);
      this.#history = history;
    };
  }

  protected override onDetach(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = undefined;
  }

  /** Reloads the payer-side lists now (after a fetch or a refund we made). */
  async refreshPayer(): Promise<void> {
    const api = this.api;
    if (api) await this.#loadPayer(api);
  }

  /** Shows an offer we just created without waiting for its event. */
  added(offer: OfferInfo): void {
    if (!this.#offers.some((o) => o.offerId === offer.offerId)) this.#offers = sortOffers([offer, ...this.#offers]);
  }

  /** Shows an offer we just disabled without waiting for its event. */
  replaced(offer: OfferInfo): void {
    this.#offers = sortOffers(this.#offers.map((o) => (o.offerId === offer.offerId ? offer : o)));
  }

  async #loadPayer(api: NodeApi): Promise<void> {
    const [{ invoiceRequests: sent }, { invoices: received }, { invoiceRequests: refunds }] = await Promise.all([
      api.listInvoiceRequests({ role: 'sent', limit: OFFERS_LOAD }),
      api.listInvoices({ role: 'received', limit: OFFERS_LOAD }),
      api.listInvoiceRequests({ role: 'refund', limit: OFFERS_LOAD }),
    ]);
    if (!this.isCurrent(api)) return;
    const newest = <T extends { createdAt?: number; storedAt?: number }>(xs: readonly T[]) => [...xs].sort((a, b) => (b.createdAt ?? b.storedAt ?? 0) - (a.createdAt ?? a.storedAt ?? 0));
    this.#sent = newest(sent);
    this.#received = newest(received);
    this.#refunds = newest(refunds);
  }

  protected apply(batch: readonly NodeEvent[]): void {
    let list = this.#offers;
    let history = this.#history;
    for (const event of batch) {
      list = reduceOffers(list, event, event.time);
      history = applyOfferEvent(history, event);
    }
    this.#offers = list === this.#offers ? list : sortOffers(list);
    this.#history = history;
    if (batch.some((e) => PAYER_EVENTS.has(e.type))) {
      clearTimeout(this.#reloadTimer);
      this.#reloadTimer = setTimeout(() => {
        this.#reloadTimer = undefined;
        this.refreshPayer().catch(() => undefined);
      }, RELOAD_AFTER_MS);
    }
  }
}
