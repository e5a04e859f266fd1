/** The node's settings (getSettings), kept live by `node.settings_changed`. */
import type { NodeApi } from '../../../core/api/methods';
import type { SettingName, SettingsInfo, UpdateSettingsParams } from '../../../core/api/settings';
import { errorText } from './node.svelte';

export class SettingsState {
  #settings = $state.raw<SettingsInfo | null>(null);
  #lastChange = $state.raw<{ readonly changed: readonly SettingName[]; readonly time: number } | null>(null);
  #loadError = $state<string | null>(null);
  #api: NodeApi | null = null;
  #unsubscribe: (() => void) | null = null;
  #generation = 0;

  get settings(): SettingsInfo | null {
    return this.#settings;
  }

  /** The latest change the node reported (by this window or another client). */
  get lastChange(): { readonly changed: readonly SettingName[]; readonly time: number } | null {
    return this.#lastChange;
  }

  get loadError(): string | null {
    return this.#loadError;
  }

  async attach(api: NodeApi): Promise<void> {
    this.detach();
    const generation = ++this.#generation;
    this.#api = api;
    this.#loadError = null;
    this.#unsubscribe = api.subscribe((event) => {
      if (generation !== this.#generation || event.type !== 'node.settings_changed') return;
      this.#settings = event.settings;
      this.#lastChange = { changed: event.changed, time: event.time };
    });
    try {
      const settings = await api.getSettings({});
      if (generation === this.#generation) this.#settings = settings;
    } catch (e) {
      if (generation === this.#generation) this.#loadError = errorText(e);
    }
  }

  detach(): void {
    this.#generation++;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#api = null;
  }

  reload(): void {
    if (this.#api) void this.attach(this.#api);
  }

  /** Saves a change; the node answers with the settings now in force. */
  async update(change: UpdateSettingsParams): Promise<SettingsInfo> {
    const api = this.#api;
    if (!api) throw new Error('Not connected to the node.');
    const settings = await api.updateSettings(change);
    if (api === this.#api) this.#settings = settings;
    return settings;
  }
}
