/**
 * `npm run campaign -- NAME [options]`: runs one reliability campaign (issue 19) against real
 * processes, prints its summary table, and exits non-zero when a stated bound broke.
 *
 *   npm run campaign -- flood [--peers N] [--seconds S] [--json FILE] [--profile DIR] [--nice N]
 *   npm run campaign -- crash [--kills N] [--reorgs N] [--seed S] [--close-every K] [--force-every F] [--json FILE] [--nice N] [--keep DIR]
 *   npm run campaign -- reorg [--reorgs N] [--seed S] [--json FILE] [--nice N]
 *
 * `--keep DIR` (crash) copies the three nodes' data directories there at the end (to profile a start-up on
 * a long history). `--profile DIR` runs the target daemon under `node --cpu-prof` and prints where its time went;
 * `--nice N` runs it under `nice -n N` (see FloodOptions.targetNice).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FLOOD_PROFILE, runFlood } from './flood/campaign';
import { formatReport } from './flood/report';
import { formatProfile, summarizeProfile } from './support/profile';
import { runCrash } from './crash/campaign';
import { formatCrashReport } from './crash/report';
import { runReorg } from './reorg/campaign';
import { formatReorgReport } from './reorg/report';

const CAMPAIGNS = ['flood', 'crash', 'reorg'] as const;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(`usage: npm run campaign -- <${CAMPAIGNS.join('|')}> [--peers N] [--seconds S] [--kills N] [--reorgs N] [--seed S] [--close-every K] [--force-every F] [--json FILE] [--profile DIR] [--nice N]`);
  process.exit(2);
}

function positiveInteger(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2).filter((a) => a !== '--'),
      options: {
        peers: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'string' }, profile: { type: 'string' }, nice: { type: 'string' },
        kills: { type: 'string' }, reorgs: { type: 'string' }, seed: { type: 'string' }, 'close-every': { type: 'string' }, 'force-every': { type: 'string' },
        keep: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  const [name, ...rest] = parsed.positionals;
  if (!CAMPAIGNS.includes(name as (typeof CAMPAIGNS)[number]) || rest.length) usage(name ? `unknown campaign "${[name, ...rest].join(' ')}"` : undefined);
  const nice = parsed.values.nice === undefined ? undefined : Number(parsed.values.nice);
  if (nice !== undefined && (!Number.isInteger(nice) || nice < -20 || nice > 19)) usage(`--nice must be an integer from -20 to 19, got "${parsed.values.nice}"`);
  if (name === 'reorg') {
    const reorgs = positiveInteger(parsed.values.reorgs, '--reorgs', 100);
    const seed = parsed.values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : positiveInteger(parsed.values.seed, '--seed', 1);
    const json = parsed.values.json;
    console.error(`[reorg] seed ${seed}`);
    const report = await runReorg({
      reorgs, seed, nice, log: (l) => console.error(`[reorg] ${l}`),
      progress: json ? (r) => writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`) : undefined,
    });
    console.log(`\n== campaign reorg: seed ${seed}, ${reorgs} reorgs asked ==`);
    console.log(formatReorgReport(report));
    if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(report.violations.length ? '\nA VIOLATION' : '\nnothing lost');
    return report.violations.length ? 1 : 0;
  }
  if (name === 'crash') {
    const kills = positiveInteger(parsed.values.kills, '--kills', 1_000);
    const seed = parsed.values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : positiveInteger(parsed.values.seed, '--seed', 1);
    const closeEvery = positiveInteger(parsed.values['close-every'], '--close-every', 10);
    const forceEvery = positiveInteger(parsed.values['force-every'], '--force-every', 30);
    console.error(`[crash] seed ${seed}`);
    const json = parsed.values.json;
    const report = await runCrash({
      kills, seed, closeEvery, forceEvery, nice, log: (l) => console.error(`[crash] ${l}`),
      keepOnViolation: json ? `${json}.violation` : undefined,
      keepDataDirs: parsed.values.keep,
      // The report so far after every check: a long run can be read (and its figures kept) while it goes.
      progress: json ? (r) => writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`) : undefined,
    });
    console.log(`\n== campaign crash: seed ${seed}, ${kills} kills asked ==`);
    console.log(formatCrashReport(report));
    if (parsed.values.json) writeFileSync(parsed.values.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(report.violations.length ? '\nA VIOLATION' : '\nnothing lost');
    return report.violations.length ? 1 : 0;
  }
  const peers = positiveInteger(parsed.values.peers, '--peers', 100);
  const seconds = positiveInteger(parsed.values.seconds, '--seconds', 60);
  const profileDir = parsed.values.profile ? resolve(parsed.values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const report = await runFlood({ peers, seconds, profileDir, targetNice: nice, log: (l) => console.error(`[flood] ${l}`) });
  console.log(`\n== campaign flood: ${peers} peers, ${seconds} s ==`);
  console.log(formatReport(report.figures, report.verdicts));
  if (parsed.values.json) writeFileSync(parsed.values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.figures.honest.failures.length) console.log(`\nhonest failures: ${[...new Set(report.figures.honest.failures)].join('; ')}`);
  if (profileDir) {
    // One profile per thread (tsx's loader runs in a worker): the main thread is the busiest.
    const summaries = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profileDir, f))
      .map((path) => ({ path, summary: summarizeProfile(path, { from: FLOOD_PROFILE.from, stages: FLOOD_PROFILE.stages, top: 25 }) }))
      .sort((a, b) => b.summary.busyMs - a.summary.busyMs);
    const main = summaries[0];
    console.log(main ? `\n== the target daemon's main thread from its first onion message (${main.path}) ==\n${formatProfile(main.summary)}` : '\nno CPU profile was written');
  }
  console.log(report.ok ? '\nevery bound held' : '\nA BOUND BROKE');
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(3);
  },
);
