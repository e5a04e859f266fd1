/** Remembers the window's size and position between runs (a small JSON file in the data directory). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BOUNDS, type WindowBounds } from './security';

export const WINDOW_STATE_FILE = 'window-state.json';

export function loadWindowBounds(datadir: string): WindowBounds {
  try {
    const v = JSON.parse(readFileSync(join(datadir, WINDOW_STATE_FILE), 'utf8')) as Partial<WindowBounds>;
    const ok = (n: unknown, min: number) => typeof n === 'number' && Number.isFinite(n) && n >= min && n < 100_000;
    if (!ok(v.width, 400) || !ok(v.height, 300)) return DEFAULT_BOUNDS;
    return {
      width: v.width!,
      height: v.height!,
      ...(ok(v.x, -100_000) && ok(v.y, -100_000) ? { x: v.x!, y: v.y! } : {}),
    };
  } catch {
    return DEFAULT_BOUNDS;
  }
}

export function saveWindowBounds(datadir: string, bounds: WindowBounds): void {
  try {
    writeFileSync(join(datadir, WINDOW_STATE_FILE), JSON.stringify(bounds) + '\n', { mode: 0o600 });
  } catch {
    /* not worth failing a shutdown over */
  }
}
