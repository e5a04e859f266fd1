/**
 * The onion messenger as the Messages page shows it: the traffic log (the node's stored log,
 * then live `onion.*` events), the counters, and the mailbox. Counters move with each event;
 * queue sizes and the mailbox, which have no event of their own, are reloaded shortly after
 * the events that change them (never on a timer while nothing happens).
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { MailboxInfo, MessengerStatsInfo } from '../../../core/api/types';
import { addOnionRows, countOnionEvent, onionRowOf, onionRowOfEntry, type OnionLogRow } from '../lib/onion';
import { errorText } from './node.svelte';

/** Rows loaded from the node's log, and the most the page keeps. */
export const LOG_LOAD = 1000;
export const LOG_KEEP = 5000;
const FLUSH_MS = 100;
const REFRESH_AFTER_MS = 1000;

export class MessengerState {
  #rows = $state.raw<readonly OnionLogRow[]>([]);
  #stats = $state.raw<MessengerStatsInfo | null>(null);
  #mailbox = $state.raw<MailboxInfo | null>(null);
  #loading = $state(true);
  #loadError = $state<string | null>(null);
  #api: NodeApi | null = null;
  #unsubscribe: (() => void) | null = null;
  #generation = 0;
  #queue: OnionLogRow[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

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
      if (generation !== this.#generation || !event.type.startsWith('onion.')) return;
      if (live) this.#onEvent(event);
      else early.push(event);
    });
    try {
      const [{ messages }, stats, mailbox] = await Promise.all([
        api.listMessages({ limit: LOG_LOAD }),
        api.messengerStats({}),
        api.mailboxList({}),
      ]);
      if (generation !== this.#generation) return;
      this.#rows = addOnionRows([], messages.map(onionRowOfEntry), LOG_KEEP);
      this.#stats = stats;
      this.#mailbox = mailbox;
      live = true;
      // Events that raced the snapshot: the log skips steps it already has; the counters are
      // corrected by the refresh these events schedule.
      for (const event of early) this.#onEvent(event);
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
    clearTimeout(this.#refreshTimer);
    this.#flushTimer = undefined;
    this.#refreshTimer = undefined;
    this.#queue = [];
  }

  reload(): void {
    if (this.#api) void this.attach(this.#api);
  }

  /** Reloads the counters, queues and mailbox now (after a change we made). */
  async refresh(): Promise<void> {
    const api = this.#api;
    if (!api) return;
    const [stats, mailbox] = await Promise.all([api.messengerStats({}), api.mailboxList({})]);
    if (api !== this.#api) return;
    this.#stats = stats;
    this.#mailbox = mailbox;
  }

  #onEvent(event: NodeEvent): void {
    if (this.#stats) this.#stats = countOnionEvent(this.#stats, event);
    const row = onionRowOf(event);
    if (row) this.#queue.push(row);
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
    this.#refreshTimer ??= setTimeout(() => {
      this.#refreshTimer = undefined;
      this.refresh().catch(() => undefined);
    }, REFRESH_AFTER_MS);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    this.#rows = addOnionRows(this.#rows, batch, LOG_KEEP);
  }
}
