/** The Glasswing version: inlined by the bundles, else read from package.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './paths';

function readVersion(): string {
  if (process.env.GLASSWING_BUNDLED_VERSION) return process.env.GLASSWING_BUNDLED_VERSION;
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const GLASSWING_VERSION = readVersion();
