/**
 * Saved peers (the node's address book, `listSavedPeers`) as the Peers page shows them: which
 * events change the list, the order, and each peer's reconnection state in words. Pure: time is
 * passed in.
 */
import type { NodeEvent } from '../../../core/api/events';
import type { SavedPeerInfo } from '../../../core/api/types';
import { formatDuration } from './format';

export type SavedPeerList = readonly SavedPeerInfo[];

/** Whether the node's saved-peer list may have changed with this event (the state reloads it then). */
export function touchesSavedPeers(event: NodeEvent): boolean {
  switch (event.type) {
    case 'peer.connected':
    case 'peer.disconnected':
    case 'peer.reconnect_scheduled':
    case 'peer.reconnect_stopped':
    case 'peer.forgotten':
    case 'peer.updated':
      return true;
    case 'peer.connection_failed':
      // Failures of unnamed inbound connections are nobody we saved.
      return event.nodeId !== null;
    default:
      return false;
  }
}

const ORDER: Readonly<Record<SavedPeerInfo['state'], number>> = { connected: 0, connecting: 1, waiting: 2, gave_up: 3, off: 4 };

/** Connected first, then those being retried, then those left alone; by name, then node id. */
export function sortSavedPeers(peers: SavedPeerList): SavedPeerList {
  const key = (p: SavedPeerInfo) => (p.label ?? '\uffff') + p.nodeId;
  return [...peers].sort((a, b) => ORDER[a.state] - ORDER[b.state] || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface SavedPeerStatus {
  /** A word or two for the badge. */
  readonly label: string;
  readonly tone: 'neutral' | 'accent' | 'good' | 'warn' | 'bad';
  /** One line: what happens next, or why nothing does. */
  readonly detail: string;
}

/** A saved peer's reconnection state in words, at `now`. */
export function savedPeerStatus(p: SavedPeerInfo, now: number): SavedPeerStatus {
  const failed = p.failedAttempts === 1 ? '1 attempt failed' : `${p.failedAttempts} attempts in a row failed`;
  switch (p.state) {
    case 'connected':
      return { label: 'connected', tone: 'good', detail: p.reconnect ? 'Reconnected automatically if the connection drops.' : 'Not reconnected if the connection drops.' };
    case 'connecting':
      return { label: 'connecting', tone: 'accent', detail: p.failedAttempts > 0 ? `Trying again (${failed} so far).` : 'Trying to connect.' };
    case 'waiting':
      if (p.nextAttemptAt === null) return { label: 'waiting', tone: 'neutral', detail: 'Reconnects at the next start of the node, or when it connects to us.' };
      return {
        label: 'retrying',
        tone: p.failedAttempts > 0 ? 'warn' : 'accent',
        detail: `${p.nextAttemptAt - now < 1000 ? 'Next attempt in a moment' : `Next attempt in ${formatDuration(p.nextAttemptAt - now)}`}${p.failedAttempts > 0 ? ` (${failed})` : ''}.`,
      };
    case 'gave_up':
      return { label: 'stopped trying', tone: 'bad', detail: `Stopped by itself: ${p.gaveUpReason ?? 'it never answered'}.` };
    case 'off':
      return { label: 'not reconnecting', tone: 'neutral', detail: 'Reconnection is off. Reconnect to try again and turn it back on.' };
  }
}

/** The address to dial when the user asks to reconnect: the most recently used one. */
export function reconnectAddress(p: SavedPeerInfo): string | null {
  const address = p.addresses[0];
  return address ? `${p.nodeId}@${address}` : null;
}
