/**
 * Amounts as the UI shows and reads them. The node speaks millisatoshi as decimal strings
 * (core/api); people think in satoshi. Formatting is exact (bigint, no floating point), and
 * parsing says what is wrong with a half-typed amount instead of guessing.
 */

/** BOLT 12 amounts are `tu64` (BOLT 1): at most 2^64 - 1 msat. */
export const MAX_MSAT = (1n << 64n) - 1n;

export type AmountUnit = 'sat' | 'msat';

export type AmountCheck =
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'valid'; readonly msat: bigint };

const GROUP = new Intl.NumberFormat('en-US', { useGrouping: true });

/** `1234567n` → `1,234,567` (exact for any size). */
export function groupDigits(n: bigint): string {
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString();
  // Intl handles bigint exactly; keep a fallback for engines without it.
  let out: string;
  try {
    out = GROUP.format(negative ? -n : n);
  } catch {
    out = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }
  return negative ? `-${out}` : out;
}

function toBigInt(msat: string | bigint): bigint | null {
  if (typeof msat === 'bigint') return msat;
  return /^-?[0-9]+$/.test(msat) ? BigInt(msat) : null;
}

/**
 * Millisatoshi as satoshi: `10000000` → `10,000 sat`, `1500` → `1.5 sat`, `1` → `0.001 sat`.
 * Anything that is not an integer string is returned as given.
 */
export function formatMsat(msat: string | bigint): string {
  const v = toBigInt(msat);
  if (v === null) return String(msat);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const sat = abs / 1000n;
  const frac = abs % 1000n;
  const fracText = frac === 0n ? '' : `.${frac.toString().padStart(3, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}${groupDigits(sat)}${fracText} sat`;
}

/** Satoshi (a decimal string or bigint): `10000000` → `10,000,000 sat`. */
export function formatSat(sat: string | bigint): string {
  const v = toBigInt(sat);
  return v === null ? String(sat) : `${groupDigits(v)} sat`;
}

/** Exact msat with grouping, for tooltips: `12,345,678 msat`. */
export function formatMsatExact(msat: string | bigint): string {
  const v = toBigInt(msat);
  return v === null ? String(msat) : `${groupDigits(v)} msat`;
}

/**
 * Reads an amount as typed, in `unit`. Accepts digit grouping with `,`, `_` or spaces, and up to
 * three decimals for satoshi (1 sat = 1,000 msat). Never throws.
 */
export function parseAmount(text: string, unit: AmountUnit): AmountCheck {
  const t = text.trim().replace(/[\s_,]/g, '');
  if (t === '') return { kind: 'empty' };
  if (t.startsWith('-')) return { kind: 'invalid', reason: 'An amount cannot be negative.' };
  if (!/^[0-9]*\.?[0-9]*$/.test(t) || t === '.') return { kind: 'invalid', reason: 'Only digits (and one decimal point for satoshi).' };
  const [whole = '', frac = ''] = t.split('.');
  if (t.includes('.') && unit === 'msat') return { kind: 'invalid', reason: 'Millisatoshi are whole numbers.' };
  if (frac.length > 3) return { kind: 'invalid', reason: 'At most three decimals: 1 sat is 1,000 msat.' };
  if (whole.length > 21) return { kind: 'invalid', reason: 'That is more than any amount a BOLT 12 message can carry.' };
  const msat = unit === 'msat' ? BigInt(whole || '0') : BigInt(whole || '0') * 1000n + BigInt((frac + '000').slice(0, 3));
  if (msat > MAX_MSAT) return { kind: 'invalid', reason: 'That is more than any amount a BOLT 12 message can carry (2^64 - 1 msat).' };
  return { kind: 'valid', msat };
}

/** The share `part / whole` in [0, 1] (0 when `whole` is not positive). */
export function fraction(part: string | bigint, whole: string | bigint): number {
  const p = toBigInt(part) ?? 0n;
  const w = toBigInt(whole) ?? 0n;
  if (w <= 0n || p <= 0n) return 0;
  if (p >= w) return 1;
  // Scale before dividing so large msat values keep their precision.
  return Number((p * 1_000_000n) / w) / 1_000_000;
}
