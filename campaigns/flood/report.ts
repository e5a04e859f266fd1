/**
 * The flood campaign's figures, its bounds (stated before the run; the runner exits non-zero when
 * one breaks) and the summary table. Pure: the campaign collects, this judges and prints.
 */
import type { MessengerStatsInfo } from '../../core/api';
import type { BadHandshakeOutcome } from './handshakes';
import type { TrafficKind } from './traffic';

const MiB = 1024 * 1024;

/**
 * The bounds. RSS: the daemon's peak resident set may grow by at most `rssGrowthBytes` over what
 * it held idle before the flood. The node's own caps on what strangers can make it hold add up to
 * about 40 MiB for 100 peers — onion-message queues 8 MiB in all (core/messenger/policy.ts), at
 * most 65,535 + 34 bytes of an unfinished BOLT 8 frame per connection (6.3 MiB), a pong of at most
 * 64 KiB waiting per peer, event history 8 MiB (core/node/event-bus.ts), the 10,000-row traffic
 * log in SQLite's page cache (a few MiB) — and V8 lets its heap run ahead of the live set under a
 * high allocation rate (every frame decrypted is garbage a moment later), commonly by 2–3× the live
 * set. 128 MiB covers that with room; a leak proportional to the messages received (thousands per
 * second) breaks it within a minute.
 */
export interface FloodBounds {
  readonly apiP99Ms: number;
  readonly rssGrowthBytes: number;
  /** Share of the honest invoice_requests that must be answered with an invoice. */
  readonly honestAnsweredShare: number;
}

export const DEFAULT_BOUNDS: FloodBounds = { apiP99Ms: 100, rssGrowthBytes: 128 * MiB, honestAnsweredShare: 1 };

export interface FloodFigures {
  readonly peers: number;
  /** The target daemon's nice value (0 unless the run asked otherwise). */
  readonly targetNice: number;
  readonly seconds: number;
  /** The daemon's inbound onion-message limit per peer, and the rate each flood peer sent at. */
  readonly ratePerPeer: { readonly limit: number; readonly burst: number; readonly sent: number };
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly cpus: number;
  readonly api: { readonly calls: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly failed: number; readonly unanswered: number };
  /** The same calls to a second daemon outside the flood, side by side: what the machine adds. */
  readonly controlApi: FloodFigures['api'] | null;
  readonly rss: { readonly idleBytes: number; readonly peakBytes: number };
  /** The daemon's CPU time over the flood (all threads), as a share of one core. */
  readonly cpuShare: number;
  /** CPU the campaign's own processes took from the same machine, as shares of one core. */
  readonly campaignCpuShare: { readonly drivers: number; readonly poller: number; readonly honest: number };
  /** The daemon's CPU time (all threads) per onion message it took in (counted by messengerStats). */
  readonly cpuMsPerMessage: number;
  /** Seconds from the end of the flood until a getInfo was answered within 50 ms again. */
  readonly drainedSeconds: number;
  /**
   * The daemon's main thread over the flood, as shares of the wall time: running, and ready to run
   * but waiting for a CPU the machine's other work held. Their sum near 100% means the thread
   * never idled (saturated); the waiting share is what a busier machine took from it.
   */
  readonly mainThread: { readonly ranShare: number; readonly waitedShare: number };
  readonly honest: { readonly sent: number; readonly answered: number; readonly failures: readonly string[]; readonly p50Ms: number; readonly maxMs: number };
  readonly sent: Readonly<Record<TrafficKind, number>>;
  readonly skippedBackedUp: number;
  readonly floodPeersClosedByNode: number;
  /** What the node sent back to the flood peers, by message type number. */
  readonly receivedByFlood: Readonly<Record<string, number>>;
  /** messengerStats over the flood (after minus before). */
  readonly messenger: { readonly counters: Readonly<Record<string, number>>; readonly drops: Readonly<Record<string, number>>; readonly dropCodes: Readonly<Record<string, number>>; readonly peakQueueBytes: number; readonly memoryCapBytes: number };
  readonly badHandshakes: Readonly<Record<BadHandshakeOutcome, number>> & { readonly attempted: number };
  /** peer.connection_failed events by code still in the node's event history at the end (reports are throttled per address). */
  readonly connectionFailedEvents: Readonly<Record<string, number>>;
  readonly daemonAlive: boolean;
}

