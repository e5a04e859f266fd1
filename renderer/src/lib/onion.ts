/**
 * Onion-message view logic: names of message TLV types, traffic-log rows built from the
 * node's `listMessages` rows and from live `onion.*` events (the same mapping the node's log
 * uses), filters, and the live counters of the messenger card.
 */
import type { NodeEvent, OnionMessageEventBody } from '../../../core/api/events';
import { onionEventParties } from '../../../core/api/events';
import type { MessageLogEntry, MessengerStatsInfo } from '../../../core/api/types';

/**
 * Names of final-hop message types (`onionmsg_tlv` types >= 64). 64/66/68 are BOLT 4's
 * `onionmsg_tlv` fields for BOLT 12; the async-payments types are not in the BOLTs yet
 * (lightning/bolts#1149 is a draft) and follow the node's table (core/messenger/constants.ts,
 * numbers from rust-lightning).
 */
export const MESSAGE_TLV_NAMES: Readonly<Record<string, string>> = {
  '64': 'invoice_request',
  '66': 'invoice',
  '68': 'invoice_error',
  '70': 'static_invoice',
  '72': 'held_htlc_available',
  '74': 'release_held_htlc',
  '75540': 'offer_paths_request',
  '75542': 'offer_paths',
  '75544': 'serve_static_invoice',
  '75546': 'static_invoice_persisted',
};

/** `invoice_request (64)`, or just the number for application types. */
export function tlvTypeLabel(type: string): string {
  const name = MESSAGE_TLV_NAMES[type];
  return name ? `${name} (${type})` : type;
}

/** What happened to a message, as the log and the counters name it. */
export const ONION_OUTCOMES = [
  'received', 'delivered', 'forwarded', 'sent', 'replied', 'dropped', 'mailbox_stored', 'mailbox_wake', 'mailbox_forwarded', 'mailbox_expired',
] as const;

export const OUTCOME_LABELS: Readonly<Record<string, string>> = {
  received: 'received',
  delivered: 'delivered',
  forwarded: 'forwarded',
  sent: 'sent',
  replied: 'replied',
  dropped: 'dropped',
  mailbox_stored: 'stored in mailbox',
  mailbox_wake: 'mailbox wake-up',
  mailbox_forwarded: 'sent from mailbox',
  mailbox_expired: 'expired in mailbox',
};

export function outcomeLabel(outcome: string): string {
  return OUTCOME_LABELS[outcome] ?? outcome.replace(/_/g, ' ');
}

export type OutcomeTone = 'neutral' | 'good' | 'accent' | 'warn' | 'bad';

export function outcomeTone(outcome: string): OutcomeTone {
  if (outcome === 'delivered') return 'good';
  if (outcome === 'sent' || outcome === 'replied' || outcome === 'forwarded' || outcome === 'mailbox_forwarded') return 'accent';
  if (outcome === 'dropped' || outcome === 'mailbox_expired') return 'bad';
  if (outcome.startsWith('mailbox_')) return 'warn';
  return 'neutral';
}

export interface OnionLogRow {
  /** Unique in the list: `s<id>` for stored rows, `e<seq>` for live events. */
  readonly key: string;
  readonly time: number;
  readonly messageId: string | null;
  readonly outcome: string;
  /** The peer involved (sender or next hop), if any. */
  readonly peer: string | null;
  readonly tlvTypes: readonly string[];
  readonly size: number;
  /** The event as the node reported it (records, reasons, reply paths…). */
  readonly event: Readonly<Record<string, unknown>>;
}

function isOnionEvent(event: NodeEvent): event is NodeEvent & OnionMessageEventBody {
  return event.type.startsWith('onion.');
}

