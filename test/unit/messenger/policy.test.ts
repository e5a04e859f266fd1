/** The DoS policy's building blocks: the token bucket and the bounded outbound queues. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_POLICY, OutboundQueues, TokenBucket } from '../../../core/messenger';

describe('TokenBucket', () => {
  it('lets a burst through, then one message per 1/rate seconds', () => {
    const b = new TokenBucket(4, 10, 0);
    const passed = Array.from({ length: 12 }, () => b.take(0)).filter(Boolean).length;
    expect(passed).toBe(10);
    expect(b.take(249)).toBe(false); // 249 ms refill 0.996 tokens
    expect(b.take(250)).toBe(true);
    expect(b.take(250)).toBe(false);
  });

  it('never holds more than its burst, however long it rests', () => {
    const b = new TokenBucket(4, 10, 0);
    expect(b.tokensAt(10 * 60_000)).toBe(10);
  });

  it('refills nothing when the clock goes backwards', () => {
    const b = new TokenBucket(4, 1, 10_000);
    expect(b.take(10_000)).toBe(true);
    expect(b.take(5_000)).toBe(false);
    expect(b.take(10_100)).toBe(false);
  });

  it('never admits more than burst + rate × elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const b = new TokenBucket(rate, burst, 0);
          let now = 0;
          let admitted = 0;
          for (const g of gaps) {
            now += g;
            if (b.take(now)) admitted++;
          }
          expect(admitted).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000) + 1e-9);
        },
      ),
    );
  });
});

describe('OutboundQueues', () => {
  const policy = { ...DEFAULT_POLICY, outboundQueueBytes: 1000, memoryCapBytes: 1500, earlyDropThreshold: 0.5 };

  it('refuses past the per-peer limit with queue_full and past the memory cap with memory_cap', () => {
    const q = new OutboundQueues<number>(policy);
    const never = () => 1;
    expect(q.admit('a', 1000, never)).toBeNull();
    q.push('a', 1, 1000, 0);
    expect(q.admit('a', 1, never)).toBe('queue_full');
    expect(q.admit('b', 600, never)).toBe('memory_cap');
    expect(q.admit('b', 400, never)).toBeNull();
  });

  it('drops early with a probability rising linearly from the threshold to the limit', () => {
    const q = new OutboundQueues<number>(policy);
    q.push('a', 1, 750, 0); // 75% full: p = (0.75 - 0.5) / 0.5 = 0.5
    expect(q.admit('a', 10, () => 0.49)).toBe('random_early_drop');
    expect(q.admit('a', 10, () => 0.51)).toBeNull();
    const empty = new OutboundQueues<number>(policy);
    expect(empty.admit('a', 10, () => 0)).toBeNull(); // below the threshold nothing is dropped
  });

  it('keeps FIFO order per peer and exact byte totals (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ op: fc.constant('push' as const), peer: fc.constantFrom('a', 'b', 'c'), size: fc.integer({ min: 1, max: 400 }) }),
          fc.record({ op: fc.constant('shift' as const), peer: fc.constantFrom('a', 'b', 'c'), size: fc.constant(0) })), { maxLength: 200 }),
        (ops) => {
          const q = new OutboundQueues<number>(policy);
          const model = new Map<string, { id: number; size: number }[]>();
          let id = 0;
          for (const o of ops) {
            const list = model.get(o.peer) ?? [];
            model.set(o.peer, list);
            if (o.op === 'push') {
              if (q.admit(o.peer, o.size, () => 1) !== null) continue;
              q.push(o.peer, ++id, o.size, 0);
              list.push({ id, size: o.size });
            } else {
              expect(q.shift(o.peer)?.item).toBe(list.shift()?.id);
            }
            const total = [...model.values()].flat().reduce((s, x) => s + x.size, 0);
            expect(q.totalBytes).toBe(total);
            expect(q.totalBytes).toBeLessThanOrEqual(policy.memoryCapBytes);
            expect(q.peakBytes).toBeLessThanOrEqual(policy.memoryCapBytes);
          }
        },
      ),
    );
  });

  it('takes out messages older than a deadline and everything for a peer', () => {
    const q = new OutboundQueues<string>(policy);
    q.push('a', 'old', 10, 100);
    q.push('a', 'new', 10, 200);
    expect(q.takeOlderThan('a', 150).map((i) => i.item)).toEqual(['old']);
    expect(q.takeAll('a').map((i) => i.item)).toEqual(['new']);
    expect(q.totalBytes).toBe(0);
    expect(q.nodeIds()).toEqual([]);
  });
});
