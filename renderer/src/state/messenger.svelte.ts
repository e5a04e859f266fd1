/**
 * The onion messenger as the Messages page shows it: the traffic log (the node's stored log,
 * then live `onion.*` events), the counters, and the mailbox. Counters move with each event;
 * queue sizes and the mailbox, which have no event of their own, are reloaded shortly after
 * the events that change them (never on a timer while nothing happens). The application types
 * this app listens for are remembered (lib/listening.ts) and registered again on every attach.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { MailboxInfo, MessengerStatsInfo } from '../../../core/api/types';
import { addOnionRows, countOnionEvent, onionRowOf, onionRowOfEntry, type OnionLogRow } from '../lib/onion';
import { listeningKey, parseListening, withListening, withoutListening } from '../lib/listening';
import { LiveState } from './live.svelte';

/** Rows loaded from the node's log, and the most the page keeps. */
export const LOG_LOAD = 1000;
export const LOG_KEEP = 5000;
const FLUSH_MS = 100;
const REFRESH_AFTER_MS = 1000;

export class MessengerState extends LiveState {
  #rows = $state.raw<readonly OnionLogRow[]>([]);
  #stats = $state.raw<MessengerStatsInfo | null>(null);
  #mailbox = $state.raw<MailboxInfo | null>(null);
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The attached node's id: whose remembered types to keep. */
  #nodeId: string | null = null;
  #listening = $state.raw<readonly string[]>([]);

  constructor() {
    super(FLUSH_MS);
  }

  /** Newest first. */
  get rows(): readonly OnionLogRow[] {
    return this.#rows;
  }

  get stats(): MessengerStatsInfo | null {
    return this.#stats;
  }

  get mailbox(): MailboxInfo | null {
    return this.#mailbox;
  }

  /** Application types this app listens for (registered on each connection). */
  get listening(): readonly string[] {
    return this.#listening;
  }

  /** Listens for `tlvType` now and after every reload or reconnection. */
  async listen(tlvType: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    await api.registerMessageHandler({ tlvType });
    if (!this.isCurrent(api)) return;
    this.#remember(withListening(this.#listening, tlvType));
    await this.refresh();
  }

  /** Stops this app's listener for `tlvType` (others, e.g. a `glasswing listen`, keep theirs). */
  async stopListening(tlvType: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    await api.unregisterMessageHandler({ tlvType });
    if (!this.isCurrent(api)) return;
    this.#remember(withoutListening(this.#listening, tlvType));
    await this.refresh();
  }

  #remember(list: readonly string[]): void {
    this.#listening = list;
    if (!this.#nodeId) return;
    try {
      window.localStorage.setItem(listeningKey(this.#nodeId), JSON.stringify(list));
    } catch {
      /* storage unavailable: the types are listened to until the window closes */
    }
  }

  /** Registers the remembered types on a new connection; returns those the node took. */
  async #restoreListening(api: NodeApi, nodeId: string): Promise<readonly string[]> {
    let stored: string | null = null;
    try {
      stored = window.localStorage.getItem(listeningKey(nodeId));
    } catch {
      stored = null;
    }
    const wanted = parseListening(stored);
    const results = await Promise.allSettled(wanted.map((tlvType) => api.registerMessageHandler({ tlvType })));
    return wanted.filter((_, i) => results[i]!.status === 'fulfilled');
  }

  protected accepts(event: NodeEvent): boolean {
    return event.type.startsWith('onion.');
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    // Listen again first, so the counters below already count this app's listeners.
    const { nodeId } = await api.getInfo({});
    const listening = await this.#restoreListening(api, nodeId);
    const [{ messages }, stats, mailbox] = await Promise.all([
      api.listMessages({ limit: LOG_LOAD }),
      api.messengerStats({}),
      api.mailboxList({}),
    ]);
    return (early) => {
      this.#nodeId = nodeId;
      this.#listening = listening;
      this.#rows = addOnionRows([], messages.map(onionRowOfEntry), LOG_KEEP);
      this.#stats = stats;
      this.#mailbox = mailbox;
      // Events that raced the snapshot: the log skips steps it already has; the counters are
      // corrected by the refresh these events schedule.
      if (early.length) this.apply(early);
    };
  }

  protected override onDetach(): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
  }

  /** Reloads the counters, queues and mailbox now (after a change we made). */
  async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const [stats, mailbox] = await Promise.all([api.messengerStats({}), api.mailboxList({})]);
    if (!this.isCurrent(api)) return;
    this.#stats = stats;
    this.#mailbox = mailbox;
  }

  /** Counters move per event; the log takes the batch's rows; queues and mailbox reload soon after. */
  protected apply(batch: readonly NodeEvent[]): void {
    let stats = this.#stats;
    const rows: OnionLogRow[] = [];
    for (const event of batch) {
      if (stats) stats = countOnionEvent(stats, event);
      const row = onionRowOf(event);
      if (row) rows.push(row);
    }
    this.#stats = stats;
    this.#rows = addOnionRows(this.#rows, rows, LOG_KEEP);
    this.#refreshTimer ??= setTimeout(() => {
      this.#refreshTimer = undefined;
      this.refresh().catch(() => undefined);
    }, REFRESH_AFTER_MS);
  }
}
