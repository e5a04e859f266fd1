/**
 * The reorg campaign's summary table: reorgs by the moment of a channel's life they hit (with
 * their depths and how long the nodes took to follow), channels opened and closed each way, the
 * checks made, btcd restarts, and every violation with the seed that replays it.
 */
import { REORG_MOMENTS, type ReorgReport } from './campaign';

export function formatReorgReport(r: ReorgReport): string {
  const rows: [string, string][] = [];
  rows.push(['reorgs', `${r.reorgs.length} of ${r.reorgsAsked}`]);
  for (const m of REORG_MOMENTS) {
    const rs = r.reorgs.filter((x) => x.moment === m);
    if (!rs.length) continue;
    const depths = [1, 2, 3, 4, 5, 6].map((d) => rs.filter((x) => x.depth === d).length);
    rows.push([`  during ${m.replace('_', ' ')}`, `${rs.length} (depth 1–6: ${depths.join('/')}), followed in max ${(Math.max(...rs.map((x) => x.followMs)) / 1000).toFixed(1)} s`]);
  }
  rows.push(['channels', `${r.channels.opened} opened, ${r.channels.cooperative} closed cooperatively, ${r.channels.force} force-closed and swept`]);
  rows.push(['checks passed', `${r.checks - (r.violations.length ? 1 : 0)} of ${r.checks}${r.violations.length ? ' (+ the one that failed)' : ''}`]);
  rows.push(['time', `setup ${(r.setupMs / 1000).toFixed(1)} s, total ${(r.elapsedMs / 1000).toFixed(1)} s`]);
  rows.push(['violations', r.violations.length ? r.violations.map((v) => `seed ${v.seed}, after reorg ${v.reorg}: ${v.what}`).join('\n') : 'none']);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v.replace(/\n/g, `\n${' '.repeat(width + 2)}`)}`).join('\n');
}
