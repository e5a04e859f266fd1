/**
 * Tiny benchmark helpers. Benchmarks compare things measured side by side in the same run
 * (ratios), because absolute numbers on shared machines are noisy.
 */
export interface Measurement {
  readonly name: string;
  readonly opsPerSec: number;
  readonly iterations: number;
  readonly seconds: number;
}

/** Runs `fn` repeatedly for about `seconds` (after a short warm-up) and reports ops/s. */
export function measure(name: string, fn: () => void, seconds = 1): Measurement {
  const warmUntil = performance.now() + 100;
  while (performance.now() < warmUntil) fn();
  let iterations = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 8; i++) fn();
    iterations += 8;
    now = performance.now();
  }
  const elapsed = (now - start) / 1000;
  return { name, opsPerSec: iterations / elapsed, iterations, seconds: elapsed };
}

/** Async variant for operations that await (network round trips). */
export async function measureAsync(name: string, fn: () => Promise<void>, seconds = 1): Promise<Measurement> {
  let iterations = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    await fn();
    iterations++;
    now = performance.now();
  }
  const elapsed = (now - start) / 1000;
  return { name, opsPerSec: iterations / elapsed, iterations, seconds: elapsed };
}

/** Percentile (0..100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** Prints rows as an aligned table. */
export function printTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r.map(String)));
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}