/** The row for a live event (null for events that are not about onion messages). */
export function onionRowOf(event: NodeEvent): OnionLogRow | null {
  if (!isOnionEvent(event)) return null;
  const { peer, tlvTypes } = onionEventParties(event);
  const { seq: _seq, time: _time, ...body } = event;
  return {
    key: `e${event.seq}`,
    time: event.time,
    messageId: 'messageId' in event ? event.messageId : null,
    outcome: event.type.slice('onion.'.length),
    peer,
    tlvTypes,
    size: 'size' in event ? event.size : 0,
    event: body,
  };
}

/** The row for an entry of the node's stored log. */
export function onionRowOfEntry(entry: MessageLogEntry): OnionLogRow {
  return {
    key: `s${entry.id}`, time: entry.time, messageId: entry.messageId, outcome: entry.outcome, peer: entry.peer,
    tlvTypes: entry.tlvTypes, size: entry.size, event: entry.event,
  };
}

/** Identifies the same step whether it came from the stored log or as a live event. */
function stepKey(r: OnionLogRow): string {
  return `${r.time}|${r.outcome}|${r.messageId ?? ''}|${r.peer ?? ''}|${r.size}`;
}

/**
 * Adds `added` (oldest first) to `rows` (newest first), skipping steps already listed,
 * keeping at most `capacity` rows.
 */
export function addOnionRows(rows: readonly OnionLogRow[], added: readonly OnionLogRow[], capacity: number): readonly OnionLogRow[] {
  if (added.length === 0) return rows;
  const seen = new Set(rows.slice(0, Math.max(200, added.length * 2)).map(stepKey));
  const fresh: OnionLogRow[] = [];
  for (const r of added) {
    const k = stepKey(r);
    if (seen.has(k)) continue;
    seen.add(k);
    fresh.push(r);
  }
  if (fresh.length === 0) return rows;
  fresh.reverse();
  return [...fresh, ...rows].slice(0, capacity);
}

export interface OnionLogFilter {
  readonly peer: string;
  readonly tlvType: string;
  readonly outcome: string;
}

export const NO_FILTER: OnionLogFilter = { peer: '', tlvType: '', outcome: '' };

/** Rows matching every set field of the filter (empty fields match all). */
export function filterOnionRows(rows: readonly OnionLogRow[], f: OnionLogFilter): readonly OnionLogRow[] {
  if (!f.peer && !f.tlvType && !f.outcome) return rows;
  return rows.filter((r) => (!f.peer || r.peer === f.peer) && (!f.tlvType || r.tlvTypes.includes(f.tlvType)) && (!f.outcome || r.outcome === f.outcome));
}

/** The peers, TLV types and outcomes present in `rows` (for the filter menus), sorted. */
export function filterChoices(rows: readonly OnionLogRow[]): { peers: string[]; tlvTypes: string[]; outcomes: string[] } {
  const peers = new Set<string>();
  const types = new Set<string>();
  const outcomes = new Set<string>();
  for (const r of rows) {
    if (r.peer) peers.add(r.peer);
    for (const t of r.tlvTypes) types.add(t);
    outcomes.add(r.outcome);
  }
  const order = (o: string) => {
    const i = (ONION_OUTCOMES as readonly string[]).indexOf(o);
    return i === -1 ? ONION_OUTCOMES.length : i;
  };
  return {
    peers: [...peers].sort(),
    tlvTypes: [...types].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0)),
    outcomes: [...outcomes].sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1)),
  };
}

/**
 * The message TLV types known for each message id, from whichever of its steps carries them: a
 * `received` step is logged before the onion is peeled, so its type comes from the `delivered`
 * (or `sent`) step of the same message.
 */
export function typesByMessage(rows: readonly OnionLogRow[]): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const r of rows) if (r.messageId && r.tlvTypes.length > 0 && !out.has(r.messageId)) out.set(r.messageId, r.tlvTypes);
  return out;
}

/** Steps of messages relayed for others: their contents are sealed for the next hop. */
const RELAY_OUTCOMES: ReadonlySet<string> = new Set(['forwarded', 'mailbox_stored', 'mailbox_wake', 'mailbox_forwarded', 'mailbox_expired']);

