/**
 * The activity log: one row per node event, newest first, capped. Rows are plain data built
 * from events; the view only lays them out. Keepalive pings and pongs (BOLT 1: a node pings an
 * idle connection every so often) are marked so the view can hide them; a text filter and pages
 * anchored on sequence numbers let a person read back through history while new rows arrive.
 */
import type { NodeEvent } from '../../../core/api/events';
import type { OfferEventBody } from '../../../core/api/offers';
import type { SettingName } from '../../../core/api/settings';
import { formatMsat } from './amount';
import { formatBytes, formatDuration, formatRtt, middleEllipsis } from './format';
import { addToGroup, joins, onionGroupText, onionStep, ONION_GROUP_MS, startGroup, type OnionGroup, type OnionStep } from './onion-activity';

export type LogTone = 'neutral' | 'good' | 'warn' | 'bad';
export type LogKind = 'wire' | 'peer' | 'offer' | 'channel' | 'node' | 'onion';

export interface LogRow {
  readonly seq: number;
  readonly time: number;
  readonly kind: LogKind;
  /** `in` / `out` for messages; null for state changes. */
  readonly direction: 'in' | 'out' | null;
  readonly nodeId: string | null;
  /** Short label: the message type, or what happened (`connected`). */
  readonly title: string;
  readonly detail: string;
  readonly tone: LogTone;
  /** A ping, a pong or a ping's answer: hidden unless asked for. */
  readonly keepalive: boolean;
  /** Onion-message steps gathered in this row (lib/onion-activity.ts): what it counts, and the kind of its first. */
  readonly onion?: { readonly step: OnionStep; readonly group: OnionGroup };
}

/** Rows kept in memory (the node's own history holds 5,000 events; older pages may be loaded on top). */
export const LOG_CAPACITY = 10_000;
/** Rows per page. */
export const LOG_PAGE_SIZE = 50;

/** BOLT 1 keepalive messages. */
const KEEPALIVE_MESSAGES: ReadonlySet<string> = new Set(['ping', 'pong']);

/** The row for an event, or null for events the log does not show. */
export function logRowOf(event: NodeEvent): LogRow | null {
  const row = rowOf(event);
  if (!row) return null;
  const keepalive = (event.type === 'wire.message' && KEEPALIVE_MESSAGES.has(event.messageType)) || event.type === 'peer.pong';
  return { ...row, keepalive };
}

function rowOf(event: NodeEvent): Omit<LogRow, 'keepalive'> | null {
  const base = { seq: event.seq, time: event.time };
  switch (event.type) {
    case 'wire.message':
      return {
        ...base, kind: 'wire', direction: event.direction, nodeId: event.nodeId, title: event.messageType,
        detail: `type ${event.typeNumber} · ${formatBytes(event.size)}`, tone: 'neutral',
      };
    case 'peer.connected':
      return {
        ...base, kind: 'peer', direction: null, nodeId: event.peer.nodeId, title: 'connected',
        detail: `${event.peer.direction} · ${event.peer.address}`, tone: 'good',
      };
    case 'peer.disconnected':
      return { ...base, kind: 'peer', direction: null, nodeId: event.nodeId, title: 'disconnected', detail: `${event.reason} (${event.code})`, tone: 'warn' };
    case 'peer.connection_failed':
      return {
        ...base, kind: 'peer', direction: null, nodeId: event.nodeId, title: 'connection failed',
        detail: `${event.address}: ${event.reason} (${event.code})`, tone: 'bad',
      };
    case 'peer.reconnect_scheduled':
      return {
        ...base, kind: 'peer', direction: null, nodeId: event.nodeId, title: 'reconnecting',
        detail: `attempt ${event.attempt} in ${formatDuration(event.inMs)} · ${event.address}`, tone: 'neutral',
      };
    case 'peer.pong':
      return { ...base, kind: 'peer', direction: null, nodeId: event.nodeId, title: 'ping answered', detail: `round trip ${formatRtt(event.rttMs)}`, tone: 'neutral' };
    case 'peer.protocol_message':
      return {
        ...base, kind: 'peer', direction: event.direction, nodeId: event.nodeId, title: event.kind,
        detail: event.text || '(no text)', tone: event.kind === 'error' ? 'bad' : 'warn',
      };
    case 'node.settings_changed':
      return {
        ...base, kind: 'node', direction: null, nodeId: null, title: 'settings changed',
        detail: event.changed.map((c) => SETTING_WORDS[c] ?? String(c)).join(', ') || 'nothing', tone: 'neutral',
      };
    case 'channel.updated': {
      const c = event.channel;
      return {
        ...base, kind: 'channel', direction: null, nodeId: c.peer, title: `channel: ${CAUSE_WORDS[event.cause] ?? event.cause}`,
        detail: `${middleEllipsis(c.channelId, 8, 4)} · ours #${c.localCtn} · theirs #${c.remoteCtn} · ${c.numHtlcs} ${c.numHtlcs === 1 ? 'HTLC' : 'HTLCs'} · ${c.state}`,
        tone: c.state === 'failed' ? 'bad' : 'neutral',
      };
    }
    case 'channel.failed':
      return { ...base, kind: 'channel', direction: null, nodeId: event.peer, title: 'channel failed', detail: `${event.message} (${event.code})`, tone: 'bad' };
    case 'channel.message':
      // The same message is already a `wire.message` row.
      return null;
    default:
      return event.type.startsWith('offer.') ? offerRow(event as NodeEvent & OfferEventBody, base) : null;
  }
}

