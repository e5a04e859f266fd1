/**
 * Electron loads native modules built for its own ABI. Instead of rebuilding node_modules (which
 * would break `npm test` under Node), we keep a second build of better-sqlite3 for the installed
 * Electron in dist/electron/native/<version>/ and point the store at it
 * (GLASSWING_SQLITE_BINDING). Building it downloads Electron's headers once.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function ensureElectronSqlite(root: string, _electronBinary: string, say: (t: string) => void): string | undefined {
  const electronPkg = join(root, 'node_modules/electron/package.json');
  if (!existsSync(electronPkg)) return undefined;
  const { version } = JSON.parse(readFileSync(electronPkg, 'utf8')) as { version: string };
  const target = join(root, 'dist/electron/native', version, 'better_sqlite3.node');
  if (existsSync(target)) return target;
  say(`building better-sqlite3 for Electron ${version} (once; downloads Electron's headers)…`);
  const work = mkdtempSync(join(tmpdir(), 'glasswing-sqlite-'));
  try {
    cpSync(join(root, 'node_modules/better-sqlite3'), work, { recursive: true });
    const gyp = join(root, 'node_modules/node-gyp/bin/node-gyp.js');
    const gypBin = existsSync(gyp) ? [process.execPath, gyp] : ['npx', 'node-gyp'];
    const r = spawnSync(gypBin[0]!, [...gypBin.slice(1), 'rebuild', '--release', `--target=${version}`, `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers', '--runtime=electron'], { cwd: work, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('node-gyp failed');
    mkdirSync(join(root, 'dist/electron/native', version), { recursive: true });
    copyFileSync(join(work, 'build/Release/better_sqlite3.node'), target);
    return target;
  } catch (e) {
    say(`could not build better-sqlite3 for Electron (${e instanceof Error ? e.message : String(e)}); try \`npm start -- --browser\`.`);
    process.exit(1);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
