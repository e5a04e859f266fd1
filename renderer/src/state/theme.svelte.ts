/** The theme preference (remembered), the OS preference (followed live), and the theme in use. */
import { isThemePreference, resolveTheme, toggledTheme, type Theme, type ThemePreference } from '../lib/theme';

const STORAGE_KEY = 'glasswing.theme';

function stored(): ThemePreference {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return isThemePreference(value) ? value : 'system';
  } catch {
    return 'system';
  }
}

export class ThemeState {
  #preference = $state<ThemePreference>(stored());
  #systemDark = $state(window.matchMedia('(prefers-color-scheme: dark)').matches);
  readonly #theme = $derived<Theme>(resolveTheme(this.#preference, this.#systemDark));

  get preference(): ThemePreference {
    return this.#preference;
  }

  get theme(): Theme {
    return this.#theme;
  }

  set preference(value: ThemePreference) {
    this.#preference = value;
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch {
      /* storage unavailable: the choice lasts for this window */
    }
  }

  toggle(): void {
    this.preference = toggledTheme(this.#preference, this.#systemDark);
  }

  /** Follows the OS setting and applies the theme to the document; returns the cleanup. */
  start(): () => void {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = (e: MediaQueryListEvent) => (this.#systemDark = e.matches);
    query.addEventListener('change', onChange);
    const stopApplying = $effect.root(() => {
      $effect(() => {
        document.documentElement.dataset.theme = this.#theme;
      });
    });
    return () => {
      query.removeEventListener('change', onChange);
      stopApplying();
    };
  }
}
