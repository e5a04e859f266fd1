#!/usr/bin/env node
// Builds Glasswing's libsecp256k1 binding (native/secp256k1: our crate over secp256k1-sys, pinned by
// its committed Cargo.lock) with cargo into a cache outside the repository, then copies the addon
// to dist/native/glasswing_secp256k1.node, where core/crypto/backend-libsecp.ts loads it. Cargo
// reuses the cached build (an unchanged crate costs about a second) and needs no network once the
// crates are in ~/.cargo/registry.
//   node scripts/native/secp256k1.mjs              build; exit 1 with one clear line on failure (CI)
//   node scripts/native/secp256k1.mjs --optional   never fail: without cargo, or when the build
//                                                  fails, say so in one line and exit 0 (the node
//                                                  then uses the npm secp256k1 backend) — postinstall
//   --quiet                                        no progress lines
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const optional = process.argv.includes('--optional');
const quiet = process.argv.includes('--quiet');
const say = (line) => { if (!quiet) console.error(line); };
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const crate = join(root, 'native', 'secp256k1');

/** `GLASSWING_NATIVE_CACHE`, else `$XDG_CACHE_HOME/glasswing/native`, else `~/.cache/glasswing/native`. */
export function nativeCacheDir() {
  if (process.env.GLASSWING_NATIVE_CACHE) return process.env.GLASSWING_NATIVE_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'glasswing', 'native');
}

/** Where the addon goes (the loader's first place to look from source and from the Electron bundle). */
export const ADDON = join(root, 'dist', 'native', 'glasswing_secp256k1.node');

/** cargo's name for the cdylib on this platform. */
function libraryFile() {
  if (process.platform === 'win32') return 'glasswing_secp256k1.dll';
  if (process.platform === 'darwin') return 'libglasswing_secp256k1.dylib';
  return 'libglasswing_secp256k1.so';
}

function give(reason) {
  if (optional) {
    const fallback = existsSync(ADDON) ? `keeping the one already in ${ADDON}` : 'the node will use the npm secp256k1 backend';
    console.error(`glasswing: the libsecp256k1 addon was not built (${reason}); ${fallback}`);
    process.exit(0);
  }
  console.error(`building the libsecp256k1 addon failed: ${reason}`);
  process.exit(1);
}

function build() {
  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (cargo.error || cargo.status !== 0) give('cargo is not installed: install Rust (https://rustup.rs) and run node scripts/native/secp256k1.mjs');
  const target = join(nativeCacheDir(), 'secp256k1-target');
  mkdirSync(target, { recursive: true });
  const built = join(target, 'release', libraryFile());
  say(`building the libsecp256k1 addon with ${cargo.stdout.trim()}${existsSync(built) ? '' : ' (about a minute the first time)'} …`);
  const started = Date.now();
  const r = spawnSync('cargo', ['build', '--release', '--locked', '--manifest-path', join(crate, 'Cargo.toml')], {
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, CARGO_TARGET_DIR: target },
  });
  if (r.status !== 0) give(`cargo exit ${r.status}: ${String(r.stderr ?? '').trim().split('\n').slice(-4).join(' | ')}`);
  mkdirSync(dirname(ADDON), { recursive: true });
  // Copy then rename: a process that has the old addon loaded keeps a consistent file.
  const tmp = `${ADDON}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  renameSync(tmp, ADDON);
  say(`libsecp256k1 addon: ${ADDON} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ADDON;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(build());
}
