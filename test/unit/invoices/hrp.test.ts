import { describe, expect, it } from 'vitest';
import { BOLT11_CURRENCIES, MAX_AMOUNT_MSAT, formatAmount, formatHrp, looksLikeBolt11, parseHrp } from '../../../core/invoices';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('human-readable part', () => {
  it('knows the prefix of each network and no other', () => {
    expect(parseHrp('lnbc')).toEqual({ network: 'mainnet', prefix: 'lnbc', amountMsat: undefined });
    expect(parseHrp('lntb').network).toBe('testnet');
    expect(parseHrp('lntbs').network).toBe('signet');
    expect(parseHrp('lnbcrt').network).toBe('regtest');
    expect(parseHrp('lnsb').network).toBe('simnet');
    expect(parseHrp('lntbs10u')).toMatchObject({ network: 'signet', amountMsat: 1_000_000n });
    for (const bad of ['lnxy', 'lnbcx', 'ln', 'bc', 'lno', 'xlnbc', 'lnb']) expect(code(() => parseHrp(bad))).toBe('bolt11.unknown_network');
  });

  it('multiplies the amount by its multiplier (1 BTC = 10^11 msat)', () => {
    expect(parseHrp('lnbc1').amountMsat).toBe(100_000_000_000n);
    expect(parseHrp('lnbc25m').amountMsat).toBe(2_500_000_000n);
    expect(parseHrp('lnbc2500u').amountMsat).toBe(250_000_000n);
    expect(parseHrp('lnbc7n').amountMsat).toBe(700n);
    expect(parseHrp('lnbc10p').amountMsat).toBe(1n);
    expect(parseHrp('lnbc9678785340p').amountMsat).toBe(967_878_534n);
  });

  it('fails a p amount whose last decimal is not 0, a non-multiplier, non-digits, zero and leading zeros', () => {
    expect(code(() => parseHrp('lnbc2500000001p'))).toBe('bolt11.sub_millisatoshi_amount');
    expect(code(() => parseHrp('lnbc2500x'))).toBe('bolt11.invalid_multiplier');
    expect(code(() => parseHrp('lnbc25mm'))).toBe('bolt11.invalid_amount');
    expect(code(() => parseHrp('lnbc2.5m'))).toBe('bolt11.invalid_amount');
    expect(code(() => parseHrp('lnbc0'))).toBe('bolt11.invalid_amount');
    expect(code(() => parseHrp('lnbc025m'))).toBe('bolt11.invalid_amount');
  });

  it('fails amounts above 2^64 - 1 msat without parsing unbounded digit strings', () => {
    expect(parseHrp(`lnbc${MAX_AMOUNT_MSAT * 10n}p`).amountMsat).toBe(MAX_AMOUNT_MSAT);
    expect(code(() => parseHrp(`lnbc${(MAX_AMOUNT_MSAT + 1n) * 10n}p`))).toBe('bolt11.amount_too_large');
    expect(code(() => parseHrp('lnbc' + '9'.repeat(100_000)))).toBe('bolt11.amount_too_large');
  });

  it('writes the shortest amount: the largest exact multiplier, or none', () => {
    expect(formatAmount(100_000_000_000n)).toBe('1');
    expect(formatAmount(2_500_000_000n)).toBe('25m');
    expect(formatAmount(250_000_000n)).toBe('2500u');
    expect(formatAmount(700n)).toBe('7n');
    expect(formatAmount(1n)).toBe('10p');
    expect(formatAmount(967_878_534n)).toBe('9678785340p');
    for (const bad of [0n, -1n, MAX_AMOUNT_MSAT + 1n]) expect(code(() => formatAmount(bad))).toBe('bolt11.writer.invalid_parameter');
  });

  it('reads back what it writes for every network', () => {
    for (const network of Object.keys(BOLT11_CURRENCIES) as (keyof typeof BOLT11_CURRENCIES)[]) {
      for (const amountMsat of [undefined, 1n, 123_456_789n, MAX_AMOUNT_MSAT]) {
        expect(parseHrp(formatHrp(network, amountMsat))).toMatchObject({ network, amountMsat });
      }
    }
  });

  it('tells BOLT 11 strings from BOLT 12 ones by their prefix', () => {
    for (const s of ['lnbc1p…', 'LNBC25M1…', 'lntb20m1', 'lntbs1', 'lnbcrt5u1', 'lnsb1', 'lightning:lnbc1', ' lnbc1']) expect(looksLikeBolt11(s)).toBe(true);
    for (const s of ['lno1qgsq', 'lnr1q', 'lni1q', 'lnbcx1', 'bc1q', '', 'lnbc']) expect(looksLikeBolt11(s)).toBe(false);
  });
});
