/**
 * The folder of Glasswing's package.json, found from this module's location: the same answer
 * from the sources (main/), the CLI bundle (dist/cli/) and the Electron bundle (dist/electron/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function here(): string {
  // The Electron bundle is CommonJS: esbuild sets import.meta.url to undefined there.
  if (typeof import.meta.url === 'string') return dirname(fileURLToPath(import.meta.url));
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

function findPackageRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'glasswing') return dir;
      } catch {
        // not ours; look further up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(start, '..');
}

export const PACKAGE_ROOT = findPackageRoot(here());
