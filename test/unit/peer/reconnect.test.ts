/** The reconnect policy (core/peer/reconnect.ts): when to retry a saved peer, when to stop. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_BACKOFF, DEFAULT_RECONNECT_POLICY, afterFailedAttempt, backoffDelay } from '../../../core/peer';

describe('afterFailedAttempt', () => {
  it('gives up on a peer that never answered after maxAttemptsNeverSeen failures in a row, saying why', () => {
    const policy = { ...DEFAULT_RECONNECT_POLICY, maxAttemptsNeverSeen: 3 };
    expect(afterFailedAttempt(policy, { failures: 2, everSeen: false, error: 'ECONNREFUSED' }, 0.5).kind).toBe('retry');
    expect(afterFailedAttempt(policy, { failures: 3, everSeen: false, error: 'could not connect: ECONNREFUSED' }, 0.5)).toEqual({
      kind: 'give_up', reason: 'never answered: 3 attempts in a row failed (last: could not connect: ECONNREFUSED); connect again to retry',
    });
  });

  it('by default stops after 8 attempts: about two minutes of backoff', () => {
    expect(DEFAULT_RECONNECT_POLICY.maxAttemptsNeverSeen).toBe(8);
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(DEFAULT_BACKOFF, n, 0.5));
    expect(waits.reduce((a, b) => a + b, 0)).toBe(127_000);
  });

  it('never gives up on a peer seen before, and retries within the backoff bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.boolean(), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 50 }), (failures, everSeen, random, max) => {
        const policy = { backoff: DEFAULT_BACKOFF, maxAttemptsNeverSeen: max };
        const d = afterFailedAttempt(policy, { failures, everSeen, error: 'x' }, random);
        if (!everSeen && failures >= max) return d.kind === 'give_up';
        if (d.kind !== 'retry') return false;
        const base = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.initialMs * DEFAULT_BACKOFF.factor ** (failures - 1));
        return d.inMs >= Math.floor(base * (1 - DEFAULT_BACKOFF.jitter)) && d.inMs <= Math.ceil(base * (1 + DEFAULT_BACKOFF.jitter));
      }),
    );
  });
});
