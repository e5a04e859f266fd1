/**
 * Onion messages in the activity log (issue 17 follow-up). The node publishes one event per step
 * of every onion message (`onion.delivered`, `onion.forwarded`, …; no `wire.message` for them), and
 * a busy node forwards hundreds a second: a row per message would push every other row out of the
 * log within seconds. So the log gathers them: the steps of one kind (delivered, forwarded, sent,
 * replied — per message type —, dropped per reason, each mailbox step per peer) that come within
 * ONION_GROUP_MS of the first become one row that counts them ("onion forwarded ×12 · 12 messages
 * in 8 s · 14.2 kB"). A lone message reads as itself, with its peer and size. The row
 * stays where its first message put it (the log's pages are anchored on sequence numbers) and its
 * count grows as more come. `onion.received` has no row of its own: the step that follows it says
 * what became of the message. Every message and its records stay on the Messages page.
 */
import type { NodeEvent } from '../../../core/api/events';
import { dropReasonLabel } from './drop-reasons';
import { formatBytes, formatDuration, middleEllipsis } from './format';
import { MESSAGE_TLV_NAMES } from './onion';

/** Steps of one kind within this long of the first share one row. */
export const ONION_GROUP_MS = 10_000;

/** What a gathered row counts. */
export interface OnionGroup {
  readonly key: string;
  /** Time of its first and last message (unix ms). */
  readonly first: number;
  readonly last: number;
  /** The newest event it includes. */
  readonly lastSeq: number;
  /** Events gathered (a throttled-drop report is one event standing for several messages). */
  readonly events: number;
  /** Messages they stand for. */
  readonly count: number;
  readonly bytes: number;
  /** Distinct peers, at most PEERS_KEPT. */
  readonly peers: readonly string[];
}

const PEERS_KEPT = 16;

type OnionVerb = 'delivered' | 'forwarded' | 'sent' | 'replied' | 'dropped' | 'stored in mailbox' | 'sent from mailbox' | 'expired in mailbox' | 'mailbox wake-up';

export interface OnionStep {
  readonly key: string;
  readonly verb: OnionVerb;
  readonly direction: 'in' | 'out' | null;
  readonly peer: string | null;
  readonly count: number;
  readonly bytes: number;
  readonly tone: 'neutral' | 'good' | 'warn' | 'bad';
  /** What a row of this one message says. */
  readonly single: string;
  /** What a row of several says after the counts (the type, the reason), or ''. */
  readonly common: string;
}

const typeName = (t: string | undefined): string => (t === undefined ? 'no message record' : (MESSAGE_TLV_NAMES[t] ?? `type ${t}`));

