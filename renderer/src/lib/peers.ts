/**
 * The peer list as a reducer over node events: start from `listPeers`, then apply
 * `peer.connected` / `peer.disconnected` / `peer.pong` / `wire.message` as they arrive (and the onion
 * events that stand for their `onion_message`s: the node publishes one event per wire message).
 * Immutable: each step returns a new list (or the same one when nothing changed).
 */
import type { NodeEvent } from '../../../core/api/events';
import type { PeerInfo } from '../../../core/api/types';
import { onionWireMessages } from './traffic';

export type PeerList = readonly PeerInfo[];

/**
 * Bytes a message takes on the connection beyond its plaintext. BOLT 8 "Encrypting and Sending Messages":
 * a frame is the 2-byte length and its 16-byte MAC, then the message and its 16-byte MAC.
 */
export const BOLT8_FRAME_OVERHEAD = 2 + 16 + 16;

/** Most recently connected first; ties by node id so the order never flickers. */
export function sortPeers(peers: PeerList): PeerList {
  return [...peers].sort((a, b) => b.connectedSince - a.connectedSince || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

function update(peers: PeerList, nodeId: string, change: (p: PeerInfo) => PeerInfo): PeerList {
  const index = peers.findIndex((p) => p.nodeId === nodeId);
  if (index === -1) return peers;
  const next = [...peers];
  next[index] = change(peers[index]!);
  return next;
}

export interface ReduceOptions {
  /**
   * Count `wire.message` events into the peers' message and byte counters. Off while replaying
   * events that the `listPeers` snapshot may already include.
   */
  readonly countMessages?: boolean;
}

/** `count` messages of `size` plaintext bytes in all, added to a peer's counters. */
function counted(peers: PeerList, nodeId: string, direction: 'in' | 'out', count: number, size: number): PeerList {
  const incoming = direction === 'in';
  const bytes = size + count * BOLT8_FRAME_OVERHEAD;
  return update(peers, nodeId, (p) => ({
    ...p,
    messagesIn: p.messagesIn + (incoming ? count : 0),
    messagesOut: p.messagesOut + (incoming ? 0 : count),
    bytesIn: p.bytesIn + (incoming ? bytes : 0),
    bytesOut: p.bytesOut + (incoming ? 0 : bytes),
  }));
}

export function reducePeers(peers: PeerList, event: NodeEvent, opts: ReduceOptions = {}): PeerList {
  switch (event.type) {
    case 'peer.connected': {
      const others = peers.filter((p) => p.nodeId !== event.peer.nodeId);
      return sortPeers([...others, event.peer]);
    }
    case 'peer.disconnected': {
      const others = peers.filter((p) => p.nodeId !== event.nodeId);
      return others.length === peers.length ? peers : others;
    }
    case 'peer.updated':
      return update(peers, event.peer.nodeId, (p) => ({ ...p, label: event.peer.label, reconnect: event.peer.reconnect }));
    case 'peer.pong':
      return update(peers, event.nodeId, (p) => ({ ...p, lastPingRttMs: event.rttMs }));
    case 'wire.message':
      return opts.countMessages ? counted(peers, event.nodeId, event.direction, 1, event.size) : peers;
    default: {
      const wire = opts.countMessages ? onionWireMessages(event) : null;
      return wire ? counted(peers, wire.nodeId, wire.direction, wire.count, wire.size) : peers;
    }
  }
}

/** Records a ping answered through the API (the node also reports it as `peer.pong`). */
export function withPingResult(peers: PeerList, nodeId: string, rttMs: number): PeerList {
  return update(peers, nodeId, (p) => ({ ...p, lastPingRttMs: rttMs }));
}

/** The name the user gave a connected peer, if any. */
export function peerLabel(peers: PeerList, nodeId: string | null | undefined): string | null {
  if (!nodeId) return null;
  return peers.find((p) => p.nodeId === nodeId)?.label ?? null;
}
