/** The Glasswing version: inlined by the Electron bundle, else read from package.json. */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  if (process.env.GLASSWING_BUNDLED_VERSION) return process.env.GLASSWING_BUNDLED_VERSION;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const GLASSWING_VERSION = readVersion();
