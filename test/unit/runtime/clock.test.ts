/** The node's one clock: the manual one tests drive, and the system one every node runs on. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock, SystemClock } from '../../../core/runtime/clock';

describe('ManualClock', () => {
  it('runs timers only when advanced, in time order, each at its own due time', () => {
    const clock = new ManualClock(1_000);
    const runs: [string, number][] = [];
    clock.timeout('b', 30, () => runs.push(['b', clock.now()]));
    clock.timeout('a', 10, () => runs.push(['a', clock.now()]));
    clock.interval('tick', 25, () => runs.push(['tick', clock.now()]));
    expect(runs).toEqual([]);
    clock.advance(60);
    expect(runs).toEqual([['a', 1_010], ['tick', 1_025], ['b', 1_030], ['tick', 1_050]]);
    expect(clock.now()).toBe(1_060);
  });

  it('lists what is set, soonest first, with its period and next run; cancelled and finished timeouts leave the list', () => {
    const clock = new ManualClock(0);
    const reconnect = clock.timeout('peer.reconnect 02aa', 1_000, () => undefined);
    clock.interval('messenger.tick', 250, () => undefined);
    clock.timeout('peer.ping_timeout 02bb', 20_000, () => undefined);
    expect(clock.timers()).toEqual([
      { name: 'messenger.tick', kind: 'interval', periodMs: 250, nextRunAt: 250 },
      { name: 'peer.reconnect 02aa', kind: 'timeout', periodMs: 1_000, nextRunAt: 1_000 },
      { name: 'peer.ping_timeout 02bb', kind: 'timeout', periodMs: 20_000, nextRunAt: 20_000 },
    ]);
    reconnect.cancel();
    clock.advance(20_000);
    expect(clock.timers()).toEqual([{ name: 'messenger.tick', kind: 'interval', periodMs: 250, nextRunAt: 20_250 }]);
  });

  it('runs timers set by timers that fall due in the same advance, and never runs a cancelled one', () => {
    const clock = new ManualClock(0);
    const runs: string[] = [];
    const victim = clock.timeout('victim', 20, () => runs.push('victim'));
    clock.timeout('first', 10, () => {
      runs.push('first');
      victim.cancel();
      clock.timeout('second', 5, () => runs.push('second'));
    });
    clock.advance(100);
    expect(runs).toEqual(['first', 'second']);
  });

  it('ends up at the same time and runs each due timer once, however an advance is split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 12 }), (delays, steps) => {
        const whole = new ManualClock(0);
        const split = new ManualClock(0);
        const ranWhole: number[] = [];
        const ranSplit: number[] = [];
        delays.forEach((d, i) => {
          whole.timeout(`t${i}`, d, () => ranWhole.push(i));
          split.timeout(`t${i}`, d, () => ranSplit.push(i));
        });
        const total = steps.reduce((a, b) => a + b, 0);
        whole.advance(total);
        for (const s of steps) split.advance(s);
        expect(split.now()).toBe(whole.now());
        expect(ranSplit).toEqual(ranWhole);
        expect(ranWhole.length).toBe(delays.filter((d) => d <= total).length);
      }),
    );
  });

  it('refuses negative or non-finite delays and a zero period', () => {
    const clock = new ManualClock(0);
    expect(() => clock.timeout('x', -1, () => undefined)).toThrow(RangeError);
    expect(() => clock.timeout('x', Number.NaN, () => undefined)).toThrow(RangeError);
    expect(() => clock.interval('x', 0, () => undefined)).toThrow(RangeError);
  });
});

describe('SystemClock', () => {
  it('runs a timeout on the host timers and lists it until then', async () => {
    const clock = new SystemClock();
    const before = clock.now();
    const ran = new Promise<number>((resolve) => clock.timeout('test.once', 5, () => resolve(clock.now())));
    expect(clock.timers()).toEqual([expect.objectContaining({ name: 'test.once', kind: 'timeout', periodMs: 5 })]);
    expect(clock.timers()[0]!.nextRunAt).toBeGreaterThanOrEqual(before + 5);
    expect(await ran).toBeGreaterThanOrEqual(before);
    expect(clock.timers()).toEqual([]);
  });

  it('keeps an interval listed with its next run until it is cancelled', async () => {
    const clock = new SystemClock();
    let count = 0;
    let done!: () => void;
    const twice = new Promise<void>((resolve) => (done = resolve));
    const timer = clock.interval('test.every', 2, () => {
      if (++count === 2) done();
    });
    await twice;
    expect(clock.timers()).toEqual([expect.objectContaining({ name: 'test.every', kind: 'interval', periodMs: 2 })]);
    timer.cancel();
    expect(clock.timers()).toEqual([]);
  });
});
