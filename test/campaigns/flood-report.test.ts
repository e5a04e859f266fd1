/** The flood campaign's judge: each stated bound breaks exactly when its figure crosses it. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS, delta, formatReport, judge, type FloodFigures } from '../../campaigns/flood/report';

const MiB = 1024 * 1024;

const held: FloodFigures = {
  peers: 100, targetNice: 0, seconds: 60, ratePerPeer: { limit: 4, burst: 10, sent: 40 },
  loadAverage: { before: [1, 1, 1], after: [2, 2, 2] }, cpus: 2,
  api: { calls: 2400, p50Ms: 2, p99Ms: 40, maxMs: 90, failed: 0, unanswered: 0 },
  controlApi: { calls: 2400, p50Ms: 1, p99Ms: 5, maxMs: 9, failed: 0, unanswered: 0 },
  rss: { idleBytes: 150 * MiB, peakBytes: 200 * MiB }, cpuShare: 0.5, campaignCpuShare: { drivers: 0.3, poller: 0.05, honest: 0.05 }, cpuMsPerMessage: 0.3, drainedSeconds: 0.1, mainThread: { ranShare: 0.4, waitedShare: 0.1 },
  honest: { sent: 60, answered: 60, failures: [], p50Ms: 50, maxMs: 300 },
  sent: { invoice_request: 10, forward: 10, junk_onion: 10, gossip: 10 }, skippedBackedUp: 0, floodPeersClosedByNode: 0,
  receivedByFlood: { onion_message: 5 },
  messenger: { counters: { received: 30 }, drops: { rate_limited: 20 }, dropCodes: {}, peakQueueBytes: 0, memoryCapBytes: 8 * MiB },
  badHandshakes: { attempted: 4, refused: 1, closed: 1, timed_out: 1, dropped: 1, left_open: 0, connect_failed: 0 },
  connectionFailedEvents: {}, daemonAlive: true,
};

const broken = (f: FloodFigures) => judge(f).filter((v) => !v.ok).map((v) => v.name);

describe('judging the flood figures', () => {
  it('holds when every figure is within its bound', () => {
    expect(broken(held)).toEqual([]);
    expect(formatReport(held, judge(held))).not.toContain('BROKEN');
  });

  it('breaks the API bound at a p99 of 100 ms, or on one unanswered call', () => {
    expect(broken({ ...held, api: { ...held.api, p99Ms: DEFAULT_BOUNDS.apiP99Ms } })).toEqual(['API getInfo p99']);
    expect(broken({ ...held, api: { ...held.api, unanswered: 1 } })).toEqual(['API calls all answered']);
    expect(broken({ ...held, api: { ...held.api, calls: 0 } })).toContain('API getInfo p99');
  });

  it('breaks the memory bound when the peak grows by the stated bytes over idle', () => {
    expect(broken({ ...held, rss: { idleBytes: 150 * MiB, peakBytes: 150 * MiB + DEFAULT_BOUNDS.rssGrowthBytes } })).toEqual(['daemon RSS peak']);
  });

  it('breaks when one honest request goes unanswered, or none was made, or the daemon died', () => {
    expect(broken({ ...held, honest: { ...held.honest, answered: 59 } })).toEqual(['honest invoice_requests answered']);
    expect(broken({ ...held, honest: { ...held.honest, sent: 0, answered: 0 } })).toEqual(['honest invoice_requests answered']);
    expect(broken({ ...held, daemonAlive: false })).toEqual(['daemon still running']);
    expect(formatReport(held, judge({ ...held, daemonAlive: false }))).toContain('BROKEN');
  });

  it('takes counters over the flood as after minus before', () => {
    expect(delta({ received: 10, dropped: 3, sent: 1 }, { received: 4, sent: 1 })).toEqual({ received: 6, dropped: 3 });
  });
});
