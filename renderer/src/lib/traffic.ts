/**
 * Traffic per second, by type and outcome, over a sliding window — the data behind the
 * Overview charts. Fed by node events (never by polling); time is passed in, so the same
 * events and `now` always give the same view.
 *
 * Two streams: every Lightning message from `wire.message` (type = spec name, outcome = `in` /
 * `out`), and onion messages from the messenger's `onion.*` events (type = the message record's
 * type when we can see it, outcome = what happened: delivered, forwarded, sent, replied, dropped,
 * stored in or sent from the mailbox, expired). `onion.received` is not counted there: every received
 * message also gets one of those outcomes, and counting both would show it twice.
 *
 * The node publishes one event per wire message: an `onion_message` the messenger handles has no
 * `wire.message` of its own — its `onion.received` (or the throttled-drop report that counts it) is
 * the wire stream's `in`, and its `onion.forwarded` / `sent` / `replied` the wire stream's `out`
 * (`onionWireMessages`).
 */
import type { NodeEvent } from '../../../core/api/events';
import { MESSAGE_TLV_NAMES } from './onion';

export type TrafficStream = 'wire' | 'onion';

export interface TrafficSample {
  readonly stream: TrafficStream;
  /** Unix ms. */
  readonly time: number;
  /** Message type, e.g. `ping`, `onion_message`. */
  readonly type: string;
  /** What happened to it, e.g. `in` / `out`. */
  readonly outcome: string;
  /** How many messages it stands for (a coalesced report of throttled drops); absent: one. */
  readonly count?: number;
}

/** How a chart draws an outcome: `sign` +1 stacks above the zero line, -1 below. */
export interface OutcomeStyle {
  readonly id: string;
  readonly label: string;
  readonly sign: 1 | -1;
}

/** Received above the line, sent below. */
export const DIRECTION_OUTCOMES: readonly OutcomeStyle[] = [
  { id: 'in', label: 'received', sign: 1 },
  { id: 'out', label: 'sent', sign: -1 },
];

/** Onion-message outcomes in the chart, in legend order (all above the line). */
export const ONION_CHART_OUTCOMES: readonly OutcomeStyle[] = [
  { id: 'delivered', label: 'delivered', sign: 1 },
  { id: 'forwarded', label: 'forwarded', sign: 1 },
  { id: 'sent', label: 'sent', sign: 1 },
  { id: 'replied', label: 'replied', sign: 1 },
  { id: 'mailbox_stored', label: 'stored in mailbox', sign: 1 },
  { id: 'mailbox_forwarded', label: 'sent from mailbox', sign: 1 },
  { id: 'mailbox_expired', label: 'expired in mailbox', sign: 1 },
  { id: 'dropped', label: 'dropped', sign: 1 },
];

const COUNTED_ONION = new Set(ONION_CHART_OUTCOMES.map((o) => o.id));

/** The message type of an onion event, when it is visible to us (not for messages we only relay). */
function onionType(event: NodeEvent): string {
  let type: string | undefined;
  if (event.type === 'onion.delivered') type = event.tlvType;
  else if (event.type === 'onion.sent' || event.type === 'onion.replied') type = event.tlvTypes[0];
  if (type === undefined) return 'onion_message';
  return MESSAGE_TLV_NAMES[type] ?? `type ${type}`;
}

/** The `onion_message` wire messages an onion event stands for (the node publishes no `wire.message` for them). */
export interface OnionWireMessages {
  readonly direction: 'in' | 'out';
  readonly nodeId: string;
  readonly count: number;
  /** Plaintext bytes of them all. */
  readonly size: number;
}

/**
 * The wire messages behind an onion event: `onion.received` one in, a throttled drop report its
 * `count` in (no `onion.received` was published for them), `onion.forwarded` / `sent` / `replied`
 * one out. Null for the other steps (mailbox writes still have their own `wire.message`).
 */
export function onionWireMessages(event: NodeEvent): OnionWireMessages | null {
  switch (event.type) {
    case 'onion.received':
      return { direction: 'in', nodeId: event.from, count: 1, size: event.size };
    case 'onion.dropped':
      return event.count !== undefined && event.from !== null ? { direction: 'in', nodeId: event.from, count: event.count, size: event.size } : null;
    case 'onion.forwarded':
    case 'onion.sent':
    case 'onion.replied':
      return { direction: 'out', nodeId: event.to, count: 1, size: event.size };
    default:
      return null;
  }
}

/** The samples an event contributes (none for events that are not traffic). */
export function classifyTraffic(event: NodeEvent): TrafficSample[] {
  if (event.type === 'wire.message') {
    return [{ stream: 'wire', time: event.time, type: event.messageType, outcome: event.direction }];
  }
  if (event.type.startsWith('onion.')) {
    const samples: TrafficSample[] = [];
    const wire = onionWireMessages(event);
    if (wire) samples.push({ stream: 'wire', time: event.time, type: 'onion_message', outcome: wire.direction, ...(wire.count !== 1 ? { count: wire.count } : {}) });
    const outcome = event.type.slice('onion.'.length);
    if (!COUNTED_ONION.has(outcome)) return samples;
    // Throttled drops come as one report per peer and second, with the messages' `count`.
    const count = event.type === 'onion.dropped' ? event.count : undefined;
    samples.push({ stream: 'onion', time: event.time, type: onionType(event), outcome, ...(count !== undefined ? { count } : {}) });
    return samples;
  }
  return [];
}