/** The log's view of an onion event, or null for one without a row (`onion.received`, non-onion events). */
export function onionStep(e: NodeEvent): OnionStep | null {
  switch (e.type) {
    case 'onion.delivered': {
      const name = typeName(e.tlvType);
      return { key: `delivered:${e.tlvType}`, verb: 'delivered', direction: 'in', peer: e.from, count: 1, bytes: e.size, tone: 'good', common: name, single: `${name} · ${formatBytes(e.size)}${e.hasReplyPath ? ' · with a reply path' : ''}${e.inReplyTo ? ' · a reply to ours' : ''}` };
    }
    case 'onion.forwarded':
      return { key: 'forwarded', verb: 'forwarded', direction: 'out', peer: e.to, count: 1, bytes: e.size, tone: 'neutral', common: '', single: `relayed from ${middleEllipsis(e.from, 8, 6)} · ${formatBytes(e.size)}` };
    case 'onion.sent': {
      const name = typeName(e.tlvTypes[0]);
      return { key: `sent:${e.tlvTypes[0] ?? ''}`, verb: 'sent', direction: 'out', peer: e.to, count: 1, bytes: e.size, tone: 'neutral', common: name, single: `${name} · ${formatBytes(e.size)} · ${e.blinded ? 'over a blinded path' : 'to the node itself'}` };
    }
    case 'onion.replied': {
      const name = typeName(e.tlvTypes[0]);
      return { key: `replied:${e.tlvTypes[0] ?? ''}`, verb: 'replied', direction: 'out', peer: e.to, count: 1, bytes: e.size, tone: 'neutral', common: name, single: `${name} · ${formatBytes(e.size)} · over the reply path` };
    }
    case 'onion.dropped': {
      const why = dropReasonLabel(e.reason);
      const n = e.count ?? 1;
      return {
        key: `dropped:${e.reason}`, verb: 'dropped', direction: e.from ? 'in' : null, peer: e.from ?? e.to, count: n, bytes: e.size, tone: 'warn', common: why,
        single: n > 1 ? `${why} · ${n} messages, ${formatBytes(e.size)}` : `${why}${e.detail ? `: ${e.detail}` : ''} · ${formatBytes(e.size)}`,
      };
    }
    case 'onion.mailbox_stored':
      return { key: `mailbox_stored:${e.nodeId}`, verb: 'stored in mailbox', direction: null, peer: e.nodeId, count: 1, bytes: e.size, tone: 'neutral', common: 'for an offline peer', single: `for an offline peer · ${formatBytes(e.size)}` };
    case 'onion.mailbox_forwarded':
      return { key: `mailbox_forwarded:${e.nodeId}`, verb: 'sent from mailbox', direction: 'out', peer: e.nodeId, count: 1, bytes: e.size, tone: 'good', common: 'the peer is back', single: `the peer is back · waited ${formatDuration(e.time - e.storedAt)} · ${formatBytes(e.size)}` };
    case 'onion.mailbox_expired':
      return { key: `mailbox_expired:${e.nodeId}`, verb: 'expired in mailbox', direction: null, peer: e.nodeId, count: 1, bytes: e.size, tone: 'warn', common: 'the peer did not come back in time', single: `the peer did not come back in time · ${formatBytes(e.size)}` };
    case 'onion.mailbox_wake':
      return { key: `mailbox_wake:${e.nodeId}`, verb: 'mailbox wake-up', direction: null, peer: e.nodeId, count: 1, bytes: e.bytes, tone: 'neutral', common: '', single: `${e.messages} ${e.messages === 1 ? 'message' : 'messages'} (${formatBytes(e.bytes)}) wait for this peer` };
    default:
      return null;
  }
}

/** A row's title and detail for a group (a lone message reads as itself). */
export function onionGroupText(step: OnionStep, g: OnionGroup): { title: string; detail: string; nodeId: string | null } {
  if (g.events === 1) {
    return { title: `onion ${step.verb}`, detail: step.single, nodeId: step.peer };
  }
  const span = g.last - g.first;
  // Up to three peers are named in the log's peer column (activity-log.ts rowPeers); more are counted here.
  const peers = g.peers.length <= 3 ? null : `${g.peers.length >= PEERS_KEPT ? `${PEERS_KEPT}+` : g.peers.length} peers`;
  const detail = [
    `${g.count.toLocaleString('en-US')} messages in ${span < 1000 ? 'under a second' : formatDuration(span)}`,
    step.common,
    formatBytes(g.bytes),
    peers,
  ].filter(Boolean).join(' · ');
  return { title: `onion ${step.verb} ×${g.count.toLocaleString('en-US')}`, detail, nodeId: g.peers.length === 1 ? g.peers[0]! : null };
}

/** A new group of one event. */
export function startGroup(step: OnionStep, e: NodeEvent): OnionGroup {
  return { key: step.key, first: e.time, last: e.time, lastSeq: e.seq, events: 1, count: step.count, bytes: step.bytes, peers: step.peer ? [step.peer] : [] };
}

/** Whether `e` joins `g` (same kind, within ONION_GROUP_MS of its first). */
export function joins(g: OnionGroup, step: OnionStep, e: NodeEvent): boolean {
  return g.key === step.key && e.time >= g.first && e.time - g.first < ONION_GROUP_MS;
}

/** `g` with `e` counted in. */
export function addToGroup(g: OnionGroup, step: OnionStep, e: NodeEvent): OnionGroup {
  const peers = step.peer && !g.peers.includes(step.peer) && g.peers.length < PEERS_KEPT ? [...g.peers, step.peer] : g.peers;
  return { ...g, last: Math.max(g.last, e.time), lastSeq: Math.max(g.lastSeq, e.seq), events: g.events + 1, count: g.count + step.count, bytes: g.bytes + step.bytes, peers };
}
