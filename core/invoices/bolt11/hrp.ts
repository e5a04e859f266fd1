/**
 * The human-readable part: `ln` + currency prefix, then an optional amount with an optional
 * multiplier (BOLT 11 "Human-Readable Part"). Amounts are millisatoshi (1 BTC = 10^11 msat).
 */
import { Bolt11ParseError, Bolt11SemanticError } from './errors';

/** The networks BOLT 11 (and the implementations that pay on them) name. */
export type Bolt11Network = 'mainnet' | 'testnet' | 'signet' | 'regtest' | 'simnet';

/**
 * `ln` + BIP-0173 currency prefix: "lnbc for Bitcoin mainnet, lntb for Bitcoin testnet, lntbs for
 * Bitcoin signet, and lnbcrt for Bitcoin regtest"; lnsb is btcd's simnet (as LND writes it).
 * testnet4 shares testnet's prefix.
 */
export const BOLT11_CURRENCIES: Readonly<Record<Bolt11Network, string>> = Object.freeze({
  mainnet: 'bc',
  testnet: 'tb',
  signet: 'tbs',
  regtest: 'bcrt',
  simnet: 'sb',
});

const NETWORK_OF_CURRENCY: ReadonlyMap<string, Bolt11Network> = new Map(
  Object.entries(BOLT11_CURRENCIES).map(([network, currency]) => [currency, network as Bolt11Network]),
);

/** The multiplier letters and the msat in one unit of each ('p' is a tenth of a msat). */
export type Bolt11Multiplier = 'm' | 'u' | 'n' | 'p';
const MSAT_PER_BTC = 100_000_000_000n;
const MSAT_PER: Readonly<Record<Exclude<Bolt11Multiplier, 'p'>, bigint>> = { m: 100_000_000n, u: 100_000n, n: 100n };

/** The most msat an invoice may ask for here: HTLC amounts are u64. */
export const MAX_AMOUNT_MSAT = (1n << 64n) - 1n;
/** More digits than any amount up to MAX_AMOUNT_MSAT in pico-bitcoin needs; bounds BigInt parsing. */
const MAX_AMOUNT_DIGITS = 22;

export interface Bolt11Hrp {
  readonly network: Bolt11Network;
  /** `ln` + currency, e.g. `lnbc`. */
  readonly prefix: string;
  /** Undefined when the invoice has no amount (reader: "SHOULD indicate to the payer that amount is unspecified"). */
  readonly amountMsat: bigint | undefined;
}

/** Parses a lower-case human-readable part. Throws `Bolt11ParseError`. */
export function parseHrp(hrp: string): Bolt11Hrp {
  const m = /^ln([a-z]*)(.*)$/.exec(hrp);
  const network = m ? NETWORK_OF_CURRENCY.get(m[1]!) : undefined;
  // Reader: "if it does NOT understand the prefix: MUST fail the payment."
  if (!m || !network) throw new Bolt11ParseError('bolt11.unknown_network', `unknown prefix "${m ? 'ln' + m[1]! : hrp.slice(0, 12)}"`);
  const prefix = `ln${m[1]!}`;
  const amountText = m[2]!;
  if (amountText === '') return { network, prefix, amountMsat: undefined };
  return { network, prefix, amountMsat: parseAmount(amountText) };
}

function parseAmount(text: string): bigint {
  const m = /^([0-9]+)([a-z]?)$/.exec(text);
  // Reader: "if amount contains a non-digit OR is followed by anything except a multiplier: MUST fail".
  if (!m) throw new Bolt11ParseError('bolt11.invalid_amount', `amount "${text.slice(0, 30)}" is not digits and a multiplier`);
  const digits = m[1]!;
  const multiplier = m[2]!;
  if (multiplier !== '' && multiplier !== 'm' && multiplier !== 'u' && multiplier !== 'n' && multiplier !== 'p') {
    throw new Bolt11ParseError('bolt11.invalid_multiplier', `"${multiplier}" is not a multiplier (m, u, n or p)`);
  }
  // Writer: "MUST encode amount as a positive decimal integer with no leading 0s" — a string that
  // breaks it has no single meaning we could write back, so we refuse it as well.
  if (digits[0] === '0') throw new Bolt11ParseError('bolt11.invalid_amount', `amount "${digits.slice(0, 30)}" is zero or has a leading 0`);
  if (digits.length > MAX_AMOUNT_DIGITS) throw new Bolt11ParseError('bolt11.amount_too_large');
  const value = BigInt(digits);
  let msat: bigint;
  if (multiplier === '') msat = value * MSAT_PER_BTC;
  else if (multiplier === 'p') {
    // Reader: "if multiplier is p and the last decimal of amount is not 0: MUST fail the payment."
    if (value % 10n !== 0n) throw new Bolt11ParseError('bolt11.sub_millisatoshi_amount');
    msat = value / 10n;
  } else msat = value * MSAT_PER[multiplier];
  if (msat > MAX_AMOUNT_MSAT) throw new Bolt11ParseError('bolt11.amount_too_large');
  return msat;
}

/**
 * The amount text for `msat`. Writer: "SHOULD use the shortest representation possible, by using
 * the largest multiplier or omitting the multiplier"; "If the p multiplier is used the last
 * decimal of amount MUST be 0" (it always is: msat × 10).
 */
export function formatAmount(msat: bigint): string {
  if (typeof msat !== 'bigint' || msat <= 0n || msat > MAX_AMOUNT_MSAT) {
    throw new Bolt11SemanticError('bolt11.writer.invalid_parameter', 'amount_msat must be a bigint in 1..2^64-1 (writer: a positive amount)');
  }
  if (msat % MSAT_PER_BTC === 0n) return (msat / MSAT_PER_BTC).toString();
  for (const letter of ['m', 'u', 'n'] as const) {
    if (msat % MSAT_PER[letter] === 0n) return (msat / MSAT_PER[letter]).toString() + letter;
  }
  return (msat * 10n).toString() + 'p';
}

/** The human-readable part for a network and an optional amount. */
export function formatHrp(network: Bolt11Network, amountMsat: bigint | undefined): string {
  const currency = BOLT11_CURRENCIES[network];
  if (currency === undefined) throw new Bolt11SemanticError('bolt11.writer.invalid_parameter', `unknown network "${String(network)}"`);
  // Writer: "MUST encode prefix using the currency required for successful payment."
  return `ln${currency}` + (amountMsat === undefined ? '' : formatAmount(amountMsat));
}

/**
 * True when `s` starts like a BOLT 11 invoice: `ln` + a known currency, then an amount digit or
 * the separator. (BOLT 12's lno/lnr/lni never match.) An optional `lightning:` URI scheme is allowed.
 */
export function looksLikeBolt11(s: string): boolean {
  const m = /^(?:lightning:)?ln([a-z]+)[0-9]/i.exec(s.trimStart());
  return m !== null && NETWORK_OF_CURRENCY.has(m[1]!.toLowerCase());
}
