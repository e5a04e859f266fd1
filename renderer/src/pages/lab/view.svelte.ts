/**
 * The Channel lab's state while the app runs: the composed script, the trace the node ran, and
 * where playback is. Playback only moves through the trace the simulator already computed; the
 * timer here is the UI's (the simulator itself is sans-I/O and runs the whole script at once).
 */
import type { NodeApi } from '../../../../core/api/methods';
import type { Trace } from '../../../../core/api/channels';
import { apiFailure, type ApiFailure } from '../../lib/api-error';
import { DEFAULT_TERMS, checkScript, checkTerms, stepsFromTrace, termsFromTrace, type ChannelTerms, type DraftStep, type MessageKind, type Party } from '../../lib/lab';

export const PLAY_INTERVAL_MS = 900;

export class LabView {
  #steps = $state<DraftStep[]>([]);
  #terms = $state<ChannelTerms>({ ...DEFAULT_TERMS });
  #trace = $state.raw<Trace | null>(null);
  #svg = $state.raw<string | null>(null);
  #source = $state<string | null>(null);
  #step = $state(0);
  #playing = $state(false);
  #busy = $state(false);
  #failure = $state.raw<ApiFailure | null>(null);
  #mode = $state<'scenario' | 'compose'>('scenario');
  #uid = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  get steps(): DraftStep[] {
    return this.#steps;
  }

  /** The channel the composed script runs on. */
  get terms(): ChannelTerms {
    return this.#terms;
  }

  setTerms(change: Partial<ChannelTerms>): void {
    this.#terms = { ...this.#terms, ...change };
  }

  get trace(): Trace | null {
    return this.#trace;
  }

  get svg(): string | null {
    return this.#svg;
  }

  /** The scenario the trace came from, or null for a composed script. */
  get source(): string | null {
    return this.#source;
  }

  /** The step shown, 1-based (0 when there is no trace). */
  get step(): number {
    return this.#step;
  }

  get playing(): boolean {
    return this.#playing;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** Why the node refused to run the script (a malformed step), if it did. */
  get failure(): ApiFailure | null {
    return this.#failure;
  }

  get mode(): 'scenario' | 'compose' {
    return this.#mode;
  }

  set mode(m: 'scenario' | 'compose') {
    this.#mode = m;
  }

  get total(): number {
    return this.#trace?.steps.length ?? 0;
  }

  async runScenario(api: NodeApi, name: string): Promise<void> {
    await this.#run(name, () => api.runSimulation({ scenario: name }));
  }

  async runScript(api: NodeApi): Promise<void> {
    const check = checkScript(this.#steps);
    const terms = checkTerms(this.#terms);
    if (!check.events || !terms.params) return;
    const events = check.events;
    const params = terms.params;
    await this.#run(null, () => api.runSimulation({ events, ...params }));
  }

  async #run(source: string | null, call: () => ReturnType<NodeApi['runSimulation']>): Promise<void> {
    this.pause();
    this.#busy = true;
    this.#failure = null;
    try {
      const result = await call();
      this.#trace = result.trace;
      this.#svg = result.svg;
      this.#source = source;
      this.#step = result.trace.steps.length > 0 ? 1 : 0;
    } catch (e) {
      this.#failure = apiFailure(e);
    } finally {
      this.#busy = false;
    }
  }

  /** Copies the played trace into the composer, to change it and run it again. */
  editTrace(): void {
    if (!this.#trace) return;
    this.#steps = stepsFromTrace(this.#trace, () => ++this.#uid);
    this.#terms = termsFromTrace(this.#trace);
    this.#mode = 'compose';
  }

  // ----- composing ------------------------------------------------------------------------------

  addMessage(from: Party = 'A', msg: MessageKind = 'update_add_htlc'): void {
    this.#steps.push({ uid: ++this.#uid, kind: 'message', from, msg, amount: msg === 'update_add_htlc' ? '10000' : '', htlc: '', feerate: msg === 'update_fee' ? '1000' : '', deliver: true });
  }

  addDeliver(): void {
    this.#steps.push({ uid: ++this.#uid, kind: 'deliver', target: 'all' });
  }

  update(uid: number, change: Partial<Omit<Extract<DraftStep, { kind: 'message' }>, 'uid' | 'kind'>> | Partial<Omit<Extract<DraftStep, { kind: 'deliver' }>, 'uid' | 'kind'>>): void {
    const i = this.#steps.findIndex((s) => s.uid === uid);
    if (i !== -1) this.#steps[i] = { ...this.#steps[i]!, ...change } as DraftStep;
  }

  remove(uid: number): void {
    this.#steps = this.#steps.filter((s) => s.uid !== uid);
  }

  move(uid: number, by: -1 | 1): void {
    const i = this.#steps.findIndex((s) => s.uid === uid);
    const j = i + by;
    if (i === -1 || j < 0 || j >= this.#steps.length) return;
    const next = this.#steps.slice();
    [next[i], next[j]] = [next[j]!, next[i]!];
    this.#steps = next;
  }

  clear(): void {
    this.#steps = [];
  }

  // ----- playback -------------------------------------------------------------------------------

  go(step: number): void {
    this.#step = Math.max(this.total > 0 ? 1 : 0, Math.min(step, this.total));
  }

  forward(): void {
    if (this.#step >= this.total) this.pause();
    else this.#step++;
  }

  back(): void {
    this.go(this.#step - 1);
  }

  rewind(): void {
    this.pause();
    this.go(1);
  }

  play(): void {
    if (this.total === 0) return;
    if (this.#step >= this.total) this.#step = 1;
    this.#playing = true;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.forward(), PLAY_INTERVAL_MS);
  }

  pause(): void {
    this.#playing = false;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  dispose(): void {
    this.pause();
  }
}
