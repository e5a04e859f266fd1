#!/usr/bin/env node
// Builds the LDK test peer (test/interop/ldk-peer: our own crate on rust-lightning 0.2, pinned by
// its committed Cargo.lock) with cargo into the peers cache. Cargo reuses the build: an unchanged
// crate costs about a second. Prints the binary's path. Exit 1 with one clear line when cargo is
// missing or the build fails.
//   node scripts/peers/ldk-peer.mjs [--quiet]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ldkPeerBinary, ldkPeerTargetDir } from './versions.mjs';

const quiet = process.argv.includes('--quiet');
const say = (line) => { if (!quiet) console.error(line); };
const crate = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'interop', 'ldk-peer');

function build() {
  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (cargo.status !== 0) {
    if (existsSync(ldkPeerBinary())) {
      say(`cargo is missing; using the cached ${ldkPeerBinary()}`);
      return ldkPeerBinary();
    }
    console.error('the LDK test peer is not built and cargo is not installed: install Rust (https://rustup.rs) and run node scripts/peers/ldk-peer.mjs');
    process.exit(1);
  }
  const target = ldkPeerTargetDir();
  mkdirSync(target, { recursive: true });
  const fresh = !existsSync(ldkPeerBinary());
  say(`building the LDK test peer with ${cargo.stdout.trim()}${fresh ? ' (several minutes the first time)' : ''} …`);
  const started = Date.now();
  const r = spawnSync('cargo', ['build', '--release', '--locked', '--manifest-path', join(crate, 'Cargo.toml')], {
    stdio: quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, CARGO_TARGET_DIR: target },
  });
  if (r.status !== 0) {
    console.error(`building the LDK test peer failed (cargo exit ${r.status})${quiet ? `: ${String(r.stderr).trim().split('\n').slice(-5).join(' | ')}` : ''}`);
    process.exit(1);
  }
  say(`LDK test peer: ${ldkPeerBinary()} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return ldkPeerBinary();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(build());
}
