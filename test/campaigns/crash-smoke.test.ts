/**
 * The crash campaign's smoke (issue 19, item 2): the same code path as `npm run campaign -- crash`
 * — btcd, three real daemons A — B — C with channels, a stream of payments both ways, SIGKILLs
 * and restarts, a cooperative close and reopen with a kill in it — with a few kills. Every check
 * the campaign makes after a restart ran and held (no payment stuck, no HTLC lost, no commitment
 * on chain, channel balances and wallets as the ledger says). The figures are the campaign's
 * (README, Reliability), not asserted here.
 */
import { describe, expect, it } from 'vitest';
import { runCrash } from '../../campaigns/crash/campaign';

describe('the crash campaign, small', () => {
  it('kills nodes while payments flow and a channel closes (cooperatively, then by force) and reopens, and loses nothing', async () => {
    const report = await runCrash({ kills: 4, seed: 19, closeEvery: 2, forceEvery: 4 });
    expect(report.violations).toEqual([]);
    expect(report.kills).toHaveLength(4);
    // The second kill lands in the close or the reopening of a channel, the fourth in a force close or its sweep.
    expect(report.kills.filter((k) => k.moment === 'closing' || k.moment === 'opening')).toHaveLength(1);
    expect(report.kills.filter((k) => k.moment === 'force_closing' || k.moment === 'sweeping')).toHaveLength(1);
    expect(report.closes).toBe(1);
    expect(report.forceCloses).toBe(1);
    expect(report.reopens).toBe(2);
    // One check before the first kill and one after each; one more before a close (and at the end)
    // when the check before it was partial (payments still in flight carried to a later check).
    expect(report.checks).toBeGreaterThanOrEqual(5);
    expect(report.checks).toBeLessThanOrEqual(5 + 2 * (report.partialChecks ?? 0));
    expect(report.payments.succeeded).toBeGreaterThan(0);
    expect(report.payments.succeeded + report.payments.failed).toBe(report.payments.started);
    for (const k of report.kills) if (k.recoveryMs !== null) expect(k.recoveryMs).toBeGreaterThan(0);
  }, 420_000);
});