/**
 * A dropped onion message by its reason (`onion.dropped`), for the onion chart's breakdown of
 * drops: `type` is the reason (rate_limited, malformed_message, …). Null for other events.
 */
export function classifyDrop(event: NodeEvent): TrafficSample | null {
  if (event.type !== 'onion.dropped') return null;
  return { stream: 'onion', time: event.time, type: event.reason, outcome: 'dropped', ...(event.count !== undefined ? { count: event.count } : {}) };
}

export interface TrafficSeries {
  /** `type|outcome`. */
  readonly key: string;
  readonly type: string;
  readonly outcome: string;
  /** Index of the type in first-seen order (stable: colours never jump). */
  readonly typeIndex: number;
  /** One count per second of the window, oldest first. */
  readonly counts: readonly number[];
  readonly total: number;
}

export interface TrafficView {
  readonly windowSeconds: number;
  /** Start (unix ms) of each one-second bucket, oldest first; the last one contains `now`. */
  readonly buckets: readonly number[];
  /** Only series with at least one message in the window, ordered by type then outcome. */
  readonly series: readonly TrafficSeries[];
  /** Messages in the window per outcome. */
  readonly totalsByOutcome: Readonly<Record<string, number>>;
  /** Messages in the window per type, in first-seen type order. */
  readonly totalsByType: ReadonlyArray<{ readonly type: string; readonly typeIndex: number; readonly total: number }>;
  readonly total: number;
  /** The busiest second (all series together). */
  readonly peakPerSecond: number;
}

/**
 * Counts per (second, type, outcome). Samples older than the window (relative to the newest
 * `now` seen) are forgotten; a sample from the future (clock skew) counts in the current second.
 */
export class TrafficCounter {
  readonly windowSeconds: number;
  /** second → key → count */
  readonly #buckets = new Map<number, Map<string, number>>();
  readonly #types: string[] = [];
  readonly #outcomes: string[] = [];
  #latestSecond = -Infinity;

  constructor(windowSeconds = 60) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError('windowSeconds must be a positive integer');
    this.windowSeconds = windowSeconds;
  }

  /** Types in first-seen order (their index picks the colour). */
  get types(): readonly string[] {
    return this.#types;
  }

  add(sample: Pick<TrafficSample, 'time' | 'type' | 'outcome' | 'count'>): void {
    const second = Math.floor(sample.time / 1000);
    if (second <= this.#latestSecond - this.windowSeconds) return; // already out of the window
    if (!this.#types.includes(sample.type)) this.#types.push(sample.type);
    if (!this.#outcomes.includes(sample.outcome)) this.#outcomes.push(sample.outcome);
    const key = `${sample.type}|${sample.outcome}`;
    let bucket = this.#buckets.get(second);
    if (!bucket) this.#buckets.set(second, (bucket = new Map()));
    bucket.set(key, (bucket.get(key) ?? 0) + (sample.count ?? 1));
  }

  /** Forgets everything (e.g. after reconnecting to a restarted node). */
  clear(): void {
    this.#buckets.clear();
    this.#types.length = 0;
    this.#outcomes.length = 0;
    this.#latestSecond = -Infinity;
  }

  /** The window ending in the second that contains `now`. */
  view(now: number): TrafficView {
    const last = Math.max(Math.floor(now / 1000), this.#latestSecond);
    this.#latestSecond = last;
    const first = last - this.windowSeconds + 1;
    for (const second of this.#buckets.keys()) if (second < first) this.#buckets.delete(second);

    const counts = new Map<string, number[]>();
    for (const [second, bucket] of this.#buckets) {
      const index = Math.min(second, last) - first;
      for (const [key, n] of bucket) {
        let row = counts.get(key);
        if (!row) counts.set(key, (row = new Array<number>(this.windowSeconds).fill(0)));
        row[index]! += n;
      }
    }

    const series: TrafficSeries[] = [];
    const totalsByOutcome: Record<string, number> = {};
    const totalsByType = new Map<string, number>();
    for (const [typeIndex, type] of this.#types.entries()) {
      for (const outcome of this.#outcomes) {
        const row = counts.get(`${type}|${outcome}`);
        if (!row) continue;
        const total = row.reduce((a, b) => a + b, 0);
        series.push({ key: `${type}|${outcome}`, type, outcome, typeIndex, counts: row, total });
        totalsByOutcome[outcome] = (totalsByOutcome[outcome] ?? 0) + total;
        totalsByType.set(type, (totalsByType.get(type) ?? 0) + total);
      }
    }
    const perSecond = new Array<number>(this.windowSeconds).fill(0);
    for (const s of series) s.counts.forEach((n, i) => (perSecond[i]! += n));
    return {
      windowSeconds: this.windowSeconds,
      buckets: Array.from({ length: this.windowSeconds }, (_, i) => (first + i) * 1000),
      series,
      totalsByOutcome,
      totalsByType: this.#types
        .map((type, typeIndex) => ({ type, typeIndex, total: totalsByType.get(type) ?? 0 }))
        .filter((t) => t.total > 0),
      total: perSecond.reduce((a, b) => a + b, 0),
      peakPerSecond: Math.max(0, ...perSecond),
    };
  }
}
