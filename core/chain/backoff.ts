/**
 * Exponential backoff for retrying a chain source: `initialMs × 2^(attempt-1)`, capped, with up
 * to `jitter` of it taken off at random so many nodes do not retry in step. Randomness is
 * injected (deterministic in tests).
 */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** 0..1, the share of the delay that may be removed at random (default 0.2). */
  readonly jitter?: number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = opts.initialMs ?? 1_000;
  const max = opts.maxMs ?? 60_000;
  const jitter = Math.min(Math.max(opts.jitter ?? 0.2, 0), 1);
  const exp = Math.min(max, initial * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.max(1, Math.round(exp * (1 - jitter * random())));
}
