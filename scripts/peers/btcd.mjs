#!/usr/bin/env node
// Builds btcd and btcctl at the pinned version (scripts/peers/versions.mjs) with `go install` into
// the peers cache, unless they are already there. Prints where they are. Exit 1 with one clear line
// when Go is missing or the build fails.
//   node scripts/peers/btcd.mjs [--quiet]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BTCD_MODULE, BTCD_VERSION, btcdBinDir } from './versions.mjs';

const quiet = process.argv.includes('--quiet');
const say = (line) => { if (!quiet) console.error(line); };

export function btcdInstalled() {
  const bin = btcdBinDir();
  return existsSync(join(bin, 'btcd')) && existsSync(join(bin, 'btcctl'));
}

function build() {
  const bin = btcdBinDir();
  if (btcdInstalled()) {
    say(`btcd ${BTCD_VERSION}: ${bin}/btcd (cached)`);
    return bin;
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    console.error(`btcd ${BTCD_VERSION} is not built and Go is not installed: install Go (https://go.dev/dl) and run node scripts/peers/btcd.mjs`);
    process.exit(1);
  }
  mkdirSync(bin, { recursive: true });
  for (const pkg of [BTCD_MODULE, `${BTCD_MODULE}/cmd/btcctl`]) {
    say(`building ${pkg}@${BTCD_VERSION} with ${go.stdout.trim()} (about a minute the first time) …`);
    const started = Date.now();
    const r = spawnSync('go', ['install', `${pkg}@${BTCD_VERSION}`], {
      stdio: quiet ? 'ignore' : 'inherit',
      env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    });
    if (r.status !== 0) {
      console.error(`building ${pkg}@${BTCD_VERSION} failed (go install exit ${r.status})`);
      process.exit(1);
    }
    say(`  done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  say(`btcd ${BTCD_VERSION}: ${bin}/btcd`);
  return bin;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(build());
}
