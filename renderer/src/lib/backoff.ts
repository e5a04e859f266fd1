/**
 * When to try reconnecting to the node after the connection dropped: exponential backoff
 * from half a second up to 15 s, with ±20 % jitter so several windows do not retry in step.
 */

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/** Delay before attempt number `attempt` (1 for the first retry); `random` is in [0, 1). */
export function reconnectDelay(attempt: number, random: number): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(n - 1, 20));
  const jitter = 1 + (Math.min(Math.max(random, 0), 1) - 0.5) * 0.4;
  return Math.round(Math.min(BACKOFF_MAX_MS, base * jitter));
}
