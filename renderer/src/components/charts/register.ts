/**
 * Chart.js with only the parts our charts use registered (the rest is tree-shaken away).
 * Every chart kind has one wrapper component in this folder.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export { Chart };

/** Colours and fonts charts take from the current theme's CSS variables. */
export function chartTheme(): { text: string; grid: string; axis: string; font: string; surface: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return { text: v('--text-3'), grid: v('--chart-grid'), axis: v('--chart-axis'), font: v('--font-sans'), surface: v('--surface-3') };
}
