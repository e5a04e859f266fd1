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
