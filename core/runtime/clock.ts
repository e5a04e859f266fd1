/**
 * The node's one clock and scheduler. The Node owns one and hands it to every adapter; nothing in
 * core/runtime or core/node reads the time or sets a timer except through it (lint enforces it),
 * so every timer of a running node is listed in one place (`timers()`: name, period, next run)
 * and tests can drive time by hand (`ManualClock`).
 *
 * `SystemClock` is the only code here that touches `Date.now`, `setTimeout` and `setInterval`.
 * Its timers do not keep the process alive (unref), as the adapters' own timers did before.
 */

/** A timer or interval that is set. */
export interface TimerInfo {
  /** What it is for, e.g. `peer.tick` or `peer.reconnect 02ab…` (not unique: one per connection for some). */
  readonly name: string;
  readonly kind: 'timeout' | 'interval';
  /** The delay of a timeout, the period of an interval. */
  readonly periodMs: number;
  /** Unix ms of its next run. */
  readonly nextRunAt: number;
}

export interface Timer {
  /** Stops it; a timeout that already ran, or a cancelled timer, is left alone. */
  cancel(): void;
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  /** Runs `fn` once, `delayMs` from now. */
  timeout(name: string, delayMs: number, fn: () => void): Timer;
  /** Runs `fn` every `periodMs`, the first time `periodMs` from now. */
  interval(name: string, periodMs: number, fn: () => void): Timer;
  /** The timers set now, soonest first. */
  timers(): TimerInfo[];
}

interface Entry {
  readonly name: string;
  readonly kind: 'timeout' | 'interval';
  readonly periodMs: number;
  nextRunAt: number;
  readonly fn: () => void;
  /** Order of creation, to run timers due at the same time in the order they were set. */
  readonly seq: number;
}

function listed(entries: Iterable<Entry>): TimerInfo[] {
  return [...entries]
    .sort((a, b) => a.nextRunAt - b.nextRunAt || a.seq - b.seq)
    .map(({ name, kind, periodMs, nextRunAt }) => ({ name, kind, periodMs, nextRunAt }));
}

function checkDelay(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${what} must be a finite number of milliseconds >= 0, not ${ms}`);
  return ms;
}

/** The wall clock's time, for defaults outside a node (a node's adapters use its Clock). */
export function systemNow(): number {
  return Date.now();
}

/** The wall clock and the host's timers. */
export class SystemClock implements Clock {
  readonly #entries = new Set<Entry>();
  #seq = 0;

  now(): number {
    return systemNow();
  }

  timeout(name: string, delayMs: number, fn: () => void): Timer {
    const entry: Entry = { name, kind: 'timeout', periodMs: checkDelay(delayMs, name), nextRunAt: this.now() + delayMs, fn, seq: ++this.#seq };
    this.#entries.add(entry);
    const handle = setTimeout(() => {
      this.#entries.delete(entry);
      fn();
    }, delayMs);
    handle.unref?.();
    return {
      cancel: () => {
        clearTimeout(handle);
        this.#entries.delete(entry);
      },
    };
  }

  interval(name: string, periodMs: number, fn: () => void): Timer {
    const entry: Entry = { name, kind: 'interval', periodMs: checkDelay(periodMs, name), nextRunAt: this.now() + periodMs, fn, seq: ++this.#seq };
    this.#entries.add(entry);
    const handle = setInterval(() => {
      entry.nextRunAt = this.now() + periodMs;
      fn();
    }, periodMs);
    handle.unref?.();
    return {
      cancel: () => {
        clearInterval(handle);
        this.#entries.delete(entry);
      },
    };
  }

  timers(): TimerInfo[] {
    return listed(this.#entries);
  }
}

/**
 * A clock for tests: time stands still until `advance` moves it, running every timer that falls
 * due on the way, in time order (each sees `now()` at its own due time).
 */
export class ManualClock implements Clock {
  readonly #entries = new Set<Entry>();
  #now: number;
  #seq = 0;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  timeout(name: string, delayMs: number, fn: () => void): Timer {
    return this.#add({ name, kind: 'timeout', periodMs: checkDelay(delayMs, name), nextRunAt: this.#now + delayMs, fn, seq: ++this.#seq });
  }

  interval(name: string, periodMs: number, fn: () => void): Timer {
    if (checkDelay(periodMs, name) === 0) throw new RangeError(`${name}: an interval needs a period above 0`);
    return this.#add({ name, kind: 'interval', periodMs, nextRunAt: this.#now + periodMs, fn, seq: ++this.#seq });
  }

  #add(entry: Entry): Timer {
    this.#entries.add(entry);
    return { cancel: () => void this.#entries.delete(entry) };
  }

  timers(): TimerInfo[] {
    return listed(this.#entries);
  }

  /** Moves time forward by `ms`, running what falls due (timers set meanwhile included). */
  advance(ms: number): void {
    const until = this.#now + checkDelay(ms, 'advance');
    for (;;) {
      const next = [...this.#entries].filter((e) => e.nextRunAt <= until).sort((a, b) => a.nextRunAt - b.nextRunAt || a.seq - b.seq)[0];
      if (!next) break;
      this.#now = Math.max(this.#now, next.nextRunAt);
      if (next.kind === 'timeout') this.#entries.delete(next);
      else next.nextRunAt += next.periodMs;
      next.fn();
    }
    this.#now = until;
  }
}
