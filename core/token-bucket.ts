/**
 * A token bucket, the one rate limiter of the node's sans-I/O cores: `burst` tokens, refilled at
 * `ratePerSecond`; `take` spends `cost` tokens (one message, one connection, a pong's bytes) if
 * there are that many, `charge` spends them regardless (work already done, paid back before the
 * next `take` succeeds). Time comes in as an argument (ms).
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, burst: number, now: number) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Tokens available at `now` (fractional). */
  tokensAt(now: number): number {
    const elapsed = Math.max(0, now - this.#last);
    return Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
  }

  /** Takes `cost` tokens if there are that many. A clock that goes backwards refills nothing. */
  take(now: number, cost = 1): boolean {
    this.#tokens = this.tokensAt(now);
    this.#last = Math.max(this.#last, now);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /**
   * Spends `cost` tokens for work already done, even below zero: the debt is paid back by the
   * refill before `take` succeeds again, so what is charged this way still averages out at
   * `ratePerSecond`.
   */
  charge(now: number, cost: number): void {
    if (!(cost > 0)) return;
    this.#tokens = this.tokensAt(now) - cost;
    this.#last = Math.max(this.#last, now);
  }
}
