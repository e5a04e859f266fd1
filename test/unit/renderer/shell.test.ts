import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, reconnectDelay } from '../../../renderer/src/lib/backoff';
import { PAGES, PAGE_IDS, hashFor, pageFromHash, pageInfo, subPathFromHash } from '../../../renderer/src/lib/routes';
import { SHORTCUT_HELP, shortcutFor, type KeyInput } from '../../../renderer/src/lib/shortcuts';
import { resolveTheme, toggledTheme, isThemePreference } from '../../../renderer/src/lib/theme';
import { seriesColor, PALETTE_SIZE } from '../../../renderer/src/lib/palette';
import { NARROW_WINDOW_PX, navExpanded, navMode, toggledNav, type NavInput } from '../../../renderer/src/lib/layout';

const key = (k: string, over: Partial<KeyInput> = {}): KeyInput => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, editing: false, ...over });

describe('routes', () => {
  it('has one page per id, each with its own key and hash', () => {
    expect(PAGES.map((p) => p.id)).toEqual([...PAGE_IDS]);
    expect(new Set(PAGES.map((p) => p.key)).size).toBe(PAGES.length);
    expect(new Set(PAGES.map((p) => p.hash)).size).toBe(PAGES.length);
    for (const p of PAGES) expect(pageFromHash(p.hash)).toBe(p.id);
  });

  it('opens the Overview for empty or unknown hashes, and ignores query and sub-paths', () => {
    expect(pageFromHash('')).toBe('overview');
    expect(pageFromHash('#')).toBe('overview');
    expect(pageFromHash('#/nothing-here')).toBe('overview');
    expect(pageFromHash('#/peers/02ab')).toBe('peers');
    expect(pageFromHash('#/settings?x=1')).toBe('settings');
    expect(pageInfo('lab').title).toBe('Channel lab');
  });

  it('maps any hash to a known page (property)', () => {
    fc.assert(fc.property(fc.string(), (h) => (PAGE_IDS as readonly string[]).includes(pageFromHash(h))));
  });
});

describe('sub-paths', () => {
  it('opens a page on something inside it, and reads it back', () => {
    const id = 'ab'.repeat(32);
    expect(hashFor('channels', id)).toBe(`#/channels/${id}`);
    expect(hashFor('channels')).toBe('#/channels');
    expect(subPathFromHash(`#/channels/${id}`)).toBe(id);
    expect(subPathFromHash('#/channels')).toBe('');
    expect(subPathFromHash('#/offers/a b?x=1')).toBe('a b');
    expect(pageFromHash(hashFor('channels', id))).toBe('channels');
  });

  it('round-trips any sub-path through the hash (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PAGE_IDS), fc.string({ maxLength: 20 }), (page, sub) => {
        const hash = hashFor(page, sub);
        return pageFromHash(hash) === page && subPathFromHash(hash) === sub;
      }),
    );
  });
});

describe('keyboard shortcuts', () => {
  it('opens pages with their digit, toggles the theme with t and shows help with ?', () => {
    expect(shortcutFor(key('2'))).toEqual({ kind: 'page', page: 'peers' });
    expect(shortcutFor(key('6'))).toEqual({ kind: 'page', page: 'wallet' });
    expect(shortcutFor(key('8'))).toEqual({ kind: 'page', page: 'settings' });
    expect(shortcutFor(key('t'))).toEqual({ kind: 'toggle_theme' });
    expect(shortcutFor(key('?'))).toEqual({ kind: 'show_help' });
    expect(shortcutFor(key('x'))).toBeNull();
  });

  it('never acts while typing in a field or with a modifier held', () => {
    expect(shortcutFor(key('2', { editing: true }))).toBeNull();
    expect(shortcutFor(key('t', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('1', { altKey: true }))).toBeNull();
    expect(shortcutFor(key('?', { metaKey: true }))).toBeNull();
  });

  it('lists every page shortcut in the help', () => {
    for (const p of PAGES) expect(SHORTCUT_HELP.some((h) => h.keys === p.key && h.does.includes(p.title))).toBe(true);
  });
});

describe('themes', () => {
  it('follows the OS unless the user picked a theme', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('toggles to the other theme, and back to following the OS when that matches it', () => {
    expect(toggledTheme('system', false)).toBe('dark');
    expect(toggledTheme('dark', false)).toBe('system');
    expect(toggledTheme('system', true)).toBe('light');
    expect(toggledTheme('light', true)).toBe('system');
    expect(toggledTheme('light', false)).toBe('dark');
  });

  it('always changes what is shown (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('system', 'light', 'dark' as const), fc.boolean(), (pref, os) => resolveTheme(toggledTheme(pref, os), os) !== resolveTheme(pref, os)),
    );
  });

  it('recognises stored preferences and nothing else', () => {
    expect(isThemePreference('dark')).toBe(true);
    expect(isThemePreference('blue')).toBe(false);
    expect(isThemePreference(null)).toBe(false);
  });

  it('gives series colours per theme, cycling through the palette', () => {
    expect(seriesColor(0, 'light')).not.toBe(seriesColor(0, 'dark'));
    expect(seriesColor(PALETTE_SIZE, 'light')).toBe(seriesColor(0, 'light'));
    expect(new Set(Array.from({ length: PALETTE_SIZE }, (_, i) => seriesColor(i, 'dark'))).size).toBe(PALETTE_SIZE);
  });
});

describe('reconnect backoff', () => {
  it('doubles from half a second up to 15 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelay(n, 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
    expect(reconnectDelay(1_000_000, 0.5)).toBe(BACKOFF_MAX_MS);
  });

  it('jitters by at most 20 % and never exceeds the cap (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const d = reconnectDelay(n, r);
        const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
        return d >= Math.floor(base * 0.8) && d <= Math.min(BACKOFF_MAX_MS, Math.ceil(base * 1.2));
      }),
    );
  });
});

describe('sidebar layout', () => {
  const wide = (over: Partial<NavInput> = {}): NavInput => ({ width: 1280, preference: 'expanded', open: false, ...over });

  it('is in full in a wide window, a rail in a narrow one, and opens over the page from the rail', () => {
    expect(navMode(wide())).toBe('full');
    expect(navMode(wide({ width: 800 }))).toBe('rail');
    expect(navMode(wide({ width: NARROW_WINDOW_PX - 1 }))).toBe('rail');
    expect(navMode(wide({ width: NARROW_WINDOW_PX }))).toBe('full');
    expect(navMode(toggledNav(wide({ width: 800 })))).toBe('overlay');
    expect(navMode(toggledNav(toggledNav(wide({ width: 800 }))))).toBe('rail');
  });

  it('collapses to the rail in a wide window when asked, and remembers it', () => {
    const collapsed = toggledNav(wide());
    expect(collapsed.preference).toBe('collapsed');
    expect(navMode(collapsed)).toBe('rail');
    expect(navMode(toggledNav(collapsed))).toBe('full');
    // A narrow window does not change the remembered choice.
    expect(toggledNav(wide({ width: 700 })).preference).toBe('expanded');
  });

  it('says whether the names show (aria-expanded) for any state (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 4000 }), fc.constantFrom('expanded' as const, 'collapsed' as const), fc.boolean(), (width, preference, open) => {
        const mode = navMode({ width, preference, open });
        expect(navExpanded(mode)).toBe(mode !== 'rail');
        // The toggle always changes what is shown.
        expect(navMode(toggledNav({ width, preference, open }))).not.toBe(mode);
      }),
    );
  });
});
