/**
 * Whole-process time of the `glasswing` command, next to `node -e 0` (the floor: starting Node
 * itself): a few commands against a running daemon, run through the bundle (dist/cli/, what
 * bin/glasswing.mjs runs) and through the TypeScript sources (tsx, GLASSWING_CLI_SOURCES=1), and
 * the daemon's start until its ready line, both ways. Runs are interleaved so that load on a
 * shared machine hits every variant alike; medians and 90th percentiles are reported.
 *
 *   npm run bench -- cli            (GLASSWING_BENCH_RUNS=N for more runs; default 15)
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { percentile, printTable } from './harness';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/glasswing.mjs');
const RUNS = Number(process.env.GLASSWING_BENCH_RUNS ?? 15);
/** A valid offer from the BOLT 12 test vectors (minimal: only a description and an issuer id). */
const OFFER = 'lno1pgx9getnwss8vetrw3hhyuckyypwa3eyt44h6txtxquqh7lz5djge4afgfjn7k4rgrkuag0jsd5xvxg';

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

function timeOnce(v: Variant): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, v.args, { env: { ...process.env, ...v.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0 && !(v.name.includes('decode') && r.status === 1)) throw new Error(`${v.name} failed (${r.status}): ${r.stderr}`);
  return ms;
}

async function daemonReadyMs(datadir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [BIN, 'daemon', '--datadir', datadir, '--listen', '127.0.0.1:0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  const ms = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"ready"')) resolve(performance.now() - start);
    });
  });
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return ms;
}

function row(name: string, samples: number[], floor: number): (string | number)[] {
  const median = percentile(samples, 50);
  return [name, median, percentile(samples, 90), Math.min(...samples), (median - floor)];
}

export async function run(): Promise<void> {
  // Build (or refresh) the bundle first, so its build time is not measured.
  spawnSync(process.execPath, [join(ROOT, 'scripts/cli-bundle.mjs')], { stdio: 'ignore' });
  const datadir = mkdtempSync(join(tmpdir(), 'glasswing-bench-cli-'));
  const daemon = spawn(process.execPath, [BIN, 'daemon', '--datadir', datadir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((resolve, reject) => {
      daemon.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
      createInterface({ input: daemon.stdout! }).on('line', (line) => line.includes('"ready"') && resolve());
    });
    const sources = { GLASSWING_CLI_SOURCES: '1' };
    const commands: [string, string[]][] = [
      ['help', ['help']],
      ['getinfo', ['--datadir', datadir, 'getinfo']],
      ['listpeers --all', ['--datadir', datadir, 'listpeers', '--all']],
      ['decode OFFER', ['--datadir', datadir, 'decode', OFFER]],
    ];
    const variants: Variant[] = [
      { name: 'node -e 0', args: ['-e', '0'] },
      ...commands.map(([name, args]) => ({ name: `glasswing ${name}`, args: [BIN, ...args] })),
      ...commands.map(([name, args]) => ({ name: `glasswing ${name} (sources, tsx)`, args: [BIN, ...args], env: sources })),
    ];
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (const v of variants) timeOnce(v); // warm the file cache
    for (let i = 0; i < RUNS; i++) for (const v of variants) samples.get(v.name)!.push(timeOnce(v));
    const floor = percentile(samples.get('node -e 0')!, 50);
    console.log(`whole-process time, ms (${RUNS} runs each, interleaved; "over node" is the median minus node -e 0's)`);
    printTable(['command', 'median', 'p90', 'min', 'over node'], variants.map((v) => row(v.name, samples.get(v.name)!, floor)));

    const starts = Math.max(3, Math.round(RUNS / 3));
    const ready = { bundle: [] as number[], sources: [] as number[] };
    for (let i = 0; i < starts; i++) {
      for (const [kind, env] of [['bundle', {}], ['sources', sources]] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'glasswing-bench-daemon-'));
        ready[kind].push(await daemonReadyMs(dir, env));
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`\ndaemon start until its ready line, ms (${starts} runs each, fresh data directory: includes creating the seed and the database)`);
    printTable(['daemon', 'median', 'p90', 'min', 'over node'], [row('bundle', ready.bundle, floor), row('sources (tsx)', ready.sources, floor)]);
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(datadir, { recursive: true, force: true });
  }
}
