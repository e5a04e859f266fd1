/**
 * Formatters for what the UI shows: counts, sizes, durations, relative times, ids. Pure
 * functions of their inputs (the current time is always passed in), so views stay predictable
 * and tests need no clock.
 */

const COUNT = new Intl.NumberFormat('en-US');
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** Bytes with SI units: `512 B`, `1.5 kB`, `12.0 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${ONE_DECIMAL.format(value)} ${units[unit]}`;
}

/** Units a size may be stated in exactly, largest first (binary before decimal at each step). */
const EXACT_UNITS: readonly (readonly [string, number])[] = [
  ['GiB', 2 ** 30], ['GB', 1e9], ['MiB', 2 ** 20], ['MB', 1e6], ['KiB', 1024], ['kB', 1000],
];

/** A size in the largest unit that states it exactly (`262144` → `256 KiB`, `1000000` → `1 MB`), or null. */
export function exactSize(bytes: number): string | null {
  if (!Number.isSafeInteger(bytes) || bytes < 0) return null;
  for (const [unit, size] of EXACT_UNITS) if (bytes >= size && bytes % size === 0) return `${formatCount(bytes / size)} ${unit}`;
  return bytes < 1000 ? `${bytes} B` : null;
}

/**
 * A configured size (a limit or quota someone typed): exact in its own unit when it has one, so
 * "512 KiB" reads back as "512 KiB", not "524.3 kB"; otherwise about, in SI units.
 */
export function formatSize(bytes: number): string {
  return exactSize(bytes) ?? formatBytes(bytes);
}

/** A round-trip time: `<1 ms`, `42 ms`, `1.3 s`. */
export function formatRtt(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${ONE_DECIMAL.format(ms / 1000)} s`;
}

/** A duration, coarse and short: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `time` was, relative to `now`: `just now`, `12 s ago`, `5 min ago`, `3 h ago`. */
export function formatRelative(time: number, now: number): string {
  const ms = now - time;
  if (ms < 5000) return 'just now';
  return `${formatDuration(ms).split(' ').slice(0, 2).join(' ')} ago`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local wall-clock time with seconds: `14:03:27`. */
export function formatClock(time: number): string {
  const d = new Date(time);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local date and time for tooltips: `2025-11-21 14:03:27`. */
export function formatTimestamp(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(time)}`;
}

/**
 * Shortens a long id in the middle, keeping both ends recognisable:
 * `middleEllipsis('02abcdef…', 6, 6)` → `02abcd…89abcd`. Ids short enough are returned whole.
 */
export function middleEllipsis(text: string, head: number, tail: number): string {
  if (text.length <= head + tail + 1) return text;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}

/** `option_data_loss_protect` → `data loss protect`; `var_onion_optin` → `var onion optin`. */
export function featureLabel(name: string): string {
  return name.replace(/^option_/, '').replace(/_/g, ' ');
}

/** `"1 peer"`, `"3 peers"`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
