/** The current time for views (relative times, the traffic window), ticking once a second. */
export class Clock {
  #now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | undefined;

  get now(): number {
    return this.#now;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    // Tick just after each wall-clock second so per-second buckets turn over together.
    const align = 1000 - (Date.now() % 1000) + 5;
    this.#timer = setTimeout(() => {
      this.#now = Date.now();
      this.#timer = setInterval(() => (this.#now = Date.now()), 1000);
    }, align);
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
