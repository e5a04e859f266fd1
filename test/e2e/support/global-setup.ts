/**
 * Vitest global setup (`globalSetup` in a vitest config): brings the CLI bundle up to date
 * (scripts/cli-bundle.mjs), so the test files that start `glasswing` processes do not each rebuild
 * it, and builds the renderer once before any browser starts. The e2e files also build the
 * renderer themselves, so they work under the default config too; when nothing changed both
 * return at once.
 */
import { ensureRendererBuilt } from './build';
import { buildCli, isFresh } from '../../../scripts/cli-bundle.mjs';

export default async function setup(): Promise<void> {
  if (!isFresh()) await buildCli();
  ensureRendererBuilt();
}
