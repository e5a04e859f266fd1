/**
 * Time for the chain adapters: the node's one clock (core/runtime/clock.ts) seen through the two
 * things they need — `now()` in unix ms and a named timer that can be cancelled — so every chain
 * timer is listed by `clock.timers()` with the others (`chain.round`, `chain.http_timeout`, …).
 */
import type { Clock } from '../clock';

export interface ChainClock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it (a no-op once fired). */
  setTimer(name: string, ms: number, fn: () => void): () => void;
}

export function chainClock(clock: Clock): ChainClock {
  return {
    now: () => clock.now(),
    setTimer(name, ms, fn) {
      const timer = clock.timeout(name, ms, fn);
      return () => timer.cancel();
    },
  };
}
