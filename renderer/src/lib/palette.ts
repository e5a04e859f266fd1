/**
 * Series colours for charts and their legends, by first-seen index, per theme. Chosen to be
 * told apart from each other and to keep at least 3:1 contrast with the card background.
 */
import type { Theme } from './theme';

const LIGHT = ['#4f46e5', '#0f8a7e', '#c2700a', '#c8307a', '#0277b8', '#5c8a12', '#8b3fd1', '#cf3b32'];
const DARK = ['#8b93f8', '#2fc9b4', '#f0b43c', '#f07ab5', '#4cb8f0', '#9fd34a', '#be8cf5', '#f2857b'];

export function seriesColor(index: number, theme: Theme): string {
  const palette = theme === 'dark' ? DARK : LIGHT;
  return palette[((index % palette.length) + palette.length) % palette.length]!;
}

export const PALETTE_SIZE = LIGHT.length;

/** Colours with a meaning: what happened to an onion message. */
const OUTCOME_COLORS: Readonly<Record<string, readonly [light: string, dark: string]>> = {
  delivered: ['#177245', '#52c98b'],
  forwarded: ['#0277b8', '#4cb8f0'],
  sent: ['#4f46e5', '#8b93f8'],
  replied: ['#0f8a7e', '#2fc9b4'],
  mailbox_stored: ['#c2700a', '#f0b43c'],
  mailbox_forwarded: ['#8b3fd1', '#be8cf5'],
  mailbox_expired: ['#6b7280', '#9aa3af'],
  dropped: ['#cf3b32', '#f2857b'],
};

export function outcomeColor(outcome: string, theme: Theme): string {
  const pair = OUTCOME_COLORS[outcome];
  if (!pair) return theme === 'dark' ? '#9aa3af' : '#6b7280';
  return theme === 'dark' ? pair[1] : pair[0];
}
