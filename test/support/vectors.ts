/**
 * Reads the official BOLT test vectors from the repository's own copy in test/vectors/data (see
 * its PROVENANCE.md; `npm run vectors:sync` refreshes it from ../shared/vectors).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const VECTORS_DIR = resolve(REPO_ROOT, 'test/vectors/data');

/** `loadVectors('bolt08/transport.json')` → the parsed JSON. */
export function loadVectors<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(resolve(VECTORS_DIR, relativePath), 'utf8')) as T;
}
