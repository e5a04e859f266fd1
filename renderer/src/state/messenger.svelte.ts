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

  protected accepts(event: NodeEvent): boolean {
    return event.type.startsWith('onion.');
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const [{ messages }, stats, mailbox] = await Promise.all([
      api.listMessages({ limit: LOG_LOAD }),
      api.messengerStats({}),
      api.mailboxList({}),
    ]);
    return (early) => {
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
