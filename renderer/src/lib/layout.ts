/**
 * How the sidebar is drawn for a window width: in full (icons and names), as a rail of icons, or
 * opened over the page from the rail. Narrow windows get the rail, so the page keeps its width;
 * in wide ones the person may still collapse it. The toggle means "show me more / less" in both.
 */

/** Below this window width (CSS px) the sidebar is a rail unless opened over the page. */
export const NARROW_WINDOW_PX = 960;

/** The remembered choice for wide windows. */
export type NavPreference = 'expanded' | 'collapsed';
export type NavMode = 'full' | 'rail' | 'overlay';

export interface NavInput {
  readonly width: number;
  readonly preference: NavPreference;
  /** Opened over the page (narrow windows only). */
  readonly open: boolean;
}

export function isNarrow(width: number): boolean {
  return width < NARROW_WINDOW_PX;
}

export function navMode(s: NavInput): NavMode {
  if (isNarrow(s.width)) return s.open ? 'overlay' : 'rail';
  return s.preference === 'collapsed' ? 'rail' : 'full';
}

/** The state after pressing the toggle: wide windows flip the remembered choice, narrow ones the overlay. */
export function toggledNav(s: NavInput): NavInput {
  if (isNarrow(s.width)) return { ...s, open: !s.open };
  return { ...s, preference: s.preference === 'collapsed' ? 'expanded' : 'collapsed', open: false };
}

/** Whether the names next to the icons are visible (the toggle's `aria-expanded`). */
export function navExpanded(mode: NavMode): boolean {
  return mode !== 'rail';
}

export function isNavPreference(v: unknown): v is NavPreference {
  return v === 'expanded' || v === 'collapsed';
}
