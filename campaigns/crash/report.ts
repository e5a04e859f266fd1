/**
 * The crash campaign's summary table: kills (by victim and by the moment class they hit, with
 * the recovery times), payments done and failed, closes and reopens, the checks made, and every
 * violation with the seed that replays it.
 */
import { MOMENT_CLASSES, type CrashReport, type KillRecord } from './campaign';

function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined || Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface RecoveryFigures {
  readonly count: number;
  readonly maxMs: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export function recoveryFigures(kills: readonly KillRecord[]): RecoveryFigures {
  const times = kills.map((k) => k.recoveryMs).filter((t): t is number => t !== null).sort((x, y) => x - y);
  return { count: times.length, maxMs: times.at(-1) ?? null, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99) };
}

export function formatCrashReport(r: CrashReport): string {
  const rows: [string, string][] = [];
  const byVictim = ['A', 'B', 'C'].map((v) => `${v} ${r.kills.filter((k) => k.victim === v).length}`).join(', ');
  rows.push(['kills', `${r.kills.length} of ${r.killsAsked} (${byVictim})`]);
  for (const m of MOMENT_CLASSES) {
    const ks = r.kills.filter((k) => k.moment === m);
    if (ks.length === 0) continue;
    const f = recoveryFigures(ks);
    rows.push([`  while ${m}`, `${ks.length}${f.count ? `, recovery max ${seconds(f.maxMs)}, median ${seconds(f.p50Ms)}` : ''}${f.count < ks.length ? `, ${ks.length - f.count} killed again before recovering` : ''}`]);
  }
  const all = recoveryFigures(r.kills);
  rows.push(['recovery (kill → channels reestablished)', `max ${seconds(all.maxMs)}, p99 ${seconds(all.p99Ms)}, median ${seconds(all.p50Ms)}`]);
  const starts = r.kills.map((k) => k.startMs).sort((x, y) => x - y);
  rows.push(['daemon start-up', `max ${seconds(starts.at(-1))}, median ${seconds(quantile(starts, 0.5))}`]);
  rows.push(['payments', `${r.payments.started} started: ${r.payments.succeeded} succeeded, ${r.payments.failed} failed, ${r.payments.started - r.payments.succeeded - r.payments.failed} unresolved; ${r.payments.notStarted} never reached the payer's store`]);
  const failures = Object.entries(r.payments.failures).sort((x, y) => y[1] - x[1]);
  if (failures.length) rows.push(['  failed by code', failures.map(([k, v]) => `${k} ${v}`).join(', ')]);
  const refusals = Object.entries(r.payments.refusals).sort((x, y) => y[1] - x[1]);
  if (refusals.length) rows.push(['  refused by code', refusals.map(([k, v]) => `${k} ${v}`).join(', ')]);
  rows.push(['closes: cooperative / force / reopens', `${r.closes} / ${r.forceCloses ?? 0} / ${r.reopens}`]);
  rows.push(['checks passed', `${r.checks - (r.violations.length ? 1 : 0)} of ${r.checks}${r.partialChecks ? ` (${r.partialChecks} partial: payments still in flight carried to a later check)` : ''}`]);
  if (r.phasesMs) rows.push(['per kill in the stream (mean)', `stream ${seconds(r.phasesMs.streamMs)}, restart to reestablished ${seconds(r.phasesMs.restartMs)}, draining payments ${seconds(r.phasesMs.drainMs)}, checks ${seconds(r.phasesMs.checkMs)} (${r.phasesMs.kills} kills)`]);
  rows.push(['time', `setup ${seconds(r.setupMs)}, total ${seconds(r.elapsedMs)}, ${r.kills.length ? seconds((r.elapsedMs - r.setupMs) / r.kills.length) : '–'} per kill`]);
  rows.push(['violations', r.violations.length ? r.violations.map((v) => `seed ${v.seed}, kill ${v.kill}: ${v.what}`).join('\n') : 'none']);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v.replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`).join('\n');
}
