/**
 * When to try a saved peer again, and when to stop (pure: the random draw and the facts are
 * passed in). A peer we have talked to before is retried for as long as it is saved, with
 * exponential backoff up to the policy's maximum: it may be down for a while and come back. A peer
 * that has never completed an `init` exchange with us — an address typed wrong, a node that is not
 * there — is tried at most `maxAttemptsNeverSeen` times in a row, then left alone with the reason,
 * instead of being dialled in the background forever.
 */
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff';

export interface ReconnectPolicy {
  readonly backoff: BackoffPolicy;
  /** Failed attempts in a row after which a peer that never answered is no longer retried. */
  readonly maxAttemptsNeverSeen: number;
}

/** 8 attempts: about two minutes of backoff (1 + 2 + … + 64 s) plus the connect timeouts. */
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { backoff: DEFAULT_BACKOFF, maxAttemptsNeverSeen: 8 };

export type ReconnectDecision =
  | { readonly kind: 'retry'; readonly inMs: number }
  | { readonly kind: 'give_up'; readonly reason: string };

export interface FailedAttempt {
  /** Failed attempts in a row, this one included (1 for the first). */
  readonly failures: number;
  /** Whether the peer ever completed an init exchange with us (its address book `lastSeen`). */
  readonly everSeen: boolean;
  /** Why this attempt failed, in words. */
  readonly error: string;
}

/** After a failed attempt: when to retry, or why to stop. `random` is a draw in [0, 1). */
export function afterFailedAttempt(policy: ReconnectPolicy, attempt: FailedAttempt, random: number): ReconnectDecision {
  if (!attempt.everSeen && attempt.failures >= policy.maxAttemptsNeverSeen) {
    return {
      kind: 'give_up',
      reason: `never answered: ${attempt.failures} attempt${attempt.failures === 1 ? '' : 's'} in a row failed (last: ${attempt.error}); connect again to retry`,
    };
  }
  return { kind: 'retry', inMs: backoffDelay(policy.backoff, attempt.failures, random) };
}