/** Every setting the node names (a new one must be worded here: the type says so). */
const SETTING_WORDS: Readonly<Record<SettingName, string>> = {
  alias: 'alias', listen: 'listen address', announceAddresses: 'announced addresses', onion: 'onion-message limits', mailbox: 'mailbox quotas',
  chain: 'chain source', feeUrl: 'fee source', channels: 'channel acceptance', async: 'async payments role', asyncReleaseWindow: 'async release window',
};

const CAUSE_WORDS: Readonly<Record<string, string>> = {
  connected: 'reconnected',
  disconnected: 'offline',
  add_htlc: 'HTLC added',
  fulfill_htlc: 'HTLC fulfilled',
  fail_htlc: 'HTLC failed',
  update_fee: 'fee updated',
  commit: 'signed',
  opened: 'opened',
};

/** An offer's amount: null is an offer that leaves the amount to the payer. */
const amount = (msat: string | null): string => (msat === null ? 'any amount' : formatMsat(msat));
/** A request's amount: null means the request named none, so the offer's own price applies. */
const requested = (msat: string | null): string => (msat === null ? 'the offer’s price' : formatMsat(msat));
/** Ids in a row say what they are: `offer abababab…abab`. */
const offerRef = (id: string | null): string => (id ? `offer ${middleEllipsis(id, 8, 4)}` : 'an unknown offer');

function offerRow(event: NodeEvent & OfferEventBody, base: { seq: number; time: number }): Omit<LogRow, 'keepalive'> | null {
  const row = (title: string, detail: string, tone: LogTone = 'neutral', nodeId: string | null = null): Omit<LogRow, 'keepalive'> =>
    ({ ...base, kind: 'offer', direction: null, nodeId, title, detail, tone });
  switch (event.type) {
    case 'offer.created':
      return row('offer created', `${event.offer.description || 'no description'} · ${amount(event.offer.amountMsat)}`, 'good');
    case 'offer.disabled':
      return row('offer disabled', offerRef(event.offerId), 'warn');
    case 'offer.invoice_request_received':
      return row('invoice request', `for ${offerRef(event.offerId)} · ${requested(event.amountMsat)}${event.quantity ? ` · quantity ${event.quantity}` : ''}${event.viaPath ? ' · over a blinded path' : ''}`);
    case 'offer.invoice_issued':
      return row('invoice issued', `${formatMsat(event.amountMsat)} · for ${offerRef(event.offerId)}`, 'good');
    case 'offer.invoice_error_sent':
      return row('invoice_error sent', `${event.error}${event.erroneousField ? ` (field ${event.erroneousField})` : ''}`, 'warn');
    case 'offer.invoice_request_ignored':
      return row('request ignored', event.reason.replace(/_/g, ' '), 'warn');
    case 'offer.invoice_requested':
      // Sent to the offer's issuer (or its path's introduction node): that is the peer column; the offer is named as the offer.
      return row('invoice requested', `for ${offerRef(event.offerId)} · ${requested(event.amountMsat)}${event.quantity ? ` · quantity ${event.quantity}` : ''}${event.pathIndex !== null ? ` · over its path ${event.pathIndex + 1}` : ''}`, 'neutral', event.destination);
    case 'offer.invoice_received':
      return row('invoice received', `${formatMsat(event.amountMsat)} · for ${offerRef(event.offerId)}`, 'good');
    case 'offer.invoice_error_received':
      return row('invoice_error received', `${event.error}${event.erroneousField ? ` (field ${event.erroneousField})` : ''}`, 'bad');
    case 'offer.fetch_failed':
      return row('fetch failed', `${event.message} (${event.code})`, 'bad');
    case 'offer.refund_created':
      return row('refund created', formatMsat(event.amountMsat), 'good');
    case 'offer.refund_invoice_sent':
      return row('refund invoice sent', formatMsat(event.amountMsat));
    case 'offer.refund_invoice_received':
      return row('refund invoice received', formatMsat(event.amountMsat), 'good');
    default:
      return null;
  }
}

