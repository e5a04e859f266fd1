/** The node's settings (getSettings), kept live by `node.settings_changed`. */
import type { NodeApi } from '../../../core/api/methods';
import type { NodeEvent } from '../../../core/api/events';
import type { SettingName, SettingsInfo, UpdateSettingsParams } from '../../../core/api/settings';
import { LiveState } from './live.svelte';

export class SettingsState extends LiveState {
  #settings = $state.raw<SettingsInfo | null>(null);
  #lastChange = $state.raw<{ readonly changed: readonly SettingName[]; readonly time: number } | null>(null);

  constructor() {
    super(0); // a settings change is shown at once
  }

  get settings(): SettingsInfo | null {
    return this.#settings;
  }

  /** The latest change the node reported (by this window or another client). */
  get lastChange(): { readonly changed: readonly SettingName[]; readonly time: number } | null {
    return this.#lastChange;
  }

  protected accepts(event: NodeEvent): boolean {
    return event.type === 'node.settings_changed';
  }

  protected async load(api: NodeApi): Promise<(early: readonly NodeEvent[]) => void> {
    const settings = await api.getSettings({});
    // Changes reported while loading are older than or equal to the snapshot: it wins.
    return () => {
      this.#settings = settings;
    };
  }

  protected apply(batch: readonly NodeEvent[]): void {
    for (const event of batch) {
      if (event.type !== 'node.settings_changed') continue;
      this.#settings = event.settings;
      this.#lastChange = { changed: event.changed, time: event.time };
    }
  }

  /** Saves a change; the node answers with the settings now in force. */
  async update(change: UpdateSettingsParams): Promise<SettingsInfo> {
    const api = this.api;
    if (!api) throw new Error('Not connected to the node.');
    const settings = await api.updateSettings(change);
    if (this.isCurrent(api)) this.#settings = settings;
    return settings;
  }
}
