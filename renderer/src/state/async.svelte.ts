/**
 * Async payments as the app shows them (issue 16): this node's role and, per role, what the API
 * gives — R's offer served by its LSP (`asyncOffer`), the HTLCs an LSP holds (`listHeldHtlcs`) and
 * the static invoices it serves (`listStaticInvoices`) —, and the events the timeline is drawn
 * from (`recentEvents` for the history, then live). The lists are read again shortly after the
 * `async.*` / `forward.*` events that change them. No polling.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { AsyncOfferInfo, HeldHtlcInfo, StaticInvoiceInfo } from '../../../core/api/async';
import { asyncTimelines, TIMELINE_EVENT_TYPES, type AsyncTimeline } from '../lib/async';
import { LiveState } from './live.svelte';

const FLUSH_MS = 100;
const RELOAD_AFTER_MS = 200;
/** The events kept for the timeline (the node's history holds at most 5,000 of every kind). */
const KEEP = 5_000;
const TYPES = new Set(TIMELINE_EVENT_TYPES);

interface Lists {
  readonly offer: AsyncOfferInfo;
  readonly held: readonly HeldHtlcInfo[];
  readonly staticInvoices: readonly StaticInvoiceInfo[];
}

export class AsyncState extends LiveState {
  #offer = $state.raw<AsyncOfferInfo | null>(null);
  #held = $state.raw<readonly HeldHtlcInfo[]>([]);
  #staticInvoices = $state.raw<readonly StaticInvoiceInfo[]>([]);
  #events = $state.raw<readonly NodeEvent[]>([]);
  #timelines = $derived(asyncTimelines(this.#events));
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super(FLUSH_MS);
  }

  /** R's offer and slots; `role` and `lsp` are those in force for every role. */
  get offer(): AsyncOfferInfo | null {
    return this.#offer;
  }

  get held(): readonly HeldHtlcInfo[] {
    return this.#held;
  }

  get staticInvoices(): readonly StaticInvoiceInfo[] {
    return this.#staticInvoices;
  }

  /** Every async payment this node took part in, newest first. */
  get timelines(): readonly AsyncTimeline[] {
    return this.#timelines;
  }

  protected accepts(event: NodeEvent): boolean {
    return TYPES.has(event.type) || event.type.startsWith('async.');
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const [lists, { events }] = await Promise.all([this.#read(api), api.recentEvents({ limit: KEEP, types: [...TIMELINE_EVENT_TYPES] })]);
    return (early) => {
      this.#install(lists);
      const last = events.at(-1)?.seq ?? -1;
      this.#events = [...[...events].sort((a, b) => a.seq - b.seq), ...early.filter((e) => e.seq > last && TYPES.has(e.type))];
    };
  }

  protected apply(batch: readonly NodeEvent[]): void {
    const add = batch.filter((e) => TYPES.has(e.type));
    if (add.length) this.#events = [...this.#events, ...add].slice(-KEEP);
    this.#scheduleReload();
  }

  protected override onDetach(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = undefined;
  }

  async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const lists = await this.#read(api);
    if (this.isCurrent(api)) this.#install(lists);
  }

  async #read(api: NodeApi): Promise<Lists> {
    const [offer, { held }, { staticInvoices }] = await Promise.all([api.asyncOffer({}), api.listHeldHtlcs({}), api.listStaticInvoices({})]);
    return { offer, held, staticInvoices };
  }

  #install(l: Lists): void {
    this.#offer = l.offer;
    this.#held = l.held;
    this.#staticInvoices = l.staticInvoices;
  }

  #scheduleReload(): void {
    if (this.#reloadTimer !== undefined) return;
    this.#reloadTimer = setTimeout(() => {
      this.#reloadTimer = undefined;
      void this.refresh().catch(() => undefined);
    }, RELOAD_AFTER_MS);
  }
}
