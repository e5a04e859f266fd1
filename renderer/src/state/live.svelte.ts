/**
 * The lifecycle every piece of live state shares. On attach it subscribes first (so no event is
 * missed), then loads a snapshot, then folds in the events that arrived while it loaded; after
 * that, events are applied as they come, in batches (at most one redraw per `flushMs`). A newer
 * attach (the connection came back) or a detach makes every older load and event stale.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import { errorText } from '../lib/errors';

export abstract class LiveState {
  #api: NodeApi | null = null;
  #generation = 0;
  #unsubscribe: (() => void) | null = null;
  #queue: NodeEvent[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** True until the first snapshot after attaching has loaded (nothing is known before). */
  #loading = $state(true);
  #loadError = $state<string | null>(null);
  readonly #flushMs: number;

  constructor(flushMs = 100) {
    this.#flushMs = flushMs;
  }

  get loading(): boolean {
    return this.#loading;
  }

  get loadError(): string | null {
    return this.#loadError;
  }

  /** The API attached now, or null. */
  protected get api(): NodeApi | null {
    return this.#api;
  }

  /** Which events this state follows. */
  protected abstract accepts(event: NodeEvent): boolean;

  /**
   * Loads the snapshot. The returned function installs it, folding in the events that arrived
   * while it loaded (oldest first); it runs only if this load is still current.
   */
  protected abstract load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void>;

  /** Applies a batch of live events, oldest first. */
  protected abstract apply(batch: readonly NodeEvent[]): void;

  /** Stops the subclass's own timers when detaching. */
  protected onDetach(): void {}

  async attach(api: NodeApi): Promise<void> {
    this.detach();
    const generation = ++this.#generation;
    this.#api = api;
    this.#loading = true;
    this.#loadError = null;
    const early: NodeEvent[] = [];
    let live = false;
    this.#unsubscribe = api.subscribe((event) => {
      if (generation !== this.#generation || !this.accepts(event)) return;
      if (!live) {
        early.push(event);
        return;
      }
      this.#queue.push(event);
      this.#flushTimer ??= setTimeout(() => this.#flush(), this.#flushMs);
    });
    try {
      const install = await this.load(api);
      if (generation !== this.#generation) return;
      install(early);
      live = true;
    } catch (e) {
      if (generation === this.#generation) this.#loadError = errorText(e);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  detach(): void {
    this.#generation++;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#api = null;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#queue = [];
    this.onDetach();
  }

  /** Loads everything again from the same API (after a load error). */
  reload(): void {
    if (this.#api) void this.attach(this.#api);
  }

  /** True while `api` is still the attached one (work started before a reconnect is dropped). */
  protected isCurrent(api: NodeApi): boolean {
    return api === this.#api;
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length) this.apply(batch);
  }
}