/** A row of gathered onion steps. */
function onionRow(step: OnionStep, group: OnionGroup, seq: number, time: number): LogRow {
  const { title, detail, nodeId } = onionGroupText(step, group);
  return { seq, time, kind: 'onion', direction: step.direction, nodeId, title, detail, tone: step.tone, keepalive: false, onion: { step, group } };
}

/** How far down the newest rows an open onion group or an already-logged event is looked for. */
const LOOKBACK_ROWS = 500;

/**
 * Adds the rows of `events` (oldest first) to `rows` (newest first), skipping events already
 * logged (by sequence number), keeping at most `capacity` rows. Onion-message steps join the row
 * of their kind begun less than ONION_GROUP_MS before (lib/onion-activity.ts); that row keeps its
 * place and counts them.
 */
export function appendLog(rows: readonly LogRow[], events: readonly NodeEvent[], capacity = LOG_CAPACITY): readonly LogRow[] {
  let newest = 0;
  for (const r of rows.slice(0, LOOKBACK_ROWS)) newest = Math.max(newest, r.onion?.group.lastSeq ?? r.seq);
  // Newest first: the added rows in front of a copy of the old ones (copied only when a group in them grows).
  const added: LogRow[] = [];
  let old: LogRow[] | null = null;
  const openIn = (key: string, time: number): { list: LogRow[]; index: number } | null => {
    for (let i = added.length - 1; i >= 0; i--) {
      const r = added[i]!;
      if (time - r.time >= ONION_GROUP_MS) break;
      if (r.onion?.group.key === key) return { list: added, index: i };
    }
    const src = old ?? rows;
    for (let i = 0; i < Math.min(src.length, LOOKBACK_ROWS); i++) {
      const r = src[i]!;
      if (time - r.time >= ONION_GROUP_MS) break;
      if (r.onion?.group.key === key) {
        old ??= [...rows];
        return { list: old, index: i };
      }
    }
    return null;
  };
  for (const event of events) {
    if (event.seq <= newest) continue;
    const step = onionStep(event);
    if (step) {
      const at = openIn(step.key, event.time);
      const open = at ? at.list[at.index]!.onion! : null;
      if (at && open && joins(open.group, step, event)) {
        const row = at.list[at.index]!;
        at.list[at.index] = onionRow(open.step, addToGroup(open.group, step, event), row.seq, row.time);
      } else {
        added.push(onionRow(step, startGroup(step, event), event.seq, event.time));
      }
      continue;
    }
    if (event.type.startsWith('onion.')) continue; // onion.received: the next step says what became of it
    const row = logRowOf(event);
    if (row) added.push(row);
  }
  if (added.length === 0 && old === null) return rows;
  added.reverse();
  return [...added, ...(old ?? rows)].slice(0, capacity);
}

/**
 * Adds the rows of `events` older than every row in `rows` (a page of history loaded later) at
 * the end, oldest last; events already covered are skipped. Their onion steps are gathered among
 * themselves.
 */
export function appendOlder(rows: readonly LogRow[], events: readonly NodeEvent[], capacity = LOG_CAPACITY): readonly LogRow[] {
  const oldest = rows.at(-1)?.seq ?? Infinity;
  const older = [...events].filter((e) => e.seq < oldest).sort((a, b) => a.seq - b.seq);
  if (older.length === 0) return rows;
  const added = appendLog([], older, capacity);
  if (added.length === 0) return rows;
  return [...rows, ...added].slice(0, capacity);
}

