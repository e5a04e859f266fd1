/** Light and dark themes: follow the OS unless the user picked one. */

export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_PREFERENCES: readonly ThemePreference[] = ['system', 'light', 'dark'];

export function isThemePreference(value: unknown): value is ThemePreference {
  return typeof value === 'string' && (THEME_PREFERENCES as readonly string[]).includes(value);
}

export function resolveTheme(preference: ThemePreference, systemDark: boolean): Theme {
  if (preference === 'system') return systemDark ? 'dark' : 'light';
  return preference;
}

/**
 * The preference after the theme toggle: the other theme; and when that is what the OS uses,
 * back to following the OS.
 */
export function toggledTheme(preference: ThemePreference, systemDark: boolean): ThemePreference {
  const next: Theme = resolveTheme(preference, systemDark) === 'dark' ? 'light' : 'dark';
  return next === resolveTheme('system', systemDark) ? 'system' : next;
}
