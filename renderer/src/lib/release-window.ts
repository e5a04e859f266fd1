/**
 * The async release window in Settings: how long a payment held for an offline recipient waits for
 * its `release_held_htlc` before it is failed back (an LSP's held HTLCs; a payer's own held
 * payments). Typed as a duration ("90 s", "30 min", "24 h", "7 d"), checked against the node's
 * bounds (`RELEASE_WINDOW_SECONDS`, as core/node checks it), applied by the node at once. Pure.
 */
import type { AsyncSettingsInfo, UpdateSettingsParams } from '../../../core/api/settings';
import { RELEASE_WINDOW_SECONDS } from '../../../core/api/settings';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** The unit a word stands for: s, m, h or d (none: seconds). */
function unitOf(word: string): string | null {
  if (word === '' || /^(s|secs?|seconds?)$/.test(word)) return 's';
  if (/^(m|mins?|minutes?)$/.test(word)) return 'm';
  if (/^(h|hrs?|hours?)$/.test(word)) return 'h';
  if (/^(d|days?)$/.test(word)) return 'd';
  return null;
}

/** A duration as typed (`3600`, `90 s`, `30 min`, `1.5 h`, `7 days`) in whole seconds, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^\s*([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = unitOf(m[2]!.toLowerCase());
  if (!unit) return null;
  const seconds = Number(m[1]) * UNIT_SECONDS[unit]!;
  // 1.5 h is 5400 s; 1.5 s is not a whole number of seconds.
  return Number.isSafeInteger(seconds) ? seconds : null;
}

/** Seconds in words: `45 s`, `90 min` → `1 h 30 min`, `24 h`, `7 days`, `1 day 2 h`. */
export function describeWindow(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [d ? `${d} ${d === 1 ? 'day' : 'days'}` : '', h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

/** The text a form starts from: the window in force, in its largest whole unit (`24 h`, `90 min`, `45 s`). */
export function windowDraft(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export interface ReleaseWindowCheck {
  /** What is wrong with the text, or null. */
  readonly problem: string | null;
  /** The `updateSettings` change; null when there is a problem or nothing changes. */
  readonly change: Pick<UpdateSettingsParams, 'async'> | null;
  readonly seconds: number | null;
}

/**
 * The typed window checked against the node's bounds. `savedForLater`: a window this form saved while the command line's
 * wins (the node does not report it, and the window in force stays the command line's): the same again is no change.
 */
export function checkReleaseWindow(text: string, info: Pick<AsyncSettingsInfo, 'releaseWindowSeconds'>, savedForLater: number | null = null): ReleaseWindowCheck {
  const { min, max } = RELEASE_WINDOW_SECONDS;
  const seconds = parseDuration(text);
  if (seconds === null) {
    return { problem: text.trim() === '' ? 'How long a held payment waits, e.g. 24 h, 30 min or 7 d.' : 'A duration such as 90 s, 30 min, 24 h or 7 d (a number alone is seconds).', change: null, seconds: null };
  }
  if (seconds < min || seconds > max) {
    return { problem: `From ${describeWindow(min)} to ${describeWindow(max)} (${min} to ${max} seconds); this is ${describeWindow(seconds)}.`, change: null, seconds };
  }
  return { problem: null, change: seconds === info.releaseWindowSeconds || seconds === savedForLater ? null : { async: { releaseWindowSeconds: seconds } }, seconds };
}

/** Where the window in force comes from, in words. */
export function windowSourceText(info: Pick<AsyncSettingsInfo, 'releaseWindowSource'>): string {
  switch (info.releaseWindowSource) {
    case 'command-line': return 'set on the command line';
    case 'saved': return 'saved in the config file';
    case 'default': return 'the default';
  }
}

/** What the page says once a window is saved: applied at once, or saved under the command line's. */
export function windowSavedText(info: Pick<AsyncSettingsInfo, 'releaseWindowSeconds' | 'releaseWindowSource'>, saved: number): string {
  if (info.releaseWindowSource === 'command-line') {
    return `Saved ${describeWindow(saved)} in the config file. The command line (--async-release-window-seconds) sets ${describeWindow(info.releaseWindowSeconds)} for this run and wins at the next start too: start the node without that option to use the saved window.`;
  }
  return `Applied: payments held from now on wait up to ${describeWindow(info.releaseWindowSeconds)} for their release. Payments already held keep the window they were given.`;
}
