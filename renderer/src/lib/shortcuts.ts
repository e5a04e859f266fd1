/**
 * Keyboard shortcuts: digits open pages, `t` toggles the theme, `?` lists the shortcuts.
 * Single keys only act when focus is not in a text field and no modifier is held, so they
 * never steal typing or browser/OS shortcuts.
 */
import { PAGES, type PageId } from './routes';

export type ShortcutAction =
  | { readonly kind: 'page'; readonly page: PageId }
  | { readonly kind: 'toggle_theme' }
  | { readonly kind: 'show_help' };

export interface KeyInput {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  /** Focus is in an input, textarea, select or contenteditable element. */
  readonly editing: boolean;
}

export interface ShortcutHelp {
  readonly keys: string;
  readonly does: string;
}

export const SHORTCUT_HELP: readonly ShortcutHelp[] = [
  ...PAGES.map((p) => ({ keys: p.key, does: `Open ${p.title}` })),
  { keys: 't', does: 'Switch between light and dark theme' },
  { keys: '?', does: 'Show these shortcuts' },
  { keys: 'Tab / Shift+Tab', does: 'Move between controls' },
  { keys: 'Esc', does: 'Close a dialog' },
];

export function shortcutFor(input: KeyInput): ShortcutAction | null {
  if (input.editing || input.ctrlKey || input.metaKey || input.altKey) return null;
  const page = PAGES.find((p) => p.key === input.key);
  if (page) return { kind: 'page', page: page.id };
  if (input.key === 't' || input.key === 'T') return { kind: 'toggle_theme' };
  if (input.key === '?') return { kind: 'show_help' };
  return null;
}
