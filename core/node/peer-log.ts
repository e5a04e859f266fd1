/**
 * Which peer connection events reach the host's log (stderr), so that a saved peer that keeps
 * failing does not print a line every few seconds. Per peer, the first failed attempt of a streak
 * is logged as it is; the next ones are counted, and summarised in one line every
 * `summaryEveryMs` while the streak lasts and once when it ends (connected, reconnection stopped,
 * or the peer forgotten). Pure: time comes with each event.
 */
import type { NodeEvent } from './events';

/** One summary line per failing peer every 10 minutes at most. */
export const PEER_LOG_SUMMARY_EVERY_MS = 10 * 60_000;

interface Streak {
  readonly since: number;
  failures: number;
  /** Failures not logged one by one since the last line about this peer. */
  unlogged: number;
  lastLineAt: number;
  lastCode: string;
  lastReason: string;
  address: string;
}

export class PeerLogThrottle {
  readonly #summaryEveryMs: number;
  readonly #streaks = new Map<string, Streak>();

  constructor(summaryEveryMs = PEER_LOG_SUMMARY_EVERY_MS) {
    this.#summaryEveryMs = summaryEveryMs;
  }

  /**
   * The log lines for `event` (none, one, or a summary and the event itself). `line` turns an
   * event into its log line (the node's `peerLogLine`).
   */
  lines(event: NodeEvent, line: (e: NodeEvent) => Record<string, unknown>): Record<string, unknown>[] {
    switch (event.type) {
      case 'peer.connection_failed': {
        // Failures without a node id (inbound, unnamed) are rate-limited by the peer layer already.
        if (event.nodeId === null || event.direction !== 'outbound') return [line(event)];
        const streak = this.#streaks.get(event.nodeId);
        if (!streak) {
          this.#streaks.set(event.nodeId, {
            since: event.time, failures: 1, unlogged: 0, lastLineAt: event.time, lastCode: event.code, lastReason: event.reason, address: event.address,
          });
          return [line(event)];
        }
        streak.failures++;
        streak.unlogged++;
        streak.lastCode = event.code;
        streak.lastReason = event.reason;
        streak.address = event.address;
        if (event.time - streak.lastLineAt < this.#summaryEveryMs) return [];
        return [this.#summary(event.nodeId, streak, event.time, 'still failing')];
      }
      case 'peer.connected': {
        const streak = this.#end(event.peer.nodeId);
        return streak && streak.unlogged > 0 ? [this.#summary(event.peer.nodeId, streak, event.time, 'connected after'), line(event)] : [line(event)];
      }
      case 'peer.reconnect_stopped': {
        const streak = this.#end(event.nodeId);
        const stopped = { type: event.type, nodeId: event.nodeId, by: event.by, attempts: event.attempts, reason: event.reason, seq: event.seq, time: event.time };
        return [streak && streak.unlogged > 0 ? { ...stopped, unloggedFailures: streak.unlogged } : stopped];
      }
      case 'peer.forgotten':
        this.#end(event.nodeId);
        return [{ type: event.type, nodeId: event.nodeId, seq: event.seq, time: event.time }];
      case 'peer.disconnected':
        return [line(event)];
      default:
        return [];
    }
  }

  #end(nodeId: string): Streak | undefined {
    const streak = this.#streaks.get(nodeId);
    this.#streaks.delete(nodeId);
    return streak;
  }

  #summary(nodeId: string, streak: Streak, now: number, what: 'still failing' | 'connected after'): Record<string, unknown> {
    const unlogged = streak.unlogged;
    streak.unlogged = 0;
    streak.lastLineAt = now;
    return {
      type: 'peer.connection_failures',
      nodeId,
      address: streak.address,
      failures: streak.failures,
      since: streak.since,
      unloggedFailures: unlogged,
      lastCode: streak.lastCode,
      lastReason: streak.lastReason,
      status: what,
    };
  }
}
