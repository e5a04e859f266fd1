#!/usr/bin/env node
// Builds lnd and lncli at the pinned version and tags (scripts/peers/versions.mjs) into the peers
// cache, unless they are already there. LND's go.mod carries `replace` lines, so `go install
// …@version` refuses to build it; instead this writes a small wrapper module into the cache that
// requires the release and copies its replace lines, then `go build`s both commands from it.
// Prints the bin folder. Exit 1 with one clear line when Go is missing or the build fails.
//   node scripts/peers/lnd.mjs [--quiet]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LND_MODULE, LND_TAGS, LND_VERSION, lndBinDir } from './versions.mjs';

const quiet = process.argv.includes('--quiet');
const say = (line) => { if (!quiet) console.error(line); };

export function lndInstalled() {
  const bin = lndBinDir();
  return existsSync(join(bin, 'lnd')) && existsSync(join(bin, 'lncli')) && existsSync(join(bin, 'TAGS'))
    && readFileSync(join(bin, 'TAGS'), 'utf8').trim() === LND_TAGS.join(' ');
}

function fail(line) {
  console.error(line);
  process.exit(1);
}

function run(args, cwd, env) {
  const r = spawnSync('go', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', quiet ? 'pipe' : 'inherit'], env });
  if (r.status !== 0) fail(`go ${args.join(' ')} failed (exit ${r.status})${quiet ? `: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  return r.stdout;
}

/** The `replace` directives of LND's own go.mod, one line each (`replace a => b v`). */
export function replaceLines(goMod) {
  const lines = [];
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock) {
      if (line === ')') inBlock = false;
      else if (line) lines.push(`replace ${line}`);
    } else if (line === 'replace (') inBlock = true;
    else if (line.startsWith('replace ')) lines.push(line);
  }
  // A local-path replace (`=> ./x`) cannot work outside LND's tree: refuse clearly.
  const local = lines.find((l) => /=>\s*\.{1,2}\//.test(l));
  if (local) fail(`LND ${LND_VERSION} has a local replace (${local}); the wrapper module cannot follow it`);
  return lines;
}

function build() {
  const bin = lndBinDir();
  if (lndInstalled()) {
    say(`lnd ${LND_VERSION}: ${bin}/lnd (cached)`);
    return bin;
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) fail(`lnd ${LND_VERSION} is not built and Go is not installed: install Go (https://go.dev/dl) and run node scripts/peers/lnd.mjs`);
  const started = Date.now();
  const src = join(dirname(bin), 'wrapper');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  mkdirSync(bin, { recursive: true });
  const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOWORK: 'off' };

  say(`lnd ${LND_VERSION}: fetching the module and its go.mod …`);
  const info = JSON.parse(run(['mod', 'download', '-json', `${LND_MODULE}@${LND_VERSION}`], src, env));
  const lndGoMod = readFileSync(info.GoMod, 'utf8');
  const goLine = lndGoMod.match(/^go\s+(\S+)/m)?.[1] ?? '1.23';
  const replaces = replaceLines(lndGoMod);
  writeFileSync(join(src, 'go.mod'), [
    '// Written by scripts/peers/lnd.mjs: builds LND at a pinned release with the replace lines of its',
    '// own go.mod (go install …@version refuses a module that has them).',
    'module glasswing.local/lnd-build',
    '',
    `go ${goLine}`,
    '',
    `require ${LND_MODULE} ${LND_VERSION}`,
    '',
    ...replaces,
    '',
  ].join('\n'));
  say(`  wrapper module: ${src} (${replaces.length} replace lines copied)`);
  // `go get` of the two commands adds exactly the requirements their build needs, at the versions
  // LND's own go.mod pins (its go.mod is complete, so MVS selects the same build list).
  run(['get', `${LND_MODULE}/cmd/lnd@${LND_VERSION}`, `${LND_MODULE}/cmd/lncli@${LND_VERSION}`], src, env);
  const tags = LND_TAGS.join(' ');
  for (const cmd of ['lnd', 'lncli']) {
    const t0 = Date.now();
    say(`building ${cmd} (tags: ${tags}) with ${go.stdout.trim()} (several minutes the first time) …`);
    run(['build', '-trimpath', '-tags', tags, '-ldflags', `-X ${LND_MODULE}/build.RawTags=${LND_TAGS.join(',')}`,
      '-o', join(bin, cmd), `${LND_MODULE}/cmd/${cmd}`], src, env);
    say(`  ${cmd} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(join(bin, 'TAGS'), `${tags}\n`);
  say(`lnd ${LND_VERSION}: ${bin}/lnd (built in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(build());
}
