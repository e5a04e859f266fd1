/**
 * Lightning payments as the Payments page shows them: our payments, the BOLT 11 invoices we
 * issued, and the forwards through us with the fees they earned. Loaded once, then read again
 * shortly after the `payment.*` and `forward.*` events that change them (the events carry ids and
 * amounts, not whole rows); the payment being made on this page is followed event by event. No
 * polling.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { Bolt11InvoiceInfo, ForwardInfo, PaymentInfo } from '../../../core/api';
import { applyPaymentEvent, applyPaymentInfo, isPaymentEvent, newestFirst, startProgress, type PaymentProgress } from '../lib/payments';
import { apiFailure } from '../lib/api-error';
import { LiveState } from './live.svelte';

const FLUSH_MS = 100;
const RELOAD_AFTER_MS = 200;
const LIMIT = 200;

interface Lists {
  readonly payments: readonly PaymentInfo[];
  readonly invoices: readonly Bolt11InvoiceInfo[];
  readonly forwards: readonly ForwardInfo[];
  readonly feesEarnedMsat: string;
}

export class PaymentsState extends LiveState {
  #payments = $state.raw<readonly PaymentInfo[]>([]);
  #invoices = $state.raw<readonly Bolt11InvoiceInfo[]>([]);
  #forwards = $state.raw<readonly ForwardInfo[]>([]);
  #feesEarnedMsat = $state.raw('0');
  #current = $state.raw<PaymentProgress | null>(null);
  #disabled = $state(false);
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super(FLUSH_MS);
  }

  /** Newest first. */
  get payments(): readonly PaymentInfo[] {
    return this.#payments;
  }

  /** Our BOLT 11 invoices, newest first. */
  get invoices(): readonly Bolt11InvoiceInfo[] {
    return this.#invoices;
  }

  get forwards(): readonly ForwardInfo[] {
    return this.#forwards;
  }

  get feesEarnedMsat(): string {
    return this.#feesEarnedMsat;
  }

  /** The node runs without payments (`payments.disabled`): nothing to show or do here. */
  get disabled(): boolean {
    return this.#disabled;
  }

  /** The payment made on this page, as its events tell it. */
  get current(): PaymentProgress | null {
    return this.#current;
  }

  protected accepts(event: NodeEvent): boolean {
    return isPaymentEvent(event);
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    let lists: Lists;
    try {
      lists = await this.#read(api);
    } catch (e) {
      if (apiFailure(e).code !== 'payments.disabled') throw e;
      return () => {
        this.#disabled = true;
      };
    }
    return (early) => {
      this.#disabled = false;
      this.#install(lists);
      // Events that came while the lists loaded: older or newer than them, the merge keeps the newest facts.
      this.#follow(early);
    };
  }

  protected apply(batch: readonly NodeEvent[]): void {
    this.#follow(batch);
    this.#scheduleReload();
  }

  protected override onDetach(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = undefined;
  }

  /**
   * Pays (`wait: false`) and follows the payment: its events from now on, and the node's answer
   * (which may already be final). Throws the node's typed error when `pay` refuses.
   */
  async pay(params: Parameters<NodeApi['pay']>[0] & { paymentId: string }): Promise<void> {
    const api = this.api;
    if (!api) throw new Error('Not connected to the node.');
    this.#current = startProgress(params.paymentId);
    try {
      const info = await api.pay({ ...params, wait: false });
      if (!this.isCurrent(api)) return;
      this.#adopt(info);
      // Events may have been missed between the answer and now: read it once more.
      const again = await api.getPayment({ paymentId: params.paymentId });
      if (this.isCurrent(api)) this.#adopt(again);
    } catch (e) {
      if (this.#current?.paymentId === params.paymentId && this.#current.parts.length === 0) this.#current = null;
      throw e;
    }
    this.#scheduleReload();
  }

  /** Forgets the payment followed on this page (a new one is to be made). */
  clearCurrent(): void {
    this.#current = null;
  }

  /** Issues a BOLT 11 invoice and lists it at once. */
  async createInvoice(params: Parameters<NodeApi['createInvoice']>[0]): Promise<Bolt11InvoiceInfo> {
    const api = this.api;
    if (!api) throw new Error('Not connected to the node.');
    const invoice = await api.createInvoice(params);
    if (this.isCurrent(api) && !this.#invoices.some((i) => i.paymentHash === invoice.paymentHash)) this.#invoices = [invoice, ...this.#invoices];
    return invoice;
  }

  async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const lists = await this.#read(api);
    if (this.isCurrent(api)) this.#install(lists);
  }

  /** The node's answer, merged with what the events told (lib/payments: an older answer moves nothing back). */
  #adopt(info: PaymentInfo): void {
    const cur = this.#current;
    if (cur) this.#current = applyPaymentInfo(cur, info);
  }

  #follow(events: readonly NodeEvent[]): void {
    let current = this.#current;
    if (!current) return;
    for (const e of events) current = applyPaymentEvent(current, e);
    this.#current = current;
  }

  async #read(api: NodeApi): Promise<Lists> {
    const [{ payments }, { invoices }, { forwards, feesEarnedMsat }] = await Promise.all([
      api.listPayments({ limit: LIMIT }),
      api.listBolt11Invoices({ limit: LIMIT }),
      api.listForwards({ limit: LIMIT }),
    ]);
    return {
      payments: newestFirst(payments, (p) => p.createdAt),
      invoices: newestFirst(invoices, (i) => i.createdAt),
      forwards: newestFirst(forwards, (f) => f.receivedAt),
      feesEarnedMsat,
    };
  }

  #install(l: Lists): void {
    this.#payments = l.payments;
    this.#invoices = l.invoices;
    this.#forwards = l.forwards;
    this.#feesEarnedMsat = l.feesEarnedMsat;
    const cur = this.#current;
    const mine = cur ? l.payments.find((p) => p.paymentId === cur.paymentId) : undefined;
    if (mine) this.#adopt(mine);
  }

  #scheduleReload(): void {
    if (this.#reloadTimer !== undefined) return;
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = undefined;
      void this.refresh().catch(() => undefined);
    }, RELOAD_AFTER_MS);
  }
}