/** What the log's Type column says for a row, and its tooltip. */
export function typeCell(row: OnionLogRow, known: ReadonlyMap<string, readonly string[]>, relayed: ReadonlySet<string> = new Set()): { readonly text: string; readonly title: string } {
  const types = row.tlvTypes.length > 0 ? row.tlvTypes : (row.messageId ? known.get(row.messageId) : undefined) ?? [];
  if (types.length > 0) {
    const text = types.map((t) => MESSAGE_TLV_NAMES[t] ?? t).join(', ');
    return { text, title: types.map(tlvTypeLabel).join(', ') };
  }
  if (RELAY_OUTCOMES.has(row.outcome) || (row.messageId !== null && relayed.has(row.messageId))) {
    return { text: 'relayed', title: 'Relayed for another node: its contents are encrypted for the next hop, so this node cannot read its type.' };
  }
  if (row.outcome === 'dropped') return { text: 'unread', title: 'Dropped before its contents were read.' };
  return { text: 'unread', title: 'Its contents have not been read (yet).' };
}

/** Ids of messages this node relayed for others (any relay step). */
export function relayedMessages(rows: readonly OnionLogRow[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const r of rows) if (r.messageId && RELAY_OUTCOMES.has(r.outcome)) out.add(r.messageId);
  return out;
}

/** Every step of one message, oldest first (its story: received → forwarded, sent → …). */
export function messageSteps(rows: readonly OnionLogRow[], messageId: string | null): OnionLogRow[] {
  if (!messageId) return [];
  return rows.filter((r) => r.messageId === messageId || r.event.inReplyTo === messageId).sort((a, b) => a.time - b.time);
}

export interface RecordView {
  readonly type: string;
  readonly label: string;
  readonly hex: string;
  readonly bytes: number;
  /** The value as text when it is printable UTF-8, else null. */
  readonly text: string | null;
}

const PRINTABLE = /^[\P{Cc}\n\r\t]*$/u;

/** A message record (`{ type, value: hex }`) for display. */
export function recordView(record: { readonly type: string; readonly value: string }): RecordView {
  const hex = /^([0-9a-fA-F]{2})*$/.test(record.value) ? record.value.toLowerCase() : '';
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  let text: string | null = null;
  if (bytes.length > 0) {
    try {
      const decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      text = PRINTABLE.test(decoded) ? decoded : null;
    } catch {
      text = null;
    }
  }
  return { type: record.type, label: tlvTypeLabel(record.type), hex, bytes: bytes.length, text };
}

/** The message records an event carries (sent, replied, delivered with records), if any. */
export function eventRecords(event: Readonly<Record<string, unknown>>): RecordView[] {
  const records = event.records;
  if (!Array.isArray(records)) return [];
  return records
    .filter((r): r is { type: string; value: string } => !!r && typeof r === 'object' && typeof r.type === 'string' && typeof r.value === 'string')
    .map(recordView);
}

/** Live counters: the node's snapshot moved on by one event (outcome counts and drop reasons). */
export function countOnionEvent(stats: MessengerStatsInfo, event: NodeEvent): MessengerStatsInfo {
  if (!isOnionEvent(event)) return stats;
  const outcome = event.type.slice('onion.'.length);
  const counters = { ...stats.counters, [outcome]: (stats.counters[outcome] ?? 0) + 1 };
  if (event.type === 'onion.dropped') {
    const drops = { ...stats.drops, [event.reason]: (stats.drops[event.reason] ?? 0) + 1 };
    const dropCodes = event.code ? { ...stats.dropCodes, [event.code]: (stats.dropCodes[event.code] ?? 0) + 1 } : stats.dropCodes;
    return { ...stats, counters, drops, dropCodes };
  }
  if (event.type === 'onion.delivered') {
    return { ...stats, counters, delivered: { ...stats.delivered, [event.handler]: (stats.delivered[event.handler] ?? 0) + 1 } };
  }
  return { ...stats, counters };
}