export interface LogFilter {
  /** Show keepalive pings and pongs. */
  readonly keepalive: boolean;
  /** Words that must all appear in a row (its event, detail, peer id or peer name), any case. */
  readonly text: string;
}

export const DEFAULT_LOG_FILTER: LogFilter = { keepalive: false, text: '' };

/** The rows a filter lets through, in order. `nameOf` gives a peer's name, so it can be searched for. */
export function filterLog(rows: readonly LogRow[], filter: LogFilter, nameOf: (nodeId: string) => string | null = () => null): readonly LogRow[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (filter.keepalive && words.length === 0) return rows;
  return rows.filter((r) => {
    if (!filter.keepalive && r.keepalive) return false;
    if (words.length === 0) return true;
    const peers = rowPeers(r);
    const hay = `${r.title} ${r.detail} ${peers.join(' ')} ${peers.map((p) => nameOf(p) ?? '').join(' ')}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** The peers a row is about: its one peer, or every peer of a row of gathered onion steps. */
export function rowPeers(r: LogRow): readonly string[] {
  if (r.onion && r.onion.group.peers.length > 1) return r.onion.group.peers;
  return r.nodeId ? [r.nodeId] : [];
}

/** How many keepalive rows a filter hides. */
export function hiddenKeepalives(rows: readonly LogRow[], filter: LogFilter): number {
  if (filter.keepalive) return 0;
  let n = 0;
  for (const r of rows) if (r.keepalive) n++;
  return n;
}

/**
 * Where the reader is: `null` follows the newest rows as they arrive; a sequence number shows the
 * rows older than it, so a page being read does not move when new events come in.
 */
export type LogCursor = number | null;

export interface LogPage {
  readonly rows: readonly LogRow[];
  /** 1-based positions of the page's first and last rows among `total` (0, 0 when empty). */
  readonly from: number;
  readonly to: number;
  readonly total: number;
  /** The cursor of the next newer page, or undefined when this is the newest. */
  readonly newer: LogCursor | undefined;
  /** The cursor of the next older page, or undefined when no older row is loaded. */
  readonly older: LogCursor | undefined;
}

/** The page of `rows` (newest first, filtered) at `cursor`. */
export function logPage(rows: readonly LogRow[], cursor: LogCursor, size = LOG_PAGE_SIZE): LogPage {
  const total = rows.length;
  let start = 0;
  if (cursor !== null) {
    start = rows.findIndex((r) => r.seq < cursor);
    // Nothing older than the cursor (the filter changed, or rows were dropped): show the oldest page.
    if (start === -1) start = Math.max(0, total - size);
  }
  const page = rows.slice(start, start + size);
  const end = start + page.length;
  const newerStart = Math.max(0, start - size);
  return {
    rows: page,
    from: page.length ? start + 1 : 0,
    to: end,
    total,
    newer: start === 0 ? undefined : newerStart === 0 ? null : rows[newerStart - 1]!.seq,
    older: end < total ? page.at(-1)!.seq : undefined,
  };
}

/** `recentEvents`' largest limit (core/api/methods.ts). */
export const RECENT_EVENTS_MAX = 10_000;

/**
 * How many of the newest events to ask for to reach `more` events before `oldestSeq`: the API
 * has no "before" parameter, but event sequence numbers are consecutive, so the newest
 * `newestSeq - oldestSeq + 1` are the ones already seen.
 */
export function olderWindow(oldestSeq: number, newestSeq: number, more: number): number {
  const seen = Number.isFinite(oldestSeq) && newestSeq >= oldestSeq ? newestSeq - oldestSeq + 1 : 0;
  return Math.min(RECENT_EVENTS_MAX, seen + more);
}

/**
 * The part of a `recentEvents(limit)` answer older than what was seen, and whether the node's
 * history starts there: it sent fewer than asked, or the API's limit is reached. (A full answer
 * with nothing older means events arrived meanwhile and pushed the window up: ask again.)
 */
export function olderEvents(events: readonly NodeEvent[], oldestSeq: number, limit: number): { readonly older: readonly NodeEvent[]; readonly historyStart: boolean } {
  const older = events.filter((e) => e.seq < oldestSeq);
  return { older, historyStart: events.length < limit || limit >= RECENT_EVENTS_MAX };
}
