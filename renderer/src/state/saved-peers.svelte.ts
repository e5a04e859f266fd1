/**
 * The node's saved peers (`listSavedPeers`), connected or not, with their reconnection state.
 * The node computes that state (attempts, next attempt, why it stopped); the app reloads the list
 * shortly after any event that changes it (connections, failures, scheduled and stopped
 * reconnections, forgotten peers) — never on a timer.
 */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import { errorText } from '../lib/errors';
import { sortSavedPeers, touchesSavedPeers, type SavedPeerList } from '../lib/saved-peers';
import { LiveState } from './live.svelte';

/** Events come in bursts (a failure, then the next attempt scheduled): one reload for them. */
const RELOAD_AFTER_MS = 200;

export class SavedPeersState extends LiveState {
  #peers = $state.raw<SavedPeerList>([]);
  #reloadError = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super(100);
  }

  get peers(): SavedPeerList {
    return this.#peers;
  }

  /** The last reload failed (the list shown is older). */
  get reloadError(): string | null {
    return this.#reloadError;
  }

  protected accepts(event: NodeEvent): boolean {
    return touchesSavedPeers(event);
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const { peers } = await api.listSavedPeers({});
    return (early) => {
      this.#peers = sortSavedPeers(peers);
      if (early.length > 0) this.refresh();
    };
  }

  protected apply(): void {
    this.refresh();
  }

  /** Reloads the list a moment from now (after the user's own change, too). */
  refresh(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#reload(), RELOAD_AFTER_MS);
  }

  async #reload(): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const { peers } = await api.listSavedPeers({});
      if (!this.isCurrent(api)) return;
      this.#peers = sortSavedPeers(peers);
      this.#reloadError = null;
    } catch (e) {
      if (this.isCurrent(api)) this.#reloadError = errorText(e);
    }
  }

  protected override onDetach(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
