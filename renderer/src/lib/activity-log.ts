/**
 * The activity log: one row per node event, newest first, capped. Rows are plain data built
 * from events; the view only lays them out.
 */
import type { NodeEvent } from '../../../core/api/events';
import type { OfferEventBody } from '../../../core/api/offers';
import { formatMsat } from './amount';
import { formatBytes, formatDuration, formatRtt, middleEllipsis } from './format';

export type LogTone = 'neutral' | 'good' | 'warn' | 'bad';
export type LogKind = 'wire' | 'peer' | 'offer' | 'channel' | 'node';

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
}

export const LOG_CAPACITY = 500;

/** The row for an event, or null for events the log does not show. */
export function logRowOf(event: NodeEvent): LogRow | null {
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
        detail: event.changed.map((c) => SETTING_WORDS[c] ?? c).join(', ') || 'nothing', tone: 'neutral',
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

const SETTING_WORDS: Readonly<Record<string, string>> = { alias: 'alias', listen: 'listen address', onion: 'onion-message limits', mailbox: 'mailbox quotas' };

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

const amount = (msat: string | null): string => (msat === null ? 'any amount' : formatMsat(msat));
const shortId = (id: string | null): string => (id ? middleEllipsis(id, 8, 4) : 'an unknown offer');

function offerRow(event: NodeEvent & OfferEventBody, base: { seq: number; time: number }): LogRow | null {
  const row = (title: string, detail: string, tone: LogTone = 'neutral'): LogRow => ({ ...base, kind: 'offer', direction: null, nodeId: null, title, detail, tone });
  switch (event.type) {
    case 'offer.created':
      return row('offer created', `${event.offer.description || 'no description'} · ${amount(event.offer.amountMsat)}`, 'good');
    case 'offer.disabled':
      return row('offer disabled', shortId(event.offerId), 'warn');
    case 'offer.invoice_request_received':
      return row('invoice request', `for ${shortId(event.offerId)} · ${amount(event.amountMsat)}${event.quantity ? ` · quantity ${event.quantity}` : ''}${event.viaPath ? ' · over a blinded path' : ''}`);
    case 'offer.invoice_issued':
      return row('invoice issued', `${formatMsat(event.amountMsat)} · for ${shortId(event.offerId)}`, 'good');
    case 'offer.invoice_error_sent':
      return row('invoice_error sent', `${event.error}${event.erroneousField ? ` (field ${event.erroneousField})` : ''}`, 'warn');
    case 'offer.invoice_request_ignored':
      return row('request ignored', event.reason.replace(/_/g, ' '), 'warn');
    case 'offer.invoice_requested':
      return row('invoice requested', `${amount(event.amountMsat)} · from ${shortId(event.offerId)}`);
    case 'offer.invoice_received':
      return row('invoice received', `${formatMsat(event.amountMsat)} · for ${shortId(event.offerId)}`, 'good');
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

/**
 * Adds the rows of `events` (oldest first) to `rows` (newest first), skipping events already
 * logged (by sequence number), keeping at most `capacity` rows.
 */
export function appendLog(rows: readonly LogRow[], events: readonly NodeEvent[], capacity = LOG_CAPACITY): readonly LogRow[] {
  const newest = rows[0]?.seq ?? 0;
  const added: LogRow[] = [];
  for (const event of events) {
    if (event.seq <= newest) continue;
    const row = logRowOf(event);
    if (row) added.push(row);
  }
  if (added.length === 0) return rows;
  added.reverse();
  return [...added, ...rows].slice(0, capacity);
}
