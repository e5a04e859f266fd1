/**
 * The other roles' steps of our async payments, from the sandbox (browser mode with `npm start`'s
 * sandbox: platform/sandbox.ts `roleSteps`), merged into the timelines the Async card shows
 * (lib/role-steps.ts). They are other nodes' events, which reach this app through no event
 * stream, so they are asked for: for each of the newest payments, at once, then while it is pending
 * after ROLE_POLL.firstMs, backing off to ROLE_POLL.maxMs while nothing changes; once the payment
 * ended, until an answer brings nothing new. Only while the card is shown and the tab visible
 * (`start` / `stop`). No sandbox (`{ friend: null }`, or Electron): nothing is asked again, and the
 * timelines stay this node's own.
 */
import { roleSteps } from '../platform/sandbox';
import { mergeRoleSteps, nextPollDelay, roleQuery, ROLE_POLL, sameAnswer, type RoleStepsAnswer, type RoleStepsQuery } from '../lib/role-steps';
import type { AsyncTimeline } from '../lib/async';

/** The newest payments followed (older ones keep what was asked while they were followed). */
const FOLLOW_MAX = 5;

interface Followed {
  query: RoleStepsQuery;
  ended: boolean;
  delay: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  asking: boolean;
  /** Asked once the payment ended and nothing changed: done. */
  finished: boolean;
}

export class RoleStepsState {
  #answers = $state.raw<ReadonlyMap<string, RoleStepsAnswer>>(new Map());
  #absent = $state(false);
  #error = $state<string | null>(null);
  readonly #followed = new Map<string, Followed>();
  #running = false;

  /** True when there is no sandbox to ask (the timelines are this node's own). */
  get absent(): boolean {
    return this.#absent;
  }

  /** The last question that failed (cleared by the next answer). */
  get error(): string | null {
    return this.#error;
  }

  /** The timeline with the other roles' steps, once the sandbox told them. */
  merged(t: AsyncTimeline): AsyncTimeline {
    const a = this.#answers.get(t.id);
    return a ? mergeRoleSteps(t, a) : t;
  }

  /** There is no sandbox here (Electron mode): never ask. */
  disable(): void {
    this.#absent = true;
    this.stop();
  }

  start(): void {
    if (this.#absent || this.#running) return;
    this.#running = true;
    for (const [id, f] of this.#followed) if (!f.finished) this.#schedule(id, f, 0);
  }

  stop(): void {
    this.#running = false;
    for (const f of this.#followed.values()) {
      clearTimeout(f.timer);
      f.timer = undefined;
    }
  }

  /** The timelines shown now (newest first): follows the newest payments of ours. */
  follow(timelines: readonly AsyncTimeline[]): void {
    if (this.#absent) return;
    let n = 0;
    for (const t of timelines) {
      const query = roleQuery(t);
      if (!query || n++ >= FOLLOW_MAX) continue;
      const ended = t.state !== 'in_progress';
      const f = this.#followed.get(t.id);
      if (!f) {
        const fresh: Followed = { query, ended, delay: ROLE_POLL.firstMs, timer: undefined, asking: false, finished: false };
        this.#followed.set(t.id, fresh);
        if (this.#running) this.#schedule(t.id, fresh, 0);
      } else {
        f.query = query;
        if (ended && !f.ended) {
          // It just ended: ask soon for the last steps (the other nodes' answers to the end).
          f.ended = true;
          f.finished = false;
          if (this.#running) this.#schedule(t.id, f, ROLE_POLL.firstMs);
        }
      }
    }
  }

  #schedule(id: string, f: Followed, ms: number): void {
    clearTimeout(f.timer);
    f.timer = setTimeout(() => void this.#ask(id, f), ms);
  }

  async #ask(id: string, f: Followed): Promise<void> {
    f.timer = undefined;
    if (!this.#running || this.#absent || f.asking) return;
    f.asking = true;
    const ended = f.ended;
    let changed = false;
    try {
      const answer = await roleSteps(f.query);
      if (answer === null) {
        this.#absent = true;
        this.stop();
        return;
      }
      this.#error = null;
      changed = !sameAnswer(this.#answers.get(id), answer);
      if (changed) this.#answers = new Map(this.#answers).set(id, answer);
    } catch (e) {
      this.#error = e instanceof Error ? e.message : String(e);
    } finally {
      f.asking = false;
    }
    if (ended && !changed && this.#error === null) {
      f.finished = true;
      return;
    }
    f.delay = nextPollDelay(f.delay, changed);
    if (this.#running) this.#schedule(id, f, f.delay);
  }
}
