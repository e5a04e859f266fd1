/**
 * Time for the chain adapters, injected so the node's one clock can drive them: `now()` in unix
 * ms and a timer that can be cancelled. `systemClock` is the plain Node one.
 */
export interface ChainClock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it (a no-op once fired). */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: ChainClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
