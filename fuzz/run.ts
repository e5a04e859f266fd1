/**
 * `npm run fuzz -- TARGET [--runs N | --seconds S]` runs one target under Jazzer.js (libFuzzer,
 * coverage-guided); `npm run fuzz -- --list` lists the targets.
 *
 * Each run: bundles fuzz/entry.ts to CommonJS (Jazzer.js instruments it for coverage as it loads),
 * writes the target's seeds, and starts Jazzer.js in a child process with three corpus folders —
 * the working corpus it grows (fuzz/.work/corpus/TARGET, kept between runs), the seeds, and the
 * kept regression inputs (fuzz/regressions/TARGET). A crashing input is written to
 * fuzz/.work/crashes/TARGET/; once fixed, copy it into fuzz/regressions/TARGET/ so `npm test`
 * replays it. The last line printed is the run's figures (inputs, seconds, inputs/s), also
 * appended to fuzz/.work/results.jsonl.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ensureLoadableAddon } from './native/jazzer-addon';
import { SEEDS } from './seeds';
import { TARGETS, targetByName } from './targets';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'fuzz/.work');
const VECTORS = join(ROOT, 'test/vectors/data');

const USAGE = `usage: npm run fuzz -- TARGET [--runs N | --seconds S] [--timeout-ms T] [--rss-mb M]
       npm run fuzz -- --list`;

interface Args {
  target: string;
  runs: number | undefined;
  seconds: number | undefined;
  timeoutMs: number;
  rssMb: number;
}

function parseArgs(argv: readonly string[]): Args | 'list' {
  if (argv.includes('--list')) return 'list';
  let target: string | undefined;
  const args: Omit<Args, 'target'> = { runs: undefined, seconds: undefined, timeoutMs: 10_000, rssMb: 2560 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${a} takes a positive whole number\n${USAGE}`);
      return v;
    };
    if (a === '--runs') args.runs = num();
    else if (a === '--seconds') args.seconds = num();
    else if (a === '--timeout-ms') args.timeoutMs = num();
    else if (a === '--rss-mb') args.rssMb = num();
    else if (!a.startsWith('-') && target === undefined) target = a;
    else throw new Error(`unexpected argument ${a}\n${USAGE}`);
  }
  if (target === undefined) throw new Error(USAGE);
  return { target, ...args };
}

function list(): void {
  const width = Math.max(...TARGETS.map((t) => t.name.length));
  for (const t of TARGETS) console.log(`${t.name.padEnd(width)}  ${t.description}`);
}

function writeSeeds(name: string): number {
  const dir = join(WORK, 'seeds', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const load = <T>(path: string): T => JSON.parse(readFileSync(join(VECTORS, path), 'utf8')) as T;
  const seeds = SEEDS[name]?.(load) ?? [];
  for (const s of seeds) writeFileSync(join(dir, createHash('sha1').update(s).digest('hex')), s);
  return seeds.length;
}

async function bundle(name: string): Promise<string> {
  // One bundle per target, so runs of different targets side by side never rebuild each other's.
  const out = join(WORK, 'bundle', `${name}.cjs`);
  await build({
    entryPoints: [join(ROOT, 'fuzz/entry.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Libraries stay outside the bundle and load from node_modules, which Jazzer.js leaves
    // uninstrumented: coverage is measured on our code, and the crypto libraries' hot loops
    // run at full speed instead of reporting every comparison to libFuzzer.
    packages: 'external',
    logLevel: 'warning',
  });
  return out;
}

interface Figures { inputs: number; seconds: number; perSecond: number; peakRssMb: number | undefined }

function figuresFrom(stderr: string): Figures | undefined {
  const units = /stat::number_of_executed_units:\s*(\d+)/.exec(stderr);
  const done = /Done (\d+) runs in (\d+) second/.exec(stderr);
  const inputs = Number(units?.[1] ?? done?.[1]);
  const seconds = Number(done?.[2]);
  const rss = /stat::peak_rss_mb:\s*(\d+)/.exec(stderr);
  if (!Number.isFinite(inputs) || !Number.isFinite(seconds)) return undefined;
  return { inputs, seconds, perSecond: seconds > 0 ? Math.round(inputs / seconds) : inputs, peakRssMb: rss ? Number(rss[1]) : undefined };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'list') {
    list();
    return 0;
  }
  const target = targetByName(args.target);
  if (target === undefined) {
    console.error(`unknown target "${args.target}"; npm run fuzz -- --list`);
    return 2;
  }
  const require = createRequire(import.meta.url);
  let cli: string;
  let prebuilt: string;
  try {
    cli = require.resolve('@jazzer.js/core/dist/cli.js');
    const fuzzerDir = dirname(require.resolve('@jazzer.js/fuzzer/package.json', { paths: [dirname(cli)] }));
    prebuilt = join(fuzzerDir, 'prebuilds', `fuzzer-${process.platform}-${process.arch}.node`);
  } catch {
    console.error('Jazzer.js is not installed: npm install (it is a devDependency, @jazzer.js/core)');
    return 2;
  }
  const addon = ensureLoadableAddon(prebuilt, WORK);
  const entry = await bundle(target.name);
  const seeds = writeSeeds(target.name);
  const corpus = join(WORK, 'corpus', target.name);
  const crashes = join(WORK, 'crashes', target.name);
  const regressions = join(ROOT, 'fuzz/regressions', target.name);
  for (const d of [corpus, crashes, regressions]) mkdirSync(d, { recursive: true });

  const libFuzzer = [
    `-max_len=${target.maxLen}`,
    `-rss_limit_mb=${args.rssMb}`,
    `-artifact_prefix=${crashes}/`,
    '-print_final_stats=1',
    ...(args.runs !== undefined ? [`-runs=${args.runs}`] : []),
    ...(args.seconds !== undefined ? [`-max_total_time=${args.seconds}`] : []),
  ];
  const argv = [
    `--max-old-space-size=${Math.floor(args.rssMb * 0.75)}`,
    '-r', join(ROOT, 'fuzz/native/preload.cjs'),
    cli, entry, corpus, join(WORK, 'seeds', target.name), regressions,
    '--sync', `--timeout=${args.timeoutMs}`,
    '--', ...libFuzzer,
  ];
  console.error(`fuzz ${target.name}: ${seeds} seeds; corpus ${corpus}`);
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, GLASSWING_FUZZ_TARGET: target.name, GLASSWING_FUZZ_ADDON_FROM: prebuilt, GLASSWING_FUZZ_ADDON_TO: addon },
  });
  let tail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-20_000);
  });
  const code: number = await new Promise((done) => child.on('close', (c) => done(c ?? 1)));
  const figures = figuresFrom(tail);
  const result = { target: target.name, date: new Date().toISOString(), exitCode: code, ...figures };
  mkdirSync(WORK, { recursive: true });
  appendFileSync(join(WORK, 'results.jsonl'), JSON.stringify(result) + '\n');
  console.log(
    `fuzz ${target.name}: ${figures ? `${figures.inputs} inputs in ${figures.seconds} s (${figures.perSecond}/s, peak RSS ${figures.peakRssMb ?? '?'} MB)` : 'no figures'}, ` +
      // Jazzer.js exits 77 for a finding; anything else is the run itself failing (or being stopped).
      (code === 0 ? 'no finding' : code === 77 ? `a finding (exit 77), written to ${crashes}` : `exit ${code}`),
  );
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
