/** Helpers for streams of node events. */
import type { NodeEvent } from '../../../core/api/events';

/**
 * Merges event lists (e.g. the `recentEvents` seed and events that arrived while it loaded)
 * into one list in sequence order, each event once.
 */
export function mergeEvents(...lists: ReadonlyArray<readonly NodeEvent[]>): NodeEvent[] {
  const bySeq = new Map<number, NodeEvent>();
  for (const list of lists) for (const e of list) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The events of `list` newer than `seq`. */
export function eventsAfter(list: readonly NodeEvent[], seq: number): NodeEvent[] {
  return list.filter((e) => e.seq > seq);
}
