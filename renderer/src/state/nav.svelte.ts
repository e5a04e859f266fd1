/**
 * The sidebar's state: the window width (followed live), the remembered choice for wide windows,
 * and whether it is opened over the page in a narrow one. The mode itself is lib/layout.ts's.
 */
import { isNarrow, isNavPreference, navMode, toggledNav, type NavMode, type NavPreference } from '../lib/layout';

const STORAGE_KEY = 'glasswing.sidebar';

function stored(): NavPreference {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return isNavPreference(value) ? value : 'expanded';
  } catch {
    return 'expanded';
  }
}

export class NavState {
  #width = $state(window.innerWidth);
  #preference = $state<NavPreference>(stored());
  #open = $state(false);
  readonly #mode = $derived<NavMode>(navMode({ width: this.#width, preference: this.#preference, open: this.#open }));

  get mode(): NavMode {
    return this.#mode;
  }

  toggle(): void {
    const next = toggledNav({ width: this.#width, preference: this.#preference, open: this.#open });
    this.#open = next.open;
    if (next.preference !== this.#preference) {
      this.#preference = next.preference;
      try {
        window.localStorage.setItem(STORAGE_KEY, next.preference);
      } catch {
        /* storage unavailable: the choice lasts for this window */
      }
    }
  }

  /** Closes the sidebar opened over the page (after navigating, Escape, a click outside). */
  close(): void {
    this.#open = false;
  }

  /** Follows the window's width; returns the cleanup. */
  start(): () => void {
    const onResize = () => {
      this.#width = window.innerWidth;
      if (!isNarrow(this.#width)) this.#open = false;
    };
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }
}