export interface Verdict {
  readonly name: string;
  readonly bound: string;
  readonly measured: string;
  readonly ok: boolean;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

export function judge(f: FloodFigures, b: FloodBounds = DEFAULT_BOUNDS): Verdict[] {
  const honestNeeded = Math.ceil(f.honest.sent * b.honestAnsweredShare);
  return [
    { name: 'API getInfo p99', bound: `< ${b.apiP99Ms} ms`, measured: ms(f.api.p99Ms), ok: f.api.calls > 0 && f.api.p99Ms < b.apiP99Ms },
    { name: 'API calls all answered', bound: '0 failed, 0 unanswered', measured: `${f.api.failed} failed, ${f.api.unanswered} unanswered of ${f.api.calls + f.api.failed + f.api.unanswered}`, ok: f.api.failed === 0 && f.api.unanswered === 0 },
    { name: 'daemon RSS peak', bound: `< idle + ${mib(b.rssGrowthBytes)} = ${mib(f.rss.idleBytes + b.rssGrowthBytes)}`, measured: `${mib(f.rss.peakBytes)} (idle ${mib(f.rss.idleBytes)})`, ok: f.rss.peakBytes < f.rss.idleBytes + b.rssGrowthBytes },
    { name: 'honest invoice_requests answered', bound: `≥ ${honestNeeded} of ${f.honest.sent}`, measured: `${f.honest.answered}`, ok: f.honest.sent > 0 && f.honest.answered >= honestNeeded },
    { name: 'daemon still running', bound: 'yes', measured: f.daemonAlive ? 'yes' : 'no', ok: f.daemonAlive },
  ];
}

/** The summary as rows of [what, value] (printed as a table and copied into the README). */
export function summaryRows(f: FloodFigures): [string, string][] {
  const sum = (o: Readonly<Record<string, number>>) => Object.values(o).reduce((a, n) => a + n, 0);
  const list = (o: Readonly<Record<string, number>>) => Object.entries(o).filter(([, n]) => n > 0).sort((a, z) => z[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || '—';
  const c = f.messenger.counters;
  return [
    ['peers × seconds', `${f.peers} × ${f.seconds.toFixed(0)} s${f.targetNice ? ` (target daemon at nice ${f.targetNice})` : ''}`],
    ['load average before / after (cores)', `${f.loadAverage.before.map((x) => x.toFixed(2)).join(' ')} / ${f.loadAverage.after.map((x) => x.toFixed(2)).join(' ')} (${f.cpus})`],
    ['onion rate per peer: limit / sent', `${f.ratePerPeer.limit}/s (burst ${f.ratePerPeer.burst}) / ${f.ratePerPeer.sent.toFixed(1)}/s`],
    ['flood messages sent', `${sum(f.sent)}: ${list(f.sent)}; ${f.skippedBackedUp} skipped (socket backed up)`],
    ['API getInfo latency p50 / p99 / max', `${ms(f.api.p50Ms)} / ${ms(f.api.p99Ms)} / ${ms(f.api.maxMs)} (${f.api.calls} calls)`],
    ['control daemon getInfo p50 / p99 / max', f.controlApi ? `${ms(f.controlApi.p50Ms)} / ${ms(f.controlApi.p99Ms)} / ${ms(f.controlApi.maxMs)} (${f.controlApi.calls} calls)` : '—'],
    ['daemon RSS idle / peak (VmHWM)', `${mib(f.rss.idleBytes)} / ${mib(f.rss.peakBytes)}`],
    ['daemon CPU (share of one core)', `${(f.cpuShare * 100).toFixed(0)}%`],
    ['campaign CPU: drivers / poller / honest daemon', `${pct(f.campaignCpuShare.drivers)} / ${pct(f.campaignCpuShare.poller)} / ${pct(f.campaignCpuShare.honest)} of one core`],
    ['daemon CPU per onion message received', `${(f.cpuMsPerMessage * 1000).toFixed(0)} µs`],
    ['node caught up after the flood (getInfo < 50 ms)', `${f.drainedSeconds.toFixed(1)} s`],
    ['daemon main thread running / waiting for a CPU', `${(f.mainThread.ranShare * 100).toFixed(0)}% / ${(f.mainThread.waitedShare * 100).toFixed(0)}% of the wall time`],
    ['honest invoice_requests answered', `${f.honest.answered} / ${f.honest.sent}, p50 ${ms(f.honest.p50Ms)}, max ${ms(f.honest.maxMs)}`],
    ['onion messages received / delivered / forwarded / replied / dropped', `${c.received ?? 0} / ${c.delivered ?? 0} / ${c.forwarded ?? 0} / ${c.replied ?? 0} / ${c.dropped ?? 0}`],
    ['dropped by reason', list(f.messenger.drops)],
    ['dropped onions by code', list(f.messenger.dropCodes)],
    ['onion queue peak / cap', `${mib(f.messenger.peakQueueBytes)} / ${mib(f.messenger.memoryCapBytes)}`],
    ['node → flood peers (by type)', list(f.receivedByFlood)],
    ['flood peers disconnected by the node', String(f.floodPeersClosedByNode)],
    ['bad handshakes (outcome)', `${f.badHandshakes.attempted}: ${list(Object.fromEntries(Object.entries(f.badHandshakes).filter(([k]) => k !== 'attempted')))}`],
    ['peer.connection_failed events kept', list(f.connectionFailedEvents)],
  ];
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(f: FloodFigures, verdicts: readonly Verdict[]): string {
  return [
    table(['figure', 'value'], summaryRows(f)),
    '',
    table(['bound', 'stated', 'measured', 'result'], verdicts.map((v) => [v.name, v.bound, v.measured, v.ok ? 'ok' : 'BROKEN'])),
  ].join('\n');
}

/** Messenger counters over the flood: after minus before, key by key. */
export function delta(after: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export function messengerDelta(after: MessengerStatsInfo, before: MessengerStatsInfo): FloodFigures['messenger'] {
  return {
    counters: delta(after.counters, before.counters),
    drops: delta(after.drops, before.drops),
    dropCodes: delta(after.dropCodes, before.dropCodes),
    peakQueueBytes: after.queues.peakBytes,
    memoryCapBytes: after.queues.memoryCapBytes,
  };
}
