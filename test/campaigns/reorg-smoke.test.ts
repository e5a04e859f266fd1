/**
 * The reorg campaign's smoke (issue 19, item 3): the same code path as `npm run campaign -- reorg`
 * — btcd, two real daemons, reorgs by invalidateblock and a longer competing chain during a
 * channel's funding, its force close and its to_local sweep (seed 5 takes that path), each
 * followed by both nodes, checked for nothing lost and nothing swept twice. The figures are the
 * campaign's (README, Reliability), not asserted here.
 */
import { describe, expect, it } from 'vitest';
import { runReorg } from '../../campaigns/reorg/campaign';

describe('the reorg campaign, small', () => {
  it('reorgs during funding, force closing and sweeping; the nodes follow and nothing is lost or swept twice', async () => {
    const report = await runReorg({ reorgs: 4, seed: 5 });
    expect(report.violations).toEqual([]);
    expect(report.reorgs.map((r) => r.moment)).toEqual(['funding', 'force_closing', 'sweeping', 'funding']);
    for (const r of report.reorgs) {
      expect(r.depth).toBeGreaterThanOrEqual(r.txDepth);
      expect(r.depth).toBeLessThanOrEqual(6);
    }
    expect(report.channels).toMatchObject({ opened: 2, force: 1 });
    expect(report.checks).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
