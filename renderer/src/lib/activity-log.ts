/**
 * The activity log: one row per node event, newest first, capped. Rows are plain data built
 * from events; the view only lays them out.
 */
import type { NodeEvent } from '../../../core/api/events';
import { formatBytes, formatDuration, formatRtt } from './format';

export type LogTone = 'neutral' | 'good' | 'warn' | 'bad';
export type LogKind = 'wire' | 'peer';

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
