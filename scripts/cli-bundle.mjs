// The CLI (and the daemon it starts) as one JavaScript file, so a command does not compile
// TypeScript at run time: `glasswing getinfo` starts in a fraction of the time tsx needs.
//
// - `node scripts/cli-bundle.mjs` builds it with esbuild into dist/cli/<build>/ (npm's `prepare`
//   runs it after `npm install` / `npm ci`); dist/cli/current.json names the build in use.
// - `cliEntry()` (bin/glasswing.mjs) returns the bundle to run, rebuilding it first when a source
//   it was built from changed since; or null when there is no esbuild (an install without dev
//   dependencies) or GLASSWING_CLI_SOURCES=1 is set: the caller then runs the sources through tsx.
//
// Native and optional packages stay outside the bundle (better-sqlite3, the secp256k1 addon, the
// WebAssembly libsecp256k1: they load files next to themselves), and so does electron. The daemon
// is a chunk of its own (code splitting), so a client command such as getinfo loads neither it nor
// better-sqlite3. Each build goes to a new folder and current.json is replaced atomically, so a
// build never changes files a running process may still load; older builds are removed later.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI_DIR = join(ROOT, 'dist/cli');
/** Which build is in use, what it was built from (our files, relative to the root) and when. */
const CURRENT = join(CLI_DIR, 'current.json');
const EXTERNAL = ['better-sqlite3', 'electron', 'secp256k1', 'secp256k1/*', 'tiny-secp256k1', 'bufferutil', 'utf-8-validate'];
/** Builds other than the current one are removed once they are this old (a process started from one has loaded it). */
const KEEP_OLD_BUILDS_MS = 10 * 60_000;

function readCurrent() {
  try {
    return JSON.parse(readFileSync(CURRENT, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The entry file of the current build. */
export function bundlePath(manifest = readCurrent()) {
  return manifest ? join(CLI_DIR, manifest.build, 'glasswing.mjs') : undefined;
}

/** True when the bundle exists and none of its inputs changed after it was built. */
export function isFresh() {
  const manifest = readCurrent();
  try {
    statSync(bundlePath(manifest));
  } catch {
    return false;
  }
  for (const file of manifest.inputs) {
    let mtime;
    try {
      mtime = statSync(join(ROOT, file)).mtimeMs;
    } catch {
      return false; // a source was removed or renamed
    }
    if (mtime > manifest.builtAt) return false;
  }
  return true;
}

/** Builds the bundle; returns false when esbuild is not installed. */
export async function buildCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const builtAt = Date.now();
  const build = `build-${builtAt}-${process.pid}`;
  mkdirSync(CLI_DIR, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { glasswing: 'main/cli/main.ts' },
    outdir: join(CLI_DIR, build),
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // The CommonJS packages inside (ws) call require(); give the module one.
    banner: { js: "import { createRequire as __glasswingRequire } from 'node:module'; const require = __glasswingRequire(import.meta.url);" },
    define: { 'process.env.GLASSWING_BUNDLED_VERSION': JSON.stringify(version) },
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => relative(ROOT, join(ROOT, p)))
    .filter((p) => !p.split(/[\\/]/).includes('node_modules'));
  // Several processes may build at once: each writes its own folder; the last rename wins.
  const manifestTmp = `${CURRENT}.${process.pid}.tmp`;
  writeFileSync(manifestTmp, JSON.stringify({ build, builtAt, version, inputs: [...inputs, 'package.json', 'package-lock.json'] }) + '\n');
  renameSync(manifestTmp, CURRENT);
  removeOldBuilds(build);
  return true;
}

function removeOldBuilds(keep) {
  const now = Date.now();
  for (const name of readdirSync(CLI_DIR)) {
    const m = /^build-(\d+)-\d+$/.exec(name);
    if (!m || name === keep || name === readCurrent()?.build || now - Number(m[1]) < KEEP_OLD_BUILDS_MS) continue;
    rmSync(join(CLI_DIR, name), { recursive: true, force: true });
  }
}

/** The file URL of the bundle to run (built or rebuilt as needed), or null to run the sources. */
export async function cliEntry() {
  if (process.env.GLASSWING_CLI_SOURCES === '1') return null;
  if (!isFresh()) {
    try {
      if (!(await buildCli())) return null;
    } catch {
      return null; // a source that does not compile: tsx reports it with its location
    }
  }
  return pathToFileURL(bundlePath()).href;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (await buildCli()) console.log(`built ${relative(ROOT, bundlePath())}`);
  else console.log('esbuild is not installed: the glasswing command will run the TypeScript sources (slower to start)');
}
