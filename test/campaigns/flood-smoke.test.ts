/**
 * The flood campaign's smoke (issue 19, item 4): the same code path as `npm run campaign -- flood`
 * — a real daemon, real BOLT 8 peers over TCP from a driver process, the API poller process, an
 * honest daemon fetching invoices — with 3 peers for 3 seconds. It checks that every part ran and
 * was counted, not how fast: the figures themselves are the campaign's (README, Reliability).
 */
import { describe, expect, it } from 'vitest';
import { runFlood } from '../../campaigns/flood/campaign';
import { BAD_HANDSHAKE_KINDS } from '../../campaigns/flood/handshakes';

describe('the flood campaign, small', () => {
  it('floods a real daemon at 10× its rate limit while the API and an honest peer are served, and counts everything', async () => {
    const { figures: f, verdicts } = await runFlood({ peers: 3, seconds: 3, handshakeBurst: 8, handshakeEveryMs: 1_000 });
    expect(f.peers).toBe(3);
    expect(f.daemonAlive).toBe(true);
    // Every kind of traffic went out, and the onion flood ran above the node's limit.
    for (const kind of ['invoice_request', 'forward', 'junk_onion', 'gossip'] as const) expect(f.sent[kind]).toBeGreaterThan(0);
    expect(f.ratePerPeer.sent).toBeGreaterThan(f.ratePerPeer.limit);
    // The node saw it: the excess dropped as rate_limited, the junk that got through as bad onions
    // or malformed messages; forwards went out to flood peers, invoices came back to them.
    expect(f.messenger.drops.rate_limited).toBeGreaterThan(0);
    expect((f.messenger.drops.bad_onion ?? 0) + (f.messenger.drops.malformed_message ?? 0)).toBeGreaterThan(0);
    expect(f.receivedByFlood.onion_message).toBeGreaterThan(0);
    // The honest peer got every invoice it asked for; the poller's calls were all answered.
    expect(f.honest.failures).toEqual([]);
    expect(f.honest.answered).toBe(f.honest.sent);
    expect(f.api.calls).toBeGreaterThan(0);
    expect(f.api.failed + f.api.unanswered).toBe(0);
    // Every bad handshake ended one of the known ways, and the node left none open.
    const { attempted, ...outcomes } = f.badHandshakes;
    expect(attempted).toBeGreaterThanOrEqual(BAD_HANDSHAKE_KINDS.length);
    expect(Object.values(outcomes).reduce((a, n) => a + n, 0)).toBe(attempted);
    expect(outcomes.left_open).toBe(0);
    expect(outcomes.connect_failed).toBe(0);
    // The bounds were judged (their values are the campaign's figures, not asserted here).
    expect(verdicts.map((v) => v.name)).toContain('API getInfo p99');
    expect(f.rss.peakBytes).toBeGreaterThanOrEqual(f.rss.idleBytes);
  }, 180_000);
});
