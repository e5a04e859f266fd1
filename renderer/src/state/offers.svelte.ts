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
import { errorText } from './node.svelte';

/** Rows loaded per list. */
export const OFFERS_LOAD = 500;
const FLUSH_MS = 100;
const RELOAD_AFTER_MS = 300;

/** Events that change the payer-side lists (reloaded, since the events carry only ids). */
const PAYER_EVENTS = new Set([
  'offer.invoice_requested', 'offer.invoice_received', 'offer.invoice_error_received', 'offer.fetch_failed',
  'offer.refund_created', 'offer.refund_invoice_sent', 'offer.refund_invoice_received',
]);

export class OffersState {
  #offers = $state.raw<readonly OfferInfo[]>([]);
  #history = $state.raw<readonly OfferHistoryRow[]>([]);
  #sent = $state.raw<readonly InvoiceRequestInfo[]>([]);
  #received = $state.raw<readonly InvoiceInfo[]>([]);
  #refunds = $state.raw<readonly InvoiceRequestInfo[]>([]);
  #loading = $state(true);
  #loadError = $state<string | null>(null);
  #api: NodeApi | null = null;
  #unsubscribe: (() => void) | null = null;
  #generation = 0;
  #queue: NodeEvent[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

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

  get loading(): boolean {
    return this.#loading;
  }

  get loadError(): string | null {
    return this.#loadError;
  }

  async attach(api: NodeApi): Promise<void> {
    this.detach();
    const generation = ++this.#generation;
    this.#api = api;
    this.#loading = true;
    this.#loadError = null;
    const early: NodeEvent[] = [];
    let live = false;
    this.#unsubscribe = api.subscribe((event) => {
      if (generation !== this.#generation || !isOfferEvent(event)) return;
      if (live) this.#enqueue(event);
      else early.push(event);
    });
    try {
      const [{ offers }, { invoiceRequests: received }, { invoices: issued }] = await Promise.all([
        api.listOffers({}),
        api.listInvoiceRequests({ role: 'received', limit: OFFERS_LOAD }),
        api.listInvoices({ role: 'issued', limit: OFFERS_LOAD }),
        this.#loadPayer(api),
      ]);
      if (generation !== this.#generation) return;
      let list: readonly OfferInfo[] = sortOffers(offers);
      let history: readonly OfferHistoryRow[] = seedHistory(received, issued);
      for (const event of early) {
        list = reduceOffers(list, event, event.time);
        history = applyOfferEvent(history, event, { replay: true });
      }
      this.#offers = sortOffers(list);
      this.#history = history;
      live = true;
    } catch (e) {
      if (generation === this.#generation) this.#loadError = errorText(e);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  detach(): void {
    this.#generation++;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#api = null;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#reloadTimer);
    this.#flushTimer = undefined;
    this.#reloadTimer = undefined;
    this.#queue = [];
  }

  reload(): void {
    if (this.#api) void this.attach(this.#api);
  }

  /** Reloads the payer-side lists now (after a fetch or a refund we made). */
  async refreshPayer(): Promise<void> {
    const api = this.#api;
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
    if (api !== this.#api) return;
    const newest = <T extends { createdAt?: number; storedAt?: number }>(xs: readonly T[]) => [...xs].sort((a, b) => (b.createdAt ?? b.storedAt ?? 0) - (a.createdAt ?? a.storedAt ?? 0));
    this.#sent = newest(sent);
    this.#received = newest(received);
    this.#refunds = newest(refunds);
  }

  #enqueue(event: NodeEvent): void {
    this.#queue.push(event);
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
    if (PAYER_EVENTS.has(event.type)) {
      clearTimeout(this.#reloadTimer);
      this.#reloadTimer = setTimeout(() => {
        this.#reloadTimer = undefined;
        this.refreshPayer().catch(() => undefined);
      }, RELOAD_AFTER_MS);
    }
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    let list = this.#offers;
    let history = this.#history;
    for (const event of batch) {
      list = reduceOffers(list, event, event.time);
      history = applyOfferEvent(history, event);
    }
    this.#offers = list === this.#offers ? list : sortOffers(list);
    this.#history = history;
  }
}
