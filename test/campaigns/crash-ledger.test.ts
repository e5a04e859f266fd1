/**
 * The crash campaign's ledger (campaigns/crash/ledger.ts): the figures the nodes are judged
 * against. A forwarded payment moves each hop's HTLC amount along its channel (the forwarder
 * keeps in − out); a cooperative close pays each end its balance rounded down, the fee from the
 * end that paid it, and outputs that are no split of the balances are refused.
 */
import { describe, expect, it } from 'vitest';
import { Ledger, LedgerError } from '../../campaigns/crash/ledger';

function twoChannels(): Ledger {
  const l = new Ledger();
  for (const n of ['A', 'B', 'C']) l.setWallet(n, 5_000_000n);
  l.open({ channelId: 'ab', funder: 'A', fundee: 'B', capacitySat: 1_000_000n, pushMsat: 400_000_000n, fundingFeeSat: 282n });
  l.open({ channelId: 'bc', funder: 'B', fundee: 'C', capacitySat: 1_000_000n, pushMsat: 0n, fundingFeeSat: 300n });
  l.nameChannel('ab', ['101x1x0', null]);
  l.nameChannel('bc', ['102x1x0', '17x5x1']);
  return l;
}

describe('the crash campaign ledger', () => {
  it('opens: the funder\'s wallet pays capacity and fee, the push is the fundee\'s', () => {
    const l = twoChannels();
    expect(l.wallet('A')).toBe(5_000_000n - 1_000_000n - 282n);
    expect(l.wallet('B')).toBe(5_000_000n - 1_000_000n - 300n);
    expect(l.wallet('C')).toBe(5_000_000n);
    expect(l.local('ab', 'A')).toBe(600_000_000n);
    expect(l.local('ab', 'B')).toBe(400_000_000n);
    expect(l.local('bc', 'C')).toBe(0n);
    expect(() => l.open({ channelId: 'ab', funder: 'A', fundee: 'B', capacitySat: 1n, pushMsat: 0n, fundingFeeSat: 0n })).toThrow(LedgerError);
  });

  it('a force-closed channel is forgotten (its outputs are checked from the chain, the wallets set from the nodes): a part over it is refused', () => {
    const l = twoChannels();
    l.forget('ab');
    expect(l.channel('ab')).toBeUndefined();
    expect(() => l.local('ab', 'A')).toThrow(LedgerError);
    expect(() => l.forget('ab')).toThrow(LedgerError);
    expect(() => l.applyPart('A', { channelId: 'ab', route: [{ nodeId: 'B', shortChannelId: '101x1x0', amountMsat: '1' }] })).toThrow(LedgerError);
    expect(l.local('bc', 'B')).toBe(1_000_000_000n);
  });

  it('a forwarded part: the payer pays amount and fee, the forwarder keeps the fee, the payee gets the amount (a hop named by an alias)', () => {
    const l = twoChannels();
    l.applyPart('A', { channelId: 'ab', route: [{ nodeId: 'B', shortChannelId: '101x1x0', amountMsat: '101010' }, { nodeId: 'C', shortChannelId: '17x5x1', amountMsat: '100000' }] });
    expect(l.local('ab', 'A')).toBe(600_000_000n - 101_010n);
    expect(l.local('ab', 'B') + l.local('bc', 'B')).toBe(400_000_000n + 1_000_000_000n + 1_010n);
    expect(l.local('bc', 'C')).toBe(100_000n);
    expect(() => l.applyPart('A', { channelId: 'ab', route: [{ nodeId: 'B', shortChannelId: '101x1x0', amountMsat: '1' }, { nodeId: 'C', shortChannelId: '999x1x0', amountMsat: '1' }] })).toThrow(LedgerError);
    expect(() => l.applyPart('C', { channelId: 'ab', route: [{ nodeId: 'B', shortChannelId: '101x1x0', amountMsat: '1' }] })).toThrow(LedgerError);
  });

  it('a cooperative close: balances rounded down, the fee from whichever end the outputs show paid it', () => {
    const l = twoChannels();
    l.applyPart('A', { channelId: 'ab', route: [{ nodeId: 'B', shortChannelId: '101x1x0', amountMsat: '1700' }] });
    // A 599,998.300 sat → 599,998; B 400,001.700 → 400,001; the sub-satoshi remainders are nobody's.
    const walletA = l.wallet('A');
    const walletB = l.wallet('B');
    const paid = l.cooperativeClose('ab', [400_001n, 599_998n - 338n]);
    expect(paid).toEqual({ payer: 'A', feeSat: 338n });
    expect(l.wallet('A')).toBe(walletA + 599_998n - 338n);
    expect(l.wallet('B')).toBe(walletB + 400_001n);
    expect(l.channel('ab')).toBeUndefined();
    // The other end paid (option_simple_close: the closer pays).
    expect(l.cooperativeClose('bc', [1_000_000n, 0n].filter((v) => v > 0n).map((v) => v - 200n))).toEqual({ payer: 'B', feeSat: 200n });
  });

  it('outputs that are no split of the balances are refused (a close that paid someone the wrong amount)', () => {
    const l = twoChannels();
    expect(() => l.cooperativeClose('ab', [399_999n, 599_000n])).toThrow(LedgerError);
    expect(() => l.cooperativeClose('ab', [400_001n, 599_000n])).toThrow(LedgerError);
    expect(l.channel('ab')).toBeDefined();
  });
});
