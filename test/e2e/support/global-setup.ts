/**
 * Vitest global setup for the e2e tests (`globalSetup` in a vitest config): builds the
 * renderer once before any browser starts. The e2e files also call it themselves, so they
 * work under the default config too; when nothing changed it returns at once.
 */
import { ensureRendererBuilt } from './build';

export default function setup(): void {
  ensureRendererBuilt();
}
